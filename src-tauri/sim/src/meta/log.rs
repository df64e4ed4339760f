//! The Graph request log (`GET/DELETE /_sim/meta/requests`): every Graph request in arrival
//! order — method, path, ad account, the `time_range` asked for, whether it started an async
//! run, the status and the Graph error code — so tests can assert what a sync asked for (which
//! days, how it split a failed run, that it waited after an 80000). Requests a fault answered
//! are logged too, marked with the fault's kind. This layer also collects the call's
//! parameters (`Params`) once, for the gate and the handlers.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::errors::GraphCode;
use super::params::Params;
use crate::faults::FaultMark;
use crate::state::{lock, AppState};

/// Bodies larger than this are not read (no Graph request body comes close).
const BODY_LIMIT: usize = 16 << 20;

#[derive(Clone, Debug, Serialize)]
pub struct Logged {
    pub method: String,
    pub path: String,
    /// `act_…`: the path's ad account, or the account of the report run it names.
    pub account: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// A POST to an insights edge (an async report run).
    #[serde(rename = "async")]
    pub is_async: bool,
    pub status: Option<u16>,
    pub error_code: Option<u32>,
    pub error_subcode: Option<u32>,
    pub fault: Option<&'static str>,
    /// Sim-clock Unix seconds at arrival.
    pub at: i64,
}

#[derive(Default)]
pub struct RequestLog {
    next: u64,
    entries: Vec<(u64, Logged)>,
}

impl RequestLog {
    pub fn push(&mut self, entry: Logged) -> u64 {
        self.next += 1;
        self.entries.push((self.next, entry));
        self.next
    }

    /// Fills in how request `seq` ended (gone if the log was cleared meanwhile).
    pub fn finish(&mut self, seq: u64, resp: &Response) {
        if let Ok(i) = self.entries.binary_search_by_key(&seq, |(s, _)| *s) {
            let e = &mut self.entries[i].1;
            e.status = Some(resp.status().as_u16());
            if let Some(GraphCode(code, sub)) = resp.extensions().get::<GraphCode>() {
                e.error_code = Some(*code);
                e.error_subcode = *sub;
            }
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn list(&self) -> Vec<Logged> {
        self.entries.iter().map(|(_, e)| e.clone()).collect()
    }
}

/// Reads a request's body and parameters, so both can be logged and still used.
pub async fn buffer(req: Request) -> (Parts, axum::body::Bytes, Params) {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let content_type = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let params = Params::collect(parts.uri.query(), content_type, &bytes);
    (parts, bytes, params)
}

pub fn entry(s: &AppState, parts: &Parts, p: &Params, fault: Option<&'static str>) -> Logged {
    let path = parts.uri.path();
    let node = path
        .split('/')
        .filter(|x| !x.is_empty())
        .nth(1)
        .unwrap_or_default();
    let account = if node.starts_with("act_") {
        Some(node.to_string())
    } else {
        s.meta.account_of_path(path).map(|a| format!("act_{}", a.id))
    };
    let (since, until) = p.time_range();
    Logged {
        method: parts.method.to_string(),
        path: path.to_string(),
        account,
        since,
        until,
        is_async: parts.method == axum::http::Method::POST && path.ends_with("/insights"),
        status: None,
        error_code: None,
        error_subcode: None,
        fault,
        at: s.clock.now(),
    }
}

pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, bytes, params) = buffer(req).await;
    let fault = parts.extensions.get::<FaultMark>().map(|m| m.0);
    let seq = lock(&s.meta.log).push(entry(&s, &parts, &params, fault));
    parts.extensions.insert(params);
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    lock(&s.meta.log).finish(seq, &resp);
    resp
}
