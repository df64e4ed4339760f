//! Google's three reporting APIs, at their documented paths under the sim's base URL (an
//! app points its Google API override here): GA4 Admin + Data v1beta (`/v1beta/…`), Search
//! Console (`/webmasters/v3/…`) and Google Ads v26 (`/v26/…`). Every call needs a bearer
//! token from the sim's Google OAuth issuer carrying the product's scope (`auth.rs`).
//!
//! Numbers come from `gen.rs` (pure functions of seed, account, key and date), are
//! restated as days age (maturity) or on request (`/_sim/google/restate`), and are
//! compared by tests with `/_sim/google/truth`, computed from the same generators but
//! not through the handlers or their paging. Every request is logged
//! (`/_sim/google/requests`) so tests can assert what a sync asked for.

pub mod admin;
pub mod ads;
pub mod auth;
pub mod body;
pub mod control;
pub mod errors;
pub mod faults;
pub mod ga4;
pub mod gaql;
pub mod gen;
pub mod log;
pub mod quota;
pub mod search_console;
pub mod stream;
pub mod truth;
pub mod tz;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;

use crate::config::{AdsCustomer, Ga4Property, GoogleConfig, GscSite};
use crate::state::{lock, AppState};
use errors::GoogleError;
use gen::Scale;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    Ga4,
    SearchConsole,
    Ads,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::Ga4 => "ga4",
            Product::SearchConsole => "search_console",
            Product::Ads => "google_ads",
        }
    }

    pub fn parse(name: &str) -> Option<Product> {
        [Product::Ga4, Product::SearchConsole, Product::Ads]
            .into_iter()
            .find(|p| p.name() == name)
    }
}

/// Google's part of the shared state. The config never changes; what does (restatements,
/// quota buckets, the request log) sits behind its own small locks.
pub struct GoogleState {
    pub seed: u64,
    pub cfg: GoogleConfig,
    pub live: Mutex<Live>,
    pub log: Mutex<log::RequestLog>,
    next_request: AtomicU64,
}

#[derive(Default)]
pub struct Live {
    /// (product, account, day) → the factor `/_sim/google/restate` applied.
    pub restated: BTreeMap<(Product, String, NaiveDate), Scale>,
    pub quotas: quota::Quotas,
}

impl GoogleState {
    pub fn new(seed: u64, cfg: GoogleConfig) -> GoogleState {
        GoogleState {
            seed,
            cfg,
            live: Mutex::new(Live::default()),
            log: Mutex::new(log::RequestLog::default()),
            next_request: AtomicU64::new(0),
        }
    }

    /// Google's `requestId`: 22 url-safe characters, unique per answer.
    pub fn request_id(&self) -> String {
        let n = self.next_request.fetch_add(1, Ordering::Relaxed) + 1;
        format!("simreq{:016x}", crate::rng::splitmix64(n))
    }

    /// The restatement factors of one account, copied out so no lock is held while rows
    /// are generated.
    pub fn restatements(&self, product: Product, account: &str) -> BTreeMap<NaiveDate, Scale> {
        lock(&self.live)
            .restated
            .iter()
            .filter(|((p, a, _), _)| *p == product && a == account)
            .map(|((_, _, d), s)| (*d, *s))
            .collect()
    }

    pub fn property(&self, id: &str) -> Option<&Ga4Property> {
        self.cfg.properties.iter().find(|p| p.id == id)
    }

    pub fn site(&self, url: &str) -> Option<&GscSite> {
        self.cfg.sites.iter().find(|s| s.url == url)
    }

    pub fn customer(&self, id: &str) -> Option<&AdsCustomer> {
        self.cfg.customers.iter().find(|c| c.id == id)
    }
}

/// The restatement factor of `day` (1 when never restated).
pub fn restated(map: &BTreeMap<NaiveDate, Scale>, day: NaiveDate) -> Scale {
    map.get(&day).copied().unwrap_or(Scale::ONE)
}

