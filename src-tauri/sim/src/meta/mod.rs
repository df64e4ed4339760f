//! Meta's Marketing API, Graph **v26.0**, at its documented paths under the sim's base URL
//! (an app points its Graph base override here). Every call needs a Meta access token from
//! the sim's Meta OAuth issuer (`/dialog/oauth` + `/oauth/access_token`, or
//! `POST /_sim/oauth/system_user_token`), as `Authorization: Bearer …` or an `access_token`
//! parameter. A missing token answers code 104, an unknown, expired or revoked one code 190
//! (expired: subcode 463), HTTP 400 as Graph does.
//!
//! Numbers come from `gen.rs` (pure functions of seed, account, campaign and date; nothing is
//! stored), conversions mature over 28 days, days can be restated on request, and tests hold
//! what a sync stored against `/_sim/meta/truth`, computed from the same generators but not
//! through the handlers or their paging. Dates are the ad account's own zone.
//!
//! # Graph routes (v26.0; any other version answers 400 code 2635)
//!
//! - `GET /v26.0/me/adaccounts?fields=id,account_id,name,currency,timezone_name,timezone_offset_hours_utc,account_status,business&limit=N&after=CURSOR`
//!   → `{"data":[{"id":"act_1010000000001","account_id":"1010000000001","name":"Northwind Shop",
//!   "currency":"USD","timezone_name":"America/New_York","timezone_offset_hours_utc":-5,
//!   "account_status":1,"business":{"id":"2020000000001","name":"Sim Agency"}}],
//!   "paging":{"cursors":{"before","after"},"next":"<absolute url>"}}` (no `next` on the last
//!   page; only the fields asked for, `id` always; default fields `id,account_id`).
//!   Also `GET /v26.0/me` (`{"id","name"}`, as `/me`).
//! - `GET /v26.0/act_{id}?fields=…` → the same account object. Unknown account: 400 code 100
//!   subcode 33 ("Unsupported get request. Object with ID 'act_…' does not exist, …").
//! - `GET /v26.0/act_{id}/insights?level=campaign&fields=…&time_range={"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}&time_increment=1&action_attribution_windows=["7d_click","1d_view"]&limit=N&after=CURSOR`
//!   → `{"data":[row…],"paging":{"cursors":{"before","after"},"next":"<absolute url, after=…>"}}`,
//!   rows by date then campaign. See `report.rs` for fields, parameters and refusals, `gen.rs`
//!   for the numbers. A GET whose days × campaigns exceed `sync_max_rows` answers 500 code 1
//!   "Please reduce the amount of data you're asking for, then retry your request".
//! - `POST /v26.0/act_{id}/insights` (the same parameters, in the query, a form body or a JSON
//!   body) → `{"report_run_id":"612000000000001"}`, no row cap; rows are those of the moment
//!   of the POST (a snapshot, as at Meta).
//! - `GET /v26.0/{report_run_id}?fields=async_status,async_percent_completion` →
//!   `{"id","account_id","async_status","async_percent_completion","date_start","date_stop"}`;
//!   each poll is one step (see `runs.rs`): "Job Not Started" 0 → "Job Started"/"Job Running"
//!   → poll `async_polls` always at 100 still "Job Running" → poll `async_polls` + 1 "Job
//!   Completed" 100 (default 3: completed at the 4th poll).
//! - `GET /v26.0/{report_run_id}/insights?limit&after` → the run's rows, paged like the sync
//!   endpoint; before "Job Completed" 400 code 2601 subcode 1815107 ("Error accessing
//!   adreportrun"); after "Job Failed" 400 code 2601 without subcode.
//!
//! # Rate limits (`usage.rs`)
//!
//! Each ad account has `calls_per_hour` Graph calls per fixed clock hour of the sim clock
//! (0 = no limit).
//! Every call on an ad account counts 1: account reads, insights GET and POST, polls and
//! result pages of that account's runs (an auth failure or unknown object does not). Every
//! Graph answer, errors included, carries `X-Business-Use-Case-Usage`, and ad-account answers
//! also `X-Ad-Account-Usage`:
//!
//! ```text
//! X-Ad-Account-Usage: {"acc_id_util_pct":12.5,"reset_time_duration":1800,"ads_api_access_tier":"standard_access"}
//! X-Business-Use-Case-Usage: {"2020000000001":[{"type":"ads_insights","call_count":12,
//!   "total_cputime":11,"total_time":11,"estimated_time_to_regain_access":0,
//!   "ads_api_access_tier":"standard_access"}]}
//! ```
//!
//! `acc_id_util_pct` = calls ÷ budget × 100 (2 decimals), `reset_time_duration` = seconds to
//! the hour's end (0 while unused); BUC `call_count` is that percentage as an integer,
//! `total_cputime` 95 % and `total_time` 97 % of it (so only `call_count` reaches 100; a client
//! must take the max of the three); `estimated_time_to_regain_access` = ⌈minutes to the
//! hour's end⌉ once the budget is spent, else 0. Off an ad account (`/me/adaccounts`) the BUC
//! header lists each business with its busiest account. The call after the budget answers
//! 400 code 80000 subcode 2446079 ("(#80000) There have been too many calls from this
//! ad-account. …", `is_transient` true) and is not counted.
//!
//! # Control (`/_sim/meta/…`, no auth; `account` is `act_…` or the digits)
//!
//! - `POST /_sim/meta/restate {"account":"act_1010000000001","date":"2026-11-10","percent":10}`
//!   scales every metric of that day (all campaigns) by (100 + percent) / 100 from now on,
//!   compounding; percent in −99..=1000.
//! - `POST /_sim/meta/async {"fail_min_days":7,"count":2}`: the next 2 runs spanning ≥ 7 days
//!   end "Job Failed" (smaller runs succeed, so a client that splits gets there);
//!   `{"stuck":1}`: the next run stays "Job Running" (at 100 %) forever. `GET` shows the
//!   settings (`async_polls`, `fail_min_days`, `fail_left`, `stuck_left`) and every run (`id`,
//!   `account`, `since`, `until`, `days`, `rows`, `polls`, `fate` complete|fail|stuck,
//!   `status`, `percent`).
//! - `POST /_sim/meta/budget {"account":"act_1010000000001","calls_per_hour":5}`: that
//!   account's budget (the current hour's count starts again from 0).
//! - `GET /_sim/meta/usage` → `{"act_…":{"calls_per_hour","calls" (this hour),"calls_total",
//!   "throttled" (80000 answers the budget sent; faults not included),"acc_id_util_pct",
//!   "reset_time_duration"}}`, one entry per ad account.
//! - `GET /_sim/meta/truth?account=act_…&since=YYYY-MM-DD&until=YYYY-MM-DD` (`truth.rs`).
//! - `GET /_sim/meta/requests` (every Graph request in order: `method`, `path`, `account`,
//!   `since`, `until`, `async` (an insights POST), `status`, `error_code`, `error_subcode`,
//!   `fault`, `at` (sim-clock seconds)); `DELETE` clears it.
//!
//! # Faults (`POST /_sim/faults`, answered in Graph's shape by `faults.rs`)
//!
//! Each carries the usage headers; a rate-limit fault puts its `regain_minutes` (default 0)
//! into `estimated_time_to_regain_access`. Faulted requests spend no budget and are logged.
//!
//! ```text
//! {"route":"/v26.0/act_1010000000001/insights","kind":"rate_limit","code":80000,"regain_minutes":5,"count":1}
//!     code 80000 (subcode 2446079 unless "subcode" says otherwise), 4 ("(#4) Application
//!     request limit reached"), 17 ("(#17) User request limit reached"; with
//!     "subcode":2446079 also error_user_title "Ad Account Has Too Many API Calls", the
//!     per-ad-account form), 32 (pages) or 613 ("(#613) Calls to this api have exceeded the
//!     rate limit."); HTTP 400, is_transient true; "subcode" sets error_subcode on any
//! {"route":"/v26.0","kind":"unauthorized","count":1}     190/463 "Error validating access
//!     token: Session has expired on …", type OAuthException
//! {"route":"/v26.0/act_1010000000001/insights","kind":"reduce_data","count":1}
//!     500 code 1 "Please reduce the amount of data you're asking for, then retry your request"
//! {"route":"/v26.0/act_1010000000001/insights","kind":"server_error"}   500 code 2, transient
//! {"route":…,"kind":"unavailable"}        503 code 2 "Service temporarily unavailable"
//! {"route":…,"kind":"permission_denied"}  400 code 200 (ads_read missing)
//! ```
//!
//! `delay`, `timeout`, `truncated`, `malformed`, `bad_gateway`, `echo_secret` (190 quoting the
//! token) and `redirect_secret` work as on other providers; `missing_field` passes through.
//! `GET /_sim/faults` counts each fault's `fired`.

