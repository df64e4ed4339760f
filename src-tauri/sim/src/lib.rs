//! provider-sim: a loopback HTTP server that speaks the shapes and semantics
//! of the Stripe and GitHub REST APIs and of Google's GA4, Search Console and
//! Google Ads APIs, generated deterministically from a seed at any size, plus a
//! control API (`/_sim/…`) for faults, mutations, the clock and ground truth.
//! Tests, benchmarks and demo mode sync from it.
//!
//! Base objects are pure functions of (seed, index) and are never stored:
//! ids encode the index (`ch_` + 14 base-36 digits), `created` is monotonic
//! in it, so cursors and created filters are O(1)/O(log n) at any size.
//! Changes live in a small overlay; see `paging.rs` and `stripe/table.rs`.
//!
//! Control API (no auth), all JSON:
//! - `POST/GET/DELETE /_sim/faults` — inject failures by path prefix
//! - `GET/POST /_sim/clock` — `{"now"}` or `{"advance"}` (the clock keeps ticking)
//! - `GET /_sim/truth`, `GET /_sim/truth/ids?entity=stripe.charges|github.o/r.issues`
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
//! - `/_sim/faults` on Google paths answers in Google's shapes; extra kinds
//!   `permission_denied`, `unavailable`, `stream_cut` (`batches`: N complete batches of an
//!   Ads searchStream, then the body ends mid-array); `rate_limit` on Ads takes `scope`
//!   (`ACCOUNT` or `DEVELOPER`) and `retry_after` (→ `retryDelay`)
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
mod oauth;
mod paging;
mod query;
mod rng;
mod server;
mod state;
mod stats;
mod stripe;

pub use config::{AdsCustomer, Config, Ga4Property, GithubConfig, GoogleConfig, GscSite, StripeConfig};
pub use oauth::{CLIENT_ID as OAUTH_CLIENT_ID, CLIENT_SECRET as OAUTH_CLIENT_SECRET};
pub use server::Sim;

/// Starts a sim on an ephemeral port of 127.0.0.1.
pub async fn start(config: Config) -> std::io::Result<Sim> {
    start_on(config, 0).await
}

/// Starts a sim on 127.0.0.1:`port` (0 = any free port). A Google config the sim cannot
/// serve (an unknown time zone, a client without its manager) is `InvalidInput`.
pub async fn start_on(config: Config, port: u16) -> std::io::Result<Sim> {
    google::check(&config.google).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    server::start_on(config, port).await
}

/// The id of the seeded Stripe charge at `index` (0 = oldest), for benchmarks that pick
/// objects to change without listing a million ids.
pub fn stripe_charge_id(index: u64) -> String {
    ids::Id("ch_", index).to_string()
}
