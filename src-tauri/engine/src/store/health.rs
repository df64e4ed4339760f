//! SQL for job health: counters upserted into the four buckets of a moment, inside the
//! transaction that ends the job or the stream (so a crash neither drops nor double-counts
//! them), the per-source last success and failure streak, the bucket rows health reads, and
//! open alerts.

use serde::Deserialize;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{FromRow, Sqlite, SqliteConnection};

use super::Store;
use crate::clock::Millis;
use crate::error::Result;
use crate::health::run::{HealthState, Run};
use crate::health::Granularity;
use crate::sync::{JobErrorKind, JobReason};

/// Adds one run (or a batch's amounts) to its hour, day, week and month: one statement for
/// the four rows (each statement is a round trip to sqlx's SQLite thread, which costs more
/// than the row).
pub(crate) async fn count_run(conn: &mut SqliteConnection, run: &Run<'_>, at: Millis) -> Result<()> {
    let state = |s: HealthState| i64::from(run.state() == Some(s));
    let reason = |r: JobReason| i64::from(run.end.is_some_and(|e| e.reason == r));
    let timed = run.state() == Some(HealthState::Succeeded);
    let duration = run.end.map_or(0, |e| e.duration_ms) as f64;
    let buckets = Granularity::ALL.map(|g| g.start(at));
    who_and_when(sqlx::query(
        "INSERT INTO job_health (source_id, client_id, stream, granularity, bucket, \
           succeeded, failed, skipped, rate_limited, cancelled, \
           by_schedule, by_stale, by_manual, by_catch_up, by_retry, \
           duration_count, duration_sum, duration_sq, duration_min, duration_max, \
           records, pages, requests, retries, wait_ms) \
         SELECT ?1, ?2, ?3, g.column1, g.column2, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
           ?18, ?19, ?20, ?21, ?21, ?22, ?23, ?24, ?25, ?26 \
         FROM (VALUES ('hour', ?4), ('day', ?5), ('week', ?6), ('month', ?7)) AS g WHERE true \
         ON CONFLICT (granularity, stream, bucket, source_id) DO UPDATE SET \
           succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed, \
           skipped = skipped + excluded.skipped, rate_limited = rate_limited + excluded.rate_limited, \
           cancelled = cancelled + excluded.cancelled, by_schedule = by_schedule + excluded.by_schedule, \
           by_stale = by_stale + excluded.by_stale, by_manual = by_manual + excluded.by_manual, \
           by_catch_up = by_catch_up + excluded.by_catch_up, by_retry = by_retry + excluded.by_retry, \
           duration_count = duration_count + excluded.duration_count, \
           duration_sum = duration_sum + excluded.duration_sum, duration_sq = duration_sq + excluded.duration_sq, \
           duration_min = CASE WHEN excluded.duration_count = 0 THEN duration_min \
                               ELSE MIN(COALESCE(duration_min, excluded.duration_min), excluded.duration_min) END, \
           duration_max = CASE WHEN excluded.duration_count = 0 THEN duration_max \
                               ELSE MAX(COALESCE(duration_max, excluded.duration_max), excluded.duration_max) END, \
           records = records + excluded.records, pages = pages + excluded.pages, \
           requests = requests + excluded.requests, retries = retries + excluded.retries, \
           wait_ms = wait_ms + excluded.wait_ms",
    ), run, buckets)
    .bind(state(HealthState::Succeeded))
    .bind(state(HealthState::Failed))
    .bind(state(HealthState::Skipped))
    .bind(state(HealthState::RateLimited))
    .bind(state(HealthState::Cancelled))
    .bind(reason(JobReason::Schedule))
    .bind(reason(JobReason::Stale))
    .bind(reason(JobReason::Manual))
    .bind(reason(JobReason::CatchUp))
    .bind(reason(JobReason::Retry))
    .bind(i64::from(timed))
    .bind(if timed { duration } else { 0.0 })
    .bind(if timed { duration * duration } else { 0.0 })
    .bind(timed.then_some(duration))
    .bind(run.records as i64)
    .bind(run.pages as i64)
    .bind(run.requests as i64)
    .bind(run.retries as i64)
    .bind(run.wait_ms as i64)
    .execute(&mut *conn)
    .await?;
    if let Some(kind) = run.end.and_then(|e| e.error) {
        who_and_when(sqlx::query(
            "INSERT INTO job_health_errors (source_id, client_id, stream, granularity, bucket, kind, count) \
             SELECT ?1, ?2, ?3, g.column1, g.column2, ?8, 1 \
             FROM (VALUES ('hour', ?4), ('day', ?5), ('week', ?6), ('month', ?7)) AS g WHERE true \
             ON CONFLICT (granularity, stream, bucket, source_id, kind) DO UPDATE SET count = count + 1",
        ), run, buckets)
        .bind(kind.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The first seven parameters of both counting statements: whose run, and the hour, day,
/// week and month of its moment.
fn who_and_when<'q>(
    query: Query<'q, Sqlite, SqliteArguments<'q>>,
    run: &Run<'q>,
    [hour, day, week, month]: [Millis; 4],
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    query
        .bind(run.source_id)
        .bind(run.client_id)
        .bind(run.stream)
        .bind(hour)
        .bind(day)
        .bind(week)
        .bind(month)
}

/// A job ended: the source's last success and its streak of failures since.
pub(crate) async fn note_source(
    conn: &mut SqliteConnection,
    run: &Run<'_>,
    message: Option<&str>,
    at: Millis,
) -> Result<()> {
    let (success, failure) = match run.state() {
        Some(HealthState::Succeeded) => (1, 0),
        Some(HealthState::Failed) => (0, 1),
        // Waits, skips and cancels neither break nor extend a streak.
        _ => (0, 0),
    };
    sqlx::query(
        "INSERT INTO source_health (source_id, last_success_at, failure_streak, last_error_kind, last_error, \
           last_error_at, last_finished_at) \
         VALUES (?1, CASE WHEN ?2 = 1 THEN ?6 END, ?3, ?4, ?5, CASE WHEN ?4 IS NOT NULL THEN ?6 END, ?6) \
         ON CONFLICT (source_id) DO UPDATE SET \
           last_success_at = CASE WHEN ?2 = 1 THEN ?6 ELSE last_success_at END, \
           failure_streak = CASE WHEN ?2 = 1 THEN 0 ELSE failure_streak + ?3 END, \
           last_error_kind = CASE WHEN ?4 IS NULL THEN last_error_kind ELSE ?4 END, \
           last_error = CASE WHEN ?4 IS NULL THEN last_error ELSE ?5 END, \
           last_error_at = CASE WHEN ?4 IS NULL THEN last_error_at ELSE ?6 END, \
           last_finished_at = ?6",
    )
    .bind(run.source_id)
    .bind(success)
    .bind(failure)
    .bind(run.end.and_then(|e| e.error).map(JobErrorKind::as_str))
    .bind(message)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One bucket row, as health reads it (summed over whatever the scope covers).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct BucketRow {
    pub bucket: Millis,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
    pub rate_limited: i64,
    pub cancelled: i64,
    pub by_schedule: i64,
    pub by_stale: i64,
    pub by_manual: i64,
    pub by_catch_up: i64,
    pub by_retry: i64,
    pub duration_count: i64,
    pub duration_sum: f64,
    pub duration_sq: f64,
    pub duration_min: Option<f64>,
    pub duration_max: Option<f64>,
    pub records: i64,
    pub pages: i64,
    pub requests: i64,
    pub retries: i64,
    pub wait_ms: i64,
}

/// Which rows a read covers: one source's or client's (or everyone's), the job rows (stream
/// `""`) or one stream's.
pub(crate) struct Filter {
    pub source: Option<i64>,
    pub client: Option<i64>,
    pub stream: String,
}

impl Filter {
    pub fn everyone() -> Self {
        Self {
            source: None,
            client: None,
            stream: String::new(),
        }
    }

    /// The rows of granularity ?1, buckets ?2 to ?3, stream ?4 (and source or client ?5), in
    /// the shape an index serves: `job_health_source` for a source, `job_health_client` for a
    /// client, the primary key for everyone.
    fn sql(&self) -> &'static str {
        match (self.source, self.client) {
            (Some(_), _) => {
                "source_id = ?5 AND stream = ?4 AND granularity = ?1 AND bucket BETWEEN ?2 AND ?3"
            }
            (None, Some(_)) => {
                "client_id = ?5 AND granularity = ?1 AND stream = ?4 AND bucket BETWEEN ?2 AND ?3"
            }
            (None, None) => "granularity = ?1 AND stream = ?4 AND bucket BETWEEN ?2 AND ?3",
        }
    }

    fn id(&self) -> Option<i64> {
        self.source.or(self.client)
    }
}

/// Bucket rows come back as one JSON array in one row: sqlx hands SQLite rows over from its
/// worker thread one at a time, which costs about 10 µs a row (measured with `bench health`) —
/// more than the query itself for a timeline of hundreds of buckets or 300 sources' days.
fn bucket_json(source: bool) -> String {
    let columns = [
        "bucket",
        "succeeded",
        "failed",
        "skipped",
        "rate_limited",
        "cancelled",
        "by_schedule",
        "by_stale",
        "by_manual",
        "by_catch_up",
        "by_retry",
        "duration_count",
        "duration_sum",
        "duration_sq",
        "duration_min",
        "duration_max",
        "records",
        "pages",
        "requests",
        "retries",
        "wait_ms",
    ];
    let pairs: Vec<String> = source
        .then(|| "'source_id', source_id".to_owned())
        .into_iter()
        .chain(columns.iter().map(|c| format!("'{c}', {c}")))
        .collect();
    format!("json_group_array(json_object({}))", pairs.join(", "))
}

fn parse_json<T: serde::de::DeserializeOwned>(json: Option<String>) -> Result<Vec<T>> {
    Ok(match json {
        Some(json) => serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        None => Vec::new(),
    })
}

/// One source's day, as the alerts read it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct DayRow {
    pub source_id: i64,
    pub bucket: Millis,
    pub records: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub mean_ms: Option<f64>,
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct SourceHealthRow {
    pub source_id: i64,
    pub last_success_at: Option<Millis>,
    pub failure_streak: i64,
    pub last_error_kind: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<Millis>,
    pub last_finished_at: Option<Millis>,
}

#[derive(Debug, Clone, FromRow)]
pub(crate) struct AlertRow {
    pub id: i64,
    pub kind: String,
    pub source_id: Option<i64>,
    pub opened_at: Millis,
    pub cleared_at: Option<Millis>,
    pub message: String,
    pub notified: bool,
}

impl Store {
    /// Bucket rows of one granularity from `from` to `to`, summed per bucket over `filter`,
    /// in bucket order.
    pub(crate) async fn health_buckets(
        &self,
        filter: &Filter,
        granularity: Granularity,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<BucketRow>> {
        let json: Option<String> = sqlx::query_scalar(&format!(
            "SELECT {} FROM (SELECT bucket, SUM(succeeded) AS succeeded, SUM(failed) AS failed, \
               SUM(skipped) AS skipped, SUM(rate_limited) AS rate_limited, SUM(cancelled) AS cancelled, \
               SUM(by_schedule) AS by_schedule, SUM(by_stale) AS by_stale, SUM(by_manual) AS by_manual, \
               SUM(by_catch_up) AS by_catch_up, SUM(by_retry) AS by_retry, SUM(duration_count) AS duration_count, \
               CAST(SUM(duration_sum) AS REAL) AS duration_sum, CAST(SUM(duration_sq) AS REAL) AS duration_sq, \
               CAST(MIN(duration_min) AS REAL) AS duration_min, CAST(MAX(duration_max) AS REAL) AS duration_max, \
               SUM(records) AS records, SUM(pages) AS pages, SUM(requests) AS requests, \
               SUM(retries) AS retries, SUM(wait_ms) AS wait_ms \
             FROM job_health WHERE {} GROUP BY bucket ORDER BY bucket)",
            bucket_json(false),
            filter.sql()
        ))
        .bind(granularity.as_str())
        .bind(granularity.start(from))
        .bind(to)
        .bind(&filter.stream)
        .bind(filter.id())
        .fetch_one(self.reader())
        .await?;
        let mut rows: Vec<BucketRow> = parse_json(json)?;
        rows.sort_by_key(|r| r.bucket);
        Ok(rows)
    }

    /// Error kinds counted over `filter` in the window, most first.
    pub(crate) async fn health_errors(
        &self,
        filter: &Filter,
        granularity: Granularity,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<(Millis, String, i64)>> {
        Ok(sqlx::query_as(&format!(
            "SELECT bucket, kind, SUM(count) FROM job_health_errors WHERE {} GROUP BY bucket, kind ORDER BY bucket",
            filter.sql()
        ))
        .bind(granularity.as_str())
        .bind(granularity.start(from))
        .bind(to)
        .bind(&filter.stream)
        .bind(filter.id())
        .fetch_all(self.reader())
        .await?)
    }

    /// Daily job rows from `from` of one source or of every source, in day order: what the
    /// alerts watch.
    pub(crate) async fn daily_source_rows(&self, source: Option<i64>, from: Millis) -> Result<Vec<DayRow>> {
        let scope = match source {
            Some(_) => "source_id = ?2 AND granularity = 'day' AND stream = '' AND bucket >= ?1",
            None => "granularity = 'day' AND stream = '' AND bucket >= ?1",
        };
        let json: Option<String> = sqlx::query_scalar(&format!(
            "SELECT json_group_array(json_object('source_id', source_id, 'bucket', bucket, 'records', records, \
               'succeeded', succeeded, 'failed', failed, 'mean_ms', \
               CASE WHEN duration_count > 0 THEN duration_sum / duration_count END)) \
             FROM (SELECT * FROM job_health WHERE {scope} ORDER BY bucket)"
        ))
        .bind(from)
        .bind(source)
        .fetch_one(self.reader())
        .await?;
        let mut rows: Vec<DayRow> = parse_json(json)?;
        rows.sort_by_key(|r| r.bucket);
        Ok(rows)
    }

    /// Every source's daily job rows from `from` to `to`, by source, in day order.
    pub(crate) async fn health_per_source(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<std::collections::HashMap<i64, Vec<BucketRow>>> {
        #[derive(Deserialize)]
        struct Row {
            source_id: i64,
            #[serde(flatten)]
            row: BucketRow,
        }
        let json: Option<String> = sqlx::query_scalar(&format!(
            "SELECT {} FROM job_health WHERE granularity = 'day' AND stream = '' AND bucket BETWEEN ? AND ?",
            bucket_json(true)
        ))
        .bind(Granularity::Day.start(from))
        .bind(to)
        .fetch_one(self.reader())
        .await?;
        let mut out: std::collections::HashMap<i64, Vec<BucketRow>> = std::collections::HashMap::new();
        for Row { source_id, row } in parse_json::<Row>(json)? {
            out.entry(source_id).or_default().push(row);
        }
        for rows in out.values_mut() {
            rows.sort_by_key(|r| r.bucket);
        }
        Ok(out)
    }

    pub(crate) async fn source_health(&self) -> Result<Vec<SourceHealthRow>> {
        Ok(sqlx::query_as(
            "SELECT source_id, last_success_at, failure_streak, last_error_kind, last_error, last_error_at, \
               last_finished_at FROM source_health",
        )
        .fetch_all(self.reader())
        .await?)
    }

    /// Counters older than their granularity's retention go.
    pub(crate) async fn prune_health(&self, now: Millis) -> Result<u64> {
        let mut tx = self.write().await?;
        let mut removed = 0;
        for granularity in Granularity::ALL {
            let Some(keep) = granularity.retention() else {
                continue;
            };
            for table in ["job_health", "job_health_errors"] {
                removed += sqlx::query(&format!(
                    "DELETE FROM {table} WHERE granularity = ? AND bucket < ?"
                ))
                .bind(granularity.as_str())
                .bind(now - keep)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            }
        }
        tx.commit().await?;
        Ok(removed)
    }

    pub(crate) async fn alerts(&self, open_only: bool) -> Result<Vec<AlertRow>> {
        Ok(sqlx::query_as(
            "SELECT id, kind, source_id, opened_at, cleared_at, message, notified FROM alerts \
             WHERE ?1 = 0 OR cleared_at IS NULL ORDER BY opened_at DESC, id DESC LIMIT 200",
        )
        .bind(open_only)
        .fetch_all(self.reader())
        .await?)
    }

    /// Opens an alert unless one of its kind is open for the source. Returns the new one.
    pub(crate) async fn open_alert(
        &self,
        kind: &str,
        source_id: Option<i64>,
        message: &str,
        now: Millis,
    ) -> Result<Option<AlertRow>> {
        let mut tx = self.write().await?;
        let row: Option<AlertRow> = sqlx::query_as(
            "INSERT INTO alerts (kind, source_id, opened_at, message) VALUES (?, ?, ?, ?) \
             ON CONFLICT DO NOTHING RETURNING id, kind, source_id, opened_at, cleared_at, message, notified",
        )
        .bind(kind)
        .bind(source_id)
        .bind(now)
        .bind(message)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Clears the open alert of this kind and source, if there is one; returns its id.
    pub(crate) async fn clear_alert(
        &self,
        kind: &str,
        source_id: Option<i64>,
        now: Millis,
    ) -> Result<Option<i64>> {
        let mut tx = self.write().await?;
        let id = sqlx::query_scalar(
            "UPDATE alerts SET cleared_at = ? WHERE kind = ? AND COALESCE(source_id, 0) = COALESCE(?, 0) \
             AND cleared_at IS NULL RETURNING id",
        )
        .bind(now)
        .bind(kind)
        .bind(source_id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn update_alert_message(&self, id: i64, message: &str) -> Result<()> {
        self.write_one(
            sqlx::query("UPDATE alerts SET message = ? WHERE id = ?")
                .bind(message)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    pub(crate) async fn mark_alert_notified(&self, id: i64) -> Result<()> {
        self.write_one(sqlx::query("UPDATE alerts SET notified = 1 WHERE id = ?").bind(id))
            .await?;
        Ok(())
    }
}

impl Store {
    /// Counts runs of one job end in one transaction (the job's own row last, for its streak).
    /// `bench health` only: real job ends count inside the transactions that end them.
    pub(crate) async fn count_runs(&self, runs: &[Run<'_>], at: Millis) -> Result<()> {
        let mut tx = self.write().await?;
        for run in runs {
            count_run(&mut tx, run, at).await?;
        }
        if let Some(job) = runs.last() {
            note_source(&mut tx, job, None, at).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
