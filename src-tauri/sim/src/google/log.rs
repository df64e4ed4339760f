//! The Google request log (`GET/DELETE /_sim/google/requests`): every Google API request
//! in arrival order, with its parsed body and the headers a sync must get right, so tests
//! can assert what was asked (which days, which pages, `login-customer-id`). Requests a
//! fault answered are logged too, marked with the fault's kind.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use super::classify;
use crate::state::{lock, AppState};

/// Bodies larger than this are logged as null (none of Google's request bodies come close).
const BODY_LIMIT: usize = 16 << 20;

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Logged {
    pub product: &'static str,
    pub account: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Value,
    pub developer_token: bool,
    pub login_customer_id: Option<String>,
    pub status: Option<u16>,
    pub fault: Option<&'static str>,
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

    /// Fills in the status of request `seq` (gone if the log was cleared meanwhile).
    pub fn finish(&mut self, seq: u64, status: u16) {
        if let Ok(i) = self.entries.binary_search_by_key(&seq, |(s, _)| *s) {
            self.entries[i].1.status = Some(status);
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn list(&self) -> Vec<Logged> {
        self.entries.iter().map(|(_, e)| e.clone()).collect()
    }
}

/// The log entry for a Google request, or None for other paths.
pub fn entry(parts: &Parts, body: &[u8], fault: Option<&'static str>) -> Option<Logged> {
    let (product, account) = classify(parts.uri.path())?;
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    };
    Some(Logged {
        product: product.name(),
        account,
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        body: serde_json::from_slice(body).unwrap_or(Value::Null),
        developer_token: header("developer-token").is_some(),
        login_customer_id: header("login-customer-id"),
        status: None,
        fault,
    })
}

/// Buffers a request's body (so it can be logged and still read by the handler).
pub async fn buffer(req: Request) -> (Parts, axum::body::Bytes) {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    (parts, bytes)
}

/// A request that passed through a fault (`delay`, `truncated`, `stream_cut`) carries
/// its kind here, so its log entry says so.
pub use crate::faults::FaultMark;

pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, bytes) = buffer(req).await;
    let fault = parts.extensions.get::<FaultMark>().map(|m| m.0);
    let seq = entry(&parts, &bytes, fault).map(|e| lock(&s.google.log).push(e));
    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    if let Some(seq) = seq {
        lock(&s.google.log).finish(seq, resp.status().as_u16());
    }
    resp
}
