//! Meta's async report runs, for large ranges: `POST …/insights` starts a run, its status is
//! polled with backoff until "Job Completed", then its rows are paged like a direct read.
//!
//! Two things peers got wrong: a run can sit at 100% while still "Job Running" (reading it
//! then fails with error 2601), so only "Job Completed" counts as done; and a run that fails or
//! never finishes is not the end of the sync: its range is split in halves and each half run
//! again, down to single days, which are read directly.

use std::time::Duration;

use chrono::{Days, NaiveDate};
use serde::Deserialize;
use serde_json::json;

use super::api::{self, CampaignRow, VERSION};
use crate::connector::{ConnectorError, Context};

/// How long a run may take before it counts as failed and its range is split.
const RUN_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Polls start quickly (most runs take seconds) and back off to this.
const FIRST_POLL: Duration = Duration::from_millis(500);
const MAX_POLL: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct Started {
    report_run_id: String,
}

#[derive(Deserialize)]
struct Status {
    async_status: String,
    #[serde(default)]
    async_percent_completion: Option<u32>,
}

enum Run {
    Rows(Vec<CampaignRow>),
    /// Meta said the run failed, or it did not finish in time: in words, for the log.
    Failed(String),
}

/// Every row of `from..=to`, through report runs, splitting failed ranges.
pub(super) async fn read(
    ctx: &Context<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CampaignRow>, ConnectorError> {
    let mut rows = Vec::new();
    // A stack of ranges still to read, earliest on top, so rows come in date order.
    let mut ranges = vec![(from, to)];
    while let Some((a, b)) = ranges.pop() {
        match run(ctx, a, b).await? {
            Run::Rows(found) => rows.extend(found),
            Run::Failed(why) if a < b => {
                let mid = a + Days::new(((b - a).num_days() / 2) as u64);
                tracing::info!(account = ctx.account, %a, %b, why, "Meta report run failed; splitting its range");
                ranges.push((mid + Days::new(1), b));
                ranges.push((a, mid));
            }
            Run::Failed(why) => {
                tracing::info!(account = ctx.account, day = %a, why, "Meta report run failed for one day; reading it directly");
                rows.extend(api::read_directly(ctx, a, a).await?);
            }
        }
    }
    Ok(rows)
}

async fn run(ctx: &Context<'_>, from: NaiveDate, to: NaiveDate) -> Result<Run, ConnectorError> {
    let url = ctx.url(&api::insights_path(ctx), &api::insights_query(from, to));
    let body = json!({});
    let started: Started = ctx.json(&ctx.post(url, &body)).await?;
    let id = &started.report_run_id;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConnectorError::BadData(format!(
            "report_run_id {id:?} is not a Graph id"
        )));
    }
    let deadline = ctx.clock_now() + RUN_TIMEOUT.as_millis() as i64;
    let mut wait = FIRST_POLL;
    loop {
        ctx.sleep(jittered(wait)).await;
        let status_url = ctx.url(
            &format!("/{VERSION}/{id}"),
            &[("fields", "async_status,async_percent_completion".to_owned())],
        );
        let status: Status = ctx.json(&ctx.get(status_url)).await?;
        match status.async_status.as_str() {
            "Job Completed" => break,
            "Job Failed" | "Job Skipped" => {
                return Ok(Run::Failed(format!(
                    "{} at {}%",
                    status.async_status,
                    status.async_percent_completion.unwrap_or(0)
                )))
            }
            // Not Started, Started, Running — at 100% too: not done until Meta says so.
            _ => {}
        }
        if ctx.clock_now() >= deadline {
            return Ok(Run::Failed(format!(
                "still {} after {} minutes",
                status.async_status,
                RUN_TIMEOUT.as_secs() / 60
            )));
        }
        wait = (wait * 2).min(MAX_POLL);
    }
    let query = [("limit", api::PAGE_LIMIT.to_owned())];
    let rows = api::all_pages(ctx, &format!("/{VERSION}/{id}/insights"), &query).await?;
    Ok(Run::Rows(rows))
}

/// Between half and all of `wait`: runs started together do not poll together.
fn jittered(wait: Duration) -> Duration {
    wait.mul_f64(0.5 + fastrand::f64() / 2.0)
}
