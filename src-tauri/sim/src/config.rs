//! What to generate. Sizes are free (10 rows to millions): nothing below is
//! materialised up front except GitHub repositories. Also how the providers behave
//! under load: latency (off by default) and rate limits (Stripe's on by default as
//! before; the others off unless asked for, see `Config::with_documented_limits`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A caller's clock in Unix milliseconds (`Config::with_clock`, `crate::start_with_clock`).
#[derive(Clone)]
pub struct ExternalClock(pub Arc<dyn Fn() -> i64 + Send + Sync>);

impl std::fmt::Debug for ExternalClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExternalClock")
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub stripe: StripeConfig,
    pub github: GithubConfig,
    pub google: GoogleConfig,
    pub meta: MetaConfig,
    /// Unix seconds the sim's clock starts at; None = system time now. Ignored when
    /// `external_clock` is set.
    pub now: Option<i64>,
    /// A clock owned by the caller (an in-process test's manual clock) that the sim reads
    /// instead of its own; `/_sim/clock` cannot move it. See `clock.rs`.
    pub external_clock: Option<ExternalClock>,
    /// Provider-side waiting per answer; None = answer at once (tests, demo mode).
    pub latency: Option<LatencyConfig>,
}

/// Latency per provider; a provider left None answers at once.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencyConfig {
    pub stripe: Option<ProviderLatency>,
    pub github: Option<ProviderLatency>,
    pub google: Option<ProviderLatency>,
    pub meta: Option<ProviderLatency>,
}

/// One answer waits `base_ms` + `per_object_us` × objects in it (list items, report
/// rows), scaled by a uniform factor in 1 ± `jitter_pct`/100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderLatency {
    pub base_ms: u64,
    pub per_object_us: u64,
    pub jitter_pct: u32,
}

impl ProviderLatency {
    // Defaults "near the real APIs'", so a benchmark meets the waits a user meets. Not
    // measured by this project. Stripe's is anchored on a reported ~300 ms per
    // 100-object list page seen from outside Stripe (morgangallant.com/blog/stripe-api,
    // 2021: "fetching 100 ... at a time taking ~300ms per request"); GitHub's and Google's
    // are estimates of the same order (a few hundred ms per page or report), not
    // sourced figures. ±20 % jitter stands in for network and load noise.
    /// Stripe: ~120 ms per call plus ~1.5 ms per object (a 100-charge page ≈ 270 ms).
    pub const STRIPE: ProviderLatency = ProviderLatency {
        base_ms: 120,
        per_object_us: 1_500,
        jitter_pct: 20,
    };
    /// GitHub REST: ~150 ms per call plus ~1 ms per item (a 100-issue page ≈ 250 ms).
    pub const GITHUB: ProviderLatency = ProviderLatency {
        base_ms: 150,
        per_object_us: 1_000,
        jitter_pct: 20,
    };
    /// Google reporting APIs: ~200 ms per report plus 50 ms per 10,000 rows (5 µs a
    /// row); a Google Ads searchStream gets the base before its first batch and the
    /// per-row part between batches.
    pub const GOOGLE: ProviderLatency = ProviderLatency {
        base_ms: 200,
        per_object_us: 5,
        jitter_pct: 20,
    };
    /// Meta's Graph API: ~250 ms per call plus 20 µs per insights row (a 500-row page ≈
    /// 260 ms). An estimate of the same order as Google's, not a sourced figure.
    pub const META: ProviderLatency = ProviderLatency {
        base_ms: 250,
        per_object_us: 20,
        jitter_pct: 20,
    };
}

impl LatencyConfig {
    /// Every provider at its default above.
    pub fn realistic() -> LatencyConfig {
        LatencyConfig {
            stripe: Some(ProviderLatency::STRIPE),
            github: Some(ProviderLatency::GITHUB),
            google: Some(ProviderLatency::GOOGLE),
            meta: Some(ProviderLatency::META),
        }
    }

