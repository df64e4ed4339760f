//! Reading dashboards: every widget's numbers from the rollups (through the snapshot cache),
//! with its freshness and provisional days added at each read.

use std::sync::Arc;

use chrono::NaiveDate;
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use ts_rs::TS;

use super::cache::Snapshot;
use super::catalog::{self, MetricInfo};
use super::dashboards::{Comparison, Dashboard, Visual, Widget};
use super::query::{self, BreakdownRow, Series};
use super::range::DateRange;
use super::rollup::{self, day_number, day_text, DAY_MS};
use crate::clock::Millis;
use crate::connectors::Provider;
use crate::error::{InputError, Result};
use crate::schedule::{ClientFreshness, FreshnessState};
use crate::Engine;

/// Why a widget has no numbers to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EmptyReason {
    /// The client has no source of the metric's provider.
    NoSource,
    /// Its sources have not finished a first sync.
    NeverSynced,
    /// Synced, but nothing happened in the range.
    NoData,
}

/// A widget with its numbers, as of the last sync of its sources.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WidgetView {
    pub widget: Widget,
    pub metric: MetricInfo,
    /// The range's first and last day (`YYYY-MM-DD`, UTC days).
    pub from: String,
    pub to: String,
    /// The comparison period, when the widget compares.
    pub previous_from: Option<String>,
    pub previous_to: Option<String>,
    /// The freshness of its oldest source; `None` without sources.
    pub state: Option<FreshnessState>,
    /// When its oldest source last synced successfully: the numbers are at least this fresh.
    #[ts(type = "number | null")]
    pub as_of: Option<Millis>,
    /// The first day of the range that may still change (the day is not over, or the
    /// provider may restate it); `None` when the whole range is final.
    pub provisional_from: Option<String>,
    pub empty: Option<EmptyReason>,
    /// One series per currency for money (largest first), one otherwise.
    pub series: Vec<Series>,
    /// The top parts of a breakdown metric; empty otherwise.
    pub breakdown: Vec<BreakdownRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DashboardView {
    pub dashboard: Dashboard,
    /// The day ranges are resolved against (UTC).
    pub today: String,
    pub offline: bool,
    pub widgets: Vec<WidgetView>,
}

/// One metric for one client over a range, with its daily values (the CLI's `metric`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricReport {
    pub metric: MetricInfo,
    pub from: String,
    pub to: String,
    pub days: Vec<String>,
    pub series: Vec<Series>,
    pub breakdown: Vec<BreakdownRow>,
    pub state: Option<FreshnessState>,
    pub as_of: Option<Millis>,
}

impl Engine {
    // --- reading -------------------------------------------------------------------------

    /// Drops every cached dashboard snapshot: the next reads compute from the rollups, as
    /// the first read after a sync does (benchmarks measure that "cold" read).
    pub fn forget_snapshots(&self) {
        self.snapshots.clear();
    }

    fn today(&self) -> NaiveDate {
        rollup::epoch_day(self.clock.now_millis().div_euclid(DAY_MS))
    }

    /// Every widget's numbers from the local rollups, with each one's freshness. Served
    /// from the snapshot cache when nothing changed since the last read; never calls a
    /// provider and never starts work.
    pub async fn get_dashboard(&self, id: i64) -> Result<DashboardView> {
        let today = self.today();
        let snapshot = match self.snapshots.get(id, today) {
            Ok(snapshot) => snapshot,
            Err(generation) => {
                let snapshot = Arc::new(self.compute_dashboard(id, today).await?);
                self.snapshots.put(id, generation, Arc::clone(&snapshot));
                snapshot
            }
        };
        let freshness = self.client_freshness(snapshot.client_id).await?;
        let mut view = snapshot.view.clone();
        view.offline = self.is_offline();
        for widget in &mut view.widgets {
            let sources: Vec<i64> = snapshot
                .sources
                .iter()
                .filter(|(_, p)| *p == widget.metric.provider)
                .map(|(id, _)| *id)
                .collect();
            apply_freshness(widget, &sources, &freshness);
        }
        Ok(view)
    }