/// Refuses a config the sim cannot serve faithfully (an unknown zone, a client whose
/// manager is missing), so a typo fails at start instead of as odd data.
pub fn check(cfg: &GoogleConfig) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let known = |z: &str| {
        tz::zone(z).map(|_| ()).ok_or_else(|| {
            format!(
                "unknown time zone {z}; the sim knows {}",
                tz::known_zones().collect::<Vec<_>>().join(", ")
            )
        })
    };
    for p in &cfg.properties {
        if !digits(&p.id) || !digits(&p.account) {
            return Err(format!(
                "GA4 property {} / account {}: ids are digits",
                p.id, p.account
            ));
        }
        known(&p.time_zone)?;
    }
    for s in &cfg.sites {
        if !search_console::PERMISSIONS.contains(&s.permission.as_str()) {
            return Err(format!("site {}: unknown permission {}", s.url, s.permission));
        }
    }
    for c in &cfg.customers {
        if c.id.len() != 10 || !digits(&c.id) {
            return Err(format!("Ads customer {}: ids are 10 digits", c.id));
        }
        known(&c.time_zone)?;
        if let Some(parent) = &c.parent {
            if !cfg.customers.iter().any(|m| &m.id == parent && m.manager) {
                return Err(format!(
                    "Ads customer {}: parent {parent} is not a configured manager",
                    c.id
                ));
            }
        }
    }
    Ok(())
}

/// Which product (and account, when the path names one) a request path belongs to;
/// `None` for paths that are not Google's.
pub fn classify(path: &str) -> Option<(Product, Option<String>)> {
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    if let Some(rest) = path.strip_prefix("/v1beta/") {
        let account = rest
            .strip_prefix("properties/")
            .map(|p| p.split([':', '/']).next().unwrap_or_default().to_string());
        return Some((Product::Ga4, account));
    }
    if let Some(rest) = path.strip_prefix("/webmasters/") {
        let account = rest
            .strip_prefix("v3/sites/")
            .map(|p| decode(p.split('/').next().unwrap_or_default()));
        return Some((Product::SearchConsole, account));
    }
    if let Some(rest) = path.strip_prefix("/v26/") {
        let account = rest
            .strip_prefix("customers/")
            .map(|p| p.split([':', '/']).next().unwrap_or_default().to_string());
        return Some((Product::Ads, account));
    }
    None
}

pub(crate) fn not_found(product: Product) -> GoogleError {
    let e = GoogleError::new(product, 404, "Requested entity was not found.");
    if product == Product::Ads {
        return GoogleError {
            message: "The requested URL was not found on this server.".into(),
            ..e
        };
    }
    e
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1beta/accountSummaries", get(admin::account_summaries))
        .route(
            "/v1beta/properties/{property}",
            get(admin::property).post(ga4::run_report),
        )
        .route(
            "/v1beta/{*rest}",
            get(|| async { not_found(Product::Ga4).into_response() }),
        )
        .route("/webmasters/v3/sites", get(search_console::sites))
        .route("/webmasters/v3/sites/{site}", get(search_console::site))
        .route(
            "/webmasters/v3/sites/{site}/searchAnalytics/query",
            post(search_console::query),
        )
        .route(
            "/webmasters/{*rest}",
            get(|| async { not_found(Product::SearchConsole).into_response() }),
        )
        .route(
            "/v26/customers:listAccessibleCustomers",
            get(ads::list_accessible_customers),
        )
        .route(
            "/v26/customers/{customer}/googleAds:searchStream",
            post(ads::search_stream),
        )
        .route(
            "/v26/{*rest}",
            get(|| async { not_found(Product::Ads).into_response() })
                .post(|| async { not_found(Product::Ads).into_response() }),
        )
        .layer(from_fn_with_state(state.clone(), log::middleware))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        assert_eq!(
            classify("/v1beta/properties/412345678:runReport"),
            Some((Product::Ga4, Some("412345678".into())))
        );
        assert_eq!(classify("/v1beta/accountSummaries"), Some((Product::Ga4, None)));
        assert_eq!(
            classify("/webmasters/v3/sites/https%3A%2F%2Fwww.globex.example%2F/searchAnalytics/query"),
            Some((Product::SearchConsole, Some("https://www.globex.example/".into())))
        );
        assert_eq!(
            classify("/v26/customers/4445556666/googleAds:searchStream"),
            Some((Product::Ads, Some("4445556666".into())))
        );
        assert_eq!(
            classify("/v26/customers:listAccessibleCustomers"),
            Some((Product::Ads, None))
        );
        assert_eq!(classify("/v1/charges"), None);
        assert_eq!(classify("/repos/a/b"), None);
    }

    #[test]
    fn default_config_is_valid() {
        assert_eq!(check(&GoogleConfig::default()), Ok(()));
        let mut bad = GoogleConfig::default();
        bad.properties[0].time_zone = "Mars/Olympus".into();
        assert!(check(&bad).unwrap_err().contains("Mars/Olympus"));
    }
}
