//! Runs one sync job for a source: its streams walk at once, each paging from its cursor
//! (`pages.rs`; a walk handed over as slices, `slices.rs`), and batches of rows are committed
//! together with the cursor that follows them (`Store::commit_pages`). A failing stream keeps
//! every page before the failure and does not stop the other streams, unless the first
//! stream meets what they would all meet (offline, credentials rejected, rate limited).

use std::fs::{File, TryLockError};
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use ts_rs::TS;

use crate::connector::{ConnectorError, Context};
use crate::error::{Error, Result};
use crate::health::run::{End, HealthState, Run};
use crate::http::{HttpError, Meter, Pacing};
use crate::models::Source;
use crate::providers::Provider;
use crate::store::{JobEnd, SourceAccess};
use crate::Engine;
use pages::{StreamEnd, Tally};

mod pages;
mod slices;

/// Why a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobReason {
    Schedule,
    Stale,
    Manual,
    CatchUp,
    Retry,
}

impl JobReason {
    pub const ALL: [JobReason; 5] = [
        JobReason::Schedule,
        JobReason::Stale,
        JobReason::Manual,
        JobReason::CatchUp,
        JobReason::Retry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobReason::Schedule => "schedule",
            JobReason::Stale => "stale",
            JobReason::Manual => "manual",
            JobReason::CatchUp => "catch_up",
            JobReason::Retry => "retry",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Why a job (or a stream) failed, in the few kinds that call for different handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum JobErrorKind {
    /// The provider could not be reached: the queue pauses until the network is back.
    Offline,
    /// The provider did not answer in time, on every attempt.
    Timeout,
    /// A rate limit or spent quota: the job comes back when the provider said.
    RateLimited,
    /// The key or token was refused.
    Unauthorized,
    /// The grant is gone, or does not cover this product: a person must reconnect.
    NeedsReauth,
    /// The secret could not be read (no keyring, or its entry is gone).
    Credentials,
    /// The provider refused the request for good (no access, a bad request).
    Rejected,
    /// The provider kept failing (5xx).
    Server,
    /// A page could not be read (malformed, truncated, missing what the provider documents).
    BadPage,
    /// The local database could not be written.
    Storage,
    /// Not attempted: the source is turned off (kept after its connection was removed).
    Disabled,
}

impl JobErrorKind {
    pub const ALL: [JobErrorKind; 11] = [
        Self::Offline,
        Self::Timeout,
        Self::RateLimited,
        Self::Unauthorized,
        Self::NeedsReauth,
        Self::Credentials,
        Self::Rejected,
        Self::Server,
        Self::BadPage,
        Self::Storage,
        Self::Disabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::Timeout => "timeout",
            Self::RateLimited => "rate_limited",
            Self::Unauthorized => "unauthorized",
            Self::NeedsReauth => "needs_reauth",
            Self::Credentials => "credentials",
            Self::Rejected => "rejected",
            Self::Server => "server",
            Self::BadPage => "bad_page",
            Self::Storage => "storage",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Worth another attempt later, with backoff. (Offline and rate limits come back too,
    /// but without spending an attempt: see the workers.)
    pub fn retryable(self) -> bool {
        matches!(self, Self::Server | Self::Timeout | Self::BadPage | Self::Storage)
    }

    fn of(error: &ConnectorError) -> Self {
        match error {
            ConnectorError::BadData(_) => Self::BadPage,
            ConnectorError::Account(_) => Self::Rejected,
            ConnectorError::Http(e) => match e {
                HttpError::Offline { .. } => Self::Offline,
                HttpError::Timeout { .. } => Self::Timeout,
                HttpError::RateLimited { .. } => Self::RateLimited,
                HttpError::Unauthorized { .. } => Self::Unauthorized,
                HttpError::Rejected { .. } => Self::Rejected,
                HttpError::Server { .. } => Self::Server,
                HttpError::BadBody { .. } => Self::BadPage,
            },
        }
    }
}

/// Sent after every committed batch of pages.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncProgress {
    #[ts(type = "number")]
    pub source_id: i64,
    pub stream: String,
    /// Records stored by this job so far, all streams.
    #[ts(type = "number")]
    pub records: u64,
    #[ts(type = "number")]
    pub pages: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamReport {
    pub stream: String,
    pub records: u64,
    pub pages: u64,
    pub error_kind: Option<JobErrorKind>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub job_id: i64,
    pub source_id: i64,
    pub label: String,
    pub records: u64,
    pub pages: u64,
    /// Requests sent (every attempt), the retries among them, and the time spent waiting on
    /// rate limits.
    pub requests: u64,
    pub retries: u64,
    pub wait_ms: u64,
    pub duration_ms: u64,
    /// The time spent fetching and parsing pages, storing them, and recomputing the daily
    /// rollups of the days they touched. Real elapsed time whatever the engine's clock (a
    /// manual clock that jumps while a report runs would make them the report's wait): they
    /// are figures of the work, for benchmarks, not times anything is scheduled by.
    pub fetch_ms: u64,
    pub store_ms: u64,
    pub rollup_ms: u64,
    pub streams: Vec<StreamReport>,
    /// Stopped by `Engine::cancel_job`; what was committed before stays.
    pub cancelled: bool,
}

impl SyncReport {
    pub fn succeeded(&self) -> bool {
        self.streams.iter().all(|s| s.error.is_none())
    }
}

/// What a failed stream says: which provider, stream and page, and what went wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} {stream}, page {page}: {error}", provider.label())]
pub struct StreamError {
    pub provider: Provider,
    pub stream: String,
    pub page: u64,
    pub error: ConnectorError,
}

impl StreamError {
    pub fn kind(&self) -> JobErrorKind {
        JobErrorKind::of(&self.error)
    }

    /// Failures every other stream would meet too.
    fn stops_job(&self) -> bool {
        matches!(
            self.error,
            ConnectorError::Http(
                HttpError::Offline { .. } | HttpError::Unauthorized { .. } | HttpError::RateLimited { .. }
            )
        )
    }

    /// When the provider said to come back, for a rate limit, and what it holds back.
    pub fn rate_limit(&self) -> Option<(Option<crate::clock::Millis>, crate::http::PauseScope)> {
        match &self.error {
            ConnectorError::Http(HttpError::RateLimited { retry_at, scope, .. }) => Some((*retry_at, *scope)),
            _ => None,
        }
    }
}

/// How a source's requests reach its provider for one job.
#[derive(Clone)]
pub(crate) struct Reach {
    pub base_url: reqwest::Url,
    pub secret: String,
    pub app_token: Option<String>,
}

/// What every page of one job needs. Its streams are walked at once, so what they share is
/// behind locks and counters: the reach (a token refreshed by one stream serves all) and the
/// job's totals for progress.
struct Job<'a> {
    engine: &'a Engine,
    job_id: i64,
    access: &'a SourceAccess,
    source: &'a Source,
    reason: JobReason,
    reach: Mutex<Reach>,
    pacing: Pacing,
    progress: Option<&'a UnboundedSender<SyncProgress>>,
    records: AtomicU64,
    pages: AtomicU64,
    /// Whether the other streams go: the first stream walks alone until a page of it came
    /// (the provider is reachable and takes the credentials) or it met what every stream
    /// would meet (offline, refused, rate limited), which then ends the job alone.
    lead: watch::Sender<Lead>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    Pending,
    Go,
    Stop,
}

/// Held while a process syncs a source: an OS file lock, released even by `kill -9`, so a
/// job row left `running` without its lock holder is known to be dead.
pub(crate) struct SourceLock(#[allow(dead_code)] File);

impl SourceLock {
    pub(crate) fn acquire(engine: &Engine, source_id: i64) -> Result<Self> {
        let dir = engine.data_dir.join("locks");
        std::fs::create_dir_all(&dir).map_err(|source| Error::DataDir {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(format!("source-{source_id}.lock"));
        let file = File::create(&path).map_err(|source| Error::DataDir { path, source })?;
        match file.try_lock() {
            Ok(()) => Ok(Self(file)),
            Err(TryLockError::WouldBlock) => Err(Error::SyncAlreadyRunning(source_id)),
            Err(TryLockError::Error(source)) => Err(Error::DataDir { path: dir, source }),
        }
    }
}

pub(crate) async fn run(
    engine: &Engine,
    source_id: i64,
    reason: JobReason,
    progress: Option<UnboundedSender<SyncProgress>>,
) -> Result<SyncReport> {
    let started = engine.clock.monotonic();
    let access = engine.store.source_access(source_id).await?;
    let _lock = SourceLock::acquire(engine, source_id)?;
    if engine.store.requeue_interrupted_jobs(source_id).await? > 0 {
        tracing::warn!(
            source = source_id,
            "resuming a sync that was interrupted (the app or command stopped mid-sync)"
        );
    }
    let job_id = engine
        .store
        .start_job(source_id, reason.as_str(), engine.clock.now_millis())
        .await?;

    engine.emit(crate::EngineEvent::JobStarted { source_id });
    let outcome = run_streams(engine, &access, job_id, reason, progress).await;
    // Whatever stopped the job, the rows it committed count: roll their days up before
    // the job is recorded as finished, so a dashboard read after it sees them.
    let rollup_started = Instant::now();
    let rolled_up = engine
        .apply_rollups(source_id, access.source.client_id, access.source.provider)
        .await;
    let rollup_ms = rollup_started.elapsed().as_millis() as u64;
    // Every job ends recorded, whatever stopped it.
    let (state, kind, message) = match &outcome {
        Ok((report, _)) if report.cancelled => ("cancelled", None, None),
        Ok((_, None)) => ("succeeded", None, None),
        Ok((_, Some(error))) => ("failed", Some(error.kind()), Some(error.to_string())),
        Err(e) => ("failed", Some(job_error_kind(e)), Some(e.to_string())),
    };
    let rate_limit = match &outcome {
        Ok((_, Some(error))) => error.rate_limit(),
        _ => None,
    };
    engine.forget_cancel(job_id);
    let end = JobEnd {
        state,
        error_kind: kind,
        error_message: message.as_deref(),
        retry_at: rate_limit.and_then(|(at, _)| at),
    };
    let duration_ms = engine.clock.elapsed(started).as_millis() as u64;
    // What the job moved and spent was counted with its batches and its streams' ends.
    let run = Run::new(source_id, access.source.client_id, "").ended(End {
        state: HealthState::of(state, kind),
        reason,
        duration_ms,
        error: kind,
    });
    engine
        .store
        .finish_job(job_id, end, &run, engine.clock.now_millis())
        .await?;
    if let Some((Some(until), scope)) = rate_limit {
        engine.pause(&access.source, scope, until).await?;
    }
    engine.emit(crate::EngineEvent::JobFinished {
        source_id,
        succeeded: matches!(outcome, Ok((_, None))),
    });
    if let Err(e) = engine.evaluate_alerts(Some(source_id)).await {
        // Health is about the work; it must never fail the work.
        tracing::warn!(source = source_id, error = %e, "could not evaluate alerts");
    }
    rolled_up?;

    let (mut report, _) = outcome?;
    report.duration_ms = duration_ms;
    report.rollup_ms = rollup_ms;
    tracing::info!(
        source = source_id,
        job = job_id,
        records = report.records,
        pages = report.pages,
        ok = report.succeeded(),
        "sync finished"
    );
    Ok(report)
}

/// The kind of a failure outside any stream (the job could not start walking).
fn job_error_kind(e: &Error) -> JobErrorKind {
    match e {
        Error::Secret(_) | Error::MissingSecret(_) => JobErrorKind::Credentials,
        Error::Auth(e) if e.needs_reauth() => JobErrorKind::NeedsReauth,
        // A token endpoint that could not be reached is retried like any server failure.
        Error::Auth(crate::auth::AuthError::Network { .. }) => JobErrorKind::Server,
        Error::Auth(_) => JobErrorKind::Credentials,
        Error::MissingScope { .. } => JobErrorKind::NeedsReauth,
        Error::Connector(e) => JobErrorKind::of(e),
        _ => JobErrorKind::Storage,
    }
}

/// Walks every stream of the source at once (they share the gate's budget, so together they
/// use what one walk cannot: Stripe limits each list to 25 requests a second of the key's
/// 100); returns the report, streams in their order, and the first stream error.
async fn run_streams(
    engine: &Engine,
    access: &SourceAccess,
    job_id: i64,
    reason: JobReason,
    progress: Option<UnboundedSender<SyncProgress>>,
) -> Result<(SyncReport, Option<StreamError>)> {
    let source = &access.source;
    let reach = engine.reach(access, None).await?;
    let job = Job {
        engine,
        job_id,
        access,
        source,
        reason,
        pacing: engine.pacing_for(source, &reach.secret),
        reach: Mutex::new(reach),
        progress: progress.as_ref(),
        records: AtomicU64::new(0),
        pages: AtomicU64::new(0),
        lead: watch::Sender::new(Lead::Pending),
    };
    let streams = source.provider.connector().streams;
    // A loop, not a closure over the streams: one would be held across the awaits and keep
    // the job's future from being `Send` for every lifetime.
    let mut walks = Vec::with_capacity(streams.len());
    for (i, stream) in streams.iter().enumerate() {
        walks.push(job.walk_stream(stream.name, i == 0));
    }
    let walked = futures_util::future::join_all(walks).await;
    let mut report = SyncReport {
        job_id,
        source_id: source.id,
        label: source.label.clone(),
        records: 0,
        pages: 0,
        requests: 0,
        retries: 0,
        wait_ms: 0,
        duration_ms: 0,
        fetch_ms: 0,
        store_ms: 0,
        rollup_ms: 0,
        streams: Vec::new(),
        cancelled: false,
    };
    let mut first_error = None;
    // A stream that did not go (the first met what it would meet too) is not in the report.
    for walked in walked {
        let Some(Walked {
            tally,
            meter,
            error,
            cancelled,
        }) = walked?
        else {
            continue;
        };
        report.records += tally.counts.records;
        report.pages += tally.counts.pages;
        report.requests += meter.requests();
        report.retries += meter.retries();
        report.wait_ms += meter.wait_ms();
        // Streams overlap: the job's fetch time is its longest stream's wait for pages.
        report.fetch_ms = report.fetch_ms.max(tally.fetching.as_millis() as u64);
        report.store_ms += tally.storing.as_millis() as u64;
        report.cancelled |= cancelled;
        report.streams.push(tally.counts);
        if first_error.is_none() {
            first_error = error;
        }
    }
    Ok((report, first_error))
}

/// How one stream's walk ended, with what it stored and spent.
struct Walked {
    tally: Tally,
    meter: Meter,
    error: Option<StreamError>,
    cancelled: bool,
}

impl Job<'_> {
    /// One stream from its stored cursor to the end, recorded in `stream_state` and health.
    /// An OAuth token that expired mid-walk is refreshed once and the stream goes on from
    /// its last committed cursor (at most once, so a provider that keeps refusing cannot
    /// loop; the refreshed token serves the other streams too).
    async fn walk_stream(&self, stream: &'static str, first: bool) -> Result<Option<Walked>> {
        if !first {
            let mut lead = self.lead.subscribe();
            let go = lead
                .wait_for(|l| *l != Lead::Pending)
                .await
                .map(|l| *l == Lead::Go);
            if !go.unwrap_or(false) {
                return Ok(None);
            }
        }
        let walked = self.walk(stream, first).await;
        // Whatever ended the first stream (an error too), the others are not left waiting.
        self.lead(Lead::Stop);
        walked.map(Some)
    }

    async fn walk(&self, stream: &'static str, first: bool) -> Result<Walked> {
        let (engine, source) = (self.engine, self.source);
        engine
            .store
            .start_stream(source.id, stream, engine.clock.now_millis())
            .await?;
        let started = engine.clock.monotonic();
        let meter = Meter::default();
        let mut tally = Tally {
            counts: StreamReport {
                stream: stream.to_owned(),
                records: 0,
                pages: 0,
                error_kind: None,
                error: None,
            },
            fetching: Duration::ZERO,
            storing: Duration::ZERO,
        };
        let mut refreshed = false;
        let outcome = loop {
            let used = self.reach.lock().expect("reach").secret.clone();
            let outcome = self.sync_stream(stream, &mut tally, &meter).await?;
            let expired = matches!(
                &outcome,
                StreamEnd::Failed(StreamError {
                    error: ConnectorError::Http(HttpError::Unauthorized { .. }),
                    ..
                })
            );
            if expired && !refreshed && self.access.auth_kind == Some(crate::connector::AuthKind::Oauth) {
                let fresh = engine.source_secret(self.access, Some(&used)).await?;
                self.reach.lock().expect("reach").secret = fresh;
                refreshed = true;
                continue;
            }
            break outcome;
        };
        let run = |state: HealthState, error: Option<JobErrorKind>| {
            Run {
                requests: meter.requests(),
                retries: meter.retries(),
                wait_ms: meter.wait_ms(),
                ..Run::new(source.id, source.client_id, stream)
            }
            .ended(End {
                state,
                reason: self.reason,
                duration_ms: engine.clock.elapsed(started).as_millis() as u64,
                error,
            })
        };
        if first {
            self.lead(match &outcome {
                StreamEnd::Failed(error) if error.stops_job() => Lead::Stop,
                StreamEnd::Cancelled => Lead::Stop,
                _ => Lead::Go,
            });
        }
        let now = engine.clock.now_millis();
        let (error, cancelled) = match outcome {
            StreamEnd::Done => {
                let run = run(HealthState::Succeeded, None);
                engine.store.finish_stream(&run, None, now).await?;
                (None, false)
            }
            StreamEnd::Failed(error) => {
                let message = error.to_string();
                let kind = error.kind();
                tracing::warn!(source = source.id, %error, "stream failed");
                let run = run(HealthState::of("failed", Some(kind)), Some(kind));
                engine.store.finish_stream(&run, Some(&message), now).await?;
                tally.counts.error_kind = Some(kind);
                tally.counts.error = Some(message);
                (Some(error), false)
            }
            StreamEnd::Cancelled => {
                let run = run(HealthState::Cancelled, None);
                engine.store.stream_idle(&run, now).await?;
                (None, true)
            }
        };
        Ok(Walked {
            tally,
            meter,
            error,
            cancelled,
        })
    }
}

impl Engine {
    /// The context a connector call for `source` runs in.
    pub(crate) fn context<'a>(
        &'a self,
        source: &'a Source,
        reach: &'a Reach,
        pacing: Pacing,
        meter: Option<&'a Meter>,
    ) -> Context<'a> {
        let connector = source.provider.connector();
        Context {
            http: &self.http,
            base_url: &reach.base_url,
            secret: &reach.secret,
            app_token: reach.app_token.as_deref(),
            account: &source.external_id,
            parent: source.parent_account.as_deref(),
            time_zone: source.time_zone.as_deref(),
            lookback_days: source.lookback_days,
            history_days: source.history_days,
            gate: source.gate(),
            now: self.clock.now_millis(),
            pacing,
            classify: connector.api.classify(),
            meter,
        }
    }
}
