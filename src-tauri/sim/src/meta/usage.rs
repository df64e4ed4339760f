//! Each ad account's ads_insights budget: `calls_per_hour` Graph calls per fixed clock hour
//! of the sim clock (0 = no limit), and the usage headers Meta sends with every answer.
//! A call is admitted and counted, or refused (code 80000) and not counted; the headers
//! show the count after the call. See `mod.rs` for the header shapes.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue};
use serde_json::{json, Value};

use crate::config::{MetaAdAccount, MetaConfig};
use crate::state::AppState;

const HOUR_MS: i64 = 3_600_000;

#[derive(Clone, Debug)]
struct Account {
    budget: u32,
    /// Which clock hour `calls` counts (Unix ms ÷ 3,600,000).
    hour: i64,
    calls: u32,
    calls_total: u64,
    throttled: u64,
}

pub struct Usage {
    accounts: BTreeMap<String, Account>,
}

/// One account's state at an instant.
#[derive(Clone, Copy, Debug)]
pub struct Meter {
    calls: u32,
    budget: u32,
    /// Until the hour ends.
    ms_left: i64,
}

impl Meter {
    /// calls ÷ budget in hundredths of a percent.
    fn basis_points(&self) -> u64 {
        if self.budget == 0 {
            0
        } else {
            self.calls as u64 * 10_000 / self.budget as u64
        }
    }

    pub fn util_pct(&self) -> f64 {
        self.basis_points() as f64 / 100.0
    }

    pub fn reset_secs(&self) -> i64 {
        if self.calls == 0 {
            0
        } else {
            (self.ms_left + 999) / 1000
        }
    }

    /// ⌈minutes to the hour's end⌉ once the budget is spent, else 0.
    pub fn regain_minutes(&self) -> u64 {
        if self.budget > 0 && self.calls >= self.budget {
            (self.ms_left as u64).div_ceil(60_000)
        } else {
            0
        }
    }

    fn ad_account_header(&self) -> Value {
        json!({
            "acc_id_util_pct": self.util_pct(),
            "reset_time_duration": self.reset_secs(),
            "ads_api_access_tier": "standard_access",
        })
    }

    /// The BUC entry; `regain` overrides the computed minutes (a fault's).
    fn buc_entry(&self, regain: Option<u64>) -> Value {
        let pct = self.basis_points() / 100;
        json!({
            "type": "ads_insights",
            "call_count": pct,
            "total_cputime": pct * 95 / 100,
            "total_time": pct * 97 / 100,
            "estimated_time_to_regain_access": regain.unwrap_or_else(|| self.regain_minutes()),
            "ads_api_access_tier": "standard_access",
        })
    }
}

impl Usage {
    pub fn new(cfg: &MetaConfig) -> Usage {
        let accounts = cfg
            .ad_accounts
            .iter()
            .map(|a| {
                let account = Account {
                    budget: cfg.calls_per_hour,
                    hour: 0,
                    calls: 0,
                    calls_total: 0,
                    throttled: 0,
                };
                (a.id.clone(), account)
            })
            .collect();
        Usage { accounts }
    }

    fn current(&mut self, id: &str, now_ms: i64) -> Option<&mut Account> {
        let a = self.accounts.get_mut(id)?;
        let hour = now_ms.div_euclid(HOUR_MS);
        if a.hour != hour {
            a.hour = hour;
            a.calls = 0;
        }
        Some(a)
    }

    /// Counts one call; false (and counted as throttled instead) when the budget is spent.
    pub fn charge(&mut self, id: &str, now_ms: i64) -> bool {
        let Some(a) = self.current(id, now_ms) else {
            return true;
        };
        if a.budget > 0 && a.calls >= a.budget {
            a.throttled += 1;
            return false;
        }
        a.calls += 1;
        a.calls_total += 1;
        true
    }

    pub fn meter(&self, id: &str, now_ms: i64) -> Meter {
        let hour = now_ms.div_euclid(HOUR_MS);
        let ms_left = (hour + 1) * HOUR_MS - now_ms;
        match self.accounts.get(id) {
            Some(a) => Meter {
                calls: if a.hour == hour { a.calls } else { 0 },
                budget: a.budget,
                ms_left,
            },
            None => Meter {
                calls: 0,
                budget: 0,
                ms_left,
            },
        }
    }

