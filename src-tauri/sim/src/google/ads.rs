//! Google Ads API v26: `customers:listAccessibleCustomers` and
//! `customers/{id}/googleAds:searchStream` with GAQL over `campaign`, `customer` and
//! `customer_client`.
//!
//! Access is Google's: every call needs the `developer-token` header; a client reached
//! through a manager needs `login-customer-id` = that manager, or the call fails with
//! USER_PERMISSION_DENIED. `listAccessibleCustomers` lists only customers the user reaches
//! directly (managers and direct accounts); a manager's clients come from `customer_client`
//! asked of the manager. Dates are the customer's own zone; conversions keep growing for
//! 30 days and cost settles after 3 (`gen::AdsGen::day`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Map, Value};

use super::auth::authorize;
use super::body;
use super::errors::GoogleError;
use super::gaql::{self, Cond, Lit, Op};
use super::gen::{hundredths_f64, AdsGen, AdsMetrics, Scale};
use super::stream::{Batches, Rows};
use super::{restated, tz, Product};
use crate::config::AdsCustomer;
use crate::state::AppState;

const SERVICE: &str = "googleads.googleapis.com";

/// A `stream_cut` fault's batch count, put on the request by the fault layer.
#[derive(Clone, Copy, Debug)]
pub struct CutAfter(pub u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Str,
    Int,
    Double,
    Bool,
    Enum,
    Date,
}

/// Every field the sim serves, by resource.
const FIELDS: [(&str, Kind); 27] = [
    ("campaign.resource_name", Kind::Str),
    ("campaign.id", Kind::Int),
    ("campaign.name", Kind::Str),
    ("campaign.status", Kind::Enum),
    ("campaign.advertising_channel_type", Kind::Enum),
    ("customer.resource_name", Kind::Str),
    ("customer.id", Kind::Int),
    ("customer.descriptive_name", Kind::Str),
    ("customer.currency_code", Kind::Str),
    ("customer.time_zone", Kind::Str),
    ("customer.manager", Kind::Bool),
    ("customer.status", Kind::Enum),
    ("customer_client.resource_name", Kind::Str),
    ("customer_client.client_customer", Kind::Str),
    ("customer_client.level", Kind::Int),
    ("customer_client.manager", Kind::Bool),
    ("customer_client.descriptive_name", Kind::Str),
    ("customer_client.currency_code", Kind::Str),
    ("customer_client.time_zone", Kind::Str),
    ("customer_client.status", Kind::Enum),
    ("customer_client.id", Kind::Int),
    ("metrics.cost_micros", Kind::Int),
    ("metrics.impressions", Kind::Int),
    ("metrics.clicks", Kind::Int),
    ("metrics.conversions", Kind::Double),
    ("metrics.conversions_value", Kind::Double),
    ("segments.date", Kind::Date),
];

fn kind_of(field: &str) -> Option<Kind> {
    FIELDS.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)
}

