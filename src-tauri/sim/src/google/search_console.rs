//! Search Console (`/webmasters/v3/…`): the sites a grant can see and
//! `searchAnalytics.query`. Dates are Pacific Time. Days from `firstIncompleteDate`
//! (today − 2) on are still filling in: `dataState: final` (the default) leaves them out,
//! `all` serves them with partial numbers. Rare queries are anonymised, so query rows add
//! up to less than the date-only totals; page rows share out the whole total.
//! Paging is `startRow`/`rowLimit`; a page shorter than `rowLimit` is the last.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::auth::authorize;
use super::body;
use super::errors::GoogleError;
use super::gen::{gsc_maturity, query_text, GscGen, GscMetrics, GscSum, Scale};
use super::{restated, tz, Product};
use crate::config::GscSite;
use crate::state::{lock, AppState};

const SERVICE: &str = "searchconsole.googleapis.com";
pub const PERMISSIONS: [&str; 4] = [
    "siteOwner",
    "siteFullUser",
    "siteRestrictedUser",
    "siteUnverifiedUser",
];
const MAX_ROW_LIMIT: i64 = 25_000;
const DEFAULT_ROW_LIMIT: i64 = 1_000;
pub const QPS_MESSAGE: &str = "Search Analytics QPS quota exceeded. Please retry after some time.";

fn entry(site: &GscSite) -> Value {
    json!({"siteUrl": site.url, "permissionLevel": site.permission})
}

pub async fn sites(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) = authorize(&s, &headers, Product::SearchConsole, SERVICE) {
        return e.into_response();
    }
    let entries: Vec<Value> = s.google.cfg.sites.iter().map(entry).collect();
    Json(json!({ "siteEntry": entries })).into_response()
}

fn no_permission(url: &str) -> GoogleError {
    GoogleError::new(
        Product::SearchConsole,
        403,
        format!(
            "User does not have sufficient permission for site '{url}'. See also: \
             https://support.google.com/webmasters/answer/2451999."
        ),
    )
}

pub async fn site(State(s): State<AppState>, headers: HeaderMap, Path(url): Path<String>) -> Response {
    if let Err(e) = authorize(&s, &headers, Product::SearchConsole, SERVICE) {
        return e.into_response();
    }
    match s.google.site(&url) {
        Some(site) => Json(entry(site)).into_response(),
        None => no_permission(&url).into_response(),
    }
}

/// Search Console's "today" and the first day still changing, in Pacific Time.
pub fn pacific_today(now: i64) -> (NaiveDate, NaiveDate) {
    let today = tz::PACIFIC.date_at(now);
    (today, today - Duration::days(2))
}

