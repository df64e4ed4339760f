//! Google Ads API v26: GAQL through `googleAds:searchStream`, whose answer is one JSON array of
//! batches (int64 values as strings). Every call carries the developer token; an account under
//! a manager is reached with `login-customer-id` set to that manager, or Google refuses it
//! (USER_PERMISSION_DENIED). Conversions are credited to the click's day and keep changing over
//! the conversion window, so each sync re-reads the last 30 days and replaces them.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::tables;
use crate::connector::daily::{DailyCursor, Window};
use crate::connector::{
    cursor_from, header, minor_digits, Account, Cell, ConnectorError, Context, Page, Rows,
};
use crate::http::Request;
use crate::providers::google::{self, int64};

pub(super) const VERSION: &str = "v26";
const HOST: &str = "googleads.googleapis.com";
const SLICE_DAYS: u32 = 30;

/// One batch of a searchStream answer, its rows read straight into their shape (a stream of
/// two years of campaigns is hundreds of thousands of rows: no JSON tree in between).
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Batch<T> {
    #[serde(default = "Vec::new")]
    results: Vec<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CampaignRow {
    segments: Segments,
    campaign: Campaign,
    #[serde(default)]
    customer: Customer,
    #[serde(default)]
    metrics: Metrics,
}

#[derive(Deserialize)]
struct Segments {
    date: chrono::NaiveDate,
}

#[derive(Deserialize)]
struct Campaign {
    id: String,
    name: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Customer {
    currency_code: Option<String>,
}

/// int64 metrics are strings (a number there is a malformed answer); doubles are numbers.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    cost_micros: Option<String>,
    impressions: Option<String>,
    clicks: Option<String>,
    conversions: Option<f64>,
    conversions_value: Option<f64>,
}

/// `444-555-6666` or `4445556666` → `4445556666`.
pub(super) fn customer_id(raw: &str) -> Result<String, String> {
    let id: String = raw.trim().trim_start_matches("customers/").replace('-', "");
    if id.len() == 10 && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(format!(
            "“{}” is not a Google Ads customer id: use its 10 digits, e.g. 123-456-7890.",
            raw.trim()
        ))
    }
}

fn developer_token<'a>(ctx: &Context<'a>) -> Result<&'a str, ConnectorError> {
    ctx.app_token.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ConnectorError::Account(
            "Google Ads needs your developer token: enter it in Settings → Google, then try again.".into(),
        )
    })
}

/// A searchStream request for `customer`, through `login` (a manager) when given.
fn search<'a>(
    ctx: &'a Context<'a>,
    customer: &str,
    login: Option<&str>,
    body: &'a Value,
) -> Result<Request<'a>, ConnectorError> {
    let path = format!("/{VERSION}/customers/{customer}/googleAds:searchStream");
    let mut request = ctx.post(google::url(ctx, HOST, &path, &[]), body);
    request
        .headers
        .extend(header("developer-token", developer_token(ctx)?));
    if let Some(login) = login {
        request.headers.extend(header("login-customer-id", login));
    }
    Ok(request)
}

async fn rows_of<T: DeserializeOwned>(
    ctx: &Context<'_>,
    request: &Request<'_>,
) -> Result<Vec<T>, ConnectorError> {
    let batches: Vec<Batch<T>> = ctx.json(request).await?;
    Ok(batches.into_iter().flat_map(|b| b.results).collect())
}

/// Every account the grant reaches: the customers it can open directly, and the clients under
/// each manager among them (asked with that manager as `login-customer-id`). Managers hold no
/// campaigns of their own, so only the accounts under them and direct ones are listed.
pub(super) async fn customers(ctx: &Context<'_>) -> Result<Vec<Account>, ConnectorError> {
    developer_token(ctx)?;
    let url = google::url(
        ctx,
        HOST,
        &format!("/{VERSION}/customers:listAccessibleCustomers"),
        &[],
    );
    let mut request = ctx.get(url);
    request
        .headers
        .extend(header("developer-token", developer_token(ctx)?));
    let accessible: Value = ctx.json(&request).await?;
    let query = json!({
        "query": "SELECT customer_client.client_customer, customer_client.level, customer_client.manager, \
                  customer_client.descriptive_name, customer_client.currency_code, customer_client.time_zone, \
                  customer_client.status FROM customer_client"
    });
    let mut accounts: Vec<Account> = Vec::new();
    for name in accessible["resourceNames"].as_array().into_iter().flatten() {
        let Some(id) = name.as_str().and_then(|n| customer_id(n).ok()) else {
            continue;
        };
        let request = search(ctx, &id, Some(&id), &query)?;
        for row in rows_of::<Value>(ctx, &request).await? {
            let client = &row["customerClient"];
            let Some(client_id) = client["clientCustomer"]
                .as_str()
                .and_then(|c| customer_id(c).ok())
            else {
                continue;
            };
            if client["manager"].as_bool() == Some(true)
                || client["status"].as_str().is_some_and(|s| s != "ENABLED")
            {
                continue;
            }
            let level = client["level"]
                .as_str()
                .and_then(|l| l.parse::<u32>().ok())
                .unwrap_or(0);
            if accounts.iter().any(|a| a.id == client_id) {
                continue;
            }
            accounts.push(Account {
                label: client["descriptiveName"]
                    .as_str()
                    .unwrap_or(&client_id)
                    .to_owned(),
                parent: (level > 0).then(|| id.clone()),
                time_zone: client["timeZone"].as_str().map(str::to_owned),
                currency: client["currencyCode"].as_str().map(str::to_ascii_lowercase),
                id: client_id,
            });
        }
    }
    accounts.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(accounts)
}