/// `cost_micros` → `costMicros`.
fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.push(c.to_ascii_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The JSON path of a field: `metrics.cost_micros` → ("metrics", "costMicros").
fn json_path(field: &str) -> (String, String) {
    let (resource, name) = field.split_once('.').unwrap_or((field, ""));
    (camel(resource), camel(name))
}

/// What a row is about.
#[derive(Clone, Default)]
struct Row {
    campaign: Option<u32>,
    date: Option<NaiveDate>,
    metrics: AdsMetrics,
    /// customer_client rows: (client, level).
    client: Option<(AdsCustomer, u32)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Val {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl Val {
    fn json(&self) -> Value {
        match self {
            // int64 travels as a string in proto3 JSON.
            Val::Int(i) => json!(i.to_string()),
            Val::Str(s) => json!(s),
            Val::Double(d) => json!(d),
            Val::Bool(b) => json!(b),
        }
    }
}

fn ads_error(
    s: &AppState,
    status: u16,
    kind: &'static str,
    code: &'static str,
    message: impl Into<String>,
) -> GoogleError {
    GoogleError::ads(status, kind, code, message, s.google.request_id())
}

/// Everything a stream needs, owned, so rows can be generated after the handler returns.
struct Plan {
    seed: u64,
    customer: AdsCustomer,
    clients: Vec<AdsCustomer>,
    select: Vec<String>,
    from: String,
    conds: Vec<Cond>,
    range: Option<(NaiveDate, NaiveDate)>,
    today: NaiveDate,
    restated: BTreeMap<NaiveDate, Scale>,
}

impl Plan {
    fn gen(&self) -> AdsGen<'_> {
        AdsGen {
            seed: self.seed,
            customer: &self.customer,
        }
    }

    fn value(&self, field: &str, row: &Row) -> Val {
        let c = &self.customer;
        let g = self.gen();
        let j = row.campaign.unwrap_or(0);
        let m = &row.metrics;
        match field {
            "campaign.resource_name" => {
                Val::Str(format!("customers/{}/campaigns/{}", c.id, g.campaign_id(j)))
            }
            "campaign.id" => Val::Int(g.campaign_id(j) as i64),
            "campaign.name" => Val::Str(g.campaign_name(j)),
            "campaign.status" => Val::Str(g.campaign_status(j).into()),
            "campaign.advertising_channel_type" => Val::Str(g.channel_type(j).into()),
            "customer.resource_name" => Val::Str(format!("customers/{}", c.id)),
            "customer.id" => Val::Int(c.id.parse().unwrap_or(0)),
            "customer.descriptive_name" => Val::Str(c.name.clone()),
            "customer.currency_code" => Val::Str(c.currency.clone()),
            "customer.time_zone" => Val::Str(c.time_zone.clone()),
            "customer.manager" => Val::Bool(c.manager),
            "customer.status" => Val::Str("ENABLED".into()),
            "metrics.cost_micros" => Val::Int(m.cost_micros as i64),
            "metrics.impressions" => Val::Int(m.impressions as i64),
            "metrics.clicks" => Val::Int(m.clicks as i64),
            "metrics.conversions" => Val::Double(hundredths_f64(m.conv_h)),
            "metrics.conversions_value" => Val::Double(hundredths_f64(m.value_h)),
            "segments.date" => Val::Str(row.date.map(|d| d.to_string()).unwrap_or_default()),
            client_field => {
                let Some((cl, level)) = &row.client else {
                    return Val::Str(String::new());
                };
                match client_field {
                    "customer_client.resource_name" => {
                        Val::Str(format!("customers/{}/customerClients/{}", c.id, cl.id))
                    }
                    "customer_client.client_customer" => Val::Str(format!("customers/{}", cl.id)),
                    "customer_client.level" => Val::Int(*level as i64),
                    "customer_client.manager" => Val::Bool(cl.manager),
                    "customer_client.descriptive_name" => Val::Str(cl.name.clone()),
                    "customer_client.currency_code" => Val::Str(cl.currency.clone()),
                    "customer_client.time_zone" => Val::Str(cl.time_zone.clone()),
                    "customer_client.status" => Val::Str("ENABLED".into()),
                    "customer_client.id" => Val::Int(cl.id.parse().unwrap_or(0)),
                    _ => Val::Str(String::new()),
                }
            }
        }
    }

    /// Non-date conditions, evaluated on the row.
    fn keep(&self, row: &Row) -> bool {
        self.conds
            .iter()
            .filter(|c| c.field != "segments.date")
            .all(|c| matches(&self.value(&c.field, row), c))
    }

    fn metrics_selected(&self) -> bool {
        self.select
            .iter()
            .any(|f| f.starts_with("metrics.") || f == "segments.date")
    }

    /// A row as Google sends it: one object per resource, camelCase, only the selected
    /// fields, plus the `resourceName` of every resource the row touches.
    fn render(&self, row: &Row) -> Value {
        let mut out: Map<String, Value> = Map::new();
        let mut resources: Vec<&str> = vec![self.from.as_str()];
        for f in &self.select {
            let resource = f.split('.').next().unwrap_or_default();
            if !resources.contains(&resource) && resource != "metrics" && resource != "segments" {
                resources.push(resource);
            }
        }
        for resource in resources {
            let field = format!("{resource}.resource_name");
            let (obj, name) = json_path(&field);
            entry(&mut out, &obj).insert(name, self.value(&field, row).json());
        }
        for f in &self.select {
            let (obj, name) = json_path(f);
            entry(&mut out, &obj).insert(name, self.value(f, row).json());
        }
        Value::Object(out)
    }

    fn days(&self) -> Vec<NaiveDate> {
        let Some((from, to)) = self.range else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut d = from;
        while d <= to {
            out.push(d);
            d += Duration::days(1);
        }
        out
    }

    fn campaign_day(&self, j: u32, day: NaiveDate) -> AdsMetrics {
        self.gen().day(
            j,
            day,
            (self.today - day).num_days(),
            restated(&self.restated, day),
        )
    }
}

fn entry<'a>(out: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    out.entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .expect("an object")
}

fn matches(v: &Val, c: &Cond) -> bool {
    use std::cmp::Ordering;
    let cmp = |lit: &Lit| -> Option<Ordering> {
        match v {
            Val::Int(i) => lit.text().parse::<i64>().ok().map(|x| i.cmp(&x)),
            Val::Double(d) => lit.text().parse::<f64>().ok().and_then(|x| d.partial_cmp(&x)),
            Val::Bool(b) => Some(b.cmp(&lit.text().eq_ignore_ascii_case("TRUE"))),
            Val::Str(s) => Some(s.as_str().cmp(lit.text())),
        }
    };
    let is = |lit: &Lit, want: &[Ordering]| cmp(lit).is_some_and(|o| want.contains(&o));
    use Ordering::*;
    match c.op {
        Op::Eq => is(&c.values[0], &[Equal]),
        Op::Ne => !is(&c.values[0], &[Equal]),
        Op::Gt => is(&c.values[0], &[Greater]),
        Op::Ge => is(&c.values[0], &[Greater, Equal]),
        Op::Lt => is(&c.values[0], &[Less]),
        Op::Le => is(&c.values[0], &[Less, Equal]),
        Op::Between => is(&c.values[0], &[Greater, Equal]) && is(&c.values[1], &[Less, Equal]),
        Op::In => c.values.iter().any(|l| is(l, &[Equal])),
        Op::NotIn => !c.values.iter().any(|l| is(l, &[Equal])),
        Op::During => true,
    }
}

/// The customer's "today" in its own zone.
pub fn today(c: &AdsCustomer, now: i64) -> NaiveDate {
    tz::zone(&c.time_zone).unwrap_or(tz::PACIFIC).date_at(now)
}

/// The date range the conditions on `segments.date` allow (None: no bound that side).
fn date_bounds(
    s: &AppState,
    conds: &[Cond],
    today: NaiveDate,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), GoogleError> {
    let (mut from, mut to): (Option<NaiveDate>, Option<NaiveDate>) = (None, None);
    let q = |code: &'static str, m: String| ads_error(s, 400, "queryError", code, m);
    for c in conds.iter().filter(|c| c.field == "segments.date") {
        let date = |lit: &Lit| {
            body::iso_date(lit.text()).ok_or_else(|| {
                q(
                    "INVALID_DATE_FORMAT",
                    format!("Invalid date '{}'; use 'YYYY-MM-DD'.", lit.text()),
                )
            })
        };
        let (lo, hi) = match c.op {
            Op::Eq => (Some(date(&c.values[0])?), Some(date(&c.values[0])?)),
            Op::Ge => (Some(date(&c.values[0])?), None),
            Op::Gt => (Some(date(&c.values[0])? + Duration::days(1)), None),
            Op::Le => (None, Some(date(&c.values[0])?)),
            Op::Lt => (None, Some(date(&c.values[0])? - Duration::days(1))),
            Op::Between => (Some(date(&c.values[0])?), Some(date(&c.values[1])?)),
            Op::During => {
                let (a, b) = during(c.values[0].text(), today).ok_or_else(|| {
                    q(
                        "INVALID_VALUE_WITH_DURING_OPERATOR",
                        format!("Unsupported DURING range {}.", c.values[0].text()),
                    )
                })?;
                (Some(a), Some(b))
            }
            _ => {
                return Err(q(
                    "OPERATOR_FIELD_MISMATCH",
                    "segments.date takes =, <, <=, >, >=, BETWEEN or DURING.".into(),
                ))
            }
        };
        from = from.max(lo);
        to = match (to, hi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok((from, to))
}

/// GAQL's predefined ranges, in the customer's zone (LAST_N_DAYS excludes today).
fn during(range: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let d = |n: i64| today - Duration::days(n);
    let first = today.with_day(1)?;
    Some(match range {
        "TODAY" => (today, today),
        "YESTERDAY" => (d(1), d(1)),
        "LAST_7_DAYS" => (d(7), d(1)),
        "LAST_14_DAYS" => (d(14), d(1)),
        "LAST_30_DAYS" => (d(30), d(1)),
        "THIS_MONTH" => (first, today),
        "LAST_MONTH" => {
            let end = first - Duration::days(1);
            (end.with_day(1)?, end)
        }
        _ => return None,
    })
}

fn check_developer_token(s: &AppState, headers: &HeaderMap) -> Result<(), GoogleError> {
    match headers
        .get("developer-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        None | Some("") => Err(ads_error(
            s,
            400,
            "requestError",
            "DEVELOPER_TOKEN_PARAMETER_MISSING",
            "Developer token is missing from the request headers (developer-token).",
        )),
        Some(t) if t == s.google.cfg.developer_token => Ok(()),
        Some(_) => Err(ads_error(
            s,
            401,
            "authenticationError",
            "DEVELOPER_TOKEN_INVALID",
            "The developer token is not valid.",
        )),
    }
}

pub async fn list_accessible_customers(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) =
        authorize(&s, &headers, Product::Ads, SERVICE).and_then(|_| check_developer_token(&s, &headers))
    {
        return e.into_response();
    }
    let names: Vec<String> = s
        .google
        .cfg
        .customers
        .iter()
        .filter(|c| c.parent.is_none())
        .map(|c| format!("customers/{}", c.id))
        .collect();
    Json(json!({ "resourceNames": names })).into_response()
}

