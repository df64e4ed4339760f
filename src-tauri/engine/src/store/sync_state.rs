//! SQL for `jobs` and `stream_state`, and the page commit that keeps rows and cursor together.

use serde::Serialize;
use serde_json::Value;
use sqlx::FromRow;
use ts_rs::TS;

use super::entities;
use super::health::{count_run, note_source};
use super::Store;
use crate::clock::Millis;
use crate::connector::Rows;
use crate::error::{Error, Result};
use crate::health::run::Run;
use crate::providers::Provider;
use crate::sync::JobErrorKind;

/// A stream's state as `status` shows it.
#[derive(Debug, Clone, Serialize, TS, FromRow)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StreamStatus {
    pub stream: String,
    #[ts(type = "number")]
    pub records: i64,
    #[ts(type = "number | null")]
    pub last_synced_at: Option<Millis>,
    #[ts(type = "number | null")]
    pub last_attempt_at: Option<Millis>,
    pub refresh_status: String,
    pub last_error_kind: Option<String>,
    pub last_error: Option<String>,
}

/// Rows of one page to write, and the report days they replace (see `Page::replace`).
pub(crate) struct Segment {
    pub replace: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    pub rows: Rows,
}

/// How a job ended, and what went wrong if it did.
pub(crate) struct JobEnd<'a> {
    pub state: &'a str,
    pub error_kind: Option<JobErrorKind>,
    pub error_message: Option<&'a str>,
    /// For a rate limit: when the provider said to come back.
    pub retry_at: Option<Millis>,
}

impl Store {
    /// Puts jobs of this source left `running` by a process that died back in the queue, one
    /// attempt further; their streams resume from the cursors they committed. Only call while
    /// holding the source's sync lock: then no live process is running one.
    pub(crate) async fn requeue_interrupted_jobs(&self, source_id: i64) -> Result<u64> {
        let mut tx = self.write().await?;
        let requeued = sqlx::query(
            "UPDATE jobs SET state = 'queued', attempt = attempt + 1, started_at = NULL, heartbeat_at = NULL \
             WHERE source_id = ? AND state = 'running'",
        )
        .bind(source_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("UPDATE stream_state SET refresh_status = 'idle' WHERE source_id = ? AND refresh_status = 'refreshing'")
            .bind(source_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(requeued)
    }

    /// Sources with a job marked `running` (by this process or one that died).
    pub(crate) async fn sources_with_running_jobs(&self) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT DISTINCT source_id FROM jobs WHERE state = 'running'")
                .fetch_all(self.reader())
                .await?,
        )
    }