pub mod accounts;
pub mod control;
pub mod errors;
pub mod faults;
pub mod gate;
pub mod gen;
pub mod insights;
pub mod log;
pub mod money;
pub mod paging;
pub mod params;
pub mod report;
pub mod runs;
pub mod truth;
pub mod usage;

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::middleware::from_fn_with_state;
use axum::routing::{any, get};
use axum::Router;
use chrono::{Duration, NaiveDate};

use crate::config::{MetaAdAccount, MetaConfig};
use crate::google::gen::Scale;
use crate::google::tz;
use crate::state::{lock, AppState};

/// The one Graph version the sim serves.
pub const GRAPH_VERSION: &str = "v26.0";

/// Meta's part of the shared state. The config never changes; what does sits behind small
/// locks, none held across an await.
pub struct MetaState {
    pub seed: u64,
    pub cfg: MetaConfig,
    /// (account id, day) → the factor `/_sim/meta/restate` applied.
    pub restated: Mutex<BTreeMap<(String, NaiveDate), Scale>>,
    pub runs: Mutex<runs::Runs>,
    pub usage: Mutex<usage::Usage>,
    pub log: Mutex<log::RequestLog>,
}

impl MetaState {
    pub fn new(seed: u64, cfg: MetaConfig) -> MetaState {
        MetaState {
            seed,
            usage: Mutex::new(usage::Usage::new(&cfg)),
            cfg,
            restated: Mutex::new(BTreeMap::new()),
            runs: Mutex::new(runs::Runs::default()),
            log: Mutex::new(log::RequestLog::default()),
        }
    }

