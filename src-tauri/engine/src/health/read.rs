//! Reading health: a blank-filled timeline and totals for any scope and granularity, and the
//! overview the Health screen opens on (today and the last 7 days at a glance, then every
//! source worst first).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use ts_rs::TS;

use super::alerts::Alert;
use super::stats::{Moments, Spread};
use super::{Granularity, HealthQuery, HealthScope};
use crate::clock::Millis;
use crate::error::Result;
use crate::providers::Provider;
use crate::store::health::{BucketRow, Filter};
use crate::sync::JobErrorKind;
use crate::Engine;

/// Runs by what started them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Triggers {
    #[ts(type = "number")]
    pub schedule: u64,
    #[ts(type = "number")]
    pub stale: u64,
    #[ts(type = "number")]
    pub manual: u64,
    #[ts(type = "number")]
    pub catch_up: u64,
    #[ts(type = "number")]
    pub retry: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ErrorCount {
    pub kind: JobErrorKind,
    #[ts(type = "number")]
    pub count: u64,
}

/// Counters over a span, and what follows from them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HealthTotals {
    #[ts(type = "number")]
    pub runs: u64,
    #[ts(type = "number")]
    pub succeeded: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    #[ts(type = "number")]
    pub rate_limited: u64,
    #[ts(type = "number")]
    pub cancelled: u64,
    /// Succeeded out of succeeded and failed (a wait, a skip or a cancel is neither).
    pub success_share: Option<f64>,
    pub triggers: Triggers,
    /// Durations of succeeded runs, ms.
    pub duration: Spread,
    #[ts(type = "number")]
    pub records: u64,
    /// Records per run that did work (succeeded or failed).
    pub records_per_run: Option<f64>,
    #[ts(type = "number")]
    pub pages: u64,
    #[ts(type = "number")]
    pub requests: u64,
    #[ts(type = "number")]
    pub retries: u64,
    /// Time spent waiting on rate limits, ms.
    #[ts(type = "number")]
    pub wait_ms: u64,
    /// Error kinds, most frequent first.
    pub errors: Vec<ErrorCount>,
}

/// One bucket of a timeline (a blank one counts zeros).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HealthBucket {
    #[ts(type = "number")]
    pub start: Millis,
    #[serde(flatten)]
    pub totals: HealthTotals,
}

/// A scope's health over a window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HealthReport {
    pub query: HealthQuery,
    pub totals: HealthTotals,
    /// Every bucket from the window's first to its last, blanks included.
    pub buckets: Vec<HealthBucket>,
    /// The newest success and the failures since (over the scope's sources).
    #[ts(type = "number | null")]
    pub last_success_at: Option<Millis>,
    pub failure_streak: u32,
    pub alerts: Vec<Alert>,
}

/// A day of a sparkline: runs and failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SparkPoint {
    #[ts(type = "number")]
    pub start: Millis,
    #[ts(type = "number")]
    pub runs: u64,
    #[ts(type = "number")]
    pub failures: u64,
}

/// One source's line on the Health screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SourceHealth {
    #[ts(type = "number")]
    pub source_id: i64,
    #[ts(type = "number")]
    pub client_id: i64,
    pub client_name: String,
    pub provider: Provider,
    pub label: String,
    /// The last 7 days.
    pub week: HealthTotals,
    /// Runs and failures a day, the last 14 days.
    pub sparkline: Vec<SparkPoint>,
    #[ts(type = "number | null")]
    pub last_success_at: Option<Millis>,
    pub failure_streak: u32,
    pub last_error_kind: Option<JobErrorKind>,
    pub last_error: Option<String>,
    #[ts(type = "number | null")]
    pub last_error_at: Option<Millis>,
    /// When its last job ended, however it ended.
    #[ts(type = "number | null")]
    pub last_finished_at: Option<Millis>,
    /// Open alerts about it.
    pub alerts: u32,
}

/// What the Health screen opens on.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HealthOverview {
    pub today: HealthTotals,
    pub last_7_days: HealthTotals,
    pub alerts: Vec<Alert>,
    /// Worst first: open alerts, then the longest failure streak, the most failures, the lowest
    /// success share.
    pub sources: Vec<SourceHealth>,
}

const DAY_MS: Millis = 86_400_000;

