//! GA4 Admin API v1beta: what the grant can see (`accountSummaries`, paged with
//! `pageSize`/`pageToken`) and one property's settings (zone, currency) by id.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde_json::{json, Value};

use super::auth::authorize;
use super::errors::GoogleError;
use super::gen::key;
use super::Product;
use crate::config::Ga4Property;
use crate::query::Query;
use crate::state::AppState;

const SERVICE: &str = "analyticsadmin.googleapis.com";
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 200;

fn token_for(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("accountSummaries:{offset}"))
}

fn offset_of(token: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("accountSummaries:")?
        .parse()
        .ok()
}

pub async fn account_summaries(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(e) = authorize(&s, &headers, Product::Ga4, SERVICE) {
        return e.into_response();
    }
    let q = Query::parse(raw.as_deref());
    let size = match q.get("pageSize").map(str::parse::<i64>) {
        None => DEFAULT_PAGE,
        Some(Ok(n)) if n <= 0 => DEFAULT_PAGE,
        // Google coerces larger pages to the maximum.
        Some(Ok(n)) => (n as usize).min(MAX_PAGE),
        Some(Err(_)) => {
            return GoogleError::invalid(Product::Ga4, "Invalid value at 'page_size' (TYPE_INT32)")
                .into_response()
        }
    };
    let offset = match q.get("pageToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => match offset_of(token) {
            Some(o) => o,
            None => return GoogleError::invalid(Product::Ga4, "Invalid page token.").into_response(),
        },
    };
    // One summary per account, in the order accounts first appear in the config.
    let mut accounts: Vec<(&str, &str, Vec<&Ga4Property>)> = Vec::new();
    for p in &s.google.cfg.properties {
        match accounts.iter_mut().find(|(id, _, _)| *id == p.account) {
            Some((_, _, props)) => props.push(p),
            None => accounts.push((&p.account, &p.account_name, vec![p])),
        }
    }
    let summaries: Vec<Value> = accounts
        .iter()
        .skip(offset)
        .take(size)
        .map(|(id, name, props)| {
            json!({
                "name": format!("accountSummaries/{id}"),
                "account": format!("accounts/{id}"),
                "displayName": name,
                "propertySummaries": props.iter().map(|p| json!({
                    "property": format!("properties/{}", p.id),
                    "displayName": p.name,
                    "propertyType": "PROPERTY_TYPE_ORDINARY",
                    "parent": format!("accounts/{id}"),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut answer = json!({ "accountSummaries": summaries });
    if offset + size < accounts.len() {
        answer["nextPageToken"] = json!(token_for(offset + size));
    }
    Json(answer).into_response()
}

const INDUSTRIES: [&str; 4] = ["FOOD_AND_DRINK", "SHOPPING", "TECHNOLOGY", "TRAVEL"];

pub async fn property(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if id.contains(':') {
        return super::not_found(Product::Ga4).into_response();
    }
    if let Err(e) = authorize(&s, &headers, Product::Ga4, SERVICE) {
        return e.into_response();
    }
    let Some(p) = s.google.property(&id) else {
        // Google does not say whether a property exists to someone without access to it.
        return GoogleError::new(Product::Ga4, 403, "The caller does not have permission").into_response();
    };
    let k = key(&p.id);
    let created =
        chrono::NaiveDate::from_ymd_opt(2021, 1, 4).expect("date") + chrono::Duration::days((k % 900) as i64);
    let create_time = format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        created,
        k % 24,
        k / 24 % 60,
        k / 1440 % 60,
        k % 1000
    );
    Json(json!({
        "name": format!("properties/{}", p.id),
        "propertyType": "PROPERTY_TYPE_ORDINARY",
        "createTime": create_time,
        "updateTime": create_time,
        "parent": format!("accounts/{}", p.account),
        "displayName": p.name,
        "industryCategory": INDUSTRIES[(k % 4) as usize],
        "timeZone": p.time_zone,
        "currencyCode": p.currency,
        "serviceLevel": "GOOGLE_ANALYTICS_STANDARD",
        "account": format!("accounts/{}", p.account),
    }))
    .into_response()
}
