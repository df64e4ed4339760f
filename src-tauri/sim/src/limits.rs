//! Limits on requests in flight and on request rates that sit outside the provider
//! gates (so they also cover the latency wait): GitHub's secondary limits per token
//! (`secondary_concurrency` in flight, and `secondary_points_per_minute` per endpoint
//! on a sliding sim-clock minute, a GET costing 1: GitHub's "no more than 900 points per
//! minute ... to a single endpoint") answered as GitHub does (403, its
//! secondary-limit message, `retry-after`), and GA4's concurrent runReport calls per
//! property (429 RESOURCE_EXHAUSTED). Stripe's per-key rate is in `stripe/gate.rs`,
//! GA4 tokens and Search Console's per-site QPM in `google/quota.rs`. All are off
//! unless configured, except those that were on before.

use std::collections::{HashMap, VecDeque};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::github::auth::Caller;
use crate::google::errors::GoogleError;
use crate::google::Product;
use crate::providers::{api_of, Api};
use crate::state::{lock, AppState};
use crate::stats::RateLimited;

const MINUTE_MS: i64 = 60_000;

/// GitHub's secondary-limit knobs, fixed at start.
#[derive(Clone, Copy, Debug)]
pub struct Secondary {
    pub concurrency: u32,
    pub points_per_minute: u32,
}

#[derive(Default)]
pub struct Limits {
    /// Requests in flight per limited key (a GitHub token, a GA4 property).
    in_flight: HashMap<String, u32>,
    /// Per GitHub caller and endpoint: sim-clock ms of the points spent in the last minute.
    points: HashMap<String, VecDeque<i64>>,
}

/// What to do with one request.
enum Verdict {
    Pass,
    /// Admitted, and counted in flight under this key until it leaves.
    Hold(String),
    /// Refused; wait this many seconds.
    Refuse(u64),
}

impl Limits {
    /// GitHub: the token's concurrency cap first, then the endpoint's points window
    /// (`endpoint` is a route key; `free` requests spend no points).
    fn github(
        &mut self,
        caller: &str,
        endpoint: &str,
        limits: Secondary,
        free: bool,
        now_ms: i64,
    ) -> Verdict {
        let (concurrency, points) = (limits.concurrency, limits.points_per_minute);
        let key = format!("github:{caller}");
        if concurrency > 0 && self.in_flight.get(&key).copied().unwrap_or(0) >= concurrency {
            return Verdict::Refuse(1);
        }
        if points > 0 && !free {
            let spent = self.points.entry(format!("{key} {endpoint}")).or_default();
            while spent.front().is_some_and(|t| *t <= now_ms - MINUTE_MS) {
                spent.pop_front();
            }
            if spent.len() >= points as usize {
                let oldest = spent.front().copied().unwrap_or(now_ms);
                let wait_ms = (oldest + MINUTE_MS - now_ms).max(1);
                return Verdict::Refuse((wait_ms as u64).div_ceil(1000));
            }
            spent.push_back(now_ms);
        }
        self.hold(key, concurrency)
    }

    fn ga4(&mut self, property: &str, concurrency: u32) -> Verdict {
        let key = format!("ga4:{property}");
        if concurrency > 0 && self.in_flight.get(&key).copied().unwrap_or(0) >= concurrency {
            return Verdict::Refuse(1);
        }
        self.hold(key, concurrency)
    }

    fn hold(&mut self, key: String, concurrency: u32) -> Verdict {
        if concurrency == 0 {
            return Verdict::Pass;
        }
        *self.in_flight.entry(key.clone()).or_default() += 1;
        Verdict::Hold(key)
    }

    fn leave(&mut self, key: &str) {
        if let Some(n) = self.in_flight.get_mut(key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.in_flight.remove(key);
            }
        }
    }
}

/// Releases a concurrency slot however the request ends.
struct Slot {
    state: AppState,
    key: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        lock(&self.state.limits).leave(&self.key);
    }
}

/// The token GitHub would count against: the credential as sent (anonymous callers
/// share one budget here, as they share an IP on loopback).
fn github_caller(req: &Request) -> String {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .map(|(_, token)| token.trim().to_string())
        .unwrap_or_default()
}

pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let verdict = match api_of(&path) {
        Some(Api::Github) => {
            let g = s.secondary;
            if g.concurrency == 0 && g.points_per_minute == 0 {
                Verdict::Pass
            } else {
                let caller = github_caller(&req);
                let endpoint = crate::stats::route_key(&path);
                let now_ms = s.clock.now_ms();
                let free = path == "/rate_limit";
                lock(&s.limits).github(&caller, &endpoint, g, free, now_ms)
            }
        }
        Some(Api::Google) => match ga4_property(&path).and_then(|p| s.google.property(p)) {
            Some(prop) if prop.concurrent_requests > 0 => {
                lock(&s.limits).ga4(&prop.id, prop.concurrent_requests)
            }
            _ => Verdict::Pass,
        },
        _ => Verdict::Pass,
    };
    match verdict {
        Verdict::Pass => next.run(req).await,
        Verdict::Hold(key) => {
            let _slot = Slot {
                state: s.clone(),
                key,
            };
            next.run(req).await
        }
        Verdict::Refuse(wait) if api_of(&path) == Some(Api::Github) => github_refusal(&s, &req, wait),
        Verdict::Refuse(_) => ga4_refusal(&s, req).await,
    }
}

/// `/v1beta/properties/{id}:runReport` → id.
fn ga4_property(path: &str) -> Option<&str> {
    path.strip_prefix("/v1beta/properties/")?
        .strip_suffix(":runReport")
}

fn github_refusal(s: &AppState, req: &Request, wait: u64) -> Response {
    let mut resp = crate::github::errors::secondary_limit(StatusCode::FORBIDDEN);
    // GitHub answers always carry the caller's primary quota, unspent here.
    let now = s.clock.now();
    let quota = {
        let auth = lock(&s.github_auth);
        let caller = auth.identify(req.headers(), now).unwrap_or(Caller::Anonymous);
        auth.peek(&caller, now)
    };
    quota.write_headers(resp.headers_mut());
    resp.headers_mut().insert("retry-after", HeaderValue::from(wait));
    resp.extensions_mut().insert(RateLimited);
    resp
}

/// GA4's answer, logged like every Google request so a test sees the refusal.
async fn ga4_refusal(s: &AppState, req: Request) -> Response {
    let (parts, bytes) = crate::google::log::buffer(req).await;
    let seq = crate::google::log::entry(&parts, &bytes, None).map(|e| lock(&s.google.log).push(e));
    let resp = GoogleError::new(
        Product::Ga4,
        429,
        "Exhausted concurrent requests quota for the property. Wait for a request to finish before \
         starting another. To learn more, see \
         https://developers.google.com/analytics/devguides/reporting/data/v1/quotas",
    )
    .into_response();
    if let Some(seq) = seq {
        lock(&s.google.log).finish(seq, 429);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(v: &Verdict) -> Option<u64> {
        match v {
            Verdict::Refuse(w) => Some(*w),
            _ => None,
        }
    }

    #[test]
    fn github_points_slide_with_the_clock_and_slots_free_up() {
        let points = Secondary {
            concurrency: 0,
            points_per_minute: 3,
        };
        let mut l = Limits::default();
        for t in 0..3 {
            assert!(refused(&l.github("t", "/a", points, false, t * 1_000)).is_none());
        }
        // The 4th in the same minute waits until the first point is a minute old.
        assert_eq!(refused(&l.github("t", "/a", points, false, 10_000)), Some(50));
        assert!(
            refused(&l.github("t", "/a", points, true, 10_000)).is_none(),
            "free"
        );
        assert!(
            refused(&l.github("t", "/b", points, false, 10_000)).is_none(),
            "per endpoint"
        );
        assert!(
            refused(&l.github("other", "/a", points, false, 10_000)).is_none(),
            "per token"
        );
        assert!(refused(&l.github("t", "/a", points, false, 60_000)).is_none());

        let two = Secondary {
            concurrency: 2,
            points_per_minute: 0,
        };
        let a = l.github("c", "/a", two, false, 0);
        let _b = l.github("c", "/b", two, false, 0);
        assert_eq!(
            refused(&l.github("c", "/c", two, false, 0)),
            Some(1),
            "across endpoints"
        );
        if let Verdict::Hold(key) = a {
            l.leave(&key);
        }
        assert!(refused(&l.github("c", "/a", two, false, 0)).is_none());
        assert!(matches!(l.ga4("p", 0), Verdict::Pass));
    }
}
