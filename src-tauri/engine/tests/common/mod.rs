//! Shared by the sync tests: a simulator on loopback, an engine on a temp SQLite file, and
//! the simulator's control API.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use freshboard_engine::{
    Engine, EngineOptions, HttpConfig, JobReason, MemoryStore, NewSource, Provider, Source, SyncReport,
};
use serde_json::{json, Value};

pub const STRIPE_KEY: &str = "rk_test_51SimulatedRestrictedKey0001";
pub const GITHUB_TOKEN: &str = "ghp_SimulatedToken0000000000000000000001";
pub const REPO: &str = "acme/website";

pub struct Sim {
    pub sim: provider_sim::Sim,
    pub http: reqwest::Client,
}

/// With `FRESHBOARD_SIM_LATENCY` set, every simulator a test starts answers as slowly as the
/// real APIs (`LatencyConfig::realistic`) unless the test chose a latency: the same tests, at
/// the waits a person meets (`scripts/test-with-latency`).
fn with_env_latency(mut config: provider_sim::Config) -> provider_sim::Config {
    if config.latency.is_none() && std::env::var_os("FRESHBOARD_SIM_LATENCY").is_some() {
        config.latency = Some(provider_sim::LatencyConfig::realistic());
    }
    config
}

/// A few milliseconds an answer: requests sent at once are in flight at once (tests of work
/// walked concurrently), while a test stays quick.
pub fn quick_answers() -> provider_sim::ProviderLatency {
    provider_sim::ProviderLatency {
        base_ms: 3,
        per_object_us: 0,
        jitter_pct: 0,
    }
}

impl Sim {
    pub async fn start(config: provider_sim::Config) -> Self {
        let sim = provider_sim::start(with_env_latency(config))
            .await
            .expect("simulator starts");
        Self {
            sim,
            http: reqwest::Client::new(),
        }
    }

    /// A simulator reading the engine's manual clock: a wait the engine sleeps through (a
    /// usage hold, a report run's polls) moves the simulator's time too.
    pub async fn start_on_clock(
        config: provider_sim::Config,
        clock: Arc<freshboard_engine::ManualClock>,
    ) -> Self {
        use freshboard_engine::Clock;
        let sim =
            provider_sim::start_with_clock(with_env_latency(config), Arc::new(move || clock.now_millis()))
                .await
                .expect("simulator starts");
        Self {
            sim,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self) -> String {
        self.sim.base_url()
    }

    /// A simulator on a listener made from a socket the caller holds (see `HeldPort`).
    pub async fn start_with_listener(
        config: provider_sim::Config,
        listener: tokio::net::TcpListener,
    ) -> Self {
        let sim = provider_sim::start_with_listener(with_env_latency(config), listener)
            .await
            .expect("simulator starts");
        Self {
            sim,
            http: reqwest::Client::new(),
        }
    }

    pub async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.url()))
            .json(&body)
            .send()
            .await
            .expect("control call");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url()))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    pub async fn fault(&self, body: Value) {
        self.control("/_sim/faults", body).await;
    }

    pub async fn clear_faults(&self) {
        self.http
            .delete(format!("{}/_sim/faults", self.url()))
            .send()
            .await
            .expect("clear faults");
    }

    pub async fn truth(&self) -> Value {
        self.get("/_sim/truth").await
    }

    pub async fn ids(&self, entity: &str) -> Vec<String> {
        let ids = self.get(&format!("/_sim/truth/ids?entity={entity}")).await;
        ids.as_array()
            .expect("id list")
            .iter()
            .map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
            .collect()
    }
}

/// Small data, no simulator-side rate limit.
pub fn small_config() -> provider_sim::Config {
    let mut config = provider_sim::Config::default();
    config.stripe.rate_limit_per_sec = 0;
    config
}

/// The production retries and backoff: their waits are sleeps on the engine's manual clock,
/// so they cost no real time. (A request's own timeout is reqwest's timer, real time.)
pub fn fast_http() -> HttpConfig {
    HttpConfig {
        request_timeout: Duration::from_secs(10),
        ..HttpConfig::default()
    }
}

pub async fn engine(dir: &Path) -> Engine {
    engine_with_secrets(dir, Arc::new(MemoryStore::default())).await
}

/// An engine on a manual clock (secrets in memory, fast retries, no pacing).
pub async fn engine_at(dir: &Path, clock: Arc<freshboard_engine::ManualClock>) -> Engine {
    let options = EngineOptions {
        clock,
        secrets: Arc::new(MemoryStore::default()),
        http: fast_http(),
        pace_requests: false,
    };
    Engine::open_with(dir, options).await.expect("engine opens")
}

