//! provider-sim: a loopback HTTP server that speaks the shapes and semantics
//! of the Stripe and GitHub REST APIs, of Google's GA4, Search Console and
//! Google Ads APIs and of Meta's Marketing API (Graph v26.0), generated deterministically from a seed at any size, plus a
//! control API (`/_sim/…`) for faults, mutations, the clock and ground truth.
//! Tests, benchmarks and demo mode sync from it.
//!
//! Base objects are pure functions of (seed, index) and are never stored:
//! ids encode the index (`ch_` + 14 base-36 digits), `created` is monotonic
//! in it, so cursors and created filters are O(1)/O(log n) at any size.
//! Changes live in a small overlay; see `paging.rs` and `stripe/table.rs`.
//!
//! Control API (no auth), all JSON:
//! - `POST/GET/DELETE /_sim/faults` — inject failures by path prefix (kinds in `faults.rs`;
//!   `echo_secret` and `redirect_secret` hand the request's credential back)
//! - `GET/POST /_sim/clock` — `{"now"}`, `{"advance"}` (seconds) and/or `{"freeze": bool}`;
//!   the clock keeps ticking unless frozen. GET answers `{"now", "now_ms", "frozen"}`. A sim
//!   started on its caller's clock (`start_with_clock`) answers POST with 409 (see `clock.rs`)
//! - `GET /_sim/truth` (all-time sums per provider, and `requests`: counts per route,
//!   `not_modified`, `rate_limited`[`_by_route`] (429s and GitHub's limit 403s),
//!   `in_flight`, `in_flight_max`[`_by_route`] (arrival to response) and `arrivals`
//!   (sim-clock ms of the last 10,000 requests per route)); `POST /_sim/stats/reset`
//! - `GET /_sim/truth/daily?from=YYYY-MM-DD&to=YYYY-MM-DD` — per UTC day, computed by its
//!   own walk of the stores (`truth_daily.rs`), with the engine's metric definitions
//! - `GET /_sim/truth/ids?entity=stripe.charges|github.o/r.issues`
//! - `GET/POST /_sim/latency` — `{"provider", "base_ms", "per_object_us", "jitter_pct"}`,
//!   `{"off": true}` (all, or one `provider`), `{"realistic": true}`
//! - Rate limits (see `limits.rs`, `stripe/gate.rs`, `google/quota.rs`) run on the sim clock;
//!   `Config::with_documented_limits()` turns on every provider's documented one
//! - `POST /_sim/stripe/…`, `POST /_sim/github/…` — mutations (emit Stripe events)
//! - `GET /login/oauth/authorize`, `POST /login/oauth/access_token`, `/_sim/oauth` — a strict
//!   OAuth server (PKCE, single-use codes, rotating refresh tokens; see `oauth.rs`); Google's
//!   issuer is `/o/oauth2/v2/auth` + `/token`, and `POST /_sim/oauth
//!   {"google_granted_scopes": [..] | null}` unticks scopes on its consent screen
//!
//! Google (see `google/mod.rs`; every call needs a Google bearer token with the product's scope):
//! - GA4 Admin `GET /v1beta/accountSummaries`, `GET /v1beta/properties/{id}`; GA4 Data
//!   `POST /v1beta/properties/{id}:runReport`
//! - Search Console `GET /webmasters/v3/sites[/{siteUrl}]`,
//!   `POST /webmasters/v3/sites/{siteUrl}/searchAnalytics/query` (siteUrl URL-encoded)
//! - Google Ads `GET /v26/customers:listAccessibleCustomers`,
//!   `POST /v26/customers/{id}/googleAds:searchStream` (headers `developer-token`, `login-customer-id`)
//!
//! Google control API:
//! - `POST /_sim/google/restate {"product": "ga4"|"search_console"|"google_ads", "account",
//!   "date": "YYYY-MM-DD", "percent"}` — scales every metric of that day by (100+percent)/100
//!   from now on (compounding)
//! - `GET /_sim/google/ga4/quota?property=ID`, `POST /_sim/google/ga4/quota {"property",
//!   "tokens_per_hour", "tokens_per_day"}` — a property's token limits (POST also resets use)
//! - `GET /_sim/google/truth?product=&account=&from=&to=` — every row served for those days now
//! - `GET /_sim/google/requests` (every Google API request, in order: product, account,
//!   method, path, query, body, developerToken, loginCustomerId, status, fault);
//!   `DELETE` clears it
//! - `/_sim/faults` on Google paths answers in Google's shapes (`echo_secret` and
//!   `redirect_secret` too: a 401 quoting the request's credential, a 302 carrying it); extra kinds
//!   `permission_denied`, `unavailable`, `stream_cut` (`batches`: N complete batches of an
//!   Ads searchStream, then the body ends mid-array); `rate_limit` on Ads takes `scope`
//!   (`ACCOUNT` or `DEVELOPER`) and `retry_after` (→ `retryDelay`)
//!
//! Meta (see `meta/mod.rs` for every route, control endpoint and fault, with example JSON):
//! - Graph v26.0 `GET /v26.0/me/adaccounts`, `GET /v26.0/act_{id}`,
//!   `GET|POST /v26.0/act_{id}/insights` (sync, or an async report run),
//!   `GET /v26.0/{report_run_id}[/insights]`; token as a bearer header or `access_token`
//! - `/_sim/meta/…`: `restate`, `async` (failing and stuck runs), `budget`, `usage`, `truth`,
//!   `requests`
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = provider_sim::start(provider_sim::Config::default()).await?;
//! println!("{}/v1/charges", sim.base_url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod clock;
mod config;
mod control;
mod faults;
mod github;
mod google;
mod ids;
mod latency;
mod limits;
mod meta;
mod oauth;
mod paging;
mod providers;
mod query;
mod rng;
mod server;
mod state;
mod stats;
mod stripe;
mod truth_daily;

