//! Search Console's `searchAnalytics.query`, by day. The site's totals come from a date-only
//! query; top queries and pages are read one day at a time (long ranges return far fewer rows)
//! with `rowLimit` 25,000 and `startRow`, a page shorter than the limit being the last. With
//! `dataState=all` the answer says from which day numbers may still change
//! (`firstIncompleteDate`); the next sync re-reads from there, replacing those days.

use serde::Deserialize;
use serde_json::{json, Value};

use super::tables;
use crate::connector::daily::{DailyCursor, Window};
use crate::connector::{cursor_from, Account, Cell, ConnectorError, Context, Page, Rows, Table};
use crate::providers::google;

const HOST: &str = "searchconsole.googleapis.com";
pub(super) const ZONE: &str = "America/Los_Angeles";
const ROW_LIMIT: u64 = 25_000;
/// Search Console returns at most this many rows per day and search type.
const DAY_CAP: u64 = 50_000;

struct Report {
    table: &'static Table,
    dimension: Option<&'static str>,
    slice_days: u32,
}

fn report(stream: &str) -> Option<Report> {
    Some(match stream {
        "daily" => Report {
            table: &tables::DAILY,
            dimension: None,
            slice_days: 30,
        },
        "queries" => Report {
            table: &tables::QUERIES,
            dimension: Some("query"),
            slice_days: 1,
        },
        "pages" => Report {
            table: &tables::PAGES,
            dimension: Some("page"),
            slice_days: 1,
        },
        _ => return None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryResponse {
    #[serde(default)]
    rows: Vec<QueryRow>,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Deserialize)]
struct QueryRow {
    keys: Vec<String>,
    clicks: f64,
    impressions: f64,
    ctr: f64,
    position: f64,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    first_incomplete_date: Option<chrono::NaiveDate>,
}

/// A site as Search Console names it: `sc-domain:example.com`, or a URL prefix ending in `/`.
pub(super) fn site_url(raw: &str) -> Result<String, String> {
    let site = raw.trim();
    if site
        .strip_prefix("sc-domain:")
        .is_some_and(|d| !d.is_empty() && !d.contains('/'))
    {
        return Ok(site.to_owned());
    }
    match reqwest::Url::parse(site) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            let mut site = url.to_string();
            if !site.ends_with('/') {
                site.push('/');
            }
            Ok(site)
        }
        _ => Err(format!(
            "“{site}” is not a Search Console property: use sc-domain:example.com or a URL prefix like https://www.example.com/."
        )),
    }
}

/// The sites the grant can read (unverified ones have no data).
pub(super) async fn sites(ctx: &Context<'_>) -> Result<Vec<Account>, ConnectorError> {
    let url = google::url(ctx, HOST, "/webmasters/v3/sites", &[]);
    let answer: Value = ctx.json(&ctx.get(url)).await?;
    let mut sites: Vec<Account> = answer["siteEntry"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["permissionLevel"].as_str() != Some("siteUnverifiedUser"))
        .filter_map(|s| s["siteUrl"].as_str())
        .map(|url| Account {
            id: url.to_owned(),
            label: url.trim_start_matches("sc-domain:").to_owned(),
            parent: None,
            time_zone: Some(ZONE.to_owned()),
            currency: None,
        })
        .collect();
    sites.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(sites)
}

pub(super) async fn validate(ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    let found = sites(ctx).await?.into_iter().find(|s| s.id == ctx.account);
    found.ok_or_else(|| {
        ConnectorError::Account(format!(
            "This Google account has no verified Search Console property {}. Check the address, or verify the site in Search Console.",
            ctx.account
        ))
    })
}

pub(super) async fn next_page(
    ctx: &Context<'_>,
    stream: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    let report = report(stream)
        .ok_or_else(|| ConnectorError::BadData(format!("no Search Console stream {stream}")))?;
    let mut cursor: DailyCursor = cursor_from(cursor);
    let window = Window {
        today: Window::today_in(Some(ZONE), ctx.now),
        lookback_days: ctx.lookback_days,
        history_days: ctx.history_days,
        max_history_days: super::CONNECTOR.max_history_days,
        slice_days: report.slice_days,
    };
    let began = !cursor.walking();
    let (from, to) = cursor.slice(&window);
    let first_page = cursor.at_slice_start();
    let dimensions: Vec<&str> = std::iter::once("date").chain(report.dimension).collect();
    let mut body = json!({
        "startDate": from.to_string(),
        "endDate": to.to_string(),
        "dimensions": dimensions,
        "type": "web",
        "dataState": "all",
        "aggregationType": "byProperty",
        "rowLimit": ROW_LIMIT,
    });
    if cursor.offset > 0 {
        body["startRow"] = json!(cursor.offset);
    }
    let path = format!(
        "/webmasters/v3/sites/{}/searchAnalytics/query",
        encode(ctx.account)
    );
    let answer: QueryResponse = ctx
        .json(&ctx.post(google::url(ctx, HOST, &path, &[]), &body))
        .await?;
    let mut rows = Rows::new(report.table);
    for row in &answer.rows {
        if row.keys.len() != dimensions.len() {
            return Err(ConnectorError::BadData(
                "a Search Console row without its keys".into(),
            ));
        }
        let mut cells: Vec<Cell> = row.keys.iter().map(|k| Cell::from(k.as_str())).collect();
        cells.extend([
            Cell::Int(row.clicks.round() as i64),
            Cell::Int(row.impressions.round() as i64),
            Cell::Real(row.ctr),
            Cell::Real(row.position),
        ]);
        rows.rows.push(cells);
    }
    if let Some(first) = answer.metadata.first_incomplete_date {
        cursor.incomplete_from = Some(first);
    }
    let read = answer.rows.len() as u64;
    cursor.offset += read;
    let capped = cursor.offset >= DAY_CAP;
    if capped {
        tracing::warn!(stream, day = %from, "Search Console's 50,000-rows-a-day limit reached; the rest of the day is not available");
    }
    let walk_over = (read < ROW_LIMIT || capped) && cursor.finish_slice(to);
    Ok(cursor.page(rows, first_page.then_some((from, to)), walk_over, began))
}

/// A site URL as one path segment: everything but unreserved characters percent-encoded.
fn encode(site: &str) -> String {
    site.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_urls_are_checked_and_encoded_as_one_segment() {
        assert_eq!(
            site_url(" sc-domain:northwind.example ").unwrap(),
            "sc-domain:northwind.example"
        );
        assert_eq!(
            site_url("https://www.globex.example").unwrap(),
            "https://www.globex.example/"
        );
        assert!(site_url("northwind.example").is_err());
        assert!(site_url("sc-domain:").is_err());
        assert_eq!(
            encode("sc-domain:northwind.example"),
            "sc-domain%3Anorthwind.example"
        );
        assert_eq!(
            encode("https://www.globex.example/"),
            "https%3A%2F%2Fwww.globex.example%2F"
        );
    }
}