/// A Monday morning, 08:00 UTC, that moves only when a test says so.
pub fn manual_clock() -> Arc<freshboard_engine::ManualClock> {
    use chrono::TimeZone;
    Arc::new(freshboard_engine::ManualClock::new(
        chrono::Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
    ))
}

/// An engine whose secrets outlive it, for tests that reopen the same data folder. Its clock
/// reads the real time but moves only when the engine sleeps on it (a backoff, a
/// `Retry-After`), so no test waits in real time for those.
pub async fn engine_with_secrets(dir: &Path, secrets: Arc<MemoryStore>) -> Engine {
    let options = EngineOptions {
        secrets,
        clock: Arc::new(freshboard_engine::ManualClock::new(chrono::Utc::now())),
        http: fast_http(),
        pace_requests: false,
    };
    Engine::open_with(dir, options).await.expect("engine opens")
}

pub async fn add_stripe(engine: &Engine, sim: &Sim) -> Source {
    let client = engine.create_client("Acme").await.unwrap();
    engine
        .add_source(NewSource::with_secret(
            client.id,
            Provider::Stripe,
            STRIPE_KEY,
            None,
            Some(&sim.url()),
        ))
        .await
        .expect("stripe source added")
}

pub async fn add_github(engine: &Engine, sim: &Sim) -> Source {
    let client = engine.create_client("Globex").await.unwrap();
    engine
        .add_source(NewSource::with_secret(
            client.id,
            Provider::Github,
            GITHUB_TOKEN,
            Some(REPO),
            Some(&sim.url()),
        ))
        .await
        .expect("github source added")
}

/// Adds the simulator's Stripe account or GitHub repository to an existing client.
pub async fn add_source(engine: &Engine, sim: &Sim, client_id: i64, provider: Provider) -> Source {
    let (secret, repo) = match provider {
        Provider::Stripe => (STRIPE_KEY, None),
        Provider::Github => (GITHUB_TOKEN, Some(REPO)),
        other => panic!("{other:?} sources are added on a connection"),
    };
    engine
        .add_source(NewSource::with_secret(
            client_id,
            provider,
            secret,
            repo,
            Some(&sim.url()),
        ))
        .await
        .expect("source added")
}

/// The repositories a GitHub connection can read, as the add-source picker lists them.
pub async fn repos(engine: &Engine, connection_id: i64) -> Vec<String> {
    engine
        .connection_accounts(connection_id, Provider::Github)
        .await
        .expect("repositories listed")
        .into_iter()
        .map(|a| a.id)
        .collect()
}

pub async fn sync(engine: &Engine, source: &Source) -> SyncReport {
    engine
        .sync_source(source.id, JobReason::Manual, None)
        .await
        .expect("sync runs")
}

/// Syncs a source and cancels the job at the first batch of `stream` committed: it stops
/// before its next pages (tests of a walk resumed from where it stopped).
pub async fn sync_cancelled_at_first_commit(engine: &Arc<Engine>, source: i64, stream: &str) -> SyncReport {
    let pool = db(engine).await;
    let mut events = engine.subscribe();
    let canceller = {
        let (engine, stream) = (engine.clone(), stream.to_owned());
        tokio::spawn(async move {
            while let Ok(event) = events.recv().await {
                if let freshboard_engine::EngineEvent::Progress(p) = event {
                    if p.stream == stream {
                        let job = scalar(&pool, "SELECT id FROM jobs WHERE state = 'running'").await;
                        engine.cancel_job(job).await.unwrap();
                        return;
                    }
                }
            }
        })
    };
    let report = engine.sync_source(source, JobReason::Manual, None).await.unwrap();
    canceller.await.unwrap();
    report
}

/// Read-only queries against the engine's SQLite file.
pub async fn db(engine: &Engine) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", engine.database_path().display()))
        .await
        .unwrap()
}

pub async fn ids(pool: &sqlx::SqlitePool, sql: &str) -> Vec<String> {
    let mut ids: Vec<String> = sqlx::query_scalar(sql).fetch_all(pool).await.unwrap();
    ids.sort();
    ids
}