const USER_PERMISSION_DENIED: &str = "User doesn't have permission to access customer. Note: If you're \
     accessing a client customer, the manager's customer id must be set in the 'login-customer-id' header. \
     See https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid";

pub async fn search_stream(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(customer): Path<String>,
    cut: Option<Extension<CutAfter>>,
    raw: Bytes,
) -> Response {
    match plan(&s, &headers, &customer, &raw) {
        Ok((plan, limit)) => {
            let request_id = s.google.request_id();
            let field_mask = plan
                .select
                .iter()
                .map(|f| {
                    let (a, b) = json_path(f);
                    format!("{a}.{b}")
                })
                .collect::<Vec<_>>()
                .join(",");
            let rows = rows(Arc::new(plan));
            let rows: Rows = match limit {
                Some(n) => Box::new(rows.take(n as usize)),
                None => rows,
            };
            let per_row = s
                .latency
                .of(crate::providers::Api::Google)
                .map(|l| l.per_object(s.latency.roll()));
            let body = Batches::new(rows, field_mask, request_id, cut.map(|c| c.0 .0)).paced(per_row);
            let mut resp = Response::new(Body::new(body));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=UTF-8"),
            );
            resp
        }
        Err(e) => e.into_response(),
    }
}

fn plan(
    s: &AppState,
    headers: &HeaderMap,
    customer: &str,
    raw: &[u8],
) -> Result<(Plan, Option<u64>), GoogleError> {
    authorize(s, headers, Product::Ads, SERVICE)?;
    check_developer_token(s, headers)?;
    if customer.is_empty() || !customer.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ads_error(
            s,
            400,
            "requestError",
            "INVALID_CUSTOMER_ID",
            format!("Invalid customer ID '{customer}'; use 10 digits without dashes."),
        ));
    }
    let Some(c) = s.google.customer(customer) else {
        return Err(ads_error(
            s,
            403,
            "authorizationError",
            "USER_PERMISSION_DENIED",
            USER_PERMISSION_DENIED,
        ));
    };
    let login = headers
        .get("login-customer-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let allowed = match (&c.parent, login) {
        (Some(manager), Some(l)) => l == manager,
        (Some(_), None) => false,
        (None, None) => true,
        (None, Some(l)) => l == c.id,
    };
    if !allowed {
        return Err(ads_error(
            s,
            403,
            "authorizationError",
            "USER_PERMISSION_DENIED",
            USER_PERMISSION_DENIED,
        ));
    }
    let obj = body::fields(
        Product::Ads,
        &body::object(Product::Ads, raw)?,
        &["query", "summaryRowSetting", "customerId"],
        "",
    )?;
    match body::string(&obj, "summaryRowSetting") {
        None | Some("NO_SUMMARY_ROW") | Some("UNSPECIFIED") => {}
        Some(other) => {
            return Err(GoogleError::invalid(
                Product::Ads,
                format!("provider-sim does not serve summary rows (summaryRowSetting {other})."),
            ))
        }
    }
    let Some(text) = body::string(&obj, "query") else {
        return Err(ads_error(
            s,
            400,
            "requestError",
            "REQUIRED_FIELD_MISSING",
            "The query is required.",
        ));
    };
    let q = gaql::parse(text).map_err(|e| ads_error(s, 400, "queryError", e.code, e.message))?;
    let qerr = |code: &'static str, m: String| ads_error(s, 400, "queryError", code, m);
    let allowed: &[&str] = match q.from.as_str() {
        "campaign" => &["campaign", "customer", "metrics", "segments"],
        "customer" => &["customer", "metrics", "segments"],
        "customer_client" => &["customer_client"],
        other => {
            return Err(qerr(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                format!("provider-sim serves campaign, customer and customer_client, not '{other}'."),
            ))
        }
    };
    for f in q
        .select
        .iter()
        .chain(q.conds.iter().map(|c| &c.field))
        .chain(&q.order_by)
    {
        if kind_of(f).is_none() {
            return Err(qerr(
                "UNRECOGNIZED_FIELD",
                format!("Unrecognized field in the query: '{f}'."),
            ));
        }
        let resource = f.split('.').next().unwrap_or_default();
        if !allowed.contains(&resource) {
            let code = match resource {
                "metrics" => "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE",
                "segments" => "PROHIBITED_SEGMENT_IN_SELECT_OR_WHERE_CLAUSE",
                _ => "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
            };
            return Err(qerr(code, format!("'{f}' cannot be selected from '{}'.", q.from)));
        }
    }
    if c.manager && q.select.iter().any(|f| f.starts_with("metrics.")) {
        return Err(qerr(
            "REQUESTED_METRICS_FOR_MANAGER",
            "Metrics cannot be requested for a manager account. To retrieve metrics, issue separate \
             requests against each client account under the manager account."
                .into(),
        ));
    }
    let now = s.clock.now();
    let today = today(c, now);
    let (from, to) = date_bounds(s, &q.conds, today)?;
    let date_selected = q.select.iter().any(|f| f == "segments.date");
    if date_selected && (from.is_none() || to.is_none()) {
        return Err(qerr(
            "EXPECTED_FILTERS_ON_DATE_RANGE",
            "Filters on a finite date range (segments.date) are required when segments.date is selected."
                .into(),
        ));
    }
    // Data exists from `history_days` before today through today, in the customer's zone.
    let first = today - Duration::days(s.google.cfg.history_days as i64);
    let (lo, hi) = (from.unwrap_or(first).max(first), to.unwrap_or(today).min(today));
    let clients = s
        .google
        .cfg
        .customers
        .iter()
        .filter(|x| x.parent.as_deref() == Some(c.id.as_str()))
        .cloned()
        .collect();
    let plan = Plan {
        seed: s.google.seed,
        customer: c.clone(),
        clients,
        select: q.select,
        from: q.from,
        conds: q.conds,
        range: (lo <= hi).then_some((lo, hi)),
        today,
        restated: s.google.restatements(Product::Ads, &c.id),
    };
    Ok((plan, q.limit))
}