pub use config::{
    AdsCustomer, Config, ExternalClock, Ga4Property, GithubConfig, GoogleConfig, GscSite, LatencyConfig,
    MetaAdAccount, MetaConfig, ProviderLatency, StripeConfig, GA4_CONCURRENT_REQUESTS,
    GITHUB_CONCURRENT_REQUESTS, GITHUB_POINTS_PER_MINUTE, GSC_QUERIES_PER_MINUTE,
    STRIPE_ENDPOINT_REQUESTS_PER_SEC,
};
pub use meta::GRAPH_VERSION as META_GRAPH_VERSION;
pub use oauth::{CLIENT_ID as OAUTH_CLIENT_ID, CLIENT_SECRET as OAUTH_CLIENT_SECRET};
pub use server::Sim;

/// Starts a sim on an ephemeral port of 127.0.0.1.
pub async fn start(config: Config) -> std::io::Result<Sim> {
    start_on(config, 0).await
}

/// Starts a sim on an ephemeral port of 127.0.0.1 that reads `clock` (Unix milliseconds)
/// instead of keeping its own time, so its windows (Meta's hourly budgets, maturity of
/// reporting days, GitHub's quota hour) follow the caller's manual clock; `/_sim/clock`
/// answers 409 on it. Same as `start(config.with_clock(clock))`; see `clock.rs`.
pub async fn start_with_clock(
    config: Config,
    clock: std::sync::Arc<dyn Fn() -> i64 + Send + Sync>,
) -> std::io::Result<Sim> {
    start(config.with_clock(clock)).await
}

/// Starts a sim on 127.0.0.1:`port` (0 = any free port). A Google or Meta config the sim
/// cannot serve (an unknown time zone or currency, a client without its manager) is
/// `InvalidInput`.
pub async fn start_on(config: Config, port: u16) -> std::io::Result<Sim> {
    check(&config)?;
    server::start_on(config, port).await
}

fn check(config: &Config) -> std::io::Result<()> {
    let invalid = |e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    google::check(&config.google).map_err(invalid)?;
    meta::check(&config.meta).map_err(invalid)
}

/// Starts a sim on a listener the caller already has, e.g. one made from a
/// `tokio::net::TcpSocket` that was bound (so connections were refused: "offline") and
/// is now listening ("the network is back"), without the port ever being free.
pub async fn start_with_listener(config: Config, listener: tokio::net::TcpListener) -> std::io::Result<Sim> {
    check(&config)?;
    server::start_with_listener(config, listener)
}

/// The id of the seeded Stripe charge at `index` (0 = oldest), for benchmarks that pick
/// objects to change without listing a million ids.
pub fn stripe_charge_id(index: u64) -> String {
    ids::Id("ch_", index).to_string()
}
