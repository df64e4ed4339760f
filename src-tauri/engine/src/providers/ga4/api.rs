//! GA4: the Data API's `runReport` per property, by day, and the Admin API for the properties a
//! grant can see.
//!
//! A report pages by `offset` against `rowCount` — the answer has no page token and no offset,
//! so paging stops once `offset` reaches `rowCount` (a peer froze waiting for a field GA4 never
//! sends). Each request covers a slice of days of the property's own calendar; the rows of a
//! slice's days replace what was stored, so a restated day is updated and a row GA4 no longer
//! returns goes. Every value arrives as a string.

use serde::Deserialize;
use serde_json::{json, Value};

use super::tables;
use crate::connector::daily::{DailyCursor, Window};
use crate::connector::{
    cursor_from, minor_digits, minor_units, Account, Cell, ConnectorError, Context, Page, Rows, Table,
    QUALITY_OTHER_ROW, QUALITY_SAMPLED, QUALITY_THRESHOLDED,
};
use crate::providers::google;

const DATA_HOST: &str = "analyticsdata.googleapis.com";
const ADMIN_HOST: &str = "analyticsadmin.googleapis.com";
/// Rows per request (GA4 allows up to 250,000): small enough that a page of a busy
/// property's landing pages stays a few megabytes, so memory does not grow with it.
const LIMIT: u64 = 25_000;
/// Days per request: short enough that GA4 does not sample a standard property's report.
const SLICE_DAYS: u32 = 30;

/// One report: its dimensions after `date`, its metrics, and the table its rows go to.
struct Report {
    table: &'static Table,
    dimensions: &'static [&'static str],
    metrics: &'static [&'static str],
}