/// The rows of a plan, generated lazily: by date, then campaign.
fn rows(p: Arc<Plan>) -> Rows {
    let with_metrics = p.metrics_selected();
    let by_date = p.select.iter().any(|f| f == "segments.date");
    match p.from.as_str() {
        "customer_client" => {
            let mut list = vec![Row {
                client: Some((p.customer.clone(), 0)),
                ..Row::default()
            }];
            if p.customer.manager {
                list.extend(p.clients.iter().map(|c| Row {
                    client: Some((c.clone(), 1)),
                    ..Row::default()
                }));
            }
            let kept: Vec<Value> = list.iter().filter(|r| p.keep(r)).map(|r| p.render(r)).collect();
            Box::new(kept.into_iter())
        }
        "campaign" if by_date => {
            let n = p.gen().campaign_count();
            let days = p.days();
            Box::new(days.into_iter().flat_map(move |day| {
                let p = p.clone();
                (0..n).filter_map(move |j| {
                    let row = Row {
                        campaign: Some(j),
                        date: Some(day),
                        metrics: p.campaign_day(j, day),
                        client: None,
                    };
                    (!row.metrics.is_zero() && p.keep(&row)).then(|| p.render(&row))
                })
            }))
        }
        "campaign" => {
            let n = p.gen().campaign_count();
            Box::new((0..n).filter_map(move |j| {
                let mut m = AdsMetrics::default();
                if with_metrics {
                    p.days().into_iter().for_each(|d| m.add(&p.campaign_day(j, d)));
                }
                let row = Row {
                    campaign: Some(j),
                    metrics: m,
                    ..Row::default()
                };
                (!(with_metrics && m.is_zero()) && p.keep(&row)).then(|| p.render(&row))
            }))
        }
        _ if by_date => {
            let n = p.gen().campaign_count();
            let days = p.days();
            Box::new(days.into_iter().filter_map(move |day| {
                let mut m = AdsMetrics::default();
                (0..n).for_each(|j| m.add(&p.campaign_day(j, day)));
                let row = Row {
                    date: Some(day),
                    metrics: m,
                    ..Row::default()
                };
                (!m.is_zero() && p.keep(&row)).then(|| p.render(&row))
            }))
        }
        _ => {
            let mut m = AdsMetrics::default();
            if with_metrics {
                let n = p.gen().campaign_count();
                for d in p.days() {
                    (0..n).for_each(|j| m.add(&p.campaign_day(j, d)));
                }
            }
            let row = Row {
                metrics: m,
                ..Row::default()
            };
            let keep = !(with_metrics && m.is_zero()) && p.keep(&row);
            Box::new(keep.then(|| p.render(&row)).into_iter())
        }
    }
}

/// A campaign's day for the truth endpoint: the same generator the stream uses.
pub fn campaign_day(
    seed: u64,
    c: &AdsCustomer,
    j: u32,
    day: NaiveDate,
    today: NaiveDate,
    restatements: &BTreeMap<NaiveDate, Scale>,
) -> AdsMetrics {
    AdsGen { seed, customer: c }.day(j, day, (today - day).num_days(), restated(restatements, day))
}
