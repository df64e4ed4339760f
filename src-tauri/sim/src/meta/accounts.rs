//! Ad accounts: `GET /v26.0/me/adaccounts` (every configured account, for any Meta token,
//! user or system user) and `GET /v26.0/act_{id}`. Only the fields asked for are sent, `id`
//! always; without `fields`, `id` and `account_id` (as Graph does for this edge).

use axum::extract::{Extension, RawQuery, State};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::errors::GraphError;
use super::paging;
use super::params::Params;
use crate::config::MetaAdAccount;
use crate::google::tz;
use crate::state::AppState;

/// The `AdAccount` fields the sim serves.
pub const FIELDS: [&str; 8] = [
    "id",
    "account_id",
    "name",
    "currency",
    "timezone_name",
    "timezone_offset_hours_utc",
    "account_status",
    "business",
];

fn fields(p: &Params) -> Result<Vec<&'static str>, GraphError> {
    let asked = p.get("fields").unwrap_or("id,account_id");
    let mut out = vec!["id"];
    for name in asked.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(f) = FIELDS.iter().find(|f| **f == name) else {
            return Err(GraphError::invalid(format!(
                "Tried accessing nonexisting field ({name}) on node type (AdAccount)"
            )));
        };
        if !out.contains(f) {
            out.push(f);
        }
    }
    Ok(out)
}

/// The account's UTC offset in hours at `now` (DST included): a whole number when it is one.
fn offset_hours(a: &MetaAdAccount, now: i64) -> Value {
    let secs = tz::zone(&a.timezone_name).map_or(0, |z| z.offset_at(now));
    if secs % 3600 == 0 {
        json!(secs / 3600)
    } else {
        json!(secs as f64 / 3600.0)
    }
}

fn render(a: &MetaAdAccount, fields: &[&str], now: i64) -> Value {
    let mut out = Map::new();
    for f in fields {
        let v = match *f {
            "id" => json!(format!("act_{}", a.id)),
            "account_id" => json!(a.id),
            "name" => json!(a.name),
            "currency" => json!(a.currency),
            "timezone_name" => json!(a.timezone_name),
            "timezone_offset_hours_utc" => offset_hours(a, now),
            // 1 = ACTIVE.
            "account_status" => json!(1),
            _ => json!({"id": a.business_id, "name": a.business_name}),
        };
        out.insert(f.to_string(), v);
    }
    Value::Object(out)
}

pub async fn list(
    State(s): State<AppState>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
    Extension(p): Extension<Params>,
) -> Response {
    if method != Method::GET {
        return GraphError::no_object(method.as_str(), "adaccounts").into_response();
    }
    let answer = fields(&p).and_then(|fields| {
        let all = &s.meta.cfg.ad_accounts;
        let now = s.clock.now();
        let url = format!("{}{}", s.base_url, uri.path());
        paging::answer(&p, all.len(), &url, raw.as_deref(), |i| {
            render(&all[i], &fields, now)
        })
    });
    match answer {
        Ok((page, _)) => Json(page).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /v26.0/act_{id}`.
pub fn get(s: &AppState, node: &str, p: &Params) -> Response {
    let Some(a) = s.meta.account(node).filter(|_| node.starts_with("act_")) else {
        return GraphError::no_object("GET", node).into_response();
    };
    match fields(p) {
        Ok(fields) => Json(render(a, &fields, s.clock.now())).into_response(),
        Err(e) => e.into_response(),
    }
}
