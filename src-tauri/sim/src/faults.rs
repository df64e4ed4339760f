//! Injected failures (`/_sim/faults`). A fault matches requests by path
//! prefix, optionally lets the first `after` through, then fires on the next
//! `count` (or all) of them. It sits outside the provider gates, so a faulted
//! request needs no valid key and spends no quota. Google paths are answered in
//! Google's shapes by `google/faults.rs`, Meta's Graph paths in Graph's by `meta/faults.rs`.
//!
//! `echo_secret` and `redirect_secret` hand the request's credential back, as some
//! providers do (a 401 quoting the key; a redirect carrying it in the URL), so a client
//! can be shown to keep such answers out of its logs, errors and storage.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::github::auth::Caller;
use crate::github::errors as gh;
use crate::state::{lock, AppState};
use crate::stripe::errors::StripeError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    RateLimit,
    ServerError,
    BadGateway,
    Delay,
    Timeout,
    Truncated,
    Malformed,
    MissingField,
    Unauthorized,
    PrimaryExhausted,
    PermissionDenied,
    Unavailable,
    /// Google Ads searchStream: `batches` complete batches, then the body ends mid-array.
    StreamCut,
    /// A 401 in the provider's shape whose message quotes the credential verbatim.
    EchoSecret,
    /// A 302 to `http://127.0.0.1:1/elsewhere?key=<credential>&from=<path>`, the body
    /// repeating that URL.
    RedirectSecret,
    /// Meta: 500 code 1 "Please reduce the amount of data you're asking for…" (elsewhere a
    /// plain server error).
    ReduceData,
}

impl FaultKind {
    /// The kind as written in a fault spec (and in request logs).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::RateLimit => "rate_limit",
            FaultKind::ServerError => "server_error",
            FaultKind::BadGateway => "bad_gateway",
            FaultKind::Delay => "delay",
            FaultKind::Timeout => "timeout",
            FaultKind::Truncated => "truncated",
            FaultKind::Malformed => "malformed",
            FaultKind::MissingField => "missing_field",
            FaultKind::Unauthorized => "unauthorized",
            FaultKind::PrimaryExhausted => "primary_exhausted",
            FaultKind::PermissionDenied => "permission_denied",
            FaultKind::Unavailable => "unavailable",
            FaultKind::StreamCut => "stream_cut",
            FaultKind::EchoSecret => "echo_secret",
            FaultKind::RedirectSecret => "redirect_secret",
            FaultKind::ReduceData => "reduce_data",
        }
    }
}