    /// An ad account by `act_{id}` or its digits.
    pub fn account(&self, id: &str) -> Option<&MetaAdAccount> {
        let digits = id.strip_prefix("act_").unwrap_or(id);
        self.cfg.ad_accounts.iter().find(|a| a.id == digits)
    }

    /// One account's restatement factors, copied out so no lock is held while rows are made.
    pub fn restatements(&self, account: &str) -> BTreeMap<NaiveDate, Scale> {
        lock(&self.restated)
            .iter()
            .filter(|((a, _), _)| a == account)
            .map(|((_, d), s)| (*d, *s))
            .collect()
    }

    /// The ad account a Graph path is about: `act_{id}` itself, or the account a report
    /// run belongs to. None for other paths and for unknown objects.
    pub fn account_of_path(&self, path: &str) -> Option<&MetaAdAccount> {
        let node = path.split('/').filter(|s| !s.is_empty()).nth(1)?;
        if node.starts_with("act_") {
            return self.account(node);
        }
        let owner = lock(&self.runs).account_of(node)?;
        self.account(&owner)
    }
}

/// The account's calendar date at `now` (Unix seconds), in its own zone.
pub fn today(account: &MetaAdAccount, now: i64) -> NaiveDate {
    tz::zone(&account.timezone_name)
        .unwrap_or(tz::PACIFIC)
        .date_at(now)
}

/// The first day with data: `history_days` before today.
pub fn first_day(cfg: &MetaConfig, today: NaiveDate) -> NaiveDate {
    today - Duration::days(cfg.history_days as i64)
}

/// Graph versions that ever existed or may soon (v2.0–v2.12, v3.0–v3.3, v4.0–v40.0). Only
/// these are routed to Meta, so any other path stays GitHub's (the root belongs to it).
fn is_graph_version(segment: &str) -> bool {
    let Some((major, minor)) = segment.strip_prefix('v').and_then(|v| v.split_once('.')) else {
        return false;
    };
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    match (number(major), number(minor)) {
        (Some(2), Some(m)) => m <= 12,
        (Some(3), Some(m)) => m <= 3,
        (Some(4..=40), Some(0)) => true,
        _ => false,
    }
}

