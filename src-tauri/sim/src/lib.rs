//! provider-sim: a loopback HTTP server that speaks the shapes and semantics
//! of the Stripe and GitHub REST APIs, generated deterministically from a seed
//! at any size, plus a control API (`/_sim/…`) for faults, mutations, the
//! clock and ground truth. Tests, benchmarks and demo mode sync from it.
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
//!   OAuth server (PKCE, single-use codes, rotating refresh tokens; see `oauth.rs`)
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
mod ids;
mod oauth;
mod paging;
mod query;
mod rng;
mod server;
mod state;
mod stats;
mod stripe;

pub use config::{Config, GithubConfig, StripeConfig};
pub use oauth::{CLIENT_ID as OAUTH_CLIENT_ID, CLIENT_SECRET as OAUTH_CLIENT_SECRET};
pub use server::Sim;

/// Starts a sim on an ephemeral port of 127.0.0.1.
pub async fn start(config: Config) -> std::io::Result<Sim> {
    server::start_on(config, 0).await
}

/// Starts a sim on 127.0.0.1:`port` (0 = any free port).
pub async fn start_on(config: Config, port: u16) -> std::io::Result<Sim> {
    server::start_on(config, port).await
}

/// The id of the seeded Stripe charge at `index` (0 = oldest), for benchmarks that pick
/// objects to change without listing a million ids.
pub fn stripe_charge_id(index: u64) -> String {
    ids::Id("ch_", index).to_string()
}
