//! `/_sim/stripe/…`: mutations for tests and demo mode (no auth).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::model::CUSTOMER;
use super::mutate::{currency, Failure, NewSubscription};
use crate::control::{parse_body, ControlError};
use crate::ids::decode;
use crate::state::{lock, write, AppState};

type Reply = Result<Response, ControlError>;

const MAX_AMOUNT: i64 = 99_999_999;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/charges", post(create_charge))
        .route("/charges/{id}/refund", post(refund_charge))
        .route("/customers", post(create_customer))
        .route("/customers/{id}", post(update_customer))
        .route("/subscriptions", post(create_subscription))
        .route("/subscriptions/{id}", post(update_subscription))
        .route("/subscriptions/{id}/cancel", post(cancel_subscription))
        .route("/invoices/{id}/pay", post(pay_invoice))
        .route("/keys/revoke", post(revoke_key))
}

fn failed((status, message): Failure) -> ControlError {
    ControlError::new(status, message)
}

fn ok<T: serde::Serialize>(value: &T) -> Reply {
    Ok(Json(value).into_response())
}

fn want_currency(code: &str) -> Result<&'static str, ControlError> {
    currency(code).ok_or_else(|| ControlError::new(400, format!("Unsupported currency: {code}")))
}

/// A customer id that must exist.
fn existing_customer(s: &AppState, id: &str) -> Result<u64, ControlError> {
    decode(CUSTOMER, id)
        .filter(|i| *i < crate::state::read(&s.stripe).customers.len())
        .ok_or_else(|| ControlError::new(404, format!("No such customer: '{id}'")))
}

#[derive(Deserialize, Default)]
struct NewCharge {
    amount: i64,
    currency: String,
    customer: Option<String>,
    status: Option<String>,
}

async fn create_charge(State(s): State<AppState>, body: Bytes) -> Reply {
    let req: NewCharge = parse_body(&body)?;
    // Stripe's own ceiling; also keeps fee arithmetic far from overflow.
    if !(1..=MAX_AMOUNT).contains(&req.amount) {
        return Err(ControlError::new(
            400,
            format!("amount must be between 1 and {MAX_AMOUNT}"),
        ));
    }
    let cur = want_currency(&req.currency)?;
    let status = match req.status.as_deref().unwrap_or("succeeded") {
        "succeeded" => "succeeded",
        "failed" => "failed",
        "pending" => "pending",
        other => return Err(ControlError::new(400, format!("Unsupported status: {other}"))),
    };
    let customer = req
        .customer
        .as_deref()
        .map(|id| existing_customer(&s, id))
        .transpose()?;
    let now = s.clock.now();
    let charge = write(&s.stripe).create_charge(now, req.amount, cur, customer, status);
    ok(&charge)
}

#[derive(Deserialize, Default)]
struct Refund {
    amount: Option<i64>,
}

async fn refund_charge(State(s): State<AppState>, Path(id): Path<String>, body: Bytes) -> Reply {
    let req: Refund = parse_body(&body)?;
    let now = s.clock.now();
    let charge = write(&s.stripe)
        .refund_charge(now, &id, req.amount)
        .map_err(failed)?;
    ok(&charge)
}

#[derive(Deserialize, Default)]
struct CustomerFields {
    name: Option<String>,
    email: Option<String>,
}

async fn create_customer(State(s): State<AppState>, body: Bytes) -> Reply {
    let req: CustomerFields = parse_body(&body)?;
    let now = s.clock.now();
    let customer = write(&s.stripe).create_customer(now, req.name, req.email);
    ok(&customer)
}

async fn update_customer(State(s): State<AppState>, Path(id): Path<String>, body: Bytes) -> Reply {
    let req: CustomerFields = parse_body(&body)?;
    let now = s.clock.now();
    let customer = write(&s.stripe)
        .update_customer(now, &id, req.name, req.email)
        .map_err(failed)?;
    ok(&customer)
}

#[derive(Deserialize, Default)]
struct SubscriptionFields {
    customer: String,
    unit_amount: i64,
    currency: String,
    interval: String,
    interval_count: Option<u32>,
}

async fn create_subscription(State(s): State<AppState>, body: Bytes) -> Reply {
    let req: SubscriptionFields = parse_body(&body)?;
    let customer = existing_customer(&s, &req.customer)?;
    let interval = match req.interval.as_str() {
        "day" => "day",
        "week" => "week",
        "month" => "month",
        "year" => "year",
        other => return Err(ControlError::new(400, format!("Unsupported interval: {other}"))),
    };
    if !(0..=MAX_AMOUNT).contains(&req.unit_amount) {
        return Err(ControlError::new(
            400,
            format!("unit_amount must be between 0 and {MAX_AMOUNT}"),
        ));
    }
    let new = NewSubscription {
        customer,
        unit_amount: req.unit_amount,
        currency: want_currency(&req.currency)?,
        interval,
        interval_count: req.interval_count.unwrap_or(1).max(1),
    };
    let now = s.clock.now();
    let sub = write(&s.stripe).create_subscription(now, new);
    ok(&sub)
}

#[derive(Deserialize, Default)]
struct SubscriptionUpdate {
    quantity: Option<u32>,
    cancel_at_period_end: Option<bool>,
}

async fn update_subscription(State(s): State<AppState>, Path(id): Path<String>, body: Bytes) -> Reply {
    let req: SubscriptionUpdate = parse_body(&body)?;
    let now = s.clock.now();
    let mut st = write(&s.stripe);
    let sub = st
        .update_subscription(now, &id, req.quantity, req.cancel_at_period_end)
        .map_err(failed)?;
    ok(&sub)
}

async fn cancel_subscription(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let now = s.clock.now();
    let sub = write(&s.stripe).cancel_subscription(now, &id).map_err(failed)?;
    ok(&sub)
}

async fn pay_invoice(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let now = s.clock.now();
    let invoice = write(&s.stripe).pay_invoice(now, &id).map_err(failed)?;
    ok(&invoice)
}

#[derive(Deserialize, Default)]
struct Key {
    key: String,
}

async fn revoke_key(State(s): State<AppState>, body: Bytes) -> Reply {
    let req: Key = parse_body(&body)?;
    lock(&s.stripe_auth).revoke(&req.key);
    Ok(Json(serde_json::json!({"revoked": req.key})).into_response())
}