    /// Starts running the source's queued job, or a new one when none is queued. The
    /// database refuses a second live job for the source.
    pub(crate) async fn start_job(&self, source_id: i64, reason: &str, now: Millis) -> Result<i64> {
        let mut tx = self.write().await?;
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE jobs SET state = 'running', started_at = ?1, heartbeat_at = ?1 \
             WHERE source_id = ?2 AND state = 'queued' RETURNING id",
        )
        .bind(now)
        .bind(source_id)
        .fetch_optional(&mut *tx)
        .await?;
        let id = match claimed {
            Some(id) => id,
            None => {
                let inserted = sqlx::query_scalar(
                    "INSERT INTO jobs (source_id, reason, state, run_after, created_at, started_at, heartbeat_at) \
                     VALUES (?1, ?2, 'running', ?3, ?3, ?3, ?3) RETURNING id",
                )
                .bind(source_id)
                .bind(reason)
                .bind(now)
                .fetch_one(&mut *tx)
                .await;
                match inserted {
                    Ok(id) => id,
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err(Error::SyncAlreadyRunning(source_id))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    /// Records how the job ended and counts it into health, in one transaction: a crash
    /// leaves it either unfinished (and resumed) or finished and counted, never counted twice.
    pub(crate) async fn finish_job(
        &self,
        job_id: i64,
        end: JobEnd<'_>,
        run: &Run<'_>,
        now: Millis,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE jobs SET state = ?, error_kind = ?, error_message = ?, retry_at = ?, finished_at = ? WHERE id = ?",
        )
        .bind(end.state)
        .bind(end.error_kind.map(JobErrorKind::as_str))
        .bind(end.error_message)
        .bind(end.retry_at)
        .bind(now)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        count_run(&mut tx, run, now).await?;
        note_source(&mut tx, run, end.error_message, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn stream_cursor(&self, source_id: i64, stream: &str) -> Result<Option<Value>> {
        let cursor: Option<Option<String>> =
            sqlx::query_scalar("SELECT cursor FROM stream_state WHERE source_id = ? AND stream = ?")
                .bind(source_id)
                .bind(stream)
                .fetch_optional(self.reader())
                .await?;
        Ok(cursor.flatten().and_then(|c| serde_json::from_str(&c).ok()))
    }

    pub(crate) async fn start_stream(&self, source_id: i64, stream: &str, now: Millis) -> Result<()> {
        self.write_one(sqlx::query(
            "INSERT INTO stream_state (source_id, stream, refresh_status, last_attempt_at) VALUES (?, ?, 'refreshing', ?) \
             ON CONFLICT (source_id, stream) DO UPDATE SET refresh_status = 'refreshing', last_attempt_at = excluded.last_attempt_at",
        )
        .bind(source_id)
        .bind(stream)
        .bind(now)).await?;
        Ok(())
    }

    /// The heart of crash safety: rows, the stream's cursor that follows them, the job's
    /// counters and health's are committed in one transaction, so rows are never stored
    /// without the cursor that follows them (or the reverse), and a crash loses only what was
    /// in flight.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn commit_pages(
        &self,
        job_id: i64,
        (source_id, client_id): (i64, i64),
        stream: &str,
        segments: &[Segment],
        cursor: &Value,
        pages: u64,
        now: Millis,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let mut records = 0;
        for segment in segments {
            if let Some(days) = segment.replace {
                entities::replace_days(&mut tx, source_id, segment.rows.table, days).await?;
            }
            entities::upsert(&mut tx, source_id, &segment.rows, now).await?;
            records += segment.rows.len() as i64;
        }
        sqlx::query("UPDATE stream_state SET cursor = ? WHERE source_id = ? AND stream = ?")
            .bind(cursor.to_string())
            .bind(source_id)
            .bind(stream)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE jobs SET records = records + ?, pages = pages + ?, heartbeat_at = ? WHERE id = ?",
        )
        .bind(records)
        .bind(pages as i64)
        .bind(now)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
        // The amounts moved count under the stream and under the job as a whole.
        for name in [stream, ""] {
            let moved = Run {
                records: records as u64,
                pages,
                ..Run::new(source_id, client_id, name)
            };
            count_run(&mut tx, &moved, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A cancelled stream: no longer refreshing, and no fresher than before.
    pub(crate) async fn stream_idle(&self, run: &Run<'_>, now: Millis) -> Result<()> {
        let mut tx = self.write().await?;
        sqlx::query("UPDATE stream_state SET refresh_status = 'idle' WHERE source_id = ? AND stream = ?")
            .bind(run.source_id)
            .bind(run.stream)
            .execute(&mut *tx)
            .await?;
        count_stream_end(&mut tx, run, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records how a stream's sync ended, and counts it: success moves `last_synced_at`;
    /// failure keeps it (the data is as fresh as the last success) and stores the error in
    /// words.
    pub(crate) async fn finish_stream(&self, run: &Run<'_>, error: Option<&str>, now: Millis) -> Result<()> {
        let query = match (error, run.end.and_then(|e| e.error)) {
            (Some(message), Some(kind)) => sqlx::query(
                "UPDATE stream_state SET refresh_status = 'failed', last_error_kind = ?, last_error = ? \
                 WHERE source_id = ? AND stream = ?",
            )
            .bind(kind.as_str())
            .bind(message),
            _ => sqlx::query(
                "UPDATE stream_state SET refresh_status = 'idle', last_synced_at = ?, last_error_kind = NULL, last_error = NULL \
                 WHERE source_id = ? AND stream = ?",
            )
            .bind(now),
        };
        let mut tx = self.write().await?;
        query
            .bind(run.source_id)
            .bind(run.stream)
            .execute(&mut *tx)
            .await?;
        count_stream_end(&mut tx, run, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn stream_statuses(
        &self,
        source_id: i64,
        provider: Provider,
    ) -> Result<Vec<StreamStatus>> {
        let mut conn = self.reader().acquire().await?;
        let mut statuses = Vec::new();
        for stream in provider.connector().streams {
            let stream = stream.name;
            let state: Option<StreamStateRow> = sqlx::query_as(
                "SELECT last_synced_at, last_attempt_at, refresh_status, last_error_kind, last_error \
                 FROM stream_state WHERE source_id = ? AND stream = ?",
            )
            .bind(source_id)
            .bind(stream)
            .fetch_optional(&mut *conn)
            .await?;
            let (last_synced_at, last_attempt_at, refresh_status, last_error_kind, last_error) =
                state.unwrap_or((None, None, "idle".into(), None, None));
            let records = match provider.connector().table(stream) {
                Some(table) => entities::count(&mut conn, table, source_id).await?,
                None => 0,
            };
            statuses.push(StreamStatus {
                stream: stream.to_owned(),
                records,
                last_synced_at,
                last_attempt_at,
                refresh_status,
                last_error_kind,
                last_error,
            });
        }
        Ok(statuses)
    }
}

/// last_synced_at, last_attempt_at, refresh_status, last_error_kind, last_error.
type StreamStateRow = (
    Option<Millis>,
    Option<Millis>,
    String,
    Option<String>,
    Option<String>,
);

/// A stream's end, and what it spent under its job as a whole.
async fn count_stream_end(tx: &mut sqlx::SqliteConnection, run: &Run<'_>, now: Millis) -> Result<()> {
    count_run(tx, run, now).await?;
    count_run(tx, &run.spent_by_job(), now).await?;
    Ok(())
}
