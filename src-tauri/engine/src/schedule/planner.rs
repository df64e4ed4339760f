//! What a person sets about when a source syncs — its schedule, its staleness window — and
//! the two passes that turn time and attention into queued jobs: `plan` (due schedules, idle
//! clients) and `client_seen` (stale sources of the client on screen).

use crate::auth::AuthError;
use crate::error::{InputError, Result};
use crate::models::ConnectionStatus;
use crate::sync::JobReason;
use crate::Engine;

use super::{CronSchedule, Schedule, ScheduleError, SchedulePreview, ScheduleSpec};

impl Engine {
    /// The next five runs of a schedule, without saving it; bad input is refused here too.
    pub fn preview_schedule(&self, spec: &ScheduleSpec) -> Result<SchedulePreview> {
        let now = self.clock.now();
        Ok(super::preview(&spec.parse(now)?, now))
    }

    /// Sets (or replaces) a source's schedule. Nothing is saved when the spec is invalid.
    pub async fn set_schedule(&self, source_id: i64, spec: &ScheduleSpec) -> Result<Schedule> {
        let now = self.clock.now();
        let parsed = spec.parse(now)?;
        let next = parsed
            .next_after(now)
            .ok_or_else(|| ScheduleError::NeverRuns(parsed.expression().to_owned()))?;
        let tz = parsed.time_zone();
        self.store
            .put_schedule(
                source_id,
                &spec.preset,
                parsed.expression(),
                tz.name(),
                next.timestamp_millis(),
                now.timestamp_millis(),
            )
            .await
    }

    pub async fn remove_schedule(&self, source_id: i64) -> Result<()> {
        self.store.delete_schedule(source_id).await
    }

    pub async fn schedule(&self, source_id: i64) -> Result<Option<Schedule>> {
        self.store.schedule_for(source_id).await
    }

    /// The UI's heartbeat for the client on screen: marks it active and enqueues a refresh of
    /// each stale source. Returns the jobs enqueued.
    pub async fn client_seen(&self, client_id: i64) -> Result<Vec<i64>> {
        self.store.client_seen(client_id, self.clock.now_millis()).await
    }

    /// How long a source's data may age before viewing its client refreshes it.
    pub async fn set_staleness(&self, source_id: i64, minutes: i64) -> Result<()> {
        check_minutes("The staleness window", minutes, 1, 24 * 60)?;
        self.store
            .set_staleness(source_id, minutes, self.clock.now_millis())
            .await
    }

    /// How long without a heartbeat before a client stops being refreshed for attention.
    pub async fn set_inactive_after_minutes(&self, minutes: i64) -> Result<()> {
        check_minutes("The inactivity window", minutes, 1, 24 * 60)?;
        self.store
            .put_setting(super::INACTIVE_AFTER_SETTING, &minutes.to_string())
            .await
    }

    pub async fn inactive_after_minutes(&self) -> Result<i64> {
        let stored = self.store.setting(super::INACTIVE_AFTER_SETTING).await?;
        Ok(stored
            .and_then(|v| v.parse().ok())
            .unwrap_or(super::DEFAULT_INACTIVE_AFTER_MINUTES))
    }

    /// Enqueues a job for the source unless it already has a live one (`None` then). A
    /// source whose connection waits for a reconnect gets no job, and says so.
    pub async fn enqueue(&self, source_id: i64, reason: JobReason) -> Result<Option<i64>> {
        let now = self.clock.now_millis();
        let job = self
            .store
            .enqueue_job(source_id, reason.as_str(), now, now)
            .await?;
        if job.is_none() {
            if let Some(connection) = self.store.source_access(source_id).await?.source.connection_id {
                let connection = self.store.connection(connection).await?;
                if connection.status == ConnectionStatus::NeedsReauth {
                    return Err(AuthError::InvalidGrant {
                        provider: connection.provider.label().to_owned(),
                        description: format!(
                            "the connection for {} waits to be reconnected",
                            connection.account_label
                        ),
                    }
                    .into());
                }
            }
        }
        Ok(job)
    }

    /// One planning pass, run every few seconds against wall-clock time (timers stop while a
    /// laptop sleeps; a tick compares clocks instead): enqueues due schedule runs — a run
    /// missed while the app was closed or asleep runs once, as `catch_up` — and lets clients
    /// nobody looks at go inactive. Returns the jobs enqueued.
    pub async fn plan(&self) -> Result<Vec<i64>> {
        let now = self.clock.now();
        let now_ms = now.timestamp_millis();
        let mut jobs = Vec::new();
        for due in self.store.due_schedules(now_ms).await? {
            let next = match CronSchedule::parse(&due.cron, &due.time_zone, now) {
                Ok(parsed) => parsed.next_after(now).map(|at| at.timestamp_millis()),
                Err(e) => {
                    tracing::warn!(schedule = due.id, error = %e, "a stored schedule no longer parses; it is paused");
                    None
                }
            };
            let reason = if now_ms - due.next_run_at > super::CATCH_UP_AFTER_MS {
                JobReason::CatchUp
            } else {
                JobReason::Schedule
            };
            if let Some(job) = self
                .store
                .fire_schedule(&due, reason.as_str(), next, now_ms)
                .await?
            {
                jobs.push(job);
            }
        }
        let inactive_after = self.inactive_after_minutes().await?;
        self.store
            .deactivate_idle_clients(now_ms - inactive_after * 60_000)
            .await?;
        if let Err(e) = self.health_on_tick().await {
            // Health is about the work; it must never stop the work.
            tracing::warn!(error = %e, "health chores failed");
        }
        if let Err(e) = self.backup_on_tick().await {
            tracing::warn!(error = %e, "the daily backup failed; it is tried again in an hour");
        }
        Ok(jobs)
    }
}

fn check_minutes(what: &'static str, got: i64, min: i64, max: i64) -> Result<()> {
    if (min..=max).contains(&got) {
        Ok(())
    } else {
        Err(InputError::MinutesOutOfRange { what, min, max, got }.into())
    }
}