fn totals(rows: &[&BucketRow], errors: &BTreeMap<JobErrorKind, u64>) -> HealthTotals {
    let sum = |f: fn(&BucketRow) -> i64| rows.iter().map(|r| f(r).max(0) as u64).sum::<u64>();
    let (succeeded, failed) = (sum(|r| r.succeeded), sum(|r| r.failed));
    let skipped = sum(|r| r.skipped);
    let rate_limited = sum(|r| r.rate_limited);
    let cancelled = sum(|r| r.cancelled);
    let records = sum(|r| r.records);
    let moments = rows
        .iter()
        .map(|r| Moments {
            count: r.duration_count.max(0) as u64,
            sum: r.duration_sum,
            sum_sq: r.duration_sq,
            min: r.duration_min,
            max: r.duration_max,
        })
        .fold(Moments::default(), Moments::pool);
    let worked = succeeded + failed;
    let mut errors: Vec<ErrorCount> = errors
        .iter()
        .map(|(kind, count)| ErrorCount {
            kind: *kind,
            count: *count,
        })
        .collect();
    errors.sort_by(|a, b| b.count.cmp(&a.count).then(a.kind.cmp(&b.kind)));
    HealthTotals {
        runs: worked + skipped + rate_limited + cancelled,
        succeeded,
        failed,
        skipped,
        rate_limited,
        cancelled,
        success_share: (worked > 0).then(|| succeeded as f64 / worked as f64),
        triggers: Triggers {
            schedule: sum(|r| r.by_schedule),
            stale: sum(|r| r.by_stale),
            manual: sum(|r| r.by_manual),
            catch_up: sum(|r| r.by_catch_up),
            retry: sum(|r| r.by_retry),
        },
        duration: moments.spread(),
        records,
        records_per_run: (worked > 0).then(|| records as f64 / worked as f64),
        pages: sum(|r| r.pages),
        requests: sum(|r| r.requests),
        retries: sum(|r| r.retries),
        wait_ms: sum(|r| r.wait_ms),
        errors,
    }
}

impl Engine {
    /// A scope's health over a window: totals and a timeline with a bucket for every
    /// `granularity` step, blanks included, so a source that stopped shows as a gap.
    pub async fn health(&self, query: HealthQuery) -> Result<HealthReport> {
        let now = self.clock.now_millis();
        let to = query.to.unwrap_or(now);
        let (filter, sources) = self.health_filter(&query.scope).await?;
        let g = query.granularity;
        let rows = self.store.health_buckets(&filter, g, query.from, to).await?;
        let mut by_bucket: HashMap<Millis, Vec<&BucketRow>> = HashMap::new();
        for row in &rows {
            by_bucket.entry(row.bucket).or_default().push(row);
        }
        let mut errors: HashMap<Millis, BTreeMap<JobErrorKind, u64>> = HashMap::new();
        let mut all_errors: BTreeMap<JobErrorKind, u64> = BTreeMap::new();
        for (bucket, kind, count) in self.store.health_errors(&filter, g, query.from, to).await? {
            if let Some(kind) = JobErrorKind::parse(&kind) {
                *errors.entry(bucket).or_default().entry(kind).or_default() += count as u64;
                *all_errors.entry(kind).or_default() += count as u64;
            }
        }
        let none = BTreeMap::new();
        let buckets = g
            .starts(query.from, to)
            .into_iter()
            .map(|start| HealthBucket {
                start,
                totals: totals(
                    by_bucket.get(&start).map(Vec::as_slice).unwrap_or_default(),
                    errors.get(&start).unwrap_or(&none),
                ),
            })
            .collect();
        let all: Vec<&BucketRow> = rows.iter().collect();
        let health = self.store.source_health().await?;
        let of_scope = health
            .iter()
            .filter(|h| sources.as_ref().is_none_or(|s| s.contains(&h.source_id)));
        let last_success_at = of_scope.clone().filter_map(|h| h.last_success_at).max();
        let failure_streak = of_scope
            .map(|h| h.failure_streak.max(0) as u32)
            .max()
            .unwrap_or(0);
        let alerts = self
            .alerts(true)
            .await?
            .into_iter()
            .filter(|a| match (&sources, a.source_id) {
                (None, _) => true,
                (Some(ids), Some(id)) => ids.contains(&id),
                (Some(_), None) => false,
            })
            .collect();
        Ok(HealthReport {
            totals: totals(&all, &all_errors),
            buckets,
            last_success_at,
            failure_streak,
            alerts,
            query: HealthQuery {
                to: Some(to),
                ..query
            },
        })
    }

