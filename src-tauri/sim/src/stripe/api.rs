//! The /v1 read API: lists with cursor pagination and created filters,
//! single-object GETs, balance and account.

use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::json;

use super::errors::StripeError;
use super::gate::gate;
use super::model::*;
use super::store::{StripeStore, EVENT_RETENTION_SECS};
use super::table::Table;
use crate::ids::decode;
use crate::latency::Objects;
use crate::paging::{page, Cursor, Window};
use crate::query::Query;
use crate::state::{read, AppState};

type Reply = Result<Response, StripeError>;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/customers", get(list_customers))
        .route("/customers/{id}", get(get_customer))
        .route("/charges", get(list_charges))
        .route("/charges/{id}", get(get_charge))
        .route("/invoices", get(list_invoices))
        .route("/invoices/{id}", get(get_invoice))
        .route("/subscriptions", get(list_subscriptions))
        .route("/subscriptions/{id}", get(get_subscription))
        .route("/balance_transactions", get(list_txns))
        .route("/balance_transactions/{id}", get(get_txn))
        .route("/events", get(list_events))
        .route("/events/{id}", get(get_event))
        .route("/balance", get(balance))
        .route("/account", get(account))
        .fallback(unknown_route)
        // The sim is read-only on /v1; writes go through /_sim/stripe.
        .method_not_allowed_fallback(unknown_route)
        .layer(from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

#[derive(Serialize)]
struct ListBody<T> {
    object: &'static str,
    url: &'static str,
    has_more: bool,
    data: Vec<T>,
}

struct ListParams {
    limit: usize,
    after: Option<String>,
    before: Option<String>,
    window: Window,
}

fn int_param(q: &Query, key: &str) -> Result<Option<i64>, StripeError> {
    match q.get(key) {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            StripeError::invalid(key, "parameter_invalid_integer", format!("Invalid integer: {v}"))
        }),
    }
}

fn parse_list(q: &Query) -> Result<ListParams, StripeError> {
    let limit = match int_param(q, "limit")? {
        None => 10,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(StripeError::invalid(
                "limit",
                "parameter_invalid_integer",
                format!("This value must be between 1 and 100 (it currently is '{n}')."),
            ))
        }
    };
    let after = q
        .get("starting_after")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let before = q
        .get("ending_before")
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if after.is_some() && before.is_some() {
        return Err(StripeError::invalid(
            "ending_before",
            "parameter_invalid_string",
            "You may only specify one of these parameters: ending_before, starting_after.".to_string(),
        ));
    }
    // Exclusive bounds become inclusive ones on integer seconds.
    let (mut gte, mut lte) = (Vec::new(), Vec::new());
    if let Some(v) = int_param(q, "created")? {
        gte.push(v);
        lte.push(v);
    }
    gte.extend(int_param(q, "created[gte]")?);
    gte.extend(int_param(q, "created[gt]")?.map(|v| v + 1));
    lte.extend(int_param(q, "created[lte]")?);
    lte.extend(int_param(q, "created[lt]")?.map(|v| v - 1));
    let w = Window {
        gte: gte.into_iter().max(),
        lte: lte.into_iter().min(),
    };
    Ok(ListParams {
        limit,
        after,
        before,
        window: w,
    })
}

fn intersect(a: Window, b: Window) -> Window {
    let max = |x: Option<i64>, y: Option<i64>| x.max(y);
    let min = |x: Option<i64>, y: Option<i64>| match (x, y) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    Window {
        gte: max(a.gte, b.gte),
        lte: min(a.lte, b.lte),
    }
}

/// A list page of `table`, newest first. `fetch` yields an object or None
/// when a filter rejects it.
fn list<T: Created + Clone, O: Serialize>(
    table: &Table<T>,
    url: &'static str,
    prefix: &str,
    noun: &str,
    q: &Query,
    extra: Window,
    fetch: impl FnMut(u64) -> Option<O>,
) -> Reply {
    let p = parse_list(q)?;
    let resolve = |id: &str, param: &str| {
        decode(prefix, id)
            .and_then(|i| table.key(i))
            .ok_or_else(|| StripeError::missing(StatusCode::BAD_REQUEST, noun, id, param))
    };
    let cursor = match (&p.after, &p.before) {
        (Some(id), _) => Cursor::After(resolve(id, "starting_after")?),
        (_, Some(id)) => Cursor::Before(resolve(id, "ending_before")?),
        _ => Cursor::Start,
    };
    let window = intersect(p.window, extra);
    let (data, has_more) = table.with_source(|src| page(src, window, cursor, p.limit, fetch));
    let objects = Objects(data.len() as u64);
    let mut resp = Json(ListBody {
        object: "list",
        url,
        has_more,
        data,
    })
    .into_response();
    resp.extensions_mut().insert(objects);
    Ok(resp)
}

fn one<T: Serialize>(prefix: &str, noun: &str, id: &str, fetch: impl FnOnce(u64) -> Option<T>) -> Reply {
    match decode(prefix, id).and_then(fetch) {
        Some(obj) => {
            let mut resp = Json(obj).into_response();
            resp.extensions_mut().insert(Objects(1));
            Ok(resp)
        }
        None => Err(StripeError::missing(StatusCode::NOT_FOUND, noun, id, "id")),
    }
}

/// An optional id-valued filter such as `customer=cus_…`; an unknown id matches nothing.
fn id_filter(q: &Query, key: &str, prefix: &str) -> Option<Option<u64>> {
    q.get(key).map(|id| decode(prefix, id))
}

fn matches_id(filter: Option<Option<u64>>, value: Option<u64>) -> bool {
    match filter {
        None => true,
        Some(want) => want.is_some() && want == value,
    }
}

