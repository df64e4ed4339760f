//! Metrics and dashboards: the catalog, daily rollups kept up to date after each sync,
//! dashboards of widgets, and reading them from rollups only — never from a provider —
//! through an in-memory snapshot cache.

mod cache;
pub mod catalog;
mod dashboards;
mod query;
pub mod range;
mod read;
pub(crate) mod rollup;

pub(crate) use cache::SnapshotCache;
pub use catalog::{Aggregation, MetricInfo, Split, Unit};
pub use dashboards::{
    Comparison, Dashboard, NewWidget, Visual, Widget, WidgetChange, DEFAULT_DASHBOARD,
    MAX_DASHBOARD_NAME_CHARS,
};
pub use query::{BreakdownRow, Series};
pub use range::{DateRange, Span};
pub use read::{DashboardView, DataQuality, EmptyReason, MetricReport, WidgetView};

use crate::error::Result;
use crate::providers::Provider;
use crate::Engine;

const CATALOG_VERSION_SETTING: &str = "metrics.catalog_version";

impl Engine {
    // --- catalog and rollups -------------------------------------------------------------

    pub fn metrics_catalog(&self) -> Vec<MetricInfo> {
        catalog::shown().map(|(p, m)| catalog::info(p, m)).collect()
    }

    /// Recomputes the days the last writes touched for one source, then drops the
    /// snapshots of its client. Runs after every sync, whatever its outcome: rows that
    /// were committed count.
    pub(crate) async fn apply_rollups(
        &self,
        source_id: i64,
        client_id: i64,
        provider: Provider,
    ) -> Result<()> {
        let mut tx = self.store.write().await?;
        let marked = rollup::apply(&mut tx, source_id, provider, self.clock.now_millis()).await?;
        tx.commit().await?;
        if marked > 0 {
            tracing::debug!(source = source_id, days = marked, "rollups updated");
            self.snapshots.invalidate_client(client_id);
        }
        Ok(())
    }

    /// How many daily rollup rows the database holds (benchmarks print it).
    pub async fn rollup_rows(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM metric_daily")
            .fetch_one(self.store.reader())
            .await?)
    }

    /// Recomputes every rollup of a source from its rows.
    pub async fn rebuild_rollups(&self, source_id: i64) -> Result<()> {
        let source = self.store.source_access(source_id).await?.source;
        let mut tx = self.store.write().await?;
        rollup::rebuild(&mut tx, source_id, source.provider, self.clock.now_millis()).await?;
        tx.commit().await?;
        self.snapshots.invalidate_client(source.client_id);
        Ok(())
    }

    /// On open: rebuilds every rollup when the catalog changed since they were computed,
    /// and finishes rollups a crash left marked.
    pub(crate) async fn bring_rollups_up_to_date(&self) -> Result<()> {
        let stored = self.store.setting(CATALOG_VERSION_SETTING).await?;
        let current = catalog::CATALOG_VERSION.to_string();
        let sources = self.store.sources(None).await?;
        if stored.as_deref() != Some(current.as_str()) {
            for source in &sources {
                self.rebuild_rollups(source.id).await?;
            }
            self.store.put_setting(CATALOG_VERSION_SETTING, &current).await?;
            tracing::info!(
                sources = sources.len(),
                "rollups rebuilt for a new metric catalog"
            );
        } else {
            // Only sources a crash left marked: opening must not take the write lock per source
            // (the CLI opens the engine beside a running app).
            let marked: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT source_id FROM rollup_dirty")
                .fetch_all(self.store.reader())
                .await?;
            for source in sources.iter().filter(|s| marked.contains(&s.id)) {
                self.apply_rollups(source.id, source.client_id, source.provider)
                    .await?;
            }
        }
        Ok(())
    }
}
