//! SQL for `schedules`, the job queue's inserts, and client activity.

use sqlx::{FromRow, SqliteConnection};

use super::health::count_run;
use super::Store;
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::health::run::{End, HealthState, Run};
use crate::schedule::{Preset, Schedule};
use crate::sync::{JobErrorKind, JobReason};

#[derive(FromRow)]
struct ScheduleRow {
    id: i64,
    source_id: i64,
    preset: Option<String>,
    cron: String,
    time_zone: String,
    enabled: bool,
    next_run_at: Option<Millis>,
    last_run_at: Option<Millis>,
}

impl From<ScheduleRow> for Schedule {
    fn from(r: ScheduleRow) -> Self {
        let preset = r
            .preset
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or(Preset::Custom { cron: r.cron.clone() });
        Schedule {
            id: r.id,
            source_id: r.source_id,
            preset,
            cron: r.cron,
            time_zone: r.time_zone,
            enabled: r.enabled,
            next_run_at: r.next_run_at,
            last_run_at: r.last_run_at,
        }
    }
}

const COLUMNS: &str = "id, source_id, preset, cron, time_zone, enabled, next_run_at, last_run_at";

/// A schedule whose time has come.
#[derive(Debug, FromRow)]
pub(crate) struct DueSchedule {
    pub id: i64,
    pub source_id: i64,
    pub cron: String,
    pub time_zone: String,
    pub next_run_at: Millis,
}