pub async fn scalar(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Sums by currency, as `{"usd": 123, …}`, from a `SELECT currency, SUM(x) … GROUP BY currency`.
pub async fn by_currency(pool: &sqlx::SqlitePool, sql: &str) -> Value {
    let rows: Vec<(String, i64)> = sqlx::query_as(sql).fetch_all(pool).await.unwrap();
    let mut map = serde_json::Map::new();
    for (currency, sum) in rows {
        if sum != 0 {
            map.insert(currency, json!(sum));
        }
    }
    Value::Object(map)
}

/// Everything the engine logs, at every level, while the returned guard lives.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged by any thread of this test process — the engine's tasks, the blocking
/// pool's keyring calls, sqlx's connection threads — at every level, from the first call on.
pub fn capture_logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    })
    .clone()
}

/// Plays the browser in a sign-in: consent at the provider, then back to the app's
/// loopback listener, whose page must answer 200.
pub async fn play_browser(url: &str) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = browser.get(url).send().await.unwrap();
    assert_eq!(
        consent.status(),
        reqwest::StatusCode::FOUND,
        "the consent page redirects back"
    );
    let back = reqwest::Url::parse(consent.headers()["location"].to_str().unwrap()).unwrap();
    let page = browser.get(back).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
}

/// The sim's Google OAuth issuer and APIs, for an engine: the OAuth app's settings point at
/// the simulator (one API base for every Google product), with the Ads developer token.
pub async fn point_google_at(engine: &Engine, sim: &Sim) {
    use freshboard_engine::connections::{AccountProvider, OAuthSettings};
    let settings = OAuthSettings {
        client_id: Some(provider_sim::OAUTH_CLIENT_ID.into()),
        client_secret: Some(provider_sim::OAUTH_CLIENT_SECRET.into()),
        auth_url: Some(format!("{}/o/oauth2/v2/auth", sim.url())),
        token_url: Some(format!("{}/token", sim.url())),
        api_base_url: Some(sim.url()),
        app_token: Some("sim-developer-token".into()),
        ..OAuthSettings::default()
    };
    engine
        .set_oauth_settings(AccountProvider::Google, &settings)
        .await
        .expect("Google settings saved");
}

/// Signs in to Google on the simulator, as a person would in the browser.
pub async fn connect_google(engine: &Engine, sim: &Sim) -> freshboard_engine::Connection {
    use freshboard_engine::connections::{AccountProvider, SignInMethod};
    point_google_at(engine, sim).await;
    let pending = engine
        .begin_connect(AccountProvider::Google, None, SignInMethod::Browser)
        .await
        .expect("sign-in starts");
    let (connection, ()) = tokio::join!(engine.finish_connect(pending.id), play_browser(&pending.url));
    connection.expect("connected to Google")
}

/// The simulator's Google data on the engine's manual clock: both read the same "now".
pub fn google_config(clock: &freshboard_engine::ManualClock) -> provider_sim::Config {
    use freshboard_engine::Clock;
    let mut config = small_config();
    config.now = Some(clock.now().timestamp());
    config
}

/// Moves the engine's clock and the simulator's together.
pub async fn advance_both(sim: &Sim, clock: &freshboard_engine::ManualClock, by: chrono::Duration) {
    clock.advance(by);
    sim.control("/_sim/clock", json!({"advance": by.num_seconds()}))
        .await;
}

/// A loopback port kept for simulators across restarts, so "the network went away and came
/// back" needs no port to be found free again: while no simulator serves, a socket bound with
/// SO_REUSEPORT and not listening holds it (connections are refused), and the next simulator
/// listens on that very socket.
pub struct HeldPort {
    holder: Option<tokio::net::TcpSocket>,
    pub port: u16,
}

impl HeldPort {
    pub fn new() -> Self {
        let holder = Self::socket(0);
        let port = holder.local_addr().unwrap().port();
        Self {
            holder: Some(holder),
            port,
        }
    }

    fn socket(port: u16) -> tokio::net::TcpSocket {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseport(true).unwrap();
        socket.bind(([127, 0, 0, 1], port).into()).unwrap();
        socket
    }

    /// A simulator on the port; another socket holds it for when this one stops.
    pub async fn serve(&mut self, config: provider_sim::Config) -> Sim {
        let socket = self.holder.take().unwrap_or_else(|| Self::socket(self.port));
        let listener = socket.listen(1024).unwrap();
        self.holder = Some(Self::socket(self.port));
        Sim::start_with_listener(config, listener).await
    }
}

/// Whether `needle` occurs in `haystack`'s bytes (a secret in a file, a log, a backup).
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}
