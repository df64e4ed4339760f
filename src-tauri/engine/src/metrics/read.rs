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
use super::rollup::{day_number, day_text};
use crate::clock::Millis;
use crate::connector::daily::Window;
use crate::connector::{Day, Metric, Rollup, QUALITY_OTHER_ROW, QUALITY_SAMPLED, QUALITY_THRESHOLDED};
use crate::error::{InputError, Result};
use crate::models::Source;
use crate::providers::Provider;
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

/// What a provider said about a widget's numbers (GA4's sampling and thresholding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DataQuality {
    /// Computed from a sample of the data.
    Sampled,
    /// Rows were withheld to protect privacy (few users).
    Thresholded,
    /// Rows past the provider's limit were folded into "(other)".
    OtherRow,
}

impl DataQuality {
    fn of(flags: i64) -> Vec<DataQuality> {
        [
            (QUALITY_SAMPLED, DataQuality::Sampled),
            (QUALITY_THRESHOLDED, DataQuality::Thresholded),
            (QUALITY_OTHER_ROW, DataQuality::OtherRow),
        ]
        .into_iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, q)| q)
        .collect()
    }
}

/// A widget with its numbers, as of the last sync of its sources.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WidgetView {
    pub widget: Widget,
    pub metric: MetricInfo,
    /// The range's first and last day (`YYYY-MM-DD`), in `time_zone`.
    pub from: String,
    pub to: String,
    /// The zone the metric's days are in: `UTC` for timestamped data (Stripe, GitHub); the
    /// account's own for date-keyed reports (a GA4 property's, Search Console's Pacific).
    pub time_zone: String,
    /// Today in `time_zone`: what the range was resolved against (a New York property is
    /// still on yesterday at 03:00 UTC).
    pub today: String,
    /// What the provider said about these numbers, for the hover.
    pub quality: Vec<DataQuality>,
    /// The attribution setting the provider counted its conversions with (Meta Ads), in words.
    pub attribution: Option<String>,
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
    /// How many days before the last sync's day its sources re-read (the provider may still
    /// restate them): the longest lookback of the widget's sources, 0 for none.
    pub lookback_days: u32,
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
        Window::today_in(None, self.clock.now_millis())
    }

    /// Every widget's numbers from the local rollups, with each one's freshness. Served
    /// from the snapshot cache when nothing changed since the last read; never calls a
    /// provider and never starts work.
    pub async fn get_dashboard(&self, id: i64) -> Result<DashboardView> {
        let now = self.clock.now_millis();
        let snapshot = match self.snapshots.get(id, now) {
            Ok(snapshot) => snapshot,
            Err(generation) => {
                let snapshot = Arc::new(self.compute_dashboard(id, now).await?);
                self.snapshots.put(id, generation, Arc::clone(&snapshot));
                snapshot
            }
        };
        let freshness = self.client_freshness(snapshot.client_id).await?;
        let mut view = snapshot.view.clone();
        view.offline = self.is_offline();
        for widget in &mut view.widgets {
            let sources: Vec<&Source> = snapshot
                .sources
                .iter()
                .filter(|s| s.provider == widget.metric.provider)
                .collect();
            apply_freshness(widget, &sources, &freshness);
        }
        Ok(view)
    }

    async fn compute_dashboard(&self, id: i64, now: Millis) -> Result<Snapshot> {
        let dashboard = self.store.dashboard(id).await?;
        let sources: Vec<Source> = self
            .store
            .sources(Some(dashboard.client_id))
            .await?
            .into_iter()
            .filter(|s| s.enabled)
            .collect();
        // Widgets are computed concurrently, as many at a time as there are readers: each
        // query runs on its own SQLite connection thread.
        let known: Vec<(Widget, Provider, &'static Metric)> = self
            .store
            .widgets(id)
            .await?
            .into_iter()
            .filter_map(|widget| match catalog::find(&widget.metric) {
                Some((provider, metric)) => Some((widget, provider, metric)),
                None => {
                    // A widget whose metric this version no longer knows is left out, not fatal.
                    tracing::warn!(widget = widget.id, metric = %widget.metric, "unknown metric; widget skipped");
                    None
                }
            })
            .collect();
        let mut todays: Vec<(Option<String>, NaiveDate)> = Vec::new();
        // The futures are built first: a closure inside the stream would make the command's
        // future fail to prove it is `Send` for every lifetime.
        let pending: Vec<_> = known
            .into_iter()
            .map(|(widget, provider, metric)| {
                let of: Vec<&Source> = sources.iter().filter(|s| s.provider == provider).collect();
                let zone = zone_of(metric, &of);
                let today = Window::today_in(zone.as_deref(), now);
                if !todays.iter().any(|(z, _)| *z == zone) {
                    todays.push((zone.clone(), today));
                }
                let ids = of.iter().map(|s| s.id).collect();
                self.compute_widget(widget, provider, metric, ids, zone, today)
            })
            .collect();
        let widgets: Vec<WidgetView> = futures_util::stream::iter(pending)
            .buffered(crate::store::READERS as usize)
            .try_collect()
            .await?;
        let today = Window::today_in(None, now);
        if !todays.iter().any(|(z, _)| z.is_none()) {
            todays.push((None, today));
        }
        Ok(Snapshot {
            client_id: dashboard.client_id,
            todays,
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
        provider: Provider,
        metric: &'static Metric,
        ids: Vec<i64>,
        zone: Option<String>,
        today: NaiveDate,
    ) -> Result<WidgetView> {
        let span = widget.range.span(today);
        let previous =
            (widget.comparison == Comparison::PreviousPeriod).then(|| widget.range.previous(today));
        let table = widget.visual == Visual::Table;
        let computed = query::compute(self.store.reader(), &ids, metric, span, previous, table).await?;
        let flags = query::quality(
            self.store.reader(),
            &ids,
            provider.connector().quality_metrics,
            span,
        )
        .await?;
        Ok(WidgetView {
            metric: catalog::info(provider, metric),
            from: fmt_day(span.from),
            to: fmt_day(span.to),
            time_zone: zone.unwrap_or_else(|| "UTC".to_owned()),
            today: fmt_day(today),
            quality: DataQuality::of(flags),
            attribution: provider.connector().attribution.map(str::to_owned),
            previous_from: previous.map(|p| fmt_day(p.from)),
            previous_to: previous.map(|p| fmt_day(p.to)),
            state: None,
            as_of: None,
            provisional_from: None,
            lookback_days: 0,
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
        let (provider, metric) =
            catalog::find(key).ok_or_else(|| InputError::UnknownMetric(key.to_owned()))?;
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
            .filter(|s| s.enabled && s.provider == provider)
            .map(|s| s.id)
            .collect();
        let computed = query::compute(self.store.reader(), &ids, metric, span, None, true).await?;
        let freshness = self.client_freshness(client_id).await?;
        let (state, as_of) = oldest(&ids, &freshness);
        Ok(MetricReport {
            metric: catalog::info(provider, metric),
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

/// The zone a metric's days are in: the account's own for a date-keyed report (the first
/// source's, when a client has several), UTC (`None`) for timestamped rows.
fn zone_of(metric: &Metric, sources: &[&Source]) -> Option<String> {
    let date_keyed = match &metric.rollup {
        Rollup::Flow { time, .. } | Rollup::Items { time, .. } => matches!(time, Day::Date(_)),
        Rollup::Stock { .. } => false,
    };
    date_keyed
        .then(|| sources.iter().find_map(|s| s.time_zone.clone()))
        .flatten()
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

fn apply_freshness(widget: &mut WidgetView, sources: &[&Source], freshness: &ClientFreshness) {
    let ids: Vec<i64> = sources.iter().map(|s| s.id).collect();
    let (state, as_of) = oldest(&ids, freshness);
    widget.state = state;
    widget.as_of = as_of;
    if widget.empty == Some(EmptyReason::NoData) && as_of.is_none() {
        widget.empty = Some(EmptyReason::NeverSynced);
    }
    // Days from the last sync's day (in the widget's zone), minus the longest restatement
    // window of its sources, may still change.
    let zone = (widget.time_zone != "UTC").then_some(widget.time_zone.as_str());
    let lookback = sources.iter().map(|s| s.lookback_days).max().unwrap_or(0);
    widget.lookback_days = lookback;
    widget.provisional_from = as_of.and_then(|as_of| {
        let first = day_text(day_number(Window::today_in(zone, as_of)) - i64::from(lookback));
        (widget.to >= first).then(|| first.max(widget.from.clone()))
    });
}
