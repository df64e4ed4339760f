//! Freshboard's engine: everything that is not UI. The desktop shell and the CLI call only
//! [`Engine`]; nothing here knows about Tauri.
//!
//! Modules follow the data flow: `clock` (time), `store` (SQLite), `secrets` (keyring),
//! `connectors` (provider HTTP shapes) over `http` (retries, rate limits), `sync` (one job:
//! pages in, rows and cursors committed together), `schedule` (cron, queue, workers,
//! freshness), `metrics` (catalog, rollups, dashboards, snapshot cache).

pub mod auth;
pub mod clients;
pub mod clock;
pub mod connections;
pub mod connectors;
pub mod demo;
pub mod error;
pub mod http;
pub mod metrics;
pub mod schedule;
pub mod secrets;
pub mod sources;
pub mod store;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use reqwest::Url;
use serde::Serialize;
use tokio::sync::broadcast;
use tokio::sync::mpsc::UnboundedSender;
use ts_rs::TS;

pub use clients::{Client, MAX_CLIENT_NAME_CHARS};
pub use clock::{Clock, ManualClock, Millis, SystemClock};
pub use connectors::Provider;
pub use error::{Error, ErrorKind, InputError, Result};
pub use http::HttpConfig;
pub use metrics::{
    Dashboard, DashboardView, DateRange, MetricInfo, MetricReport, NewWidget, Widget, WidgetChange,
};
pub use schedule::{
    ClientFreshness, FreshnessState, Preset, Schedule, SchedulePreview, ScheduleSpec, SourceFreshness,
};
pub use secrets::{KeyringStore, MemoryStore, SecretStore};
pub use sources::{NewSource, Source};
pub use store::{StreamStatus, DATABASE_FILE};
pub use sync::{JobReason, StreamReport, SyncProgress, SyncReport};

use clients::ClientName;
use connectors::{ConnectorError, Context};
use http::{Http, HttpError};
use secrets::{Credential, Secrets};
use store::{NewSourceRow, SourceAccess, Store};

/// How an engine is put together; `Default` is the real thing (system clock, OS keyring).
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub clock: Arc<dyn Clock>,
    pub secrets: Arc<dyn SecretStore>,
    pub http: HttpConfig,
    /// Pace requests to each provider's documented rate (Stripe: 25/s test keys, 100/s
    /// live). Benchmarks against the simulator turn it off to measure the engine itself.
    pub pace_requests: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            secrets: Arc::new(KeyringStore),
            http: HttpConfig::default(),
            pace_requests: true,
        }
    }
}

/// The one facade over the engine.
#[derive(Debug, Clone)]
pub struct Engine {
    store: Store,
    clock: Arc<dyn Clock>,
    secrets: Secrets,
    http: Arc<Http>,
    data_dir: PathBuf,
    pace_requests: bool,
    offline: Arc<AtomicBool>,
    events: broadcast::Sender<EngineEvent>,
    /// Running jobs asked to stop; their sync checks before every page.
    cancel_requests: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
    snapshots: Arc<metrics::SnapshotCache>,
    /// OAuth: sign-ins waiting for the browser, one token refresher per connection, and
    /// an HTTP client that never follows a redirect for token requests.
    sign_ins: connections::SharedSignIns,
    tokens: Arc<auth::TokenKeeper>,
    token_http: reqwest::Client,
}

/// What the engine tells whoever listens (the desktop shell forwards these to the UI).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum EngineEvent {
    JobStarted {
        #[ts(type = "number")]
        source_id: i64,
    },
    Progress(SyncProgress),
    JobFinished {
        #[ts(type = "number")]
        source_id: i64,
        succeeded: bool,
    },
    /// The network went away (syncing paused) or came back.
    Offline {
        offline: bool,
    },
    /// A connection was added, renewed, removed, or now needs a reconnect.
    ConnectionChanged {
        #[ts(type = "number")]
        connection_id: i64,
    },
}

/// A source with the state of each of its streams.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    pub source: Source,
    pub streams: Vec<StreamStatus>,
}

