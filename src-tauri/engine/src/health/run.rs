//! What health counts: a run's end (a job as a whole, stream `""`, or one of its streams), and
//! the records and pages a committed batch moved — counted in the batch's own transaction, so
//! rows stored before a crash are counted exactly once, with the rows.

use serde::Serialize;
use ts_rs::TS;

use crate::sync::{JobErrorKind, JobReason};

/// How a run ended, as health tells it apart: a rate limit is a wait, not a failure, and work
/// never attempted (a source waiting to be reconnected, disabled, offline) is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HealthState {
    Succeeded,
    Failed,
    Skipped,
    RateLimited,
    Cancelled,
}

impl HealthState {
    /// A job's or stream's end: its state and, when it failed, why.
    pub fn of(state: &str, error: Option<JobErrorKind>) -> Self {
        match (state, error) {
            ("succeeded", _) => Self::Succeeded,
            ("cancelled", _) => Self::Cancelled,
            ("skipped", _) | (_, Some(JobErrorKind::Offline | JobErrorKind::Disabled)) => Self::Skipped,
            (_, Some(JobErrorKind::RateLimited)) => Self::RateLimited,
            _ => Self::Failed,
        }
    }
}

/// How a run ended and what started it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct End {
    pub state: HealthState,
    pub reason: JobReason,
    /// How long it took; its moments are kept for succeeded runs only (a failure's time says
    /// nothing about how long the work takes).
    pub duration_ms: u64,
    /// Why it failed or was skipped.
    pub error: Option<JobErrorKind>,
}

/// One count into every granularity's bucket of a moment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run<'a> {
    pub source_id: i64,
    pub client_id: i64,
    /// `""` for the job as a whole.
    pub stream: &'a str,
    /// `None` for amounts moved mid-run (a committed batch).
    pub end: Option<End>,
    pub records: u64,
    pub pages: u64,
    pub requests: u64,
    pub retries: u64,
    pub wait_ms: u64,
}

impl<'a> Run<'a> {
    pub fn new(source_id: i64, client_id: i64, stream: &'a str) -> Self {
        Self {
            source_id,
            client_id,
            stream,
            end: None,
            records: 0,
            pages: 0,
            requests: 0,
            retries: 0,
            wait_ms: 0,
        }
    }

    pub fn ended(self, end: End) -> Self {
        Self {
            end: Some(end),
            ..self
        }
    }

    /// What a stream's run spent (requests, retries, waits), counted under its job as a
    /// whole in the stream's own transaction: a job killed after some of its streams ended
    /// and resumed later still counts every request its streams counted.
    pub fn spent_by_job(&self) -> Self {
        Self {
            stream: "",
            end: None,
            records: 0,
            pages: 0,
            ..*self
        }
    }

    pub fn state(&self) -> Option<HealthState> {
        self.end.map(|e| e.state)
    }
}