    /// Replaces one provider's latency (`"stripe"`, `"github"`, `"google"`, `"meta"`); false for
    /// an unknown name.
    pub fn set(&mut self, provider: &str, latency: Option<ProviderLatency>) -> bool {
        match provider {
            "stripe" => self.stripe = latency,
            "github" => self.github = latency,
            "google" => self.google = latency,
            "meta" => self.meta = latency,
            _ => return false,
        }
        true
    }
}

#[derive(Clone, Debug)]
pub struct StripeConfig {
    pub customers: u64,
    pub charges: u64,
    pub invoices: u64,
    pub subscriptions: u64,
    pub balance_transactions: u64,
    /// Base objects' `created` spread evenly over this many days before the start clock.
    pub history_days: u32,
    /// Requests per second per test-mode key (`sk_test_`, `rk_test_`); 0 = unlimited.
    /// Stripe allows 25.
    pub rate_limit_per_sec: u32,
    /// Requests per second per live-mode key; None = 4 × `rate_limit_per_sec` (Stripe's
    /// 100 for the default 25, and off when that is 0, so one knob still turns both off).
    pub live_rate_limit_per_sec: Option<u32>,
    /// Requests per second per key to one API operation (`GET /v1/charges`, `GET
    /// /v1/charges/:id`); None = Stripe's default 25 while `rate_limit_per_sec` is on.
    pub endpoint_rate_limit_per_sec: Option<u32>,
}

impl StripeConfig {
    /// The per-second limit for a key of this mode; 0 = unlimited.
    pub fn rate_for(&self, live: bool) -> u32 {
        match (live, self.live_rate_limit_per_sec) {
            (false, _) => self.rate_limit_per_sec,
            (true, Some(live)) => live,
            (true, None) => self.rate_limit_per_sec.saturating_mul(4),
        }
    }

    /// The per-operation limit; 0 = unlimited.
    pub fn endpoint_rate(&self) -> u32 {
        match (self.endpoint_rate_limit_per_sec, self.rate_limit_per_sec) {
            (Some(rate), _) => rate,
            (None, 0) => 0,
            (None, _) => STRIPE_ENDPOINT_REQUESTS_PER_SEC,
        }
    }
}

#[derive(Clone, Debug)]
pub struct GithubConfig {
    /// "owner/name"
    pub repos: Vec<String>,
    /// per repo, excluding PRs
    pub issues: u64,
    pub pulls: u64,
    pub commits: u64,
    pub stargazers: u64,
    pub history_days: u32,
    /// primary quota per token per hour
    pub quota_per_hour: u32,
    /// Secondary limit: requests one token may have in flight at once; 0 = off.
    /// GitHub documents 100 (`GITHUB_CONCURRENT_REQUESTS`).
    pub secondary_concurrency: u32,
    /// Secondary limit: REST points per token per endpoint per sliding sim-clock minute
    /// (a GET costs 1); 0 = off. GitHub documents 900 (`GITHUB_POINTS_PER_MINUTE`).
    pub secondary_points_per_minute: u32,
}

/// Stripe's default limit per API operation (docs.stripe.com/rate-limits: "API endpoints
/// have a default limit of 25 requests per second"), inside the key's 100 (live) or 25.
pub const STRIPE_ENDPOINT_REQUESTS_PER_SEC: u32 = 25;

/// GitHub's documented secondary limits (docs.github.com, "Rate limits for the REST API":
/// at most 100 concurrent requests; at most 900 points a minute to a single REST endpoint).
pub const GITHUB_CONCURRENT_REQUESTS: u32 = 100;
pub const GITHUB_POINTS_PER_MINUTE: u32 = 900;
/// GA4 Data API, standard properties: concurrent requests per property.
pub const GA4_CONCURRENT_REQUESTS: u32 = 10;
/// Search Console: searchAnalytics.query calls per site per minute.
pub const GSC_QUERIES_PER_MINUTE: u32 = 1_200;

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 42,
            stripe: StripeConfig::default(),
            github: GithubConfig::default(),
            google: GoogleConfig::default(),
            meta: MetaConfig::default(),
            now: None,
            external_clock: None,
            latency: None,
        }
    }
}

