//! SQL for the job queue: what is runnable, how a job ended, retries and history pruning.

use sqlx::FromRow;

use super::health::count_run;
use super::schedules::enqueue;
use super::Store;
use crate::clock::Millis;
use crate::error::Result;
use crate::health::run::{End, HealthState, Run};
use crate::sync::JobReason;

#[derive(Debug, Clone, FromRow)]
pub(crate) struct QueuedJob {
    pub id: i64,
    pub source_id: i64,
    /// Whose budget it spends: its connection (several sources may share a grant), or the
    /// source itself (minus its id) when it has none.
    pub budget: i64,
    pub reason: String,
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct FinishedJob {
    pub state: String,
    pub attempt: i64,
    pub error_kind: Option<String>,
    pub retry_at: Option<Millis>,
}

impl Store {
    /// Queued jobs whose time has come, oldest first, of enabled sources that no rate limit
    /// holds back (their connection's, or their provider's).
    pub(crate) async fn runnable_jobs(&self, now: Millis) -> Result<Vec<QueuedJob>> {
        Ok(sqlx::query_as(
            "SELECT j.id, j.source_id, COALESCE(s.connection_id, -s.id) AS budget, j.reason \
             FROM jobs j JOIN sources s ON s.id = j.source_id \
             WHERE j.state = 'queued' AND j.run_after <= ?1 AND s.enabled = 1 \
               AND NOT EXISTS (SELECT 1 FROM rate_pauses p WHERE p.until > ?1 \
                 AND p.scope IN ('connection:' || s.connection_id, 'provider:' || s.provider)) \
             ORDER BY j.run_after, j.id",
        )
        .bind(now)
        .fetch_all(self.reader())
        .await?)
    }

    /// Holds back every source of `scope` (`connection:ID` or `provider:KEY`) until `until`.
    pub(crate) async fn put_pause(&self, scope: &str, until: Millis, now: Millis) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM rate_pauses WHERE until <= ?")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO rate_pauses (scope, until) VALUES (?, ?) \
             ON CONFLICT (scope) DO UPDATE SET until = MAX(until, excluded.until)",
        )
        .bind(scope)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn finished_job(&self, job_id: i64) -> Result<Option<FinishedJob>> {
        Ok(
            sqlx::query_as("SELECT state, attempt, error_kind, retry_at FROM jobs WHERE id = ?")
                .bind(job_id)
                .fetch_optional(self.reader())
                .await?,
        )
    }

    /// Queues the next attempt of a failed job, unless the source already has a live job.
    pub(crate) async fn enqueue_retry(
        &self,
        source_id: i64,
        attempt: i64,
        run_after: Millis,
        now: Millis,
    ) -> Result<Option<i64>> {
        let mut tx = self.write().await?;
        let job = enqueue(&mut tx, source_id, "retry", run_after, now).await?;
        if let Some(job) = job {
            sqlx::query("UPDATE jobs SET attempt = ? WHERE id = ?")
                .bind(attempt)
                .bind(job)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(job)
    }

    pub(crate) async fn job_state(&self, job_id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT state FROM jobs WHERE id = ?")
            .bind(job_id)
            .fetch_optional(self.reader())
            .await?)
    }

    /// Cancels a job that has not started, and counts it cancelled. `false` when it is not
    /// queued.
    pub(crate) async fn cancel_queued(&self, job_id: i64, now: Millis) -> Result<bool> {
        let mut tx = self.write().await?;
        let cancelled: Option<(i64, i64, String)> = sqlx::query_as(
            "UPDATE jobs SET state = 'cancelled', finished_at = ?1 WHERE id = ?2 AND state = 'queued' \
             RETURNING source_id, (SELECT client_id FROM sources WHERE id = jobs.source_id), reason",
        )
        .bind(now)
        .bind(job_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((source_id, client_id, reason)) = &cancelled {
            let run = Run::new(*source_id, *client_id, "").ended(End {
                state: HealthState::Cancelled,
                reason: JobReason::parse(reason).unwrap_or(JobReason::Manual),
                duration_ms: 0,
                error: None,
            });
            count_run(&mut tx, &run, now).await?;
        }
        tx.commit().await?;
        Ok(cancelled.is_some())
    }

    /// Keeps the newest `keep` finished jobs of a source (with their errors, for inspection).
    pub(crate) async fn prune_finished_jobs(&self, source_id: i64, keep: i64) -> Result<()> {
        self.write_one(sqlx::query(
            "DELETE FROM jobs WHERE source_id = ?1 AND state NOT IN ('queued', 'running') AND id NOT IN \
             (SELECT id FROM jobs WHERE source_id = ?1 AND state NOT IN ('queued', 'running') ORDER BY id DESC LIMIT ?2)",
        )
        .bind(source_id)
        .bind(keep)).await?;
        Ok(())
    }
}
