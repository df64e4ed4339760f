//! Request counters for `/_sim/truth` ("requests"): lets tests assert how
//! many calls a sync made, and that 304s were used.

use std::collections::BTreeMap;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use crate::state::{lock, AppState};

#[derive(Default, Serialize)]
pub struct Stats {
    pub total: u64,
    pub not_modified: u64,
    pub by_route: BTreeMap<String, u64>,
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
        _ => format!("/{}", segs.join("/")),
    }
}

pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    {
        // Counted on arrival, so a request held by a `timeout` fault shows up at once.
        let mut stats = lock(&s.stats);
        stats.total += 1;
        *stats.by_route.entry(route_key(path)).or_default() += 1;
    }
    let resp = next.run(req).await;
    if resp.status() == StatusCode::NOT_MODIFIED {
        lock(&s.stats).not_modified += 1;
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::route_key;

    #[test]
    fn keys() {
        assert_eq!(route_key("/v1/charges"), "/v1/charges");
        assert_eq!(route_key("/v1/charges/ch_1"), "/v1/charges/{id}");
        assert_eq!(route_key("/repos/a/b/issues"), "/repos/a/b/issues");
        assert_eq!(route_key("/repos/a/b/issues/7"), "/repos/a/b/issues/{number}");
        assert_eq!(route_key("/rate_limit"), "/rate_limit");
    }
}