/// A request that passed through a fault (`delay`, `truncated`, …) carries its kind here, so
/// the provider's request log says so.
#[derive(Clone, Copy, Debug)]
pub struct FaultMark(pub &'static str);

/// The kinds a provider's real handler still answers, the same for every provider's shapes:
/// `delay` (then the answer), `missing_field` (marked for the handler), `truncated` and
/// `stream_cut` (a 200 cut in half). `Err` gives the request back for the kinds the provider
/// answers itself.
pub async fn pass_through(mut req: Request, f: &FaultSpec, next: Next) -> Result<Response, (Request, Next)> {
    let name = f.kind.name();
    match f.kind {
        FaultKind::Delay | FaultKind::MissingField => {
            if f.kind == FaultKind::Delay {
                tokio::time::sleep(Duration::from_millis(f.delay_ms.unwrap_or(1_000))).await;
            }
            req.extensions_mut().insert(FaultMark(name));
            Ok(next.run(req).await)
        }
        FaultKind::Truncated | FaultKind::StreamCut => {
            req.extensions_mut().insert(FaultMark(name));
            let resp = next.run(req).await;
            if resp.status() != StatusCode::OK {
                return Ok(resp);
            }
            let (mut parts, body) = resp.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            parts.headers.remove(CONTENT_LENGTH);
            Ok(Response::from_parts(
                parts,
                Body::from(bytes.slice(..bytes.len() / 2)),
            ))
        }
        _ => Err((req, next)),
    }
}

/// `timeout`: no answer at all; the connection is dropped after the fault's delay.
pub async fn dropped(f: &FaultSpec) -> Response {
    tokio::time::sleep(Duration::from_millis(f.delay_ms.unwrap_or(60_000))).await;
    let mut resp = Response::new(Body::empty());
    resp.extensions_mut().insert(DropConnection);
    resp
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FaultSpec {
    pub route: String,
    pub kind: FaultKind,
    pub count: Option<u64>,
    pub after: Option<u64>,
    pub retry_after: Option<u64>,
    pub delay_ms: Option<u64>,
    /// Google Ads `rate_limit`: the quota's `rateScope`, ACCOUNT (default) or DEVELOPER.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `stream_cut`: complete batches sent before the cut (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batches: Option<u64>,
    /// Meta `rate_limit`: the Graph error code, 4, 17, 32, 613 or 80000 (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    /// Meta `rate_limit`: the `error_subcode` (80000 has 2446079 unless given; the others none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subcode: Option<u32>,
    /// Meta `rate_limit`: minutes put in `estimated_time_to_regain_access` (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regain_minutes: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Fault {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Matching requests let through because of `after`.
    pub passed: u64,
    pub fired: u64,
}

#[derive(Default)]
pub struct Faults {
    next_id: u64,
    list: Vec<Fault>,
}

/// Marker on a response: close the connection instead of sending it. The
/// accept loop turns it into a service error, which makes hyper drop the
/// connection without writing anything.
#[derive(Clone, Copy, Debug)]
pub struct DropConnection;

/// Prefix match on whole path segments (`/v1/charges` matches
/// `/v1/charges/ch_1` but not `/v1/charges_x`); Google's `:verb` suffix counts as a
/// boundary (`/v1beta/properties/1` matches `/v1beta/properties/1:runReport`).
fn route_matches(route: &str, path: &str) -> bool {
    match path.strip_prefix(route) {
        Some(rest) => rest.is_empty() || rest.starts_with(['/', ':']) || route.ends_with('/'),
        None => false,
    }
}

impl Faults {
    pub fn add(&mut self, spec: FaultSpec) -> u64 {
        self.next_id += 1;
        self.list.push(Fault {
            id: self.next_id,
            spec,
            passed: 0,
            fired: 0,
        });
        self.next_id
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.list.clone()
    }

    /// The fault to apply to this request, if any (first registered wins),
    /// updating the counters of every fault it passes through.
    fn take(&mut self, path: &str) -> Option<FaultSpec> {
        for f in self
            .list
            .iter_mut()
            .filter(|f| route_matches(&f.spec.route, path))
        {
            if f.spec.count.is_some_and(|c| f.fired >= c) {
                continue;
            }
            if f.passed < f.spec.after.unwrap_or(0) {
                f.passed += 1;
                continue;
            }
            f.fired += 1;
            return Some(f.spec.clone());
        }
        None
    }
}

pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim") {
        return next.run(req).await;
    }
    let Some(f) = lock(&s.faults).take(&path) else {
        return next.run(req).await;
    };
    if let Some((product, _)) = crate::google::classify(&path) {
        return crate::google::faults::apply(s, req, f, product, next).await;
    }
    if crate::meta::is_graph_path(&path) {
        return crate::meta::faults::apply(s, req, f, next).await;
    }
    let stripe = path == "/v1" || path.starts_with("/v1/");
    let retry_after = f.retry_after.unwrap_or(1);
    // GitHub answers always carry quota headers; show the caller's, unspent.
    let quota = {
        let auth = lock(&s.github_auth);
        let now = s.clock.now();
        let caller = auth.identify(req.headers(), now).unwrap_or(Caller::Anonymous);
        auth.peek(&caller, now)
    };
    let github = |mut resp: Response| {
        if !stripe {
            quota.write_headers(resp.headers_mut());
        }
        resp
    };
    match f.kind {
        FaultKind::Delay => {
            tokio::time::sleep(Duration::from_millis(f.delay_ms.unwrap_or(1_000))).await;
            next.run(req).await
        }
        FaultKind::Timeout => dropped(&f).await,
        FaultKind::RateLimit if stripe => {
            with_retry_after(StripeError::rate_limited().into_response(), retry_after)
        }
        FaultKind::RateLimit => limited(with_retry_after(
            github(gh::secondary_limit(StatusCode::FORBIDDEN)),
            retry_after,
        )),
        FaultKind::EchoSecret if stripe => StripeError::auth(
            Some("api_key_invalid"),
            format!("Invalid API Key provided: {}", credential(req.headers())),
        )
        .into_response(),
        FaultKind::EchoSecret => github(gh::bad_credentials_quoting(&credential(req.headers()))),
        FaultKind::RedirectSecret => redirect_with_secret(&credential(req.headers()), &path),
        FaultKind::ServerError | FaultKind::ReduceData if stripe => {
            StripeError::server_error().into_response()
        }
        FaultKind::ServerError | FaultKind::ReduceData => github(gh::server_error()),
        FaultKind::BadGateway => {
            let html = "<html><head><title>502 Bad Gateway</title></head>\
                        <body><h1>502 Bad Gateway</h1></body></html>";
            (StatusCode::BAD_GATEWAY, [(CONTENT_TYPE, "text/html")], html).into_response()
        }
        FaultKind::Unauthorized if stripe => StripeError::auth(
            Some("api_key_expired"),
            "Expired API Key provided: sk_test_****. Your API key has expired.".to_string(),
        )
        .into_response(),
        FaultKind::Unauthorized => github(gh::bad_credentials()),
        FaultKind::PermissionDenied if stripe => StripeError {
            status: StatusCode::FORBIDDEN,
            kind: "invalid_request_error",
            code: None,
            message: "The provided key does not have the required permissions for this endpoint.".to_string(),
            param: None,
        }
        .into_response(),
        FaultKind::PermissionDenied => github(gh::forbidden("Resource not accessible by integration")),
        FaultKind::Unavailable if stripe => StripeError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            kind: "api_error",
            code: None,
            message: "The service is temporarily unavailable.".to_string(),
            param: None,
        }
        .into_response(),
        FaultKind::Unavailable => github(gh::unavailable()),
        FaultKind::PrimaryExhausted if stripe => {
            with_retry_after(StripeError::rate_limited().into_response(), retry_after)
        }
        FaultKind::PrimaryExhausted => {
            let mut resp = gh::primary_exhausted();
            let reset = f.retry_after.map_or(quota.reset, |r| s.clock.now() + r as i64);
            let exhausted = crate::github::auth::Quota {
                used: quota.limit,
                reset,
                ..quota
            };
            exhausted.write_headers(resp.headers_mut());
            limited(resp)
        }
        FaultKind::Malformed => {
            let body = if stripe {
                "{\"object\": \"list\", \"data\": [{\"id\": "
            } else {
                "[{\"id\": 1, \"title\": "
            };
            (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                format!("{body}<html>oops"),
            )
                .into_response()
        }
        FaultKind::Truncated | FaultKind::MissingField | FaultKind::StreamCut => {
            let resp = next.run(req).await;
            if resp.status() != StatusCode::OK {
                return resp;
            }
            let (mut parts, body) = resp.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
            let body = if f.kind != FaultKind::MissingField {
                bytes.slice(..bytes.len() / 2)
            } else {
                strip_first_id(&bytes).into()
            };
            // The body changed: let hyper recompute the length, and don't
            // advertise a validator for content the client never saw whole.
            parts.headers.remove(CONTENT_LENGTH);
            parts.headers.remove(ETAG);
            Response::from_parts(parts, Body::from(body))
        }
    }
}