pub fn day_scale(day: NaiveDate, today: NaiveDate, restatements: &BTreeMap<NaiveDate, Scale>) -> Scale {
    gsc_maturity((today - day).num_days()).times(restated(restatements, day))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dim {
    Date,
    Query,
    Page,
}

struct Request {
    start: NaiveDate,
    end: NaiveDate,
    dims: Vec<Dim>,
    web: bool,
    row_limit: i64,
    start_row: i64,
    all: bool,
    by_page: bool,
}

const FIELDS: [&str; 10] = [
    "startDate",
    "endDate",
    "dimensions",
    "type",
    "searchType",
    "dimensionFilterGroups",
    "aggregationType",
    "rowLimit",
    "startRow",
    "dataState",
];
const SEARCH_TYPES: [&str; 6] = ["web", "image", "video", "news", "discover", "googlenews"];

/// Enum values as Google's JSON front end takes them: `byProperty`, `BY_PROPERTY`, `byproperty`.
fn norm(v: &str) -> String {
    v.replace('_', "").to_ascii_lowercase()
}

fn parse(raw: &[u8]) -> Result<Request, GoogleError> {
    let p = Product::SearchConsole;
    let obj = body::fields(p, &body::object(p, raw)?, &FIELDS, "")?;
    let bad = |m: String| GoogleError::invalid(p, m);
    if obj
        .get("dimensionFilterGroups")
        .and_then(Value::as_array)
        .is_some_and(|g| !g.is_empty())
    {
        return Err(bad(
            "provider-sim does not implement dimensionFilterGroups; leave it out.".into(),
        ));
    }
    let date = |name: &str| match body::string(&obj, name) {
        None => Err(bad(format!("{name} is required (YYYY-MM-DD)."))),
        Some(v) => body::iso_date(v).ok_or_else(|| bad(format!("Invalid {name}: '{v}' (want YYYY-MM-DD)."))),
    };
    let (start, end) = (date("startDate")?, date("endDate")?);
    if end < start {
        return Err(bad("endDate must not be before startDate.".into()));
    }
    let mut dims = Vec::new();
    if let Some(list) = obj.get("dimensions") {
        let list = list
            .as_array()
            .ok_or_else(|| bad("dimensions must be a list.".into()))?;
        for d in list {
            let name = d.as_str().unwrap_or_default();
            let dim = match norm(name).as_str() {
                "date" => Dim::Date,
                "query" => Dim::Query,
                "page" => Dim::Page,
                "country" | "device" | "searchappearance" | "hour" => {
                    return Err(bad(format!(
                        "provider-sim serves the date, query and page dimensions, not {name}."
                    )))
                }
                _ => return Err(bad(format!("Invalid dimension: {d}."))),
            };
            if !dims.contains(&dim) {
                dims.push(dim);
            }
        }
    }
    let kind = body::string(&obj, "type")
        .or_else(|| body::string(&obj, "searchType"))
        .unwrap_or("web");
    if !SEARCH_TYPES.contains(&norm(kind).as_str()) {
        return Err(bad(format!("Invalid search type: {kind}.")));
    }
    let row_limit = body::int(p, &obj, "rowLimit")?.unwrap_or(DEFAULT_ROW_LIMIT);
    if !(1..=MAX_ROW_LIMIT).contains(&row_limit) {
        return Err(bad(format!(
            "rowLimit must be between 1 and {MAX_ROW_LIMIT}; got {row_limit}."
        )));
    }
    let start_row = body::int(p, &obj, "startRow")?.unwrap_or(0);
    if start_row < 0 {
        return Err(bad("startRow must be non-negative.".into()));
    }
    let all = match body::string(&obj, "dataState").map(norm).as_deref() {
        None | Some("final") | Some("datastateunspecified") => false,
        Some("all") => true,
        Some("hourlyall") => {
            return Err(bad(
                "provider-sim does not serve hourly data (dataState hourly_all).".into(),
            ))
        }
        Some(_) => return Err(bad("Invalid dataState; use final or all.".into())),
    };
    let by_page = match body::string(&obj, "aggregationType").map(norm).as_deref() {
        None | Some("auto") | Some("byproperty") => false,
        Some("bypage") => true,
        Some(other) => return Err(bad(format!("Invalid or unsupported aggregationType: {other}."))),
    };
    Ok(Request {
        start,
        end,
        dims,
        web: norm(kind) == "web",
        row_limit,
        start_row,
        all,
        by_page,
    })
}

/// The rows of one day for the non-date dimensions, each (keys, metrics), zero
/// impressions dropped.
fn day_rows(g: &GscGen, day: NaiveDate, scale: Scale, dims: &[Dim]) -> Vec<(Vec<String>, GscMetrics)> {
    let d = g.day(day, scale);
    let (query, page) = (dims.contains(&Dim::Query), dims.contains(&Dim::Page));
    let mut rows: Vec<(Vec<String>, GscMetrics)> = Vec::new();
    match (query, page) {
        (false, false) => rows.push((Vec::new(), d.total)),
        (true, false) => {
            for (j, m) in d.queries.iter().enumerate() {
                rows.push((vec![query_text(j as u32)], *m));
            }
        }
        (false, true) => {
            for (p, m) in g.pages(day, &d.total).iter().enumerate() {
                rows.push((vec![g.page_url(p as u32)], *m));
            }
        }
        (true, true) => {
            for (j, m) in d.queries.iter().enumerate() {
                for (p, pm) in g.query_pages(j as u32, m) {
                    // Keys in the order the dimensions were asked for.
                    let (q, u) = (query_text(j as u32), g.page_url(p));
                    let keys = if dims.iter().position(|d| *d == Dim::Query)
                        < dims.iter().position(|d| *d == Dim::Page)
                    {
                        vec![q, u]
                    } else {
                        vec![u, q]
                    };
                    rows.push((keys, pm));
                }
            }
        }
    }
    rows.retain(|(_, m)| m.impressions > 0);
    rows
}

/// How many rows `day_rows` would give, without naming or sorting them.
fn day_count(g: &GscGen, day: NaiveDate, scale: Scale, dims: &[Dim]) -> u64 {
    let d = g.day(day, scale);
    let nonzero = |m: &&GscMetrics| m.impressions > 0;
    match (dims.contains(&Dim::Query), dims.contains(&Dim::Page)) {
        (false, false) => u64::from(d.total.impressions > 0),
        (true, false) => d.queries.iter().filter(nonzero).count() as u64,
        (false, true) => g.pages(day, &d.total).iter().filter(nonzero).count() as u64,
        (true, true) => d
            .queries
            .iter()
            .enumerate()
            .map(|(j, m)| {
                g.query_pages(j as u32, m)
                    .iter()
                    .filter(|(_, pm)| pm.impressions > 0)
                    .count() as u64
            })
            .sum(),
    }
}

/// Search Console's order: most clicks first, then impressions, then keys.
fn order(rows: &mut [(Vec<String>, GscMetrics)]) {
    rows.sort_by(|a, b| {
        (b.1.clicks, b.1.impressions)
            .cmp(&(a.1.clicks, a.1.impressions))
            .then_with(|| a.0.cmp(&b.0))
    });
}

fn row_json(keys: Vec<String>, m: &GscMetrics) -> Value {
    let mut row = json!({
        "clicks": m.clicks,
        "impressions": m.impressions,
        "ctr": m.ctr(),
        "position": m.position(),
    });
    if !keys.is_empty() {
        row["keys"] = json!(keys);
    }
    row
}

pub async fn query(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(url): Path<String>,
    raw: Bytes,
) -> Response {
    match answer(&s, &headers, &url, &raw) {
        Ok(v) => {
            let rows = v["rows"].as_array().map_or(0, Vec::len) as u64;
            let mut resp = Json(v).into_response();
            resp.extensions_mut().insert(crate::latency::Objects(rows));
            resp
        }
        Err(e) => e.into_response(),
    }
}

fn answer(s: &AppState, headers: &HeaderMap, url: &str, raw: &[u8]) -> Result<Value, GoogleError> {
    authorize(s, headers, Product::SearchConsole, SERVICE)?;
    let site = s
        .google
        .site(url)
        .filter(|site| site.permission != "siteUnverifiedUser")
        .ok_or_else(|| no_permission(url))?;
    let now = s.clock.now();
    if !lock(&s.google.live)
        .quotas
        .gsc_admit(&site.url, site.queries_per_minute, now)
    {
        return Err(GoogleError::new(Product::SearchConsole, 429, QPS_MESSAGE));
    }
    let req = parse(raw)?;
    let (today, first_incomplete) = pacific_today(now);
    let g = GscGen {
        seed: s.google.seed,
        site,
    };
    let restatements = s.google.restatements(Product::SearchConsole, &site.url);
    let last_day = if req.all {
        today
    } else {
        first_incomplete - Duration::days(1)
    };
    let first = req
        .start
        .max(today - Duration::days(s.google.cfg.history_days as i64));
    let last = req.end.min(last_day);
    let by_date = req.dims.contains(&Dim::Date);
    let (lo, hi) = (req.start_row as u64, (req.start_row + req.row_limit) as u64);
    let mut rows = Vec::new();
    let mut count = 0u64;
    let mut merged: BTreeMap<Vec<String>, GscSum> = BTreeMap::new();
    let mut day = first;
    while req.web && day <= last {
        let scale = day_scale(day, today, &restatements);
        if by_date {
            // A day wholly before or after the page only counts.
            let n = day_count(&g, day, scale, &req.dims);
            if count + n <= lo || count >= hi {
                count += n;
                day += Duration::days(1);
                continue;
            }
        }
        let mut day_rows = day_rows(&g, day, scale, &req.dims);
        if by_date {
            order(&mut day_rows);
            for (keys, m) in day_rows {
                if (lo..hi).contains(&count) {
                    let mut it = keys.into_iter();
                    let full = req
                        .dims
                        .iter()
                        .map(|d| match d {
                            Dim::Date => day.to_string(),
                            _ => it.next().unwrap_or_default(),
                        })
                        .collect();
                    rows.push(row_json(full, &m));
                }
                count += 1;
            }
        } else {
            for (keys, m) in day_rows {
                merged.entry(keys).or_default().add(&m);
            }
        }
        day += Duration::days(1);
    }
    if !by_date {
        let mut all: Vec<(Vec<String>, GscMetrics)> =
            merged.into_iter().map(|(k, v)| (k, v.total())).collect();
        order(&mut all);
        rows = all
            .into_iter()
            .skip(lo as usize)
            .take(req.row_limit as usize)
            .map(|(k, m)| row_json(k, &m))
            .collect();
    }
    let mut answer = json!({});
    if !rows.is_empty() {
        answer["rows"] = json!(rows);
    }
    answer["responseAggregationType"] = json!(if req.by_page { "byPage" } else { "byProperty" });
    if req.all && by_date {
        answer["metadata"] = json!({"firstIncompleteDate": first_incomplete.to_string()});
    }
    Ok(answer)
}
