//! `/_sim/…`: the control API (no auth): faults, clock, ground truth, and the
//! Stripe/GitHub mutation routers.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::faults::FaultSpec;
use crate::query::Query;
use crate::state::{lock, read, AppState};

/// `{"error": message}` with a status.
#[derive(Debug)]
pub struct ControlError(StatusCode, String);

impl ControlError {
    pub fn new(status: u16, message: impl Into<String>) -> ControlError {
        ControlError(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            message.into(),
        )
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

/// JSON body; an empty body counts as `{}` so body-less POSTs work.
pub fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ControlError> {
    let text = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        &body[..]
    };
    serde_json::from_slice(text).map_err(|e| ControlError::new(400, format!("Invalid JSON body: {e}")))
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/clock", get(clock).post(set_clock))
        .route("/truth", get(truth))
        .route("/truth/ids", get(truth_ids))
        .nest("/stripe", crate::stripe::control::router())
        .nest("/github", crate::github::control::router())
        .nest("/google", crate::google::control::router())
        .nest("/oauth", crate::oauth::control_router())
        .fallback(|| async { ControlError::new(404, "Unknown control route") })
        .with_state(state)
}

async fn list_faults(State(s): State<AppState>) -> Response {
    Json(lock(&s.faults).list()).into_response()
}

async fn add_fault(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let spec: FaultSpec = parse_body(&body)?;
    let id = lock(&s.faults).add(spec);
    Ok(Json(json!({"id": id})).into_response())
}

async fn clear_faults(State(s): State<AppState>) -> Response {
    lock(&s.faults).clear();
    Json(json!({"cleared": true})).into_response()
}

async fn clock(State(s): State<AppState>) -> Response {
    Json(json!({"now": s.clock.now()})).into_response()
}

#[derive(Deserialize)]
struct ClockChange {
    now: Option<i64>,
    advance: Option<i64>,
}

async fn set_clock(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let change: ClockChange = parse_body(&body)?;
    // Years 1970..=9999 keep every timestamp formattable and sums overflow-free.
    let valid = 0..=253_402_300_799i64;
    let now = match (change.now, change.advance) {
        (Some(now), None) if valid.contains(&now) => s.clock.set(now),
        (None, Some(secs)) if valid.contains(&s.clock.now().saturating_add(secs)) => s.clock.advance(secs),
        (Some(_), None) | (None, Some(_)) => return Err(ControlError::new(400, "clock out of range")),
        _ => {
            return Err(ControlError::new(
                400,
                "Give exactly one of \"now\" or \"advance\"",
            ))
        }
    };
    Ok(Json(json!({"now": now})).into_response())
}

async fn truth(State(s): State<AppState>) -> Response {
    let now = s.clock.now();
    let stripe = crate::stripe::truth::truth(&read(&s.stripe), now);
    let github = crate::github::truth::truth(&read(&s.github));
    let requests = serde_json::to_value(&*lock(&s.stats)).unwrap_or_default();
    Json(json!({"now": now, "stripe": stripe, "github": github, "requests": requests})).into_response()
}

/// `entity=stripe.charges` or `entity=github.owner/name.issues`.
async fn truth_ids(State(s): State<AppState>, RawQuery(q): RawQuery) -> Result<Response, ControlError> {
    let q = Query::parse(q.as_deref());
    let entity = q.get("entity").unwrap_or_default().to_string();
    let unknown = || ControlError::new(404, format!("Unknown entity: {entity}"));
    if let Some(table) = entity.strip_prefix("stripe.") {
        let ids = crate::stripe::truth::ids(&read(&s.stripe), table, s.clock.now()).ok_or_else(unknown)?;
        return Ok(Json(ids).into_response());
    }
    let (repo, what) = entity
        .strip_prefix("github.")
        .and_then(|e| e.rsplit_once('.'))
        .ok_or_else(unknown)?;
    let ids = crate::github::truth::ids(&read(&s.github), repo, what, &s.base_url).ok_or_else(unknown)?;
    Ok(Json(ids).into_response())
}