impl Config {
    /// Reads `clock` (Unix milliseconds) instead of the sim's own clock; see `clock.rs`.
    pub fn with_clock(mut self, clock: Arc<dyn Fn() -> i64 + Send + Sync>) -> Config {
        self.external_clock = Some(ExternalClock(clock));
        self
    }

    /// Every limit at the provider's documented value: Stripe 25/s per test key and
    /// 100/s per live key (25/s per operation within them), GitHub's secondary limits (100 concurrent per token, 900
    /// points a minute per token and endpoint), GA4 10 concurrent requests per property, Search Console 1,200
    /// queries a minute per site. For benchmarks and tests that must meet what users meet.
    pub fn with_documented_limits(mut self) -> Config {
        self.stripe.rate_limit_per_sec = 25;
        self.stripe.live_rate_limit_per_sec = Some(100);
        self.stripe.endpoint_rate_limit_per_sec = Some(STRIPE_ENDPOINT_REQUESTS_PER_SEC);
        self.github.secondary_concurrency = GITHUB_CONCURRENT_REQUESTS;
        self.github.secondary_points_per_minute = GITHUB_POINTS_PER_MINUTE;
        for p in &mut self.google.properties {
            p.concurrent_requests = GA4_CONCURRENT_REQUESTS;
        }
        for site in &mut self.google.sites {
            site.queries_per_minute = GSC_QUERIES_PER_MINUTE;
        }
        self
    }
}

impl Default for StripeConfig {
    fn default() -> StripeConfig {
        StripeConfig {
            customers: 50,
            charges: 500,
            invoices: 100,
            subscriptions: 40,
            balance_transactions: 500,
            history_days: 90,
            rate_limit_per_sec: 25,
            live_rate_limit_per_sec: None,
            endpoint_rate_limit_per_sec: None,
        }
    }
}

impl Default for GithubConfig {
    fn default() -> GithubConfig {
        GithubConfig {
            repos: vec!["acme/website".to_string()],
            issues: 60,
            pulls: 40,
            commits: 200,
            stargazers: 150,
            history_days: 90,
            quota_per_hour: 5000,
            secondary_concurrency: 0,
            secondary_points_per_minute: 0,
        }
    }
}

/// Google's three products (GA4, Search Console, Google Ads). Every value is a pure
/// function of (seed, product, account, key, date), so history and breadth cost no memory.
#[derive(Clone, Debug)]
pub struct GoogleConfig {
    pub properties: Vec<Ga4Property>,
    pub sites: Vec<GscSite>,
    pub customers: Vec<AdsCustomer>,
    /// Data exists for this many days before today (in each account's zone).
    pub history_days: u32,
    /// The Ads `developer-token` header the sim accepts.
    pub developer_token: String,
}

/// A GA4 property; `id` and `account` are digits.
#[derive(Clone, Debug)]
pub struct Ga4Property {
    pub id: String,
    pub account: String,
    pub account_name: String,
    pub name: String,
    /// IANA zone the property reports in (see `google/tz.rs` for the zones the sim knows).
    pub time_zone: String,
    pub currency: String,
    /// Distinct landing pages with traffic per day.
    pub landing_pages: u32,
    /// Landing pages beyond the first N are folded into one "(other)" row.
    pub other_after: Option<u32>,
    pub sampled: bool,
    pub thresholded: bool,
    pub tokens_per_hour: u32,
    pub tokens_per_day: u32,
    /// runReport calls in flight at once; 0 = no limit (Google: 10, see
    /// `GA4_CONCURRENT_REQUESTS`).
    pub concurrent_requests: u32,
}

