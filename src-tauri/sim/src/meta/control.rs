//! `/_sim/meta/…`: restatements, async-run outcomes, budgets and usage, ground truth and the
//! request log (example JSON in `mod.rs`).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use crate::control::{parse_body, ControlError};
use crate::google::gen::Scale;
use crate::state::{lock, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/restate", post(restate))
        .route("/async", get(runs).post(set_async))
        .route("/budget", post(budget))
        .route("/usage", get(usage))
        .route("/truth", get(super::truth::truth))
        .route("/requests", get(requests).delete(clear_requests))
}

fn known_account(s: &AppState, account: &str) -> Result<String, ControlError> {
    s.meta
        .account(account)
        .map(|a| a.id.clone())
        .ok_or_else(|| ControlError::new(404, format!("No Meta ad account {account}")))
}

#[derive(Deserialize)]
struct Restate {
    account: String,
    date: String,
    percent: i64,
}

/// Scales every metric of one day of one account (all campaigns) by (100 + percent) / 100
/// from now on; repeated restatements of a day compound.
async fn restate(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let r: Restate = parse_body(&body)?;
    let id = known_account(&s, &r.account)?;
    let day = NaiveDate::parse_from_str(&r.date, "%Y-%m-%d")
        .map_err(|_| ControlError::new(400, "date: want YYYY-MM-DD"))?;
    if !(-99..=1000).contains(&r.percent) {
        return Err(ControlError::new(400, "percent must be between -99 and 1000"));
    }
    let mut restated = lock(&s.meta.restated);
    let scale = restated.entry((id.clone(), day)).or_insert(Scale::ONE);
    *scale = scale.times(Scale::percent(r.percent));
    Ok(Json(json!({"account": format!("act_{id}"), "date": r.date, "percent": r.percent})).into_response())
}

#[derive(Deserialize)]
struct AsyncChange {
    fail_min_days: Option<u64>,
    count: Option<u32>,
    stuck: Option<u32>,
}

/// `{"fail_min_days": N, "count": K}` and/or `{"stuck": K}`.
async fn set_async(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let c: AsyncChange = parse_body(&body)?;
    let fail = match (c.fail_min_days, c.count) {
        (Some(days), Some(count)) => Some((days, count)),
        (None, None) => None,
        _ => return Err(ControlError::new(400, "give fail_min_days and count together")),
    };
    if fail.is_none() && c.stuck.is_none() {
        return Err(ControlError::new(
            400,
            "give {\"fail_min_days\": N, \"count\": K} and/or {\"stuck\": K}",
        ));
    }
    lock(&s.meta.runs).configure(fail, c.stuck);
    Ok(runs(State(s)).await)
}

async fn runs(State(s): State<AppState>) -> Response {
    Json(lock(&s.meta.runs).view(s.meta.cfg.async_polls)).into_response()
}

#[derive(Deserialize)]
struct Budget {
    account: String,
    calls_per_hour: u32,
}

async fn budget(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let b: Budget = parse_body(&body)?;
    let id = known_account(&s, &b.account)?;
    lock(&s.meta.usage).set_budget(&id, b.calls_per_hour, s.clock.now_ms());
    Ok(usage(State(s)).await)
}

async fn usage(State(s): State<AppState>) -> Response {
    Json(lock(&s.meta.usage).view(s.clock.now_ms())).into_response()
}

async fn requests(State(s): State<AppState>) -> Response {
    Json(lock(&s.meta.log).list()).into_response()
}

async fn clear_requests(State(s): State<AppState>) -> Response {
    lock(&s.meta.log).clear();
    Json(json!({"cleared": true})).into_response()
}
