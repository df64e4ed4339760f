//! Request counters for `/_sim/truth` ("requests"): lets tests assert how many calls a
//! sync made, that 304s were used, how many requests were in flight at once, when each
//! arrived (for pacing checks) and that no answer was a rate limit.
//!
//! This is the outermost layer, so "in flight" runs from arrival to the response
//! being handed back, including time held by `delay`/`timeout` faults, by latency and
//! by the provider handlers. A request the client abandons leaves through `Drop`.

use std::collections::{BTreeMap, HashMap, VecDeque};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};

use crate::state::{lock, AppState};

/// Arrival times kept per route: enough to check pacing over a long sync.
pub const ARRIVALS_KEPT: usize = 10_000;

/// Marks an answer as a rate-limit refusal that is not a 429 (GitHub's 403s), so
/// `rate_limited` counts it.
#[derive(Clone, Copy, Debug)]
pub struct RateLimited;

#[derive(Default)]
pub struct Stats {
    total: u64,
    not_modified: u64,
    by_route: BTreeMap<String, u64>,
    rate_limited: u64,
    rate_limited_by_route: BTreeMap<String, u64>,
    in_flight: u64,
    in_flight_max: u64,
    route_in_flight: HashMap<String, u64>,
    in_flight_max_by_route: BTreeMap<String, u64>,
    /// Sim-clock ms of the last `ARRIVALS_KEPT` arrivals, per route.
    arrivals: BTreeMap<String, VecDeque<i64>>,
}

impl Stats {
    fn arrive(&mut self, route: &str, at_ms: i64) {
        self.total += 1;
        *self.by_route.entry(route.to_string()).or_default() += 1;
        self.in_flight += 1;
        self.in_flight_max = self.in_flight_max.max(self.in_flight);
        let now = self.route_in_flight.entry(route.to_string()).or_default();
        *now += 1;
        let now = *now;
        let max = self.in_flight_max_by_route.entry(route.to_string()).or_default();
        *max = (*max).max(now);
        let times = self.arrivals.entry(route.to_string()).or_default();
        if times.len() == ARRIVALS_KEPT {
            times.pop_front();
        }
        times.push_back(at_ms);
    }

    fn leave(&mut self, route: &str) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if let Some(n) = self.route_in_flight.get_mut(route) {
            *n = n.saturating_sub(1);
        }
    }

    fn answered(&mut self, route: &str, status: StatusCode, limited: bool) {
        if status == StatusCode::NOT_MODIFIED {
            self.not_modified += 1;
        }
        if limited || status == StatusCode::TOO_MANY_REQUESTS {
            self.rate_limited += 1;
            *self.rate_limited_by_route.entry(route.to_string()).or_default() += 1;
        }
    }

    /// Clears every counter. Requests in flight right now stay counted as in flight
    /// (they will leave), so the maxima restart from them.
    pub fn reset(&mut self) {
        let in_flight = self.in_flight;
        let routes = std::mem::take(&mut self.route_in_flight);
        *self = Stats::default();
        self.in_flight = in_flight;
        self.in_flight_max = in_flight;
        for (route, n) in routes.into_iter().filter(|(_, n)| *n > 0) {
            self.in_flight_max_by_route.insert(route.clone(), n);
            self.route_in_flight.insert(route, n);
        }
    }

    pub fn view(&self) -> Value {
        json!({
            "total": self.total,
            "not_modified": self.not_modified,
            "by_route": self.by_route,
            "rate_limited": self.rate_limited,
            "rate_limited_by_route": self.rate_limited_by_route,
            "in_flight": self.in_flight,
            "in_flight_max": self.in_flight_max,
            "in_flight_max_by_route": self.in_flight_max_by_route,
            "arrivals": self.arrivals,
        })
    }
}

/// Groups paths by route: object ids and issue numbers become placeholders,
/// repository names stay (per-repo counts are useful).
pub fn route_key(path: &str) -> String {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["v1", kind, _id, rest @ ..] => {
            let mut key = format!("/v1/{kind}/{{id}}");
            rest.iter().for_each(|r| key.push_str(&format!("/{r}")));
            key
        }
        ["repos", owner, repo, kind, _n, ..] => format!("/repos/{owner}/{repo}/{kind}/{{number}}"),
        // Meta's report runs: one route, however many runs.
        [version, run, rest @ ..]
            if crate::meta::is_graph_path(path) && run.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let mut key = format!("/{version}/{{report_run_id}}");
            rest.iter().for_each(|r| key.push_str(&format!("/{r}")));
            key
        }
        _ => format!("/{}", segs.join("/")),
    }
}

/// Takes a request out of "in flight" however it ends, answered or dropped.
struct InFlight {
    state: AppState,
    route: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.state.stats).leave(&self.route);
    }
}

pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    let route = route_key(path);
    // Counted on arrival, so a request held by a `timeout` fault shows up at once.
    let at = s.clock.now_ms();
    lock(&s.stats).arrive(&route, at);
    let guard = InFlight {
        state: s.clone(),
        route,
    };
    let resp = next.run(req).await;
    let limited = resp.extensions().get::<RateLimited>().is_some();
    lock(&s.stats).answered(&guard.route, resp.status(), limited);
    drop(guard);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(route_key("/v1/charges"), "/v1/charges");
        assert_eq!(route_key("/v1/charges/ch_1"), "/v1/charges/{id}");
        assert_eq!(route_key("/repos/a/b/issues"), "/repos/a/b/issues");
        assert_eq!(route_key("/repos/a/b/issues/7"), "/repos/a/b/issues/{number}");
        assert_eq!(route_key("/rate_limit"), "/rate_limit");
        assert_eq!(
            route_key("/v26.0/612000000000001/insights"),
            "/v26.0/{report_run_id}/insights"
        );
        assert_eq!(route_key("/v26.0/act_1/insights"), "/v26.0/act_1/insights");
    }

    #[test]
    fn in_flight_maxima_and_reset() {
        let mut s = Stats::default();
        s.arrive("/a", 1);
        s.arrive("/a", 2);
        s.arrive("/b", 3);
        s.leave("/a");
        s.arrive("/a", 4);
        let v = s.view();
        assert_eq!(v["in_flight_max"], 3);
        assert_eq!(v["in_flight_max_by_route"]["/a"], 2);
        assert_eq!(v["arrivals"]["/a"], json!([1, 2, 4]));
        s.answered("/a", StatusCode::FORBIDDEN, true);
        s.answered("/b", StatusCode::TOO_MANY_REQUESTS, false);
        s.answered("/b", StatusCode::FORBIDDEN, false);
        assert_eq!(s.view()["rate_limited"], 2);
        // Three still in flight ("/a" twice, "/b" once) survive a reset as the new maxima.
        s.reset();
        let v = s.view();
        assert_eq!(
            (v["total"].as_u64(), v["in_flight_max"].as_u64()),
            (Some(0), Some(3))
        );
        assert_eq!(v["in_flight_max_by_route"]["/a"], 2);
        assert_eq!(v["arrivals"], json!({}));
        for r in ["/a", "/a", "/b"] {
            s.leave(r);
        }
        assert_eq!(s.view()["in_flight"], 0);
        for _ in 0..ARRIVALS_KEPT + 5 {
            s.arrive("/c", 9);
        }
        assert_eq!(s.arrivals["/c"].len(), ARRIVALS_KEPT);
    }
}
