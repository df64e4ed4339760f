//! The metrics Freshboard knows: every provider's, as the UI and CLI see them. A metric is
//! declared in its provider's folder (`providers/<name>/metrics.rs`); this is where they are
//! found by key and described.

use serde::Serialize;
use ts_rs::TS;

pub use crate::connector::{parts_key, Aggregation, Metric, Rollup, Split, Unit};
use crate::providers::Provider;

/// A metric as the UI and CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MetricInfo {
    pub key: String,
    pub label: String,
    pub description: String,
    pub provider: Provider,
    pub unit: Unit,
    pub aggregation: Aggregation,
    pub split: Split,
    pub lower_is_better: bool,
}

pub fn info(provider: Provider, metric: &Metric) -> MetricInfo {
    MetricInfo {
        key: metric.key.to_owned(),
        label: metric.label.to_owned(),
        description: metric.description.to_owned(),
        provider,
        unit: metric.unit,
        aggregation: metric.aggregation,
        split: metric.split,
        lower_is_better: metric.lower_is_better,
    }
}

/// Every metric with its provider, in the registry's order.
pub fn all() -> impl Iterator<Item = (Provider, &'static Metric)> {
    Provider::ALL
        .into_iter()
        .flat_map(|p| p.connector().metrics.iter().map(move |m| (p, m)))
}

/// The metrics a widget can show: all but the hidden quality flags.
pub fn shown() -> impl Iterator<Item = (Provider, &'static Metric)> {
    all().filter(|(p, m)| !p.connector().quality_metrics.contains(&m.key))
}

pub fn find(key: &str) -> Option<(Provider, &'static Metric)> {
    all().find(|(_, m)| m.key == key)
}

/// Bumped whenever an existing rollup's definition changes: stored rollups are then rebuilt
/// on open. (New metrics of new tables need no bump: there is nothing stored to redo.)
/// 2: MRR sums every item of a subscription, not only the first.
pub const CATALOG_VERSION: i64 = 2;