    async fn compute_dashboard(&self, id: i64, today: NaiveDate) -> Result<Snapshot> {
        let dashboard = self.store.dashboard(id).await?;
        let sources: Vec<(i64, Provider)> = self
            .store
            .sources(Some(dashboard.client_id))
            .await?
            .into_iter()
            .filter(|s| s.enabled)
            .map(|s| (s.id, s.provider))
            .collect();
        // Widgets are computed concurrently, as many at a time as there are readers: each
        // query runs on its own SQLite connection thread.
        let known: Vec<(Widget, &'static catalog::Metric)> = self
            .store
            .widgets(id)
            .await?
            .into_iter()
            .filter_map(|widget| match catalog::find(&widget.metric) {
                Some(metric) => Some((widget, metric)),
                None => {
                    // A widget whose metric this version no longer knows is left out, not fatal.
                    tracing::warn!(widget = widget.id, metric = %widget.metric, "unknown metric; widget skipped");
                    None
                }
            })
            .collect();
        // The futures are built first: a closure inside the stream would make the command's
        // future fail to prove it is `Send` for every lifetime.
        let pending: Vec<_> = known
            .into_iter()
            .map(|(widget, metric)| self.compute_widget(widget, metric, &sources, today))
            .collect();
        let widgets: Vec<WidgetView> = futures_util::stream::iter(pending)
            .buffered(crate::store::READERS as usize)
            .try_collect()
            .await?;
        Ok(Snapshot {
            client_id: dashboard.client_id,
            today,
            view: DashboardView {
                dashboard,
                today: fmt_day(today),
                offline: false,
                widgets,
            },
            sources,
        })
    }

    async fn compute_widget(
        &self,
        widget: Widget,
        metric: &'static catalog::Metric,
        sources: &[(i64, Provider)],
        today: NaiveDate,
    ) -> Result<WidgetView> {
        let ids: Vec<i64> = sources
            .iter()
            .filter(|(_, p)| *p == metric.provider)
            .map(|(id, _)| *id)
            .collect();
        let span = widget.range.span(today);
        let previous =
            (widget.comparison == Comparison::PreviousPeriod).then(|| widget.range.previous(today));
        let table = widget.visual == Visual::Table;
        let computed = query::compute(self.store.reader(), &ids, metric, span, previous, table).await?;
        Ok(WidgetView {
            metric: metric.info(),
            from: fmt_day(span.from),
            to: fmt_day(span.to),
            previous_from: previous.map(|p| fmt_day(p.from)),
            previous_to: previous.map(|p| fmt_day(p.to)),
            state: None,
            as_of: None,
            provisional_from: None,
            empty: if ids.is_empty() {
                Some(EmptyReason::NoSource)
            } else if computed.has_data {
                None
            } else {
                Some(EmptyReason::NoData)
            },
            series: computed.series,
            breakdown: computed.breakdown,
            widget,
        })
    }

    /// One metric's daily values and total for a client over `from..=to` (the CLI's `metric`).
    pub async fn metric_report(
        &self,
        client_id: i64,
        key: &str,
        from: &str,
        to: &str,
    ) -> Result<MetricReport> {
        let metric = catalog::find(key).ok_or_else(|| InputError::UnknownMetric(key.to_owned()))?;
        let range = DateRange::Custom {
            from: from.to_owned(),
            to: to.to_owned(),
        };
        range.validate()?;
        let span = range.span(self.today());
        let ids: Vec<i64> = self
            .store
            .sources(Some(client_id))
            .await?
            .into_iter()
            .filter(|s| s.enabled && s.provider == metric.provider)
            .map(|s| s.id)
            .collect();
        let computed = query::compute(self.store.reader(), &ids, metric, span, None, true).await?;
        let freshness = self.client_freshness(client_id).await?;
        let (state, as_of) = oldest(&ids, &freshness);
        Ok(MetricReport {
            metric: metric.info(),
            from: fmt_day(span.from),
            to: fmt_day(span.to),
            days: (0..span.days())
                .map(|i| day_text(day_number(span.from) + i))
                .collect(),
            series: computed.series,
            breakdown: computed.breakdown,
            state,
            as_of,
        })
    }
}

fn fmt_day(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The worst state and oldest success among `sources`.
fn oldest(sources: &[i64], freshness: &ClientFreshness) -> (Option<FreshnessState>, Option<Millis>) {
    let of_widget = || {
        freshness
            .sources
            .iter()
            .filter(|s| sources.contains(&s.source_id))
    };
    let state = of_widget().map(|s| s.state).min();
    let as_of = if of_widget().any(|s| s.last_synced_at.is_none()) {
        None
    } else {
        of_widget().filter_map(|s| s.last_synced_at).min()
    };
    (state, as_of)
}

fn apply_freshness(widget: &mut WidgetView, sources: &[i64], freshness: &ClientFreshness) {
    let (state, as_of) = oldest(sources, freshness);
    widget.state = state;
    widget.as_of = as_of;
    if widget.empty == Some(EmptyReason::NoData) && as_of.is_none() {
        widget.empty = Some(EmptyReason::NeverSynced);
    }
    // Days from the last sync's day (minus the provider's restatement window) may change.
    widget.provisional_from = as_of.and_then(|as_of| {
        let lookback = i64::from(widget.metric.provider.lookback_days());
        let first = day_text(as_of.div_euclid(DAY_MS) - lookback);
        (widget.to >= first).then(|| first.max(widget.from.clone()))
    });
}