/// The Graph version a path starts with, if it is one.
pub fn version_of(path: &str) -> Option<&str> {
    let first = path.strip_prefix('/')?.split('/').next()?;
    is_graph_version(first).then_some(first)
}

pub fn is_graph_path(path: &str) -> bool {
    version_of(path).is_some()
}

/// Refuses a config the sim cannot serve faithfully, so a typo fails at start.
pub fn check(cfg: &MetaConfig) -> Result<(), String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if cfg.async_polls < 1 {
        return Err("meta.async_polls: at least 1 (that poll is 100 % and still running)".into());
    }
    for (i, a) in cfg.ad_accounts.iter().enumerate() {
        if !digits(&a.id) || !digits(&a.business_id) {
            return Err(format!(
                "Meta ad account {} / business {}: ids are digits (paths add act_)",
                a.id, a.business_id
            ));
        }
        if cfg.ad_accounts[..i].iter().any(|b| b.id == a.id) {
            return Err(format!("Meta ad account {} is configured twice", a.id));
        }
        if tz::zone(&a.timezone_name).is_none() {
            return Err(format!(
                "Meta ad account {}: unknown time zone {}; the sim knows {}",
                a.id,
                a.timezone_name,
                tz::known_zones().collect::<Vec<_>>().join(", ")
            ));
        }
        if money::digits(&a.currency).is_none() {
            return Err(format!(
                "Meta ad account {}: unknown currency {}; the sim knows {}",
                a.id,
                a.currency,
                money::known().collect::<Vec<_>>().join(", ")
            ));
        }
        if a.campaigns > gen::MAX_CAMPAIGNS {
            return Err(format!(
                "Meta ad account {}: at most {} campaigns",
                a.id,
                gen::MAX_CAMPAIGNS
            ));
        }
    }
    Ok(())
}

pub fn router(state: AppState) -> Router {
    let mut r = Router::new()
        .route("/v26.0/me", get(crate::oauth::meta_me))
        .route("/v26.0/me/adaccounts", any(accounts::list))
        .route("/v26.0/{node}", any(insights::node))
        .route("/v26.0/{node}/{edge}", any(insights::edge))
        .route("/v26.0/{node}/{edge}/{*rest}", any(insights::unknown_path))
        .route("/v26.0", any(insights::unknown_path));
    // Other versions are refused by the gate; these routes only claim their paths.
    for major in 2..=40u32 {
        let minors = match major {
            2 => 0..=12,
            3 => 0..=3,
            _ => 0..=0,
        };
        for minor in minors {
            let v = format!("v{major}.{minor}");
            if v != GRAPH_VERSION {
                r = r
                    .route(&format!("/{v}"), any(insights::unknown_path))
                    .route(&format!("/{v}/{{*rest}}"), any(insights::unknown_path));
            }
        }
    }
    r.layer(from_fn_with_state(state.clone(), gate::middleware))
        .layer(from_fn_with_state(state.clone(), log::middleware))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_paths_and_versions() {
        assert_eq!(version_of("/v26.0/act_1/insights"), Some("v26.0"));
        assert_eq!(version_of("/v2.12/me"), Some("v2.12"));
        assert_eq!(version_of("/v19.0"), Some("v19.0"));
        assert_eq!(version_of("/v2.13/me"), None);
        assert_eq!(version_of("/v1/charges"), None);
        assert_eq!(version_of("/v1beta/properties/1"), None);
        assert_eq!(version_of("/v26/customers:listAccessibleCustomers"), None);
        assert_eq!(version_of("/repos/a/b"), None);
        assert_eq!(version_of("/v26.1/me"), None);
    }

    #[test]
    fn default_config_is_valid() {
        assert_eq!(check(&MetaConfig::default()), Ok(()));
        let mut bad = MetaConfig::default();
        bad.ad_accounts[0].timezone_name = "Mars/Olympus".into();
        assert!(check(&bad).unwrap_err().contains("Mars/Olympus"));
        let mut bad = MetaConfig::default();
        bad.ad_accounts[1].currency = "XYZ".into();
        assert!(check(&bad).unwrap_err().contains("XYZ"));
        let mut bad = MetaConfig::default();
        bad.ad_accounts[0].id = "act_1".into();
        assert!(check(&bad).is_err());
    }
}