    /// The rows a scope covers, and its sources (`None`: every source).
    async fn health_filter(&self, scope: &HealthScope) -> Result<(Filter, Option<Vec<i64>>)> {
        Ok(match scope {
            HealthScope::All => (Filter::everyone(), None),
            HealthScope::Client { client_id } => {
                self.client(*client_id).await?;
                let ids = self
                    .store
                    .sources(Some(*client_id))
                    .await?
                    .iter()
                    .map(|s| s.id)
                    .collect();
                (
                    Filter {
                        source: None,
                        client: Some(*client_id),
                        stream: String::new(),
                    },
                    Some(ids),
                )
            }
            HealthScope::Source { source_id } => {
                self.store.source(*source_id).await?;
                (
                    Filter {
                        source: Some(*source_id),
                        client: None,
                        stream: String::new(),
                    },
                    Some(vec![*source_id]),
                )
            }
            HealthScope::Stream { source_id, stream } => {
                self.store.source(*source_id).await?;
                (
                    Filter {
                        source: Some(*source_id),
                        client: None,
                        stream: stream.clone(),
                    },
                    Some(vec![*source_id]),
                )
            }
        })
    }

    /// Today and the last 7 days at a glance, open alerts, and every source worst first.
    pub async fn health_overview(&self) -> Result<HealthOverview> {
        let now = self.clock.now_millis();
        let today = Granularity::Day.start(now);
        let everyone = Filter::everyone();
        let week_from = today - 6 * DAY_MS;
        let spark_from = today - 13 * DAY_MS;
        // The reads at once, on the pool's readers: each is a round trip to SQLite.
        let (errors, alerts, per_source, health, clients, all_sources) = tokio::try_join!(
            self.store
                .health_errors(&everyone, Granularity::Day, week_from, now),
            self.alerts(true),
            self.store.health_per_source(spark_from, now),
            self.store.source_health(),
            self.list_clients(true),
            self.store.sources(None),
        )?;
        let kinds = |from: Millis| {
            let mut out: BTreeMap<JobErrorKind, u64> = BTreeMap::new();
            for (bucket, kind, count) in &errors {
                if *bucket >= from {
                    if let Some(kind) = JobErrorKind::parse(kind) {
                        *out.entry(kind).or_default() += *count as u64;
                    }
                }
            }
            out
        };
        // Everyone's totals are the sum of every source's rows (removed sources' too: their
        // rows stay), so they need no query of their own.
        let since = |from: Millis| {
            per_source
                .values()
                .flatten()
                .filter(|r| r.bucket >= from)
                .collect::<Vec<_>>()
        };
        let health: HashMap<i64, _> = health.into_iter().map(|h| (h.source_id, h)).collect();
        let clients: HashMap<i64, String> = clients.into_iter().map(|c| (c.id, c.name)).collect();
        let mut sources: Vec<SourceHealth> = Vec::new();
        for source in all_sources {
            let rows: Vec<&BucketRow> = per_source
                .get(&source.id)
                .map(|r| r.iter().collect())
                .unwrap_or_default();
            let week: Vec<&BucketRow> = rows.iter().copied().filter(|r| r.bucket >= week_from).collect();
            let h = health.get(&source.id);
            sources.push(SourceHealth {
                source_id: source.id,
                client_id: source.client_id,
                client_name: clients.get(&source.client_id).cloned().unwrap_or_default(),
                provider: source.provider,
                label: source.label.clone(),
                week: totals(&week, &BTreeMap::new()),
                sparkline: Granularity::Day
                    .starts(spark_from, now)
                    .into_iter()
                    .map(|start| {
                        let day = rows.iter().find(|r| r.bucket == start);
                        SparkPoint {
                            start,
                            runs: day.map_or(0, |r| {
                                (r.succeeded + r.failed + r.skipped + r.rate_limited + r.cancelled) as u64
                            }),
                            failures: day.map_or(0, |r| r.failed as u64),
                        }
                    })
                    .collect(),
                last_success_at: h.and_then(|h| h.last_success_at),
                failure_streak: h.map_or(0, |h| h.failure_streak.max(0) as u32),
                last_error_kind: h.and_then(|h| h.last_error_kind.as_deref().and_then(JobErrorKind::parse)),
                last_error: h.and_then(|h| h.last_error.clone()),
                last_error_at: h.and_then(|h| h.last_error_at),
                last_finished_at: h.and_then(|h| h.last_finished_at),
                alerts: alerts.iter().filter(|a| a.source_id == Some(source.id)).count() as u32,
            });
        }
        sources.sort_by(|a, b| {
            b.alerts
                .cmp(&a.alerts)
                .then(b.failure_streak.cmp(&a.failure_streak))
                .then(b.week.failed.cmp(&a.week.failed))
                .then(
                    a.week
                        .success_share
                        .unwrap_or(1.0)
                        .total_cmp(&b.week.success_share.unwrap_or(1.0)),
                )
                .then(a.source_id.cmp(&b.source_id))
        });
        Ok(HealthOverview {
            today: totals(&since(today), &kinds(today)),
            last_7_days: totals(&since(week_from), &kinds(week_from)),
            alerts,
            sources,
        })
    }
}
