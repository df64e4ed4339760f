//! Freshboard's engine: everything that is not UI. The desktop shell and the CLI call only
//! [`Engine`]; nothing here knows about Tauri.
//!
//! Modules follow the data flow: `clock` (time), `connector` (the contract a provider
//! implements) and `providers` (one folder per provider behind one registry) over `http`
//! (requests, retries, rate limits), `store` (SQLite), `secrets` (keyring), `auth` and
//! `connections` (grants), `sources`, `sync` (one job: pages in, rows and cursors committed
//! together), `schedule` (cron, queue, workers, freshness), `metrics` (rollups, dashboards,
//! snapshot cache), `health` (the sync work itself counted in time buckets, and alerts).

pub mod auth;
mod backups;
pub mod clients;
pub mod clock;
pub mod connections;
pub mod connector;
pub mod demo;
pub mod error;
pub mod health;
mod heap;
pub mod http;
pub mod metrics;
pub mod models;
mod preferences;
pub mod providers;
pub mod schedule;
pub mod secrets;
pub mod sources;
pub mod store;
pub mod sync;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;
use tokio::sync::mpsc::UnboundedSender;
use ts_rs::TS;

pub use clients::{Client, MAX_CLIENT_NAME_CHARS};
pub use clock::{Clock, ManualClock, Millis, SystemClock};
pub use connector::{Account, AccountProvider, AuthKind};
pub use error::{Error, ErrorKind, InputError, Result};
pub use health::{
    Alert, AlertKind, AlertSettings, Granularity, HealthOverview, HealthQuery, HealthReport, HealthScope,
};
pub use http::HttpConfig;
pub use metrics::{
    Dashboard, DashboardView, DateRange, MetricInfo, MetricReport, NewWidget, Widget, WidgetChange,
};
pub use models::{Connection, ConnectionStatus, Source};
pub use providers::Provider;
pub use schedule::{
    ClientFreshness, FreshnessState, Preset, Schedule, SchedulePreview, ScheduleSpec, SourceFreshness,
};
pub use secrets::{KeyringStore, MemoryStore, SecretStore};
pub use sources::{NewAccess, NewSource, ProviderInfo, SourceStatus};
pub use store::backup::{Backup, BackupKind, Restored};
pub use store::{StreamStatus, DATABASE_FILE};
pub use sync::{JobErrorKind, JobReason, StreamReport, SyncProgress, SyncReport};

use http::Http;
use secrets::Secrets;
use store::Store;

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
    /// The workers' controls: a person's pause (kept in `app_settings`), and the stop asked
    /// on quit, with the wake-up that ends the workers' wait for their next tick.
    paused: Arc<AtomicBool>,
    stopping: Arc<AtomicBool>,
    wake_workers: Arc<tokio::sync::Notify>,
    events: broadcast::Sender<EngineEvent>,
    /// Running jobs asked to stop; their sync checks before every page.
    cancel_requests: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
    snapshots: Arc<metrics::SnapshotCache>,
    /// OAuth: sign-ins waiting for the browser, one token refresher per connection, and
    /// an HTTP client that never follows a redirect for token requests.
    sign_ins: connections::SharedSignIns,
    tokens: Arc<auth::TokenKeeper>,
    token_http: reqwest::Client,
    health_chores: Arc<std::sync::Mutex<health::Chores>>,
    backup_chore: Arc<std::sync::Mutex<backups::BackupChore>>,
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
    /// A person paused syncing (queued jobs wait) or resumed it.
    SyncingPaused {
        paused: bool,
    },
    /// A connection was added, renewed, removed, or now needs a reconnect.
    ConnectionChanged {
        #[ts(type = "number")]
        connection_id: i64,
    },
    /// An alert opened (raised once; the shell shows a desktop notification).
    AlertRaised(Alert),
    /// An alert's condition cleared.
    AlertCleared {
        #[ts(type = "number")]
        id: i64,
    },
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
        let store = Store::open(data_dir, options.clock.now_millis()).await?;
        let engine = Self {
            store,
            http: Arc::new(Http::new(options.http, options.clock.clone())),
            clock: options.clock,
            secrets: Secrets::new(options.secrets),
            data_dir: data_dir.to_owned(),
            pace_requests: options.pace_requests,
            offline: Arc::new(AtomicBool::new(false)),
            paused: Arc::default(),
            stopping: Arc::default(),
            wake_workers: Arc::default(),
            events: broadcast::channel(1024).0,
            cancel_requests: Arc::default(),
            snapshots: Arc::default(),
            sign_ins: Arc::default(),
            tokens: Arc::default(),
            token_http: auth::token_http_client(),
            health_chores: Arc::default(),
            backup_chore: Arc::default(),
        };
        engine.bring_rollups_up_to_date().await?;
        engine.load_paused().await?;
        Ok(engine)
    }

    pub fn database_path(&self) -> &Path {
        self.store.path()
    }

    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Requests sent to providers so far by this engine (every attempt counts).
    pub fn requests_sent(&self) -> u64 {
        self.http.requests_sent()
    }

    /// Events from now on; a slow listener misses the oldest rather than slowing syncs.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: EngineEvent) {
        // No listener is fine: events are news, not state.
        let _ = self.events.send(event);
    }

    /// Whether a running job should stop before its next page: it was cancelled, or the
    /// workers are stopping because the app quits.
    pub(crate) fn cancel_requested(&self, job_id: i64) -> bool {
        self.is_stopping() || self.cancel_requests.lock().expect("cancel set").contains(&job_id)
    }

    pub(crate) fn forget_cancel(&self, job_id: i64) {
        self.cancel_requests.lock().expect("cancel set").remove(&job_id);
    }

    /// Whether the OS keyring answers; an error says what is wrong and what to do. Without
    /// it nothing can sync or be connected: every key and token is there and nowhere else.
    pub async fn check_keyring(&self) -> Result<()> {
        Ok(self.secrets.probe().await?)
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

    /// Syncs every stream of a source now. Progress goes to `progress` after every page.
    pub async fn sync_source(
        &self,
        id: i64,
        reason: JobReason,
        progress: Option<UnboundedSender<SyncProgress>>,
    ) -> Result<SyncReport> {
        sync::run(self, id, reason, progress).await
    }
}