    /// A new budget for one account; this hour's count starts again from 0.
    pub fn set_budget(&mut self, id: &str, budget: u32, now_ms: i64) -> bool {
        match self.current(id, now_ms) {
            Some(a) => {
                a.budget = budget;
                a.calls = 0;
                true
            }
            None => false,
        }
    }

    pub fn view(&self, now_ms: i64) -> Value {
        let accounts: serde_json::Map<String, Value> = self
            .accounts
            .iter()
            .map(|(id, a)| {
                let m = self.meter(id, now_ms);
                let v = json!({
                    "calls_per_hour": a.budget,
                    "calls": m.calls,
                    "calls_total": a.calls_total,
                    "throttled": a.throttled,
                    "acc_id_util_pct": m.util_pct(),
                    "reset_time_duration": m.reset_secs(),
                });
                (format!("act_{id}"), v)
            })
            .collect();
        Value::Object(accounts)
    }
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &Value) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(name, v);
    }
}

/// Writes the usage headers of an answer about `account` (None: not an ad-account path,
/// so each business shows its busiest account). `regain` overrides
/// `estimated_time_to_regain_access` (a rate-limit fault's `regain_minutes`).
pub fn write_headers(
    s: &AppState,
    account: Option<&MetaAdAccount>,
    regain: Option<u64>,
    headers: &mut HeaderMap,
) {
    let now_ms = s.clock.now_ms();
    let usage = crate::state::lock(&s.meta.usage);
    match account {
        Some(a) => {
            let m = usage.meter(&a.id, now_ms);
            insert(headers, "x-ad-account-usage", &m.ad_account_header());
            insert(
                headers,
                "x-business-use-case-usage",
                &json!({ a.business_id.clone(): [m.buc_entry(regain)] }),
            );
        }
        None => {
            let mut busiest: BTreeMap<&str, Meter> = BTreeMap::new();
            for a in &s.meta.cfg.ad_accounts {
                let m = usage.meter(&a.id, now_ms);
                let e = busiest.entry(a.business_id.as_str()).or_insert(m);
                if m.basis_points() > e.basis_points() {
                    *e = m;
                }
            }
            let buc: serde_json::Map<String, Value> = busiest
                .into_iter()
                .map(|(b, m)| (b.to_string(), json!([m.buc_entry(regain)])))
                .collect();
            insert(headers, "x-business-use-case-usage", &Value::Object(buc));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_windows() {
        let cfg = MetaConfig {
            calls_per_hour: 4,
            ..MetaConfig::default()
        };
        let mut u = Usage::new(&cfg);
        let id = "1010000000001";
        let t0 = 10 * HOUR_MS + 30 * 60_000;
        assert_eq!(u.meter(id, t0).reset_secs(), 0);
        for _ in 0..3 {
            assert!(u.charge(id, t0));
        }
        let m = u.meter(id, t0);
        assert_eq!(
            (m.util_pct(), m.reset_secs(), m.regain_minutes()),
            (75.0, 1800, 0)
        );
        assert!(u.charge(id, t0));
        assert_eq!(u.meter(id, t0 + 1).regain_minutes(), 30);
        assert!(!u.charge(id, t0 + 1), "the fifth call of the hour");
        assert!(u.charge(id, 11 * HOUR_MS), "a new hour");
        assert_eq!(u.meter(id, 11 * HOUR_MS).util_pct(), 25.0);
        let buc = u.meter(id, 11 * HOUR_MS).buc_entry(None);
        assert_eq!(
            (buc["call_count"].as_u64(), buc["total_cputime"].as_u64()),
            (Some(25), Some(23))
        );
        assert!(u.set_budget(id, 0, 11 * HOUR_MS));
        assert!((0..100).all(|_| u.charge(id, 11 * HOUR_MS)), "0 = no limit");
        assert_eq!(u.view(11 * HOUR_MS)[format!("act_{id}")]["throttled"], 1);
    }
}
