//! Metrics and dashboards: the catalog, daily rollups kept up to date after each sync,
//! dashboards of widgets, and reading them from rollups only — never from a provider —
//! through an in-memory snapshot cache.

mod cache;
pub mod catalog;
mod query;
pub mod range;
pub(crate) mod rollup;

use std::sync::Arc;

use chrono::NaiveDate;
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use ts_rs::TS;

pub(crate) use cache::SnapshotCache;
pub use catalog::{Aggregation, MetricInfo, Split, Unit};
pub use query::{BreakdownRow, Series};
pub use range::{DateRange, Span};

use crate::clock::Millis;
use crate::connectors::Provider;
use crate::error::{Error, InputError, Result};
use crate::schedule::{ClientFreshness, FreshnessState};
use crate::Engine;
use cache::Snapshot;
use rollup::{day_number, day_text, DAY_MS};

pub const MAX_DASHBOARD_NAME_CHARS: usize = 80;
/// The dashboard a client gets when its first source is added.
pub const DEFAULT_DASHBOARD: &str = "Overview";
const CATALOG_VERSION_SETTING: &str = "metrics.catalog_version";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, FromRow)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Dashboard {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub client_id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub position: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Visual {
    /// A number tile with its change and a sparkline.
    Number,
    /// A chart of the daily values.
    Timeseries,
    /// A top-N table (parts of a breakdown, currencies, or the best days).
    Table,
}

impl Visual {
    pub fn as_str(self) -> &'static str {
        match self {
            Visual::Number => "number",
            Visual::Timeseries => "timeseries",
            Visual::Table => "table",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "timeseries" => Visual::Timeseries,
            "table" => Visual::Table,
            _ => Visual::Number,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Comparison {
    None,
    PreviousPeriod,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::None => "none",
            Comparison::PreviousPeriod => "previous_period",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Widget {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub dashboard_id: i64,
    pub metric: String,
    pub range: DateRange,
    pub comparison: Comparison,
    pub visual: Visual,
    #[ts(type = "number")]
    pub position: i64,
    /// Grid columns (1–4) and rows (1–4).
    pub width: u8,
    pub height: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewWidget {
    pub metric: String,
    pub range: DateRange,
    pub comparison: Comparison,
    pub visual: Visual,
    pub width: u8,
    pub height: u8,
}

/// A change to a widget; `None` leaves that part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WidgetChange {
    pub range: Option<DateRange>,
    pub comparison: Option<Comparison>,
    pub visual: Option<Visual>,
    pub width: Option<u8>,
    pub height: Option<u8>,
}

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

fn dashboard_name(raw: &str) -> Result<String, InputError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(InputError::EmptyDashboardName);
    }
    let len = name.chars().count();
    if len > MAX_DASHBOARD_NAME_CHARS {
        return Err(InputError::DashboardNameTooLong {
            max: MAX_DASHBOARD_NAME_CHARS,
            len,
        });
    }
    Ok(name.to_owned())
}

fn check_size(size: u8) -> Result<(), InputError> {
    if (1..=4).contains(&size) {
        Ok(())
    } else {
        Err(InputError::BadWidgetSize(i64::from(size)))
    }
}

impl NewWidget {
    fn validate(&self) -> Result<(), InputError> {
        catalog::find(&self.metric).ok_or_else(|| InputError::UnknownMetric(self.metric.clone()))?;
        self.range.validate()?;
        check_size(self.width)?;
        check_size(self.height)
    }
}

fn default_widgets(provider: Provider) -> Vec<NewWidget> {
    catalog::default_widgets(provider)
        .iter()
        .map(|(metric, visual, width)| NewWidget {
            metric: (*metric).to_owned(),
            range: DateRange::LastDays { days: 30 },
            comparison: Comparison::PreviousPeriod,
            visual: Visual::parse(visual),
            width: *width,
            height: if *visual == "number" { 1 } else { 2 },
        })
        .collect()
}

impl Engine {
    // --- catalog and rollups -------------------------------------------------------------

    pub fn metrics_catalog(&self) -> Vec<MetricInfo> {
        catalog::CATALOG.iter().map(catalog::Metric::info).collect()
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

    // --- dashboards ----------------------------------------------------------------------

    /// A client's dashboards. A client with sources but no dashboard gets the default one.
    pub async fn dashboards(&self, client_id: i64) -> Result<Vec<Dashboard>> {
        self.client(client_id).await?;
        let dashboards = self.store.dashboards(client_id).await?;
        if !dashboards.is_empty() {
            return Ok(dashboards);
        }
        let providers = self.client_providers(client_id).await?;
        if providers.is_empty() {
            return Ok(dashboards);
        }
        let widgets: Vec<NewWidget> = providers.into_iter().flat_map(default_widgets).collect();
        match self
            .store
            .insert_dashboard(client_id, DEFAULT_DASHBOARD, &widgets, self.clock.now_millis())
            .await
        {
            // Another window created it first.
            Ok(_) | Err(Error::Input(InputError::DuplicateDashboardName(_))) => {}
            Err(e) => return Err(e),
        }
        self.store.dashboards(client_id).await
    }

    /// After a source is added: its provider's default widgets join the client's first
    /// dashboard, unless a dashboard already shows that provider.
    pub(crate) async fn add_default_widgets(&self, client_id: i64, provider: Provider) -> Result<()> {
        let dashboards = self.dashboards(client_id).await?;
        let Some(first) = dashboards.first() else {
            return Ok(());
        };
        for dashboard in &dashboards {
            let widgets = self.store.widgets(dashboard.id).await?;
            if widgets
                .iter()
                .any(|w| catalog::find(&w.metric).is_some_and(|m| m.provider == provider))
            {
                return Ok(());
            }
        }
        self.store
            .add_widgets(first.id, &default_widgets(provider), self.clock.now_millis())
            .await?;
        self.snapshots.invalidate_dashboard(first.id);
        Ok(())
    }

    async fn client_providers(&self, client_id: i64) -> Result<Vec<Provider>> {
        let mut providers: Vec<Provider> = self
            .store
            .sources(Some(client_id))
            .await?
            .into_iter()
            .map(|s| s.provider)
            .collect();
        providers.dedup();
        providers.sort_by_key(|p| p.as_str());
        providers.dedup();
        Ok(providers)
    }

    /// Finds a client's dashboard by name (case-insensitive), or its first one.
    pub async fn find_dashboard(&self, client_id: i64, name: Option<&str>) -> Result<Dashboard> {
        let dashboards = self.dashboards(client_id).await?;
        match name {
            Some(name) => dashboards
                .into_iter()
                .find(|d| d.name.to_lowercase() == name.trim().to_lowercase())
                .ok_or_else(|| Error::NoDashboardNamed(name.trim().to_owned())),
            None => dashboards
                .into_iter()
                .next()
                .ok_or_else(|| Error::NoDashboardNamed(DEFAULT_DASHBOARD.to_owned())),
        }
    }

    pub async fn create_dashboard(&self, client_id: i64, name: &str) -> Result<Dashboard> {
        let name = dashboard_name(name)?;
        self.client(client_id).await?;
        self.store
            .insert_dashboard(client_id, &name, &[], self.clock.now_millis())
            .await
    }

    pub async fn rename_dashboard(&self, id: i64, name: &str) -> Result<Dashboard> {
        let name = dashboard_name(name)?;
        let dashboard = self
            .store
            .rename_dashboard(id, &name, self.clock.now_millis())
            .await?;
        self.snapshots.invalidate_dashboard(id);
        Ok(dashboard)
    }

    pub async fn delete_dashboard(&self, id: i64) -> Result<()> {
        self.store.delete_dashboard(id).await?;
        self.snapshots.invalidate_dashboard(id);
        Ok(())
    }

    pub async fn add_widget(&self, dashboard_id: i64, widget: NewWidget) -> Result<Widget> {
        widget.validate()?;
        self.store.dashboard(dashboard_id).await?;
        let ids = self
            .store
            .add_widgets(
                dashboard_id,
                std::slice::from_ref(&widget),
                self.clock.now_millis(),
            )
            .await?;
        self.snapshots.invalidate_dashboard(dashboard_id);
        self.store.widget(ids[0]).await
    }

    pub async fn update_widget(&self, id: i64, change: WidgetChange) -> Result<Widget> {
        let mut widget = self.store.widget(id).await?;
        if let Some(range) = change.range {
            range.validate()?;
            widget.range = range;
        }
        if let Some(size) = change.width {
            check_size(size)?;
            widget.width = size;
        }
        if let Some(size) = change.height {
            check_size(size)?;
            widget.height = size;
        }
        widget.comparison = change.comparison.unwrap_or(widget.comparison);
        widget.visual = change.visual.unwrap_or(widget.visual);
        self.store.put_widget(&widget, self.clock.now_millis()).await?;
        self.snapshots.invalidate_dashboard(widget.dashboard_id);
        Ok(widget)
    }

    /// Moves a widget to a 0-based position among its dashboard's widgets.
    pub async fn move_widget(&self, id: i64, position: usize) -> Result<()> {
        let dashboard_id = self
            .store
            .move_widget(id, position, self.clock.now_millis())
            .await?;
        self.snapshots.invalidate_dashboard(dashboard_id);
        Ok(())
    }

    pub async fn remove_widget(&self, id: i64) -> Result<()> {
        let dashboard_id = self.store.delete_widget(id).await?;
        self.snapshots.invalidate_dashboard(dashboard_id);
        Ok(())
    }

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
