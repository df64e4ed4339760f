//! `/_sim/…`: the control API (no auth): faults, clock, ground truth, and the
//! Stripe/GitHub mutation routers.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::config::{LatencyConfig, ProviderLatency};
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
        .route("/truth/daily", get(truth_daily))
        .route("/truth/ids", get(truth_ids))
        .route("/stats/reset", post(reset_stats))
        .route("/latency", get(latency).post(set_latency))
        .nest("/stripe", crate::stripe::control::router())
        .nest("/github", crate::github::control::router())
        .nest("/google", crate::google::control::router())
        .nest("/meta", crate::meta::control::router())
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

fn clock_view(s: &AppState) -> Response {
    let now_ms = s.clock.now_ms();
    let mut view = json!({"now": now_ms.div_euclid(1000), "now_ms": now_ms, "frozen": s.clock.frozen()});
    if s.clock.is_external() {
        view["external"] = json!(true);
    }
    Json(view).into_response()
}

async fn clock(State(s): State<AppState>) -> Response {
    clock_view(&s)
}

#[derive(Deserialize)]
struct ClockChange {
    now: Option<i64>,
    advance: Option<i64>,
    /// Stop (true) or restart (false) the clock; combines with `now`/`advance`.
    freeze: Option<bool>,
}

async fn set_clock(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let change: ClockChange = parse_body(&body)?;
    if s.clock.is_external() {
        return Err(ControlError::new(
            409,
            "This sim reads its caller's clock (provider_sim::start_with_clock): move that clock instead",
        ));
    }
    // Years 1970..=9999 keep every timestamp formattable and sums overflow-free.
    let valid = 0..=253_402_300_799i64;
    let ok = match (change.now, change.advance) {
        (Some(now), None) => valid.contains(&now),
        (None, Some(secs)) => valid.contains(&s.clock.now().saturating_add(secs)),
        (None, None) if change.freeze.is_some() => true,
        _ => {
            return Err(ControlError::new(
                400,
                "Give exactly one of \"now\" or \"advance\" (and/or \"freeze\")",
            ))
        }
    };
    if !ok {
        return Err(ControlError::new(400, "clock out of range"));
    }
    if let Some(frozen) = change.freeze {
        s.clock.freeze(frozen);
    }
    if let Some(now) = change.now {
        s.clock.set(now);
    }
    if let Some(secs) = change.advance {
        s.clock.advance(secs);
    }
    Ok(clock_view(&s))
}

async fn reset_stats(State(s): State<AppState>) -> Response {
    lock(&s.stats).reset();
    Json(json!({"reset": true})).into_response()
}

async fn latency(State(s): State<AppState>) -> Response {
    Json(s.latency.view()).into_response()
}

/// `{"provider", "base_ms"?, "per_object_us"?, "jitter_pct"?}` (missing fields keep the
/// provider's current value, or its realistic default when it had none), `{"off": true,
/// "provider"?}`, or `{"realistic": true}`.
#[derive(Deserialize)]
struct LatencyChange {
    provider: Option<String>,
    base_ms: Option<u64>,
    per_object_us: Option<u64>,
    jitter_pct: Option<u32>,
    #[serde(default)]
    off: bool,
    #[serde(default)]
    realistic: bool,
}

async fn set_latency(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let c: LatencyChange = parse_body(&body)?;
    let known = s
        .latency
        .update(|cfg| match (c.off, c.realistic, c.provider.as_deref()) {
            (true, false, None) => {
                *cfg = LatencyConfig::default();
                true
            }
            (false, true, None) => {
                *cfg = LatencyConfig::realistic();
                true
            }
            (true, false, Some(p)) => cfg.set(p, None),
            (false, false, Some(p)) => {
                let base = match p {
                    "stripe" => cfg.stripe.unwrap_or(ProviderLatency::STRIPE),
                    "github" => cfg.github.unwrap_or(ProviderLatency::GITHUB),
                    "google" => cfg.google.unwrap_or(ProviderLatency::GOOGLE),
                    "meta" => cfg.meta.unwrap_or(ProviderLatency::META),
                    _ => return false,
                };
                cfg.set(
                    p,
                    Some(ProviderLatency {
                        base_ms: c.base_ms.unwrap_or(base.base_ms),
                        per_object_us: c.per_object_us.unwrap_or(base.per_object_us),
                        jitter_pct: c.jitter_pct.unwrap_or(base.jitter_pct).min(100),
                    }),
                )
            }
            _ => false,
        });
    if !known {
        return Err(ControlError::new(
            400,
            "Give {\"provider\": stripe|github|google|meta, base_ms, per_object_us, jitter_pct}, \
             {\"off\": true} (optionally with a provider) or {\"realistic\": true}",
        ));
    }
    Ok(Json(s.latency.view()).into_response())
}

async fn truth_daily(State(s): State<AppState>, RawQuery(q): RawQuery) -> Result<Response, ControlError> {
    let q = Query::parse(q.as_deref());
    let days =
        crate::truth_daily::Days::parse(q.get("from"), q.get("to")).map_err(|e| ControlError::new(400, e))?;
    let stripe = crate::stripe::daily::daily(&read(&s.stripe), days);
    let github = crate::github::daily::daily(&read(&s.github), days);
    Ok(Json(json!({"stripe": stripe, "github": github})).into_response())
}

async fn truth(State(s): State<AppState>) -> Response {
    let now = s.clock.now();
    let stripe = crate::stripe::truth::truth(&read(&s.stripe), now);
    let github = crate::github::truth::truth(&read(&s.github));
    let requests = lock(&s.stats).view();
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