/// A Search Console property: `sc-domain:example.com` or a URL prefix `https://www.example.com/`.
#[derive(Clone, Debug)]
pub struct GscSite {
    pub url: String,
    /// siteOwner, siteFullUser, siteRestrictedUser or siteUnverifiedUser (no data access).
    pub permission: String,
    /// Distinct queries per day.
    pub queries: u32,
    /// Distinct pages per day.
    pub pages: u32,
    /// searchAnalytics.query calls per sim-clock minute; 0 = no limit.
    pub queries_per_minute: u32,
}

/// A Google Ads customer; `id` is 10 digits.
#[derive(Clone, Debug)]
pub struct AdsCustomer {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub manager: bool,
    /// The manager this client is reached through (it needs `login-customer-id` = that id).
    pub parent: Option<String>,
    /// Managers have none, whatever this says.
    pub campaigns: u32,
}

impl Default for GoogleConfig {
    fn default() -> GoogleConfig {
        GoogleConfig {
            properties: vec![
                Ga4Property::new(
                    "412345678",
                    "100200300",
                    "Northwind Coffee",
                    "Northwind Coffee — Web",
                )
                .zone("America/New_York", "USD"),
                Ga4Property::new("498765432", "100200400", "Globex", "Globex Japan")
                    .zone("Asia/Tokyo", "JPY"),
            ],
            sites: vec![
                GscSite::new("sc-domain:northwind.example", "siteOwner"),
                GscSite::new("https://www.globex.example/", "siteFullUser"),
                GscSite::new("https://pending.example/", "siteUnverifiedUser"),
            ],
            customers: vec![
                AdsCustomer::new("1112223333", "Sim Agency MCC", "USD", "America/New_York").manager(),
                AdsCustomer::new("4445556666", "Northwind Coffee Ads", "USD", "America/Chicago")
                    .under("1112223333"),
                AdsCustomer::new("7778889999", "Globex Direct", "EUR", "Europe/Berlin"),
            ],
            history_days: 800,
            developer_token: "sim-developer-token".to_string(),
        }
    }
}

impl Ga4Property {
    /// A property with the default sizes and quotas, in America/New_York and USD.
    pub fn new(id: &str, account: &str, account_name: &str, name: &str) -> Ga4Property {
        Ga4Property {
            id: id.to_string(),
            account: account.to_string(),
            account_name: account_name.to_string(),
            name: name.to_string(),
            time_zone: "America/New_York".to_string(),
            currency: "USD".to_string(),
            landing_pages: 25,
            other_after: None,
            sampled: false,
            thresholded: false,
            tokens_per_hour: 40_000,
            tokens_per_day: 200_000,
            concurrent_requests: 0,
        }
    }

    pub fn zone(mut self, time_zone: &str, currency: &str) -> Ga4Property {
        self.time_zone = time_zone.to_string();
        self.currency = currency.to_string();
        self
    }
}

impl GscSite {
    pub fn new(url: &str, permission: &str) -> GscSite {
        GscSite {
            url: url.to_string(),
            permission: permission.to_string(),
            queries: 120,
            pages: 30,
            queries_per_minute: 0,
        }
    }
}

impl AdsCustomer {
    /// A directly reachable, non-manager account with the default campaign count.
    pub fn new(id: &str, name: &str, currency: &str, time_zone: &str) -> AdsCustomer {
        AdsCustomer {
            id: id.to_string(),
            name: name.to_string(),
            currency: currency.to_string(),
            time_zone: time_zone.to_string(),
            manager: false,
            parent: None,
            campaigns: 8,
        }
    }

    pub fn manager(mut self) -> AdsCustomer {
        self.manager = true;
        self
    }

    pub fn under(mut self, manager: &str) -> AdsCustomer {
        self.parent = Some(manager.to_string());
        self
    }
}