impl Engine {
    /// Opens the engine on `data_dir` (created if missing) with the system clock and keyring.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        Self::open_with(data_dir, EngineOptions::default()).await
    }

    pub async fn open_with_clock(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        Self::open_with(
            data_dir,
            EngineOptions {
                clock,
                ..EngineOptions::default()
            },
        )
        .await
    }

    pub async fn open_with(data_dir: &Path, options: EngineOptions) -> Result<Self> {
        let store = Store::open(data_dir).await?;
        let engine = Self {
            store,
            clock: options.clock,
            secrets: Secrets::new(options.secrets),
            http: Arc::new(Http::new(options.http)),
            data_dir: data_dir.to_owned(),
            pace_requests: options.pace_requests,
            offline: Arc::new(AtomicBool::new(false)),
            events: broadcast::channel(1024).0,
            cancel_requests: Arc::default(),
            snapshots: Arc::default(),
            sign_ins: Arc::default(),
            tokens: Arc::default(),
            token_http: auth::token_http_client(),
        };
        engine.bring_rollups_up_to_date().await?;
        Ok(engine)
    }

    pub fn database_path(&self) -> &Path {
        self.store.path()
    }

    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Events from now on; a slow listener misses the oldest rather than slowing syncs.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: EngineEvent) {
        // No listener is fine: events are news, not state.
        let _ = self.events.send(event);
    }

    pub(crate) fn cancel_requested(&self, job_id: i64) -> bool {
        self.cancel_requests.lock().expect("cancel set").contains(&job_id)
    }

    pub(crate) fn forget_cancel(&self, job_id: i64) {
        self.cancel_requests.lock().expect("cancel set").remove(&job_id);
    }

    /// Whether a connection failure has paused syncing until the network returns.
    pub fn is_offline(&self) -> bool {
        self.offline.load(Ordering::Relaxed)
    }

    pub(crate) fn set_offline(&self, offline: bool) {
        if self.offline.swap(offline, Ordering::Relaxed) != offline {
            tracing::info!(offline, "network state changed");
            self.emit(EngineEvent::Offline { offline });
        }
    }

    // --- clients -------------------------------------------------------------------------

    /// Active clients by name, then (if asked) archived ones.
    pub async fn list_clients(&self, include_archived: bool) -> Result<Vec<Client>> {
        self.store.list_clients(include_archived).await
    }

    pub async fn client(&self, id: i64) -> Result<Client> {
        self.store.client(id).await
    }

    /// Finds an active client by name (case-insensitive), or any client by numeric id.
    /// A name wins over an id, so a client called "2024" is still found by its name.
    pub async fn find_client(&self, name_or_id: &str) -> Result<Client> {
        if let Some(client) = self.store.client_named(name_or_id).await? {
            return Ok(client);
        }
        match name_or_id.trim().parse::<i64>() {
            Ok(id) => self.store.client(id).await,
            Err(_) => Err(Error::NoClientNamed(name_or_id.trim().to_owned())),
        }
    }

    pub async fn create_client(&self, name: &str) -> Result<Client> {
        let name = ClientName::parse(name)?;
        let client = self.store.insert_client(&name, self.clock.now_millis()).await?;
        tracing::info!(client = client.id, "client created");
        Ok(client)
    }

    pub async fn rename_client(&self, id: i64, name: &str) -> Result<Client> {
        let name = ClientName::parse(name)?;
        self.store.rename_client(id, &name, self.clock.now_millis()).await
    }

    pub async fn archive_client(&self, id: i64) -> Result<Client> {
        let now = self.clock.now_millis();
        self.store.set_client_archived(id, Some(now), now).await
    }

    pub async fn unarchive_client(&self, id: i64) -> Result<Client> {
        self.store
            .set_client_archived(id, None, self.clock.now_millis())
            .await
    }

    // --- sources -------------------------------------------------------------------------

    /// Checks the key or token with one call to the provider, stores it in the keyring and
    /// the source in SQLite. A rejected key is never stored; nothing is half-saved.
    pub async fn add_source(&self, new: NewSource) -> Result<Source> {
        let client = self.client(new.client_id).await?;
        let secret = new.secret.trim().to_owned();
        if secret.is_empty() {
            return Err(InputError::EmptySecret.into());
        }
        let base_url = match &new.base_url {
            Some(url) => Some(parse_base_url(url)?),
            None => None,
        };
        let external_id = match new.provider {
            Provider::Github => {
                let repo = new.repo.as_deref().unwrap_or("").trim();
                if !sources::valid_repo(repo) {
                    return Err(InputError::BadRepo(repo.to_owned()).into());
                }
                repo.to_owned()
            }
            Provider::Stripe => String::new(),
        };
        let endpoint = base_url
            .clone()
            .unwrap_or_else(|| new.provider.default_base_url());
        let ctx = Context {
            http: &self.http,
            base_url: &endpoint,
            secret: &secret,
            connection_id: 0,
            external_id: &external_id,
            now: self.clock.now_millis(),
            requests_per_sec: 0,
        };
        let account = connectors::validate(new.provider, &ctx)
            .await
            .map_err(|e| self.validation_error(new.provider, &external_id, e))?;

        // One keyring entry per connection, named so a person can find it in their keychain.
        let keyring_ref = format!(
            "{} — {} ({:06x})",
            new.provider.label(),
            account.label,
            fastrand::u32(..0x1000000)
        );
        self.secrets.set(&keyring_ref, &Credential::token(secret)).await?;
        let row = NewSourceRow {
            client_id: client.id,
            provider: new.provider,
            auth_kind: match new.provider {
                Provider::Stripe => "api_key",
                Provider::Github => "token",
            },
            keyring_ref: &keyring_ref,
            api_base_url: base_url.as_ref().map(Url::as_str),
            external_id: &account.external_id,
            label: &account.label,
        };
        match self.store.insert_source(&row, self.clock.now_millis()).await {
            Ok(source) => {
                tracing::info!(
                    source = source.id,
                    provider = new.provider.as_str(),
                    "source added"
                );
                self.add_default_widgets(client.id, new.provider).await?;
                Ok(source)
            }
            Err(e) => {
                // Do not leave a secret behind that no source refers to.
                let _ = self.secrets.delete(&keyring_ref).await;
                Err(e)
            }
        }
    }

    /// Sources of one client, or of every client.
    pub async fn sources(&self, client_id: Option<i64>) -> Result<Vec<Source>> {
        self.store.sources(client_id).await
    }

    /// Removes a source and its synced data; its keyring entry goes too when no other
    /// source uses the connection.
    pub async fn remove_source(&self, id: i64) -> Result<()> {
        let client_id = self.store.source_access(id).await?.source.client_id;
        if let Some(keyring_ref) = self.store.delete_source(id).await? {
            self.secrets.delete(&keyring_ref).await?;
        }
        self.snapshots.invalidate_client(client_id);
        tracing::info!(source = id, "source removed");
        Ok(())
    }

    pub async fn source_status(&self, id: i64) -> Result<SourceStatus> {
        let source = self.store.source_access(id).await?.source;
        let streams = self.store.stream_statuses(id, source.provider).await?;
        Ok(SourceStatus { source, streams })
    }

    // --- schedules and attention ---------------------------------------------------------

    /// The next five runs of a schedule, without saving it; bad input is refused here too.
    pub fn preview_schedule(&self, spec: &ScheduleSpec) -> Result<SchedulePreview> {
        Ok(schedule::preview(&spec.parse()?, self.clock.now()))
    }

    /// Sets (or replaces) a source's schedule. Nothing is saved when the spec is invalid.
    pub async fn set_schedule(&self, source_id: i64, spec: &ScheduleSpec) -> Result<Schedule> {
        let parsed = spec.parse()?;
        let now = self.clock.now();
        let next = parsed
            .next_after(now)
            .ok_or_else(|| schedule::ScheduleError::NeverRuns(parsed.expression().to_owned()))?;
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
            .put_setting(schedule::INACTIVE_AFTER_SETTING, &minutes.to_string())
            .await
    }

    pub async fn inactive_after_minutes(&self) -> Result<i64> {
        let stored = self.store.setting(schedule::INACTIVE_AFTER_SETTING).await?;
        Ok(stored
            .and_then(|v| v.parse().ok())
            .unwrap_or(schedule::DEFAULT_INACTIVE_AFTER_MINUTES))
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
                if connection.status == connections::ConnectionStatus::NeedsReauth {
                    return Err(auth::AuthError::InvalidGrant {
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
            let next = match schedule::CronSchedule::parse(&due.cron, &due.time_zone) {
                Ok(parsed) => parsed.next_after(now).map(|at| at.timestamp_millis()),
                Err(e) => {
                    tracing::warn!(schedule = due.id, error = %e, "a stored schedule no longer parses; it is paused");
                    None
                }
            };
            let reason = if now_ms - due.next_run_at > schedule::CATCH_UP_AFTER_MS {
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
        Ok(jobs)
    }

    // --- sync ----------------------------------------------------------------------------

    /// Syncs every stream of a source now. Progress goes to `progress` after every page.
    pub async fn sync_source(
        &self,
        id: i64,
        reason: JobReason,
        progress: Option<UnboundedSender<SyncProgress>>,
    ) -> Result<SyncReport> {
        sync::run(self, id, reason, progress).await
    }

    /// What a failed validation call means for the person adding a source.
    fn validation_error(&self, provider: Provider, external_id: &str, e: ConnectorError) -> Error {
        match e {
            ConnectorError::Http(HttpError::Unauthorized { message, .. }) => InputError::CredentialRejected {
                provider: provider.label(),
                message,
            }
            .into(),
            ConnectorError::Http(HttpError::Rejected { status: 404, .. }) if provider == Provider::Github => {
                InputError::RepoNotFound(external_id.to_owned()).into()
            }
            other => Error::Connector(other),
        }
    }

    fn base_url(&self, access: &SourceAccess) -> Result<Url> {
        match &access.api_base_url {
            Some(url) => parse_base_url(url),
            None => Ok(access.source.provider.default_base_url()),
        }
    }

    fn pacing_for(&self, provider: Provider, secret: &str) -> u32 {
        match provider {
            _ if !self.pace_requests => 0,
            Provider::Stripe if secret.contains("_live_") => 100,
            Provider::Stripe => 25,
            // GitHub says how much is left in every response; `http` follows that.
            Provider::Github => 0,
        }
    }
}

fn check_minutes(what: &'static str, got: i64, min: i64, max: i64) -> Result<()> {
    if (min..=max).contains(&got) {
        Ok(())
    } else {
        Err(InputError::MinutesOutOfRange { what, min, max, got }.into())
    }
}

fn parse_base_url(url: &str) -> Result<Url> {
    match Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(parsed),
        _ => Err(InputError::BadBaseUrl(url.to_owned()).into()),
    }
}
