//! The job queue's workers: a bounded pool, with a cap per connection (the sources of one
//! grant share its budget, whichever products they are). A job that fails for a reason that
//! can pass (server errors, a bad page) is queued again with exponential backoff and jitter,
//! up to `max_attempts`; rate limits and a lost network come back without spending an attempt.
//! The newest finished jobs of each source are kept for inspection.
//!
//! A person can pause syncing (queued jobs wait; the planner keeps queueing, one live job per
//! source, so a resume runs each due source once). Quitting stops the workers: running jobs
//! stop before their next page, keeping what they committed, and are queued again so the next
//! start resumes them from their cursors.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::http::PauseScope;
use crate::models::Source;
use crate::store::QueuedJob;
use crate::sync::{self, JobErrorKind, JobReason, SourceLock};
use crate::{Engine, EngineEvent};

const PAUSED_SETTING: &str = "syncing_paused";

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub workers: usize,
    /// Jobs at once on one connection (one grant or key).
    pub per_connection: usize,
    pub max_attempts: i64,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub keep_finished: i64,
    /// How often the background loop plans and dispatches: short, and against wall-clock
    /// time, because timers stop while a laptop sleeps.
    pub tick: Duration,
    /// While offline, how often to check whether the network is back.
    pub probe_every: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            workers: 4,
            per_connection: 2,
            max_attempts: 5,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(30 * 60),
            keep_finished: 100,
            tick: Duration::from_secs(5),
            probe_every: Duration::from_secs(30),
        }
    }
}

/// How one dispatched job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOutcome {
    pub job_id: i64,
    pub source_id: i64,
    pub state: String,
    /// The retry queued after a failure that can pass.
    pub retry: Option<i64>,
}

impl Engine {
    pub(crate) async fn load_paused(&self) -> Result<()> {
        let paused = self.store.setting(PAUSED_SETTING).await?.as_deref() == Some("1");
        self.paused.store(paused, Ordering::Relaxed);
        Ok(())
    }

    /// Whether a person paused syncing: queued and scheduled jobs wait until resumed.
    pub fn is_syncing_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Pauses or resumes syncing, kept across restarts. A job already running finishes.
    pub async fn set_syncing_paused(&self, paused: bool) -> Result<()> {
        self.store
            .put_setting(PAUSED_SETTING, if paused { "1" } else { "0" })
            .await?;
        if self.paused.swap(paused, Ordering::Relaxed) != paused {
            tracing::info!(paused, "syncing paused or resumed");
            self.emit(EngineEvent::SyncingPaused { paused });
            self.wake_workers.notify_one();
        }
        Ok(())
    }