impl Store {
    /// Sets a source's schedule, replacing the one it had (a source has at most one).
    pub(crate) async fn put_schedule(
        &self,
        source_id: i64,
        preset: &Preset,
        cron: &str,
        time_zone: &str,
        next_run_at: Millis,
        now: Millis,
    ) -> Result<Schedule> {
        let mut tx = self.write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM sources WHERE id = ?")
            .bind(source_id)
            .fetch_optional(&mut *tx)
            .await?;
        exists.ok_or(Error::SourceNotFound(source_id))?;
        sqlx::query("DELETE FROM schedules WHERE source_id = ?")
            .bind(source_id)
            .execute(&mut *tx)
            .await?;
        let row: ScheduleRow = sqlx::query_as(&format!(
            "INSERT INTO schedules (source_id, cron, time_zone, preset, next_run_at, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(source_id)
        .bind(cron)
        .bind(time_zone)
        .bind(serde_json::to_string(preset).expect("preset serializes"))
        .bind(next_run_at)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub(crate) async fn delete_schedule(&self, source_id: i64) -> Result<()> {
        self.write_one(sqlx::query("DELETE FROM schedules WHERE source_id = ?").bind(source_id))
            .await?;
        Ok(())
    }

    pub(crate) async fn schedule_for(&self, source_id: i64) -> Result<Option<Schedule>> {
        let row: Option<ScheduleRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM schedules WHERE source_id = ?"))
                .bind(source_id)
                .fetch_optional(self.reader())
                .await?;
        Ok(row.map(Schedule::from))
    }

    pub(crate) async fn due_schedules(&self, now: Millis) -> Result<Vec<DueSchedule>> {
        Ok(sqlx::query_as(
            "SELECT sc.id, sc.source_id, sc.cron, sc.time_zone, sc.next_run_at FROM schedules sc \
             JOIN sources s ON s.id = sc.source_id \
             WHERE sc.enabled = 1 AND s.enabled = 1 AND sc.next_run_at <= ? ORDER BY sc.next_run_at",
        )
        .bind(now)
        .fetch_all(self.reader())
        .await?)
    }

    /// Enqueues a schedule's run and moves it to its next run in one transaction, so a run
    /// is never both missed and recorded, nor enqueued twice. `None` when the source already
    /// had a live job (that job serves this run too).
    pub(crate) async fn fire_schedule(
        &self,
        due: &DueSchedule,
        reason: &str,
        next_run_at: Option<Millis>,
        now: Millis,
    ) -> Result<Option<i64>> {
        let mut tx = self.write().await?;
        let job = enqueue(&mut tx, due.source_id, reason, now, now).await?;
        sqlx::query("UPDATE schedules SET next_run_at = ?, last_run_at = ?, updated_at = ? WHERE id = ?")
            .bind(next_run_at)
            .bind(now)
            .bind(now)
            .bind(due.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(job)
    }

    pub(crate) async fn enqueue_job(
        &self,
        source_id: i64,
        reason: &str,
        run_after: Millis,
        now: Millis,
    ) -> Result<Option<i64>> {
        let mut tx = self.write().await?;
        let job = enqueue(&mut tx, source_id, reason, run_after, now).await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Marks a client as looked at, and enqueues a `stale` job for each of its sources whose
    /// last success is older than the source's staleness window and that has no live job.
    pub(crate) async fn client_seen(&self, client_id: i64, now: Millis) -> Result<Vec<i64>> {
        let mut tx = self.write().await?;
        let updated = sqlx::query(
            "UPDATE clients SET jobs_active = 1, last_seen_at = ? WHERE id = ? AND archived_at IS NULL",
        )
        .bind(now)
        .bind(client_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(Error::ClientNotFound(client_id));
        }
        // A source is as fresh as its least fresh stream; never synced counts as stale.
        let stale: Vec<i64> = sqlx::query_scalar(
            "SELECT s.id FROM sources s WHERE s.client_id = ?1 AND s.enabled = 1 \
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.source_id = s.id AND j.state IN ('queued', 'running')) \
             AND COALESCE((SELECT MIN(COALESCE(st.last_synced_at, 0)) FROM stream_state st WHERE st.source_id = s.id), 0) \
                 < ?2 - s.staleness_minutes * 60000",
        )
        .bind(client_id)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut jobs = Vec::new();
        for source in stale {
            if let Some(job) = enqueue(&mut tx, source, "stale", now, now).await? {
                jobs.push(job);
            }
        }
        tx.commit().await?;
        Ok(jobs)
    }

    pub(crate) async fn set_staleness(&self, source_id: i64, minutes: i64, now: Millis) -> Result<()> {
        let n = self
            .write_one(
                sqlx::query("UPDATE sources SET staleness_minutes = ?, updated_at = ? WHERE id = ?")
                    .bind(minutes)
                    .bind(now)
                    .bind(source_id),
            )
            .await?;
        if n == 0 {
            return Err(Error::SourceNotFound(source_id));
        }
        Ok(())
    }

    pub(crate) async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM app_settings WHERE key = ?")
            .bind(key)
            .fetch_optional(self.reader())
            .await?)
    }

    pub(crate) async fn put_setting(&self, key: &str, value: &str) -> Result<()> {
        let upsert = "INSERT INTO app_settings (key, value) VALUES (?, ?) \
                      ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        self.write_one(sqlx::query(upsert).bind(key).bind(value)).await?;
        Ok(())
    }

    /// Clients nobody has looked at since `cutoff` stop being refreshed for attention.
    pub(crate) async fn deactivate_idle_clients(&self, cutoff: Millis) -> Result<u64> {
        let idle = "UPDATE clients SET jobs_active = 0 \
                    WHERE jobs_active = 1 AND (last_seen_at IS NULL OR last_seen_at < ?)";
        self.write_one(sqlx::query(idle).bind(cutoff)).await
    }
}

/// Inserts a queued job unless the source already has a live one: the partial unique index
/// `jobs_one_live_per_source` decides, so two racing callers cannot both succeed. A source
/// that cannot sync gets no job — a disabled one (kept after a disconnect), or one whose
/// connection waits for a reconnect — and the run it was due is counted as skipped, in the
/// same transaction (attention refreshes and retries excepted: they would repeat every tick).
pub(crate) async fn enqueue(
    conn: &mut SqliteConnection,
    source_id: i64,
    reason: &str,
    run_after: Millis,
    now: Millis,
) -> Result<Option<i64>> {
    let job = sqlx::query_scalar(
        "INSERT INTO jobs (source_id, reason, state, run_after, created_at) \
         SELECT ?1, ?2, 'queued', ?3, ?4 WHERE EXISTS (SELECT 1 FROM sources s \
           LEFT JOIN connections c ON c.id = s.connection_id \
           WHERE s.id = ?1 AND s.enabled = 1 AND COALESCE(c.status, 'ok') NOT IN ('needs_reauth', 'revoked')) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(source_id)
    .bind(reason)
    .bind(run_after)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let counted = JobReason::parse(reason)
        .filter(|r| matches!(r, JobReason::Schedule | JobReason::CatchUp | JobReason::Manual));
    if let (None, Some(reason)) = (job, counted) {
        let blocked: Option<(i64, bool)> = sqlx::query_as(
            "SELECT s.client_id, s.enabled = 1 FROM sources s LEFT JOIN connections c ON c.id = s.connection_id \
             WHERE s.id = ? AND (s.enabled = 0 OR c.status IN ('needs_reauth', 'revoked'))",
        )
        .bind(source_id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((client_id, enabled)) = blocked {
            let error = if enabled {
                JobErrorKind::NeedsReauth
            } else {
                JobErrorKind::Disabled
            };
            let skipped = Run::new(source_id, client_id, "").ended(End {
                state: HealthState::Skipped,
                reason,
                duration_ms: 0,
                error: Some(error),
            });
            count_run(conn, &skipped, now).await?;
        }
    }
    Ok(job)
}