fn report(stream: &str) -> Option<Report> {
    Some(match stream {
        "daily" => Report {
            table: &tables::DAILY,
            dimensions: &[],
            metrics: &[
                "sessions",
                "totalUsers",
                "newUsers",
                "engagedSessions",
                "keyEvents",
                "totalRevenue",
            ],
        },
        "channels" => Report {
            table: &tables::CHANNELS,
            dimensions: &["sessionDefaultChannelGroup"],
            metrics: &["sessions", "engagedSessions", "keyEvents"],
        },
        "landing_pages" => Report {
            table: &tables::LANDING_PAGES,
            dimensions: &["landingPage"],
            metrics: &["sessions", "keyEvents"],
        },
        _ => return None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportResponse {
    #[serde(default)]
    rows: Vec<ReportRow>,
    #[serde(default)]
    row_count: u64,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    property_quota: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportRow {
    dimension_values: Vec<Text>,
    metric_values: Vec<Text>,
}

#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    value: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    currency_code: Option<String>,
    #[serde(default)]
    sampling_metadatas: Vec<Value>,
    #[serde(default)]
    subject_to_thresholding: bool,
    #[serde(default)]
    data_loss_from_other_row: bool,
}

impl Metadata {
    /// What a widget's hover says about these numbers.
    fn quality(&self) -> i64 {
        let mut flags = 0;
        if !self.sampling_metadatas.is_empty() {
            flags |= QUALITY_SAMPLED;
        }
        if self.subject_to_thresholding {
            flags |= QUALITY_THRESHOLDED;
        }
        if self.data_loss_from_other_row {
            flags |= QUALITY_OTHER_ROW;
        }
        flags
    }
}

/// `properties/123` or `123` → `123`.
pub(super) fn property_id(raw: &str) -> Result<String, String> {
    let id = raw.trim().trim_start_matches("properties/");
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err(format!(
            "“{}” is not a GA4 property id: use its number, e.g. 412345678 (Admin → Property details).",
            raw.trim()
        ))
    }
}

pub(super) async fn validate(ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    let url = google::url(
        ctx,
        ADMIN_HOST,
        &format!("/v1beta/properties/{}", ctx.account),
        &[],
    );
    let property: Value = match ctx.json(&ctx.get(url)).await {
        Err(ConnectorError::Http(crate::http::HttpError::Rejected {
            status: 403 | 404, ..
        })) => {
            return Err(ConnectorError::Account(format!(
                "This Google account cannot read GA4 property {}. Check the id, or connect a Google account with access to it.",
                ctx.account
            )))
        }
        other => other?,
    };
    Ok(Account {
        id: ctx.account.to_owned(),
        label: property["displayName"]
            .as_str()
            .unwrap_or("GA4 property")
            .to_owned(),
        parent: None,
        time_zone: property["timeZone"].as_str().map(str::to_owned),
        currency: property["currencyCode"].as_str().map(str::to_ascii_lowercase),
    })
}

/// Every property the grant can see, from the Admin API's account summaries (200 a page).
pub(super) async fn properties(ctx: &Context<'_>) -> Result<Vec<Account>, ConnectorError> {
    let mut accounts = Vec::new();
    let mut page_token: Option<String> = None;
    loop {
        let mut query = vec![("pageSize", "200".to_owned())];
        if let Some(token) = &page_token {
            query.push(("pageToken", token.clone()));
        }
        let url = google::url(ctx, ADMIN_HOST, "/v1beta/accountSummaries", &query);
        let page: Value = ctx.json(&ctx.get(url)).await?;
        for summary in page["accountSummaries"].as_array().into_iter().flatten() {
            let account_name = summary["displayName"].as_str().unwrap_or("");
            for property in summary["propertySummaries"].as_array().into_iter().flatten() {
                let Some(id) = property["property"].as_str().and_then(|p| property_id(p).ok()) else {
                    continue;
                };
                let name = property["displayName"].as_str().unwrap_or(&id);
                accounts.push(Account {
                    label: if account_name.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{name} ({account_name})")
                    },
                    id,
                    parent: None,
                    time_zone: None,
                    currency: None,
                });
            }
        }
        page_token = page["nextPageToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if page_token.is_none() {
            return Ok(accounts);
        }
    }
}

pub(super) async fn next_page(
    ctx: &Context<'_>,
    stream: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    let report = report(stream).ok_or_else(|| ConnectorError::BadData(format!("no GA4 stream {stream}")))?;
    let mut cursor: DailyCursor = cursor_from(cursor);
    let window = Window {
        today: Window::today_in(ctx.time_zone, ctx.now),
        lookback_days: ctx.lookback_days,
        history_days: ctx.history_days,
        max_history_days: 0,
        slice_days: SLICE_DAYS,
    };
    let began = !cursor.walking();
    let (from, to) = cursor.slice(&window);
    let first_page = cursor.at_slice_start();
    let dimensions: Vec<Value> = std::iter::once("date")
        .chain(report.dimensions.iter().copied())
        .map(|name| json!({ "name": name }))
        .collect();
    let mut body = json!({
        "dateRanges": [{ "startDate": from.to_string(), "endDate": to.to_string() }],
        "dimensions": dimensions,
        "metrics": report.metrics.iter().map(|name| json!({ "name": name })).collect::<Vec<_>>(),
        "limit": LIMIT.to_string(),
        "returnPropertyQuota": true,
        // Offset paging needs an order that does not change between pages.
        "orderBys": std::iter::once("date").chain(report.dimensions.iter().copied())
            .map(|name| json!({ "dimension": { "dimensionName": name } }))
            .collect::<Vec<_>>(),
    });
    if cursor.offset > 0 {
        body["offset"] = json!(cursor.offset.to_string());
    }
    let url = google::url(
        ctx,
        DATA_HOST,
        &format!("/v1beta/properties/{}:runReport", ctx.account),
        &[],
    );
    let answer: ReportResponse = ctx.json(&ctx.post(url, &body)).await?;
    let rows = rows(&report, &answer)?;
    if let Some(quota) = &answer.property_quota {
        hold_if_spent(ctx, quota);
    }
    let read = answer.rows.len() as u64;
    cursor.offset += read;
    // The end of the slice: every row counted, or an empty page (never ask forever).
    let walk_over = if read == 0 || cursor.offset >= answer.row_count {
        cursor.finish_slice(to)
    } else {
        false
    };
    Ok(cursor.page(rows, first_page.then_some((from, to)), walk_over, began))
}

fn rows(report: &Report, answer: &ReportResponse) -> Result<Rows, ConnectorError> {
    let currency = answer
        .metadata
        .currency_code
        .as_deref()
        .unwrap_or("usd")
        .to_ascii_lowercase();
    let quality = answer.metadata.quality();
    let mut rows = Rows::new(report.table);
    for row in &answer.rows {
        let dims = &row.dimension_values;
        let metrics = &row.metric_values;
        if dims.len() != 1 + report.dimensions.len() || metrics.len() != report.metrics.len() {
            return Err(ConnectorError::BadData(
                "a GA4 row does not have the dimensions and metrics asked for".into(),
            ));
        }
        let mut cells: Vec<Cell> = vec![date(&dims[0].value)?.into()];
        cells.extend(dims[1..].iter().map(|d| Cell::from(d.value.as_str())));
        for (name, value) in report.metrics.iter().zip(metrics) {
            let value = value.value.as_str();
            cells.push(match *name {
                "keyEvents" => number(value, name)?.into(),
                // Exact when GA4 sends the currency's decimals; rounded when it sends more.
                "totalRevenue" => minor_units(value, &currency)
                    .or_else(|| {
                        let scale = 10f64.powi(minor_digits(&currency) as i32);
                        number(value, name).ok().map(|v| (v * scale).round() as i64)
                    })
                    .ok_or_else(|| ConnectorError::BadData(format!("totalRevenue {value:?}")))?
                    .into(),
                _ => integer(value, name)?.into(),
            });
        }
        if report.table.name == tables::DAILY.name {
            cells.push(currency.as_str().into());
        }
        cells.push(quality.into());
        rows.rows.push(cells);
    }
    Ok(rows)
}

/// `YYYYMMDD` → `YYYY-MM-DD`.
fn date(value: &str) -> Result<String, ConnectorError> {
    chrono::NaiveDate::parse_from_str(value, "%Y%m%d")
        .map(|d| d.to_string())
        .map_err(|_| ConnectorError::BadData(format!("GA4 date {value:?}")))
}

fn integer(value: &str, what: &str) -> Result<i64, ConnectorError> {
    value
        .parse()
        .map_err(|_| ConnectorError::BadData(format!("GA4 {what} {value:?} is not a whole number")))
}

fn number(value: &str, what: &str) -> Result<f64, ConnectorError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| ConnectorError::BadData(format!("GA4 {what} {value:?} is not a number")))
}

/// GA4 says what is left of the property's hourly and daily tokens: once either is spent,
/// every request of the property would fail until it refills, so the property waits.
fn hold_if_spent(ctx: &Context<'_>, quota: &Value) {
    let spent = |name: &str| quota[name]["remaining"].as_i64().is_some_and(|r| r <= 0);
    if spent("tokensPerDay") {
        ctx.hold(google::refill_wait(ctx.now, true));
    } else if spent("tokensPerHour") {
        ctx.hold(google::refill_wait(ctx.now, false));
    }
}