/// The credential a request carries, verbatim: a bearer token, GitHub's `token …`, or
/// Basic auth's user name (Stripe's `curl -u sk_…:`); empty when there is none.
pub fn credential(headers: &HeaderMap) -> String {
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim();
    if value.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("basic ")) {
        return crate::stripe::gate::api_key(headers).unwrap_or_default();
    }
    value
        .split_once(' ')
        .map_or(value, |(_, token)| token.trim())
        .to_string()
}

/// `redirect_secret`'s answer: the credential in the Location and in the body.
pub fn redirect_with_secret(credential: &str, path: &str) -> Response {
    let key: String = form_urlencoded::byte_serialize(credential.as_bytes()).collect();
    let location = format!("http://127.0.0.1:1/elsewhere?key={key}&from={path}");
    let body = format!(
        "<html><body>Moved to <a href=\"{location}\">{location}</a> (key {credential})</body></html>"
    );
    let mut resp = (StatusCode::FOUND, [(CONTENT_TYPE, "text/html")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp
}

fn limited(mut resp: Response) -> Response {
    resp.extensions_mut().insert(crate::stats::RateLimited);
    resp
}

fn with_retry_after(mut resp: Response, secs: u64) -> Response {
    resp.headers_mut().insert("retry-after", HeaderValue::from(secs));
    resp
}

/// Removes the identifying field of the first object: `id` (or a commit's
/// `sha`, or a star's `user.id`) of `data[0]`, `[0]` or the object itself.
fn strip_first_id(body: &[u8]) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<Value>(body) else {
        return body.to_vec();
    };
    let first = match &mut v {
        Value::Array(items) => items.first_mut(),
        Value::Object(o) if o.get("object").and_then(Value::as_str) == Some("list") => o
            .get_mut("data")
            .and_then(|d| d.as_array_mut())
            .and_then(|d| d.first_mut()),
        other => Some(other),
    };
    if let Some(Value::Object(obj)) = first {
        if obj.remove("id").is_none() && obj.remove("sha").is_none() {
            if let Some(Value::Object(user)) = obj.get_mut("user") {
                user.remove("id");
            }
        }
    }
    serde_json::to_vec(&v).unwrap_or_else(|_| body.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(route: &str, count: Option<u64>, after: Option<u64>) -> FaultSpec {
        FaultSpec {
            route: route.into(),
            kind: FaultKind::ServerError,
            count,
            after,
            retry_after: None,
            delay_ms: None,
            scope: None,
            batches: None,
            code: None,
            subcode: None,
            regain_minutes: None,
        }
    }

    #[test]
    fn after_then_count() {
        let mut f = Faults::default();
        f.add(spec("/v1/charges", Some(2), Some(1)));
        let fired: Vec<bool> = (0..5).map(|_| f.take("/v1/charges/ch_1").is_some()).collect();
        assert_eq!(fired, [false, true, true, false, false]);
        assert!(f.take("/v1/charges_x").is_none());
        assert!(route_matches(
            "/v1beta/properties/1",
            "/v1beta/properties/1:runReport"
        ));
        assert!(!route_matches("/v1beta/properties/1", "/v1beta/properties/12"));
        assert!(f.take("/v1/customers").is_none());
    }

    #[test]
    fn strips_ids() {
        let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
        let out = strip_first_id(br#"{"object":"list","data":[{"id":"a","n":1},{"id":"b"}]}"#);
        assert_eq!(
            parse(&out),
            parse(br#"{"object":"list","data":[{"n":1},{"id":"b"}]}"#)
        );
        let out = strip_first_id(br#"[{"sha":"x","commit":{}}]"#);
        assert_eq!(parse(&out), parse(br#"[{"commit":{}}]"#));
    }
}