    /// Asks `run_workers` to stop: nothing new starts, running jobs stop before their next
    /// page and are queued again, and `run_workers` returns once they have. For quitting.
    pub fn stop_workers(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.wake_workers.notify_one();
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// At start: jobs left `running` by a process that died are queued again (their streams
    /// resume from their cursors). A job whose source lock is held elsewhere is left alone.
    pub async fn recover_interrupted(&self) -> Result<u64> {
        let mut requeued = 0;
        for source in self.store.sources_with_running_jobs().await? {
            if let Ok(_lock) = SourceLock::acquire(self, source) {
                requeued += self.store.requeue_interrupted_jobs(source).await?;
            }
        }
        Ok(requeued)
    }

    /// While offline: asks the API of a source with queued work whether it answers at all;
    /// any HTTP answer means the network is back and syncing resumes. Returns whether online.
    pub async fn probe_network(&self) -> bool {
        let Ok(jobs) = self.store.runnable_jobs(i64::MAX).await else {
            return false;
        };
        let Some(job) = jobs.first() else {
            // Nothing waits to run: nothing to be offline for.
            self.set_offline(false);
            return true;
        };
        let Ok(access) = self.store.source_access(job.source_id).await else {
            return false;
        };
        let Ok(url) = crate::sources::base_url_of(&access) else {
            return false;
        };
        let online = self.http.reachable(&url).await;
        self.set_offline(!online);
        online
    }

    /// Cancels a job: a queued one never runs; a running one stops before its next page,
    /// keeping what it committed. `false` when the job has already finished.
    pub async fn cancel_job(&self, job_id: i64) -> Result<bool> {
        if self.store.cancel_queued(job_id, self.clock.now_millis()).await? {
            return Ok(true);
        }
        if self.store.job_state(job_id).await?.as_deref() == Some("running") {
            self.cancel_requests.lock().expect("cancel set").insert(job_id);
            return Ok(true);
        }
        Ok(false)
    }

    /// One dispatch pass: runs every runnable job the caps allow, concurrently, and waits
    /// for them. The background loop uses `dispatch` instead, which does not wait.
    pub async fn run_due_jobs(&self, config: &WorkerConfig) -> Result<Vec<JobOutcome>> {
        let mut running = JoinSet::new();
        self.dispatch(config, &mut running, &mut HashMap::new()).await?;
        let mut outcomes = Vec::new();
        while let Some(done) = running.join_next().await {
            let (_, outcome) = done.expect("worker task");
            outcomes.extend(outcome?);
        }
        Ok(outcomes)
    }

    /// Plans (schedules, idle clients) and dispatches queued jobs every tick, until
    /// `stop_workers`; then waits for the running jobs to stop and returns.
    pub async fn run_workers(self, config: WorkerConfig) {
        if let Err(e) = self.recover_interrupted().await {
            tracing::error!(error = %e, "could not re-queue interrupted jobs");
        }
        let mut running = JoinSet::new();
        let mut busy: HashMap<i64, usize> = HashMap::new();
        let mut last_probe = self.clock.monotonic();
        let mut was_busy = false;
        loop {
            tokio::select! {
                _ = self.clock.sleep(config.tick) => {}
                _ = self.wake_workers.notified() => {}
                Some(done) = running.join_next() => {
                    if let Ok((budget, outcome)) = done {
                        if let Some(n) = busy.get_mut(&budget) { *n = n.saturating_sub(1); }
                        if let Err(e) = outcome { tracing::error!(error = %e, "job failed to run"); }
                    }
                }
            }
            if self.is_stopping() {
                break;
            }
            if self.is_offline() && self.clock.elapsed(last_probe) >= config.probe_every {
                last_probe = self.clock.monotonic();
                self.probe_network().await;
            }
            if let Err(e) = self.plan().await {
                tracing::error!(error = %e, "planning failed");
            }
            if let Err(e) = self.dispatch(&config, &mut running, &mut busy).await {
                tracing::error!(error = %e, "dispatch failed");
            }
            // The last job ended and none took its place: give back what the work held.
            if was_busy && running.is_empty() {
                self.release_memory().await;
            }
            was_busy = !running.is_empty();
        }
        tracing::info!(running = running.len(), "workers stopping");
        while let Some(done) = running.join_next().await {
            if let Ok((_, Err(e))) = done {
                tracing::error!(error = %e, "job failed to run");
            }
        }
        tracing::info!("workers stopped");
    }

    /// Gives back the memory idle work holds: the writer's SQLite cache and the heap's free
    /// pages (see `heap`).
    pub(crate) async fn release_memory(&self) {
        self.store.shrink_memory().await;
        let _ = tokio::task::spawn_blocking(crate::heap::trim).await;
    }

    async fn dispatch(
        &self,
        config: &WorkerConfig,
        running: &mut JoinSet<(i64, Result<Option<JobOutcome>>)>,
        busy: &mut HashMap<i64, usize>,
    ) -> Result<()> {
        if self.is_offline() || self.is_syncing_paused() || self.is_stopping() {
            return Ok(());
        }
        for job in self.store.runnable_jobs(self.clock.now_millis()).await? {
            if running.len() >= config.workers {
                break;
            }
            let in_use = busy.entry(job.budget).or_default();
            if *in_use >= config.per_connection {
                continue;
            }
            *in_use += 1;
            let (engine, config) = (self.clone(), config.clone());
            running.spawn(async move {
                let budget = job.budget;
                (budget, engine.run_job(job, &config).await)
            });
        }
        Ok(())
    }

    /// Holds back the other sources a rate limit applies to until `until`: those of the
    /// connection, or every source of the provider (Google Ads' developer-token limit). A
    /// limit of one source needs nothing more: its own retry waits until then.
    pub(crate) async fn pause(&self, source: &Source, scope: PauseScope, until: Millis) -> Result<()> {
        let key = match (scope, source.connection_id) {
            (PauseScope::Source, _) | (PauseScope::Connection, None) => return Ok(()),
            (PauseScope::Connection, Some(connection)) => format!("connection:{connection}"),
            (PauseScope::Provider, _) => format!("provider:{}", source.provider.as_str()),
        };
        tracing::info!(source = source.id, scope = %key, until, "rate limited: holding back the sources it applies to");
        self.store.put_pause(&key, until, self.clock.now_millis()).await
    }

    async fn run_job(&self, job: QueuedJob, config: &WorkerConfig) -> Result<Option<JobOutcome>> {
        let reason = JobReason::parse(&job.reason).unwrap_or(JobReason::Manual);
        match sync::run(self, job.source_id, reason, None).await {
            Ok(_) => {}
            // Another process is syncing this source: the job waits for the next tick.
            Err(Error::SyncAlreadyRunning(_)) => return Ok(None),
            Err(e) => tracing::warn!(source = job.source_id, error = %e, "job failed"),
        }
        let Some(finished) = self.store.finished_job(job.id).await? else {
            return Ok(None);
        };
        let mut retry = None;
        let now = self.clock.now_millis();
        let kind = finished.error_kind.as_deref().and_then(JobErrorKind::parse);
        if finished.state == "cancelled" && self.is_stopping() {
            // Stopped by quitting, not by a person: the next start picks it up where its
            // cursors are, with no attempt spent.
            retry = self
                .store
                .enqueue_retry(job.source_id, finished.attempt, now, now)
                .await?;
        } else if kind == Some(JobErrorKind::Offline) {
            // Not the source's fault: pause the queue (no retry storm) and try again, with
            // no attempt spent, once the probe sees the network back.
            self.set_offline(true);
            retry = self
                .store
                .enqueue_retry(job.source_id, finished.attempt, now, now)
                .await?;
        } else if kind == Some(JobErrorKind::RateLimited) {
            // A rate limit is a wait, not a failure: come back when the provider said (or
            // after the base delay), with no attempt spent.
            let run_after = finished
                .retry_at
                .unwrap_or(0)
                .max(now + config.retry_base.as_millis() as Millis);
            retry = self
                .store
                .enqueue_retry(job.source_id, finished.attempt, run_after, now)
                .await?;
        } else if finished.state == "failed"
            && kind.is_some_and(JobErrorKind::retryable)
            && finished.attempt < config.max_attempts
        {
            let run_after = now + backoff(config, finished.attempt);
            retry = self
                .store
                .enqueue_retry(job.source_id, finished.attempt + 1, run_after, now)
                .await?;
        }
        self.store
            .prune_finished_jobs(job.source_id, config.keep_finished)
            .await?;
        Ok(Some(JobOutcome {
            job_id: job.id,
            source_id: job.source_id,
            state: finished.state,
            retry,
        }))
    }
}

/// Exponential with full jitter, so sources that failed together do not retry together.
fn backoff(config: &WorkerConfig, attempt: i64) -> Millis {
    let ceiling = config
        .retry_base
        .saturating_mul(1 << attempt.clamp(0, 16) as u32)
        .min(config.retry_max);
    // Never sooner than the base: the jitter spreads retries, it does not hurry them.
    (config.retry_base + ceiling.saturating_sub(config.retry_base).mul_f64(fastrand::f64())).as_millis()
        as Millis
}
