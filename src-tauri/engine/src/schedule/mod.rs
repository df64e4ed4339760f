//! When syncs run: the user's cron schedules (in their time zone), and staleness of the
//! clients someone is looking at. Both only enqueue jobs; the database allows one live job
//! per source, so neither can start a storm.

mod cron;
mod freshness;
mod planner;
mod workers;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use cron::{CronSchedule, Preset, ScheduleError};
pub use freshness::{ClientFreshness, FreshnessState, SourceFreshness};
pub use workers::{JobOutcome, WorkerConfig};

use crate::clock::Millis;

/// Runs that were due more than this long ago were missed (app closed, laptop asleep):
/// they run once, recorded as `catch_up`.
pub const CATCH_UP_AFTER_MS: Millis = 2 * 60 * 1000;
/// A client nobody has looked at for this long stops being refreshed for attention
/// (minutes; the `inactive_after_minutes` setting changes it).
pub const DEFAULT_INACTIVE_AFTER_MINUTES: i64 = 5;
pub(crate) const INACTIVE_AFTER_SETTING: &str = "inactive_after_minutes";

/// What a person chooses in the schedule editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ScheduleSpec {
    pub preset: Preset,
    /// IANA name; the system's zone when absent.
    pub time_zone: Option<String>,
}

impl ScheduleSpec {
    /// The schedule this spec describes; one that never runs after `now` is refused.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<CronSchedule, ScheduleError> {
        let zone = self.time_zone.clone().unwrap_or_else(system_time_zone);
        CronSchedule::parse(&self.preset.to_cron()?, &zone, now)
    }
}

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Schedule {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub source_id: i64,
    pub preset: Preset,
    pub cron: String,
    pub time_zone: String,
    pub enabled: bool,
    #[ts(type = "number | null")]
    pub next_run_at: Option<Millis>,
    #[ts(type = "number | null")]
    pub last_run_at: Option<Millis>,
}

/// The next runs of a schedule, for the editor to show before anything is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SchedulePreview {
    pub cron: String,
    pub time_zone: String,
    #[ts(type = "Array<number>")]
    pub next_runs: Vec<Millis>,
    /// The same runs as wall-clock time in the schedule's zone, e.g. "Mon 30 Mar 2026 03:00 CEST".
    pub next_runs_local: Vec<String>,
}

pub(crate) fn preview(schedule: &CronSchedule, now: DateTime<Utc>) -> SchedulePreview {
    let runs = schedule.upcoming(now, 5);
    SchedulePreview {
        cron: schedule.expression().to_owned(),
        time_zone: schedule.time_zone().name().to_owned(),
        next_runs: runs.iter().map(DateTime::timestamp_millis).collect(),
        next_runs_local: runs
            .iter()
            .map(|at| {
                at.with_timezone(&schedule.time_zone())
                    .format("%a %-d %b %Y %H:%M %Z")
                    .to_string()
            })
            .collect(),
    }
}

/// The zone this computer is set to, or UTC when it cannot be told.
pub fn system_time_zone() -> String {
    iana_time_zone::get_timezone()
        .ok()
        .filter(|z| z.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or_else(|| "UTC".to_owned())
}
