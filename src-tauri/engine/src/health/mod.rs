//! The health of the sync work itself, in the spirit of Trifle::Stats: every job's and every
//! stream's outcome counted into UTC time buckets (hour, day, ISO week, month) per source and
//! stream, in the transaction that ends it — runs by state and trigger, error kinds, duration
//! moments, records, pages, requests, retries and time waiting on rate limits. Reads roll the
//! leaf rows up to a stream, a source, a client or everything, blanks filled; alerts watch for
//! failure streaks, silent sources, slowdowns and a rising failure share.

mod alerts;
pub mod buckets;
mod read;
pub(crate) mod run;
mod stats;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use alerts::{Alert, AlertKind, AlertSettings};
pub use buckets::Granularity;
pub use read::{
    ErrorCount, HealthBucket, HealthOverview, HealthReport, HealthTotals, SourceHealth, SparkPoint, Triggers,
};
pub use run::HealthState;
pub use stats::Spread;

use crate::clock::Millis;

/// When the planner last ran the health chores (a full alert pass, pruning), on the engine's
/// monotonic clock.
#[derive(Debug, Default)]
pub(crate) struct Chores {
    pub alerts: Option<std::time::Duration>,
    pub pruned: Option<std::time::Duration>,
}

/// What a health read covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum HealthScope {
    All,
    Client {
        #[ts(type = "number")]
        client_id: i64,
    },
    Source {
        #[ts(type = "number")]
        source_id: i64,
    },
    Stream {
        #[ts(type = "number")]
        source_id: i64,
        stream: String,
    },
}

/// A health read: a scope over a window, by a granularity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct HealthQuery {
    pub scope: HealthScope,
    pub granularity: Granularity,
    /// The window, UTC ms; `to` defaults to now.
    #[ts(type = "number")]
    pub from: Millis,
    #[ts(type = "number | null")]
    pub to: Option<Millis>,
}

/// Counters are pruned to their retention at most this often.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

impl crate::Engine {
    /// The planner tick's health work: the full alert pass (at most once a minute) and
    /// pruning counters past their retention (at most once an hour).
    pub(crate) async fn health_on_tick(&self) -> crate::error::Result<()> {
        let prune = {
            let mut chores = self.health_chores.lock().expect("health chores");
            let due = chores
                .pruned
                .is_none_or(|at| self.clock.elapsed(at) >= PRUNE_EVERY);
            if due {
                chores.pruned = Some(self.clock.monotonic());
            }
            due
        };
        if prune {
            self.prune_health().await?;
        }
        self.alerts_on_tick().await
    }

    /// Drops counters past their granularity's retention (hours after 15 days, days after
    /// 400). The planner does this hourly. Returns the rows removed.
    pub async fn prune_health(&self) -> crate::error::Result<u64> {
        let removed = self.store.prune_health(self.clock.now_millis()).await?;
        if removed > 0 {
            tracing::debug!(removed, "pruned health counters past their retention");
        }
        Ok(removed)
    }
}

impl crate::Engine {
    /// For `freshboard-cli bench health` only: counts one job's end the way a real one is
    /// counted — each stream's row and the job's into their four buckets, and the source's
    /// streak — in one transaction at `at`. Returns how long that transaction took.
    #[doc(hidden)]
    pub async fn bench_count_job(
        &self,
        source: &crate::Source,
        at: Millis,
        failed: bool,
        duration_ms: u64,
        records: u64,
    ) -> crate::error::Result<std::time::Duration> {
        use run::{End, Run};
        let end = End {
            state: if failed {
                HealthState::Failed
            } else {
                HealthState::Succeeded
            },
            reason: crate::JobReason::Schedule,
            duration_ms,
            error: failed.then_some(crate::JobErrorKind::Server),
        };
        let streams = source.provider.connector().streams;
        // As a real job counts: each stream's end and what it spent under the job, then the
        // job's end (here with the records and pages its batches would have counted).
        let mut runs: Vec<Run> = streams
            .iter()
            .flat_map(|s| {
                let run = Run {
                    records: records / streams.len() as u64,
                    pages: 1,
                    requests: 1,
                    ..Run::new(source.id, source.client_id, s.name)
                }
                .ended(end);
                [run, run.spent_by_job()]
            })
            .collect();
        runs.push(
            Run {
                records,
                pages: streams.len() as u64,
                ..Run::new(source.id, source.client_id, "")
            }
            .ended(end),
        );
        let started = self.clock.monotonic();
        self.store.count_runs(&runs, at).await?;
        Ok(self.clock.elapsed(started))
    }
}