async fn list_customers(State(s): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let st = read(&s.stripe);
    let email = q.get("email").map(str::to_string);
    list(
        &st.customers,
        "/v1/customers",
        CUSTOMER,
        "customer",
        &q,
        Window::default(),
        |i| {
            st.customer(i).filter(|c| {
                let same = |e: &str| c.email.as_deref().is_some_and(|ce| e.eq_ignore_ascii_case(ce));
                email.as_deref().is_none_or(same)
            })
        },
    )
}

async fn list_charges(State(s): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let st = read(&s.stripe);
    let customer = id_filter(&q, "customer", CUSTOMER);
    list(
        &st.charges,
        "/v1/charges",
        CHARGE,
        "charge",
        &q,
        Window::default(),
        |i| st.charge(i).filter(|c| matches_id(customer, c.customer)),
    )
}

async fn list_invoices(State(s): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let st = read(&s.stripe);
    let customer = id_filter(&q, "customer", CUSTOMER);
    let subscription = id_filter(&q, "subscription", SUBSCRIPTION);
    let status = q.get("status").map(str::to_string);
    list(
        &st.invoices,
        "/v1/invoices",
        INVOICE,
        "invoice",
        &q,
        Window::default(),
        |i| {
            st.invoice(i).filter(|v| {
                matches_id(customer, v.customer)
                    && matches_id(subscription, v.subscription)
                    && status.as_deref().is_none_or(|want| want == v.status)
            })
        },
    )
}

const SUB_STATUSES: [&str; 8] = [
    "active",
    "trialing",
    "past_due",
    "canceled",
    "unpaid",
    "incomplete",
    "incomplete_expired",
    "paused",
];

async fn list_subscriptions(State(s): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let status = q.get("status").map(str::to_string);
    if let Some(st) = status
        .as_deref()
        .filter(|st| *st != "all" && !SUB_STATUSES.contains(st))
    {
        return Err(StripeError::invalid(
            "status",
            "invalid_request_error",
            format!("Invalid status: {st}"),
        ));
    }
    let st = read(&s.stripe);
    let customer = id_filter(&q, "customer", CUSTOMER);
    list(
        &st.subscriptions,
        "/v1/subscriptions",
        SUBSCRIPTION,
        "subscription",
        &q,
        Window::default(),
        |i| {
            st.subscription(i).filter(|sub| {
                let status_ok = match status.as_deref() {
                    // Stripe hides canceled subscriptions unless asked for.
                    None => sub.status != "canceled",
                    Some("all") => true,
                    Some(want) => want == sub.status,
                };
                status_ok && matches_id(customer, sub.customer)
            })
        },
    )
}

async fn list_txns(State(s): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let st = read(&s.stripe);
    let kind = q.get("type").map(str::to_string);
    let url = "/v1/balance_transactions";
    list(
        &st.txns,
        url,
        TXN,
        "balance transaction",
        &q,
        Window::default(),
        |i| st.txn(i).filter(|t| kind.as_deref().is_none_or(|k| k == t.kind)),
    )
}

/// `type=charge.*` style wildcard or exact match.
fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

async fn list_events(State(s): State<AppState>, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let now = s.clock.now();
    let mut patterns: Vec<String> = q.all_bracketed("types").into_iter().map(str::to_string).collect();
    patterns.extend(q.get("type").map(str::to_string));
    let st = read(&s.stripe);
    // Retention is a created bound, so expired events vanish from every page.
    let retained = Window {
        gte: Some(now - EVENT_RETENTION_SECS),
        lte: None,
    };
    list(&st.events, "/v1/events", EVENT, "event", &q, retained, |i| {
        st.event(i)
            .filter(|e| patterns.is_empty() || patterns.iter().any(|p| type_matches(p, &e.kind)))
            .map(|e| e.json)
    })
}

async fn get_customer(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let st = read(&s.stripe);
    one(CUSTOMER, "customer", &id, |i| st.customer(i))
}

async fn get_charge(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let st = read(&s.stripe);
    one(CHARGE, "charge", &id, |i| st.charge(i))
}

async fn get_invoice(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let st = read(&s.stripe);
    one(INVOICE, "invoice", &id, |i| st.invoice(i))
}

async fn get_subscription(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let st = read(&s.stripe);
    one(SUBSCRIPTION, "subscription", &id, |i| st.subscription(i))
}

async fn get_txn(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let st = read(&s.stripe);
    one(TXN, "balance transaction", &id, |i| st.txn(i))
}

async fn get_event(State(s): State<AppState>, Path(id): Path<String>) -> Reply {
    let now = s.clock.now();
    let st = read(&s.stripe);
    one(EVENT, "event", &id, |i| {
        st.event(i)
            .filter(|e| StripeStore::retained(e.created, now))
            .map(|e| e.json)
    })
}

async fn balance(State(s): State<AppState>) -> Response {
    let totals = read(&s.stripe).balances();
    let side = |pick: fn(&(i64, i64)) -> i64| {
        totals
            .iter()
            .map(|(cur, v)| json!({"amount": pick(v), "currency": cur}))
            .collect::<Vec<_>>()
    };
    Json(json!({
        "object": "balance",
        "available": side(|v| v.0),
        "pending": side(|v| v.1),
        "livemode": false,
    }))
    .into_response()
}

async fn account() -> Response {
    Json(json!({
        "id": "acct_1SimShop0000000",
        "object": "account",
        "business_profile": {"name": "Sim Shop"},
        "country": "US",
        "default_currency": "usd",
        "email": "owner@simshop.example",
        "settings": {"dashboard": {"display_name": "Sim Shop", "timezone": "Etc/UTC"}},
        "type": "standard",
    }))
    .into_response()
}

async fn unknown_route(method: Method, OriginalUri(uri): OriginalUri) -> Response {
    StripeError::not_found_route(method.as_str(), uri.path()).into_response()
}
