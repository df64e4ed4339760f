//! GA4 Data API v1beta `POST /v1beta/properties/{id}:runReport`.
//!
//! Offset paging as Google does it: `limit` (default 10,000, at most 250,000) and `offset`
//! go in the body, `rowCount` is the total whatever the page, and the answer has no
//! offset or page token. Rows come ordered by date, then by dimension values, so paging
//! is deterministic. Dates are the property's own calendar (its `timeZone`); a day's
//! numbers grow for three days as GA4 processes them (`gen::ga4_maturity`).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::{json, Value};

use super::auth::authorize;
use super::body::{self, Object};
use super::errors::GoogleError;
use super::gen::{self, ga4_maturity, Ga4Gen, Ga4Metrics, Scale, CHANNELS};
use super::quota::ga4_cost;
use super::{restated, tz, Product};
use crate::config::Ga4Property;
use crate::state::{lock, AppState};

const SERVICE: &str = "analyticsdata.googleapis.com";
const DEFAULT_LIMIT: i64 = 10_000;
const MAX_LIMIT: i64 = 250_000;
const SCHEMA_HINT: &str = "For a list of valid dimensions and metrics, see \
     https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dim {
    Date,
    Channel,
    LandingPage,
}

impl Dim {
    fn parse(name: &str) -> Option<Dim> {
        Some(match name {
            "date" => Dim::Date,
            "sessionDefaultChannelGroup" => Dim::Channel,
            "landingPage" => Dim::LandingPage,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Sessions,
    TotalUsers,
    NewUsers,
    EngagedSessions,
    KeyEvents,
    TotalRevenue,
    ScreenPageViews,
}

impl Metric {
    fn parse(name: &str) -> Option<Metric> {
        Some(match name {
            "sessions" => Metric::Sessions,
            "totalUsers" => Metric::TotalUsers,
            "newUsers" => Metric::NewUsers,
            "engagedSessions" => Metric::EngagedSessions,
            "keyEvents" => Metric::KeyEvents,
            "totalRevenue" => Metric::TotalRevenue,
            "screenPageViews" => Metric::ScreenPageViews,
            _ => return None,
        })
    }

    fn kind(self) -> &'static str {
        match self {
            Metric::KeyEvents => "TYPE_FLOAT",
            Metric::TotalRevenue => "TYPE_CURRENCY",
            _ => "TYPE_INTEGER",
        }
    }

    fn value(self, m: &Ga4Metrics, digits: u32) -> String {
        match self {
            Metric::Sessions => m.sessions.to_string(),
            Metric::TotalUsers => m.users.to_string(),
            Metric::NewUsers => m.new_users.to_string(),
            Metric::EngagedSessions => m.engaged.to_string(),
            Metric::KeyEvents => gen::hundredths(m.key_h),
            Metric::TotalRevenue => gen::money(m.revenue, digits),
            Metric::ScreenPageViews => m.views.to_string(),
        }
    }
}

/// "Today" in the property's zone at the sim clock's `now`.
pub fn today(prop: &Ga4Property, now: i64) -> NaiveDate {
    tz::zone(&prop.time_zone).unwrap_or(tz::PACIFIC).date_at(now)
}

/// The days a property has data for: `history_days` back from today, through today.
pub fn served_days(
    history_days: u32,
    today: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    (
        from.max(today - Duration::days(history_days as i64)),
        to.min(today),
    )
}

/// The day's scale as served now: maturity by age, times any restatement.
pub fn day_scale(day: NaiveDate, today: NaiveDate, restatements: &BTreeMap<NaiveDate, Scale>) -> Scale {
    ga4_maturity((today - day).num_days()).times(restated(restatements, day))
}

/// A day's rows for the non-date dimensions `dims`, sorted by their values; zero rows are
/// dropped. The bool says whether landing pages were folded into "(other)".
pub fn day_rows(
    g: &Ga4Gen,
    day: NaiveDate,
    scale: Scale,
    dims: &[Dim],
) -> (Vec<(Vec<String>, Ga4Metrics)>, bool) {
    let total = g.day(day, scale);
    let (channel, page) = (dims.contains(&Dim::Channel), dims.contains(&Dim::LandingPage));
    // (channel, landing page, metrics)
    let mut cells: Vec<(Option<&str>, Option<String>, Ga4Metrics)> = Vec::new();
    let mut folded = false;
    match (channel, page) {
        (false, false) => cells.push((None, None, total)),
        (true, false) => {
            for (name, m) in CHANNELS.iter().zip(g.channels(day, &total)) {
                cells.push((Some(name), None, m));
            }
        }
        (_, true) => {
            let (pages, f) = g.landing_pages(day, &total);
            folded = f;
            for (path, m) in pages {
                if channel {
                    for (name, c) in CHANNELS.iter().zip(g.page_channels(day, &m)) {
                        cells.push((Some(name), Some(path.clone()), c));
                    }
                } else {
                    cells.push((None, Some(path), m));
                }
            }
        }
    }
    let mut rows: Vec<(Vec<String>, Ga4Metrics)> = cells
        .into_iter()
        .filter(|(_, _, m)| m.sessions > 0)
        .map(|(c, p, m)| {
            let keys = dims
                .iter()
                .filter_map(|d| match d {
                    Dim::Date => None,
                    Dim::Channel => c.map(str::to_string),
                    Dim::LandingPage => p.clone(),
                })
                .collect();
            (keys, m)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    (rows, folded)
}

/// How many rows `day_rows` would give, without naming or sorting them (paging needs
/// every day's count, but only the rows of the days on the page), and the folding flag.
pub fn day_count(g: &Ga4Gen, day: NaiveDate, scale: Scale, dims: &[Dim]) -> (u64, bool) {
    let total = g.day(day, scale);
    let nonzero = |parts: &[Ga4Metrics]| parts.iter().filter(|m| m.sessions > 0).count() as u64;
    match (dims.contains(&Dim::Channel), dims.contains(&Dim::LandingPage)) {
        (false, false) => (u64::from(total.sessions > 0), false),
        (true, false) => (nonzero(&g.channels(day, &total)), false),
        (false, true) => {
            let (parts, folded) = g.landing_parts(day, &total);
            (nonzero(&parts), folded)
        }
        (true, true) => {
            let (parts, folded) = g.landing_parts(day, &total);
            let n = parts.iter().map(|m| nonzero(&g.page_channels(day, m))).sum();
            (n, folded)
        }
    }
}

struct Request {
    dims: Vec<Dim>,
    dim_names: Vec<String>,
    metrics: Vec<Metric>,
    metric_names: Vec<String>,
    start: String,
    end: String,
    limit: i64,
    offset: i64,
    return_quota: bool,
}

const REQUEST_FIELDS: [&str; 15] = [
    "property",
    "dimensions",
    "metrics",
    "dateRanges",
    "dimensionFilter",
    "metricFilter",
    "offset",
    "limit",
    "metricAggregations",
    "orderBys",
    "currencyCode",
    "cohortSpec",
    "keepEmptyRows",
    "returnPropertyQuota",
    "comparisons",
];

fn names(obj: &Object, field: &str, what: &str) -> Result<Vec<String>, GoogleError> {
    body::list(Product::Ga4, obj, field)?
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let item = body::fields(
                Product::Ga4,
                item,
                &["name", "expression", "dimensionExpression", "invisible"],
                &format!("{field}[{i}]"),
            )?;
            body::string(&item, "name")
                .map(str::to_string)
                .ok_or_else(|| GoogleError::invalid(Product::Ga4, format!("{what} name is required.")))
        })
        .collect()
}

fn parse_request(raw: &Object) -> Result<Request, GoogleError> {
    let obj = body::fields(Product::Ga4, raw, &REQUEST_FIELDS, "")?;
    for unsupported in [
        "dimensionFilter",
        "metricFilter",
        "metricAggregations",
        "cohortSpec",
        "comparisons",
    ] {
        if obj.get(unsupported).is_some_and(|v| !v.is_null()) {
            return Err(GoogleError::invalid(
                Product::Ga4,
                format!("provider-sim does not implement {unsupported}; leave it out."),
            ));
        }
    }
    let dim_names = names(&obj, "dimensions", "Dimension")?;
    let metric_names = names(&obj, "metrics", "Metric")?;
    if dim_names.len() > 9 || metric_names.len() > 10 {
        return Err(GoogleError::invalid(
            Product::Ga4,
            "Requests are allowed up to 9 dimensions and 10 metrics.",
        ));
    }
    if dim_names.is_empty() && metric_names.is_empty() {
        return Err(GoogleError::invalid(
            Product::Ga4,
            "At least one dimension or metric is required.",
        ));
    }
    let dims = dim_names
        .iter()
        .map(|n| {
            Dim::parse(n).ok_or_else(|| {
                GoogleError::invalid(
                    Product::Ga4,
                    format!("Field {n} is not a valid dimension. {SCHEMA_HINT}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let metrics = metric_names
        .iter()
        .map(|n| {
            Metric::parse(n).ok_or_else(|| {
                GoogleError::invalid(
                    Product::Ga4,
                    format!("Field {n} is not a valid metric. {SCHEMA_HINT}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ranges = body::list(Product::Ga4, &obj, "dateRanges")?;
    let range = match ranges.as_slice() {
        [] => return Err(GoogleError::invalid(Product::Ga4, "A date range is required.")),
        [one] => body::fields(
            Product::Ga4,
            one,
            &["startDate", "endDate", "name"],
            "dateRanges[0]",
        )?,
        _ => return Err(GoogleError::invalid(
            Product::Ga4,
            "provider-sim serves one date range per request (Google allows 4, adding a dateRange dimension).",
        )),
    };
    let date = |name: &str| {
        body::string(&range, name)
            .map(str::to_string)
            .ok_or_else(|| GoogleError::invalid(Product::Ga4, format!("dateRanges[0].{name} is required.")))
    };
    let limit = body::int(Product::Ga4, &obj, "limit")?.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(GoogleError::invalid(
            Product::Ga4,
            format!("limit must be between 1 and {MAX_LIMIT}; got {limit}."),
        ));
    }
    let offset = body::int(Product::Ga4, &obj, "offset")?.unwrap_or(0);
    if offset < 0 {
        return Err(GoogleError::invalid(Product::Ga4, "offset must be non-negative."));
    }
    body::boolean(Product::Ga4, &obj, "keepEmptyRows")?;
    Ok(Request {
        dims,
        dim_names,
        metrics,
        metric_names,
        start: date("startDate")?,
        end: date("endDate")?,
        limit,
        offset,
        return_quota: body::boolean(Product::Ga4, &obj, "returnPropertyQuota")?,
    })
}

fn no_access() -> GoogleError {
    GoogleError::new(
        Product::Ga4,
        403,
        "User does not have sufficient permissions for this property. To learn more about Property ID, see \
         https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.",
    )
}

pub async fn run_report(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(target): Path<String>,
    raw: Bytes,
) -> Response {
    match report(&s, &headers, &target, &raw) {
        Ok(answer) => {
            let rows = answer.rows.len() as u64;
            let mut resp = Json(answer).into_response();
            resp.extensions_mut().insert(crate::latency::Objects(rows));
            resp
        }
        Err(e) => e.into_response(),
    }
}

/// A runReport answer: its rows typed (a page is up to 250,000 of them; as a JSON tree each
/// would cost kilobytes), the rest as JSON.
#[derive(Serialize)]
struct Answer {
    #[serde(flatten)]
    head: Value,
    // proto3 JSON leaves out empty lists, and so does Google.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rows: Vec<ReportRow>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportRow {
    dimension_values: Vec<Text>,
    metric_values: Vec<Text>,
}

#[derive(Serialize)]
struct Text {
    value: String,
}

fn report(s: &AppState, headers: &HeaderMap, target: &str, raw: &[u8]) -> Result<Answer, GoogleError> {
    let Some(id) = target.strip_suffix(":runReport") else {
        return Err(super::not_found(Product::Ga4));
    };
    authorize(s, headers, Product::Ga4, SERVICE)?;
    let prop = s.google.property(id).ok_or_else(no_access)?;
    let req = parse_request(&body::object(Product::Ga4, raw)?)?;
    let now = s.clock.now();
    let today = today(prop, now);
    let bad_date = |name: &str, v: &str| {
        GoogleError::invalid(
            Product::Ga4,
            format!("Invalid dateRanges[0].{name}: \"{v}\". Use YYYY-MM-DD, NdaysAgo, yesterday or today."),
        )
    };
    let start = body::ga4_date(&req.start, today).ok_or_else(|| bad_date("startDate", &req.start))?;
    let end = body::ga4_date(&req.end, today).ok_or_else(|| bad_date("endDate", &req.end))?;
    if end < start {
        return Err(GoogleError::invalid(
            Product::Ga4,
            "dateRanges[0]: endDate must be on or after startDate.",
        ));
    }
    if let Err(exhausted) = lock(&s.google.live).quotas.ga4_admit(prop, now) {
        return Err(GoogleError::new(Product::Ga4, 429, exhausted.message()));
    }

    let g = Ga4Gen {
        seed: s.google.seed,
        prop,
    };
    let restatements = s.google.restatements(Product::Ga4, &prop.id);
    let digits = gen::minor_digits(&prop.currency);
    let (first, last) = served_days(s.google.cfg.history_days, today, start, end);
    let by_date = req.dims.contains(&Dim::Date);
    let (lo, hi) = (req.offset as u64, req.offset as u64 + req.limit as u64);
    let mut rows: Vec<ReportRow> = Vec::new();
    let mut count = 0u64;
    let mut folded = false;
    let mut sessions_in_range = 0u64;
    let mut merged: BTreeMap<Vec<String>, Ga4Metrics> = BTreeMap::new();
    let mut emit = |keys: Vec<String>, m: &Ga4Metrics, count: &mut u64| {
        if (lo..hi).contains(count) {
            rows.push(ReportRow {
                dimension_values: keys.into_iter().map(|value| Text { value }).collect(),
                metric_values: req
                    .metrics
                    .iter()
                    .map(|k| Text {
                        value: k.value(m, digits),
                    })
                    .collect(),
            });
        }
        *count += 1;
    };
    let mut day = first;
    while day <= last {
        let scale = day_scale(day, today, &restatements);
        sessions_in_range += g.day(day, scale).sessions;
        if by_date {
            // A day wholly before or after the page only counts.
            let (n, f) = day_count(&g, day, scale, &req.dims);
            if count + n <= lo || count >= hi {
                folded |= f;
                count += n;
                day += Duration::days(1);
                continue;
            }
        }
        let (day_rows, f) = day_rows(&g, day, scale, &req.dims);
        folded |= f;
        for (keys, m) in day_rows {
            if by_date {
                // Put the date back at its place among the requested dimensions.
                let mut it = keys.into_iter();
                let full = req
                    .dims
                    .iter()
                    .map(|d| match d {
                        Dim::Date => day.format("%Y%m%d").to_string(),
                        _ => it.next().unwrap_or_default(),
                    })
                    .collect();
                emit(full, &m, &mut count);
            } else {
                merged.entry(keys).or_default().add(&m);
            }
        }
        day += Duration::days(1);
    }
    for (keys, m) in std::mem::take(&mut merged) {
        emit(keys, &m, &mut count);
    }

    let mut metadata = json!({"currencyCode": prop.currency, "timeZone": prop.time_zone});
    if folded && req.dims.contains(&Dim::LandingPage) {
        metadata["dataLossFromOtherRow"] = json!(true);
    }
    if prop.thresholded {
        metadata["subjectToThresholding"] = json!(true);
    }
    if prop.sampled && count > 0 {
        // Events read vs. events in the range (about 4 per session), one entry per date range.
        let space = sessions_in_range * 4;
        metadata["samplingMetadatas"] = json!([{
            "samplesReadCount": (space * 12 / 100).to_string(),
            "samplingSpaceSize": space.to_string(),
        }]);
    }
    let mut answer = json!({
        "dimensionHeaders": req.dim_names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>(),
        "metricHeaders": req.metric_names.iter().zip(&req.metrics)
            .map(|(n, m)| json!({"name": n, "type": m.kind()})).collect::<Vec<_>>(),
    });
    // proto3 JSON leaves out zero counts, and so does Google.
    if count > 0 {
        answer["rowCount"] = json!(count);
    }
    answer["metadata"] = metadata;
    let cost = ga4_cost(rows.len());
    let quota = lock(&s.google.live)
        .quotas
        .ga4_spend(prop, now, cost, prop.thresholded);
    if req.return_quota {
        answer["propertyQuota"] = quota;
    }
    answer["kind"] = json!("analyticsData#runReport");
    Ok(Answer { head: answer, rows })
}
