//! `/_sim/google/…`: restatements, GA4 quota settings, ground truth and the request log.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::body::iso_date;
use super::gen::Scale;
use super::Product;
use crate::control::{parse_body, ControlError};
use crate::query::Query;
use crate::state::{lock, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/restate", post(restate))
        .route("/ga4/quota", get(ga4_quota).post(set_ga4_quota))
        .route("/truth", get(super::truth::truth))
        .route("/requests", get(requests).delete(clear_requests))
}

#[derive(Deserialize)]
struct Restate {
    product: String,
    account: String,
    date: String,
    percent: i64,
}

/// Scales every metric of one day of one account by (100 + percent) / 100 from now on;
/// repeated restatements of a day compound.
async fn restate(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let r: Restate = parse_body(&body)?;
    let product = Product::parse(&r.product)
        .ok_or_else(|| ControlError::new(400, "product must be ga4, search_console or google_ads"))?;
    let g = &s.google;
    let known = match product {
        Product::Ga4 => g.property(&r.account).is_some(),
        Product::SearchConsole => g.site(&r.account).is_some(),
        Product::Ads => g.customer(&r.account).is_some(),
    };
    if !known {
        return Err(ControlError::new(
            404,
            format!("No {} account {}", r.product, r.account),
        ));
    }
    let day = iso_date(&r.date).ok_or_else(|| ControlError::new(400, "date: want YYYY-MM-DD"))?;
    if !(-99..=1000).contains(&r.percent) {
        return Err(ControlError::new(400, "percent must be between -99 and 1000"));
    }
    let mut live = lock(&g.live);
    let scale = live
        .restated
        .entry((product, r.account.clone(), day))
        .or_insert(Scale::ONE);
    *scale = scale.times(Scale::percent(r.percent));
    Ok(
        Json(json!({"product": r.product, "account": r.account, "date": r.date, "percent": r.percent}))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct QuotaChange {
    property: String,
    tokens_per_hour: Option<u32>,
    tokens_per_day: Option<u32>,
}

/// New token limits for one property; its consumption starts again from zero.
async fn set_ga4_quota(State(s): State<AppState>, body: Bytes) -> Result<Response, ControlError> {
    let change: QuotaChange = parse_body(&body)?;
    let prop = s
        .google
        .property(&change.property)
        .ok_or_else(|| ControlError::new(404, format!("No GA4 property {}", change.property)))?;
    let view = lock(&s.google.live).quotas.ga4_set(
        prop,
        s.clock.now(),
        change.tokens_per_hour,
        change.tokens_per_day,
    );
    Ok(Json(view).into_response())
}

async fn ga4_quota(State(s): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ControlError> {
    let q = Query::parse(raw.as_deref());
    let id = q.get("property").unwrap_or_default();
    let prop = s
        .google
        .property(id)
        .ok_or_else(|| ControlError::new(404, format!("No GA4 property {id}")))?;
    let view = lock(&s.google.live).quotas.ga4_view(prop, s.clock.now());
    Ok(Json(view).into_response())
}

async fn requests(State(s): State<AppState>) -> Response {
    Json(lock(&s.google.log).list()).into_response()
}

async fn clear_requests(State(s): State<AppState>) -> Response {
    lock(&s.google.log).clear();
    Json(json!({"cleared": true})).into_response()
}