pub(super) async fn validate(ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    let found = customers(ctx).await?.into_iter().find(|a| a.id == ctx.account);
    found.ok_or_else(|| {
        ConnectorError::Account(format!(
            "This Google account cannot reach Google Ads account {} (directly or through a manager account). Check the id, or connect a Google account with access to it.",
            ctx.account
        ))
    })
}

pub(super) async fn next_page(
    ctx: &Context<'_>,
    stream: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    if stream != "campaigns" {
        return Err(ConnectorError::BadData(format!("no Google Ads stream {stream}")));
    }
    let mut cursor: DailyCursor = cursor_from(cursor);
    let window = Window {
        today: Window::today_in(ctx.time_zone, ctx.now),
        lookback_days: ctx.lookback_days,
        history_days: ctx.history_days,
        max_history_days: super::CONNECTOR.max_history_days,
        slice_days: SLICE_DAYS,
    };
    let began = !cursor.walking();
    let (from, to) = cursor.slice(&window);
    let body = json!({
        "query": format!(
            "SELECT segments.date, campaign.id, campaign.name, customer.currency_code, metrics.cost_micros, \
             metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value \
             FROM campaign WHERE segments.date BETWEEN '{from}' AND '{to}' ORDER BY segments.date"
        )
    });
    let request = search(ctx, ctx.account, ctx.parent, &body)?;
    let mut rows = Rows::new(&tables::CAMPAIGNS);
    for row in rows_of(ctx, &request).await? {
        rows.rows.push(campaign_row(row)?);
    }
    let walk_over = cursor.finish_slice(to);
    Ok(cursor.page(rows, Some((from, to)), walk_over, began))
}

fn campaign_row(row: CampaignRow) -> Result<Vec<Cell>, ConnectorError> {
    let m = &row.metrics;
    let currency = row
        .customer
        .currency_code
        .as_deref()
        .unwrap_or("usd")
        .to_ascii_lowercase();
    let cost_micros = m
        .cost_micros
        .as_deref()
        .map(|c| int64(c, "costMicros"))
        .transpose()?
        .unwrap_or(0);
    let per_unit = 10f64.powi(minor_digits(&currency) as i32);
    let value = m.conversions_value.unwrap_or(0.0);
    Ok(vec![
        row.segments.date.to_string().into(),
        row.campaign.id.into(),
        row.campaign.name.into(),
        currency.as_str().into(),
        cost_micros.into(),
        (cost_micros as f64 * per_unit / 1e6).into(),
        m.impressions
            .as_deref()
            .map(|v| int64(v, "impressions"))
            .transpose()?
            .unwrap_or(0)
            .into(),
        m.clicks
            .as_deref()
            .map(|v| int64(v, "clicks"))
            .transpose()?
            .unwrap_or(0)
            .into(),
        m.conversions.unwrap_or(0.0).into(),
        value.into(),
        (value * per_unit).into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids_take_dashes_and_resource_names() {
        assert_eq!(customer_id("444-555-6666").unwrap(), "4445556666");
        assert_eq!(customer_id("customers/4445556666").unwrap(), "4445556666");
        assert!(customer_id("44455566").is_err());
    }

    #[test]
    fn a_row_keeps_micros_exactly_and_refuses_int64_sent_as_numbers() {
        let row = serde_json::json!({
            "customer": {"resourceName": "customers/4445556666", "currencyCode": "JPY"},
            "campaign": {"resourceName": "customers/4445556666/campaigns/9", "id": "9", "name": "Brand"},
            "metrics": {"costMicros": "1500000000", "impressions": "1200", "clicks": "30", "conversions": 2.5, "conversionsValue": 4200.0},
            "segments": {"date": "2026-11-01"}
        });
        let cells = campaign_row(serde_json::from_value(row).unwrap()).unwrap();
        assert_eq!(cells[4], Cell::Int(1_500_000_000));
        assert_eq!(cells[5], Cell::Real(1500.0), "JPY has no minor unit");
        let bad = serde_json::json!({
            "campaign": {"id": "9"}, "segments": {"date": "2026-11-01"}, "metrics": {"costMicros": 1500}
        });
        assert!(serde_json::from_value::<CampaignRow>(bad).is_err());
    }
}
