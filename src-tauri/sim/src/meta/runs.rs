//! Async report runs (`POST /act_{id}/insights` → `{"report_run_id"}`): polls, and results
//! paged like the sync endpoint. A run keeps its `Report`, which holds the snapshot taken
//! at the POST (the account's today and restatements then), so its rows are those of that
//! moment whenever they are read, as at Meta.
//!
//! Each status poll (`GET /{run}`) is one step; `async_polls` = P (≥ 1) polls show progress
//! and poll P + 1 completes: poll 1 "Job Not Started" 0 % (when P ≥ 2), then "Job Started"
//! and "Job Running" with a growing percentage, poll P **always "Job Running" at 100 %** (the
//! documented race: results asked for now fail), poll P + 1 "Job Completed" 100 %, and it
//! stays so (P = 3: 0 % not started, 33 % started, 100 % running, completed). A run chosen to
//! fail (`/_sim/meta/async {"fail_min_days","count"}`) shows a percentage below 100 at poll P
//! and "Job Failed" from P + 1 on; a stuck one (`{"stuck"}`) stays "Job Running" at 100 %.
//! Results before "Job Completed": 400 code 2601 subcode 1815107; after "Job Failed": 2601.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};

use super::errors::GraphError;
use super::report::Report;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    Complete,
    Fail,
    Stuck,
}

pub const COMPLETED: &str = "Job Completed";
pub const FAILED: &str = "Job Failed";

/// The status and percentage a run shows after `poll` polls, `progress` being
/// `async_polls`.
pub fn step(poll: u32, progress: u32, fate: Fate) -> (&'static str, u32) {
    let p = progress.max(1);
    if poll > p {
        return match fate {
            Fate::Complete => (COMPLETED, 100),
            Fate::Fail => (FAILED, 100 * p / (p + 1)),
            Fate::Stuck => ("Job Running", 100),
        };
    }
    if poll == p {
        return match fate {
            Fate::Fail => ("Job Running", 100 * p / (p + 1)),
            _ => ("Job Running", 100),
        };
    }
    match poll {
        0 | 1 => ("Job Not Started", 0),
        2 => ("Job Started", 100 * (poll - 1) / p),
        _ => ("Job Running", 100 * (poll - 1) / p),
    }
}

pub struct Run {
    /// The ad account's digits.
    pub account: String,
    pub report: Arc<Report>,
    pub polls: u32,
    pub fate: Fate,
}

#[derive(Default)]
pub struct Runs {
    next: u64,
    runs: BTreeMap<String, Run>,
    /// The next `fail_left` runs spanning at least `fail_min_days` days fail.
    fail_min_days: u64,
    fail_left: u32,
    stuck_left: u32,
}

/// What a poll shows.
pub struct Polled {
    pub account: String,
    pub status: &'static str,
    pub percent: u32,
    pub since: String,
    pub until: String,
}

impl Runs {
    /// Starts a run; its fate is decided now, from the async settings.
    pub fn create(&mut self, account: &str, report: Report) -> String {
        self.next += 1;
        let id = (612_000_000_000_000 + self.next).to_string();
        let fate = if self.stuck_left > 0 {
            self.stuck_left -= 1;
            Fate::Stuck
        } else if self.fail_left > 0 && report.spec.days() >= self.fail_min_days {
            self.fail_left -= 1;
            Fate::Fail
        } else {
            Fate::Complete
        };
        let run = Run {
            account: account.to_string(),
            report: Arc::new(report),
            polls: 0,
            fate,
        };
        self.runs.insert(id.clone(), run);
        id
    }

    pub fn account_of(&self, id: &str) -> Option<String> {
        self.runs.get(id).map(|r| r.account.clone())
    }

    /// One status poll: advances the run a step.
    pub fn poll(&mut self, id: &str, progress: u32) -> Option<Polled> {
        let run = self.runs.get_mut(id)?;
        run.polls = run.polls.saturating_add(1);
        let (status, percent) = step(run.polls, progress, run.fate);
        let spec = &run.report.spec;
        Some(Polled {
            account: run.account.clone(),
            status,
            percent,
            since: spec.since.to_string(),
            until: spec.until.to_string(),
        })
    }

    /// The rows of a completed run; the Graph error otherwise (None: no such run).
    pub fn results(&self, id: &str, progress: u32) -> Option<Result<Arc<Report>, GraphError>> {
        let run = self.runs.get(id)?;
        Some(match step(run.polls, progress, run.fate).0 {
            COMPLETED => Ok(run.report.clone()),
            FAILED => Err(GraphError::new(400, 2601, "Error accessing adreportrun").user(
                "Loading Async Ads Report Failed",
                "The report run failed. Run it again, or ask for less data (a shorter range).",
            )),
            _ => Err(GraphError::new(400, 2601, "Error accessing adreportrun")
                .subcode(1815107)
                .transient()
                .user(
                    "Loading Async Ads Report Failed",
                    "Sorry, the report cannot be loaded successfully. Please check if your job status \
                     is completed instead of failed or running before fetching the data.",
                )),
        })
    }

    /// `/_sim/meta/async`: the next `count` runs of ≥ `fail_min_days` days fail; the next
    /// `stuck` runs never finish.
    pub fn configure(&mut self, fail: Option<(u64, u32)>, stuck: Option<u32>) {
        if let Some((min_days, count)) = fail {
            self.fail_min_days = min_days;
            self.fail_left = count;
        }
        if let Some(stuck) = stuck {
            self.stuck_left = stuck;
        }
    }

    pub fn view(&self, progress: u32) -> Value {
        let runs: Vec<Value> = self
            .runs
            .iter()
            .map(|(id, r)| {
                let (status, percent) = step(r.polls, progress, r.fate);
                let spec = &r.report.spec;
                json!({
                    "id": id, "account": format!("act_{}", r.account),
                    "since": spec.since.to_string(), "until": spec.until.to_string(), "days": spec.days(),
                    "rows": r.report.len(), "polls": r.polls, "fate": r.fate,
                    "status": status, "percent": percent,
                })
            })
            .collect();
        json!({
            "async_polls": progress,
            "fail_min_days": self.fail_min_days, "fail_left": self.fail_left, "stuck_left": self.stuck_left,
            "runs": runs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(progress: u32, fate: Fate) -> Vec<(&'static str, u32)> {
        (1..=progress + 2).map(|p| step(p, progress, fate)).collect()
    }

    #[test]
    fn schedules() {
        assert_eq!(
            walk(3, Fate::Complete),
            [
                ("Job Not Started", 0),
                ("Job Started", 33),
                ("Job Running", 100),
                (COMPLETED, 100),
                (COMPLETED, 100)
            ]
        );
        assert_eq!(
            walk(1, Fate::Complete),
            [("Job Running", 100), (COMPLETED, 100), (COMPLETED, 100)]
        );
        assert_eq!(
            walk(2, Fate::Fail),
            [
                ("Job Not Started", 0),
                ("Job Running", 66),
                (FAILED, 66),
                (FAILED, 66)
            ]
        );
        assert!(walk(4, Fate::Stuck)
            .iter()
            .skip(3)
            .all(|s| *s == ("Job Running", 100)));
        assert_eq!(step(0, 3, Fate::Complete), ("Job Not Started", 0));
    }
}