/// Meta's Marketing API (Graph v26.0): ad accounts and their campaigns' daily insights,
/// every number a pure function of (seed, account, campaign, date). Serde with defaults, so
/// a partial JSON/TOML document fills in the rest.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct MetaConfig {
    pub ad_accounts: Vec<MetaAdAccount>,
    /// Data exists for this many days before today (in each account's zone).
    pub history_days: u32,
    /// Graph calls each ad account may make per fixed clock hour (sim clock) before Meta's
    /// 80000 answers; 0 = no limit. Changed per account with `/_sim/meta/budget`.
    pub calls_per_hour: u32,
    /// Status polls of an async report run that show progress (at least 1); the last of them
    /// is always 100 % but still "Job Running", and the poll after it "Job Completed".
    pub async_polls: u32,
    /// A synchronous insights GET whose days × campaigns exceed this answers Meta's
    /// "Please reduce the amount of data you're asking for" 500 (async runs have no cap).
    pub sync_max_rows: u32,
}

/// One ad account. Paths name it `act_{id}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MetaAdAccount {
    /// Digits only.
    pub id: String,
    pub name: String,
    /// ISO 4217, upper case (see `meta/money.rs` for the currencies the sim knows).
    pub currency: String,
    /// IANA zone the account reports in (see `google/tz.rs` for the zones the sim knows).
    pub timezone_name: String,
    /// Digits only: the business that owns the account, the key of its
    /// `X-Business-Use-Case-Usage` entry.
    pub business_id: String,
    #[serde(default = "default_business_name")]
    pub business_name: String,
    pub campaigns: u32,
}

fn default_business_name() -> String {
    "Sim Agency".to_string()
}

impl Default for MetaConfig {
    fn default() -> MetaConfig {
        MetaConfig {
            ad_accounts: vec![
                MetaAdAccount::new("1010000000001", "Northwind Shop", "USD", "America/New_York"),
                MetaAdAccount::new("1010000000002", "Tokyo Goods", "JPY", "Asia/Tokyo").campaigns(3),
            ],
            history_days: 3 * 365,
            calls_per_hour: 10_000,
            async_polls: 3,
            sync_max_rows: 5_000,
        }
    }
}

impl MetaAdAccount {
    /// An account of business 2020000000001 ("Sim Agency") with 5 campaigns.
    pub fn new(id: &str, name: &str, currency: &str, timezone_name: &str) -> MetaAdAccount {
        MetaAdAccount {
            id: id.to_string(),
            name: name.to_string(),
            currency: currency.to_string(),
            timezone_name: timezone_name.to_string(),
            business_id: "2020000000001".to_string(),
            business_name: default_business_name(),
            campaigns: 5,
        }
    }

    pub fn campaigns(mut self, n: u32) -> MetaAdAccount {
        self.campaigns = n;
        self
    }

    pub fn business(mut self, id: &str, name: &str) -> MetaAdAccount {
        self.business_id = id.to_string();
        self.business_name = name.to_string();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_modes_and_documented_limits() {
        let d = Config::default();
        // As before: 25/s for test keys by default; live keys get Stripe's 100.
        assert_eq!((d.stripe.rate_for(false), d.stripe.rate_for(true)), (25, 100));
        assert!(d.latency.is_none());
        assert_eq!(
            d.github.secondary_concurrency + d.github.secondary_points_per_minute,
            0
        );
        let mut off = Config::default();
        off.stripe.rate_limit_per_sec = 0;
        assert_eq!((off.stripe.rate_for(false), off.stripe.rate_for(true)), (0, 0));
        let real = off.with_documented_limits();
        assert_eq!(
            (real.stripe.rate_for(false), real.stripe.rate_for(true)),
            (25, 100)
        );
        assert_eq!(real.github.secondary_concurrency, 100);
        assert_eq!(real.github.secondary_points_per_minute, 900);
        assert!(real.google.properties.iter().all(|p| p.concurrent_requests == 10));
        assert!(real.google.sites.iter().all(|s| s.queries_per_minute == 1_200));
    }
}
