//! Meta's Marketing API (Graph v26.0): the ad accounts a login reaches, and campaign insights
//! by day. Every metric comes as a string — money as a decimal in the account's currency, kept
//! exact — and conversions as `actions` / `action_values` lists by `action_type`.
//!
//! Conversions are credited to the day of the ad and keep arriving for 28 days, so each sync
//! re-reads the last 28 days and replaces them (one request, paged). A first sync reads the
//! history in 90-day slices through async report runs (`report.rs`), which Meta meant for
//! large ranges; a direct read Meta finds too large ("reduce the amount of data") goes the
//! same way.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{report, tables};
use crate::connector::daily::{DailyCursor, Window};
use crate::connector::{
    cursor_from, minor_units, scaled, Account, Cell, ConnectorError, Context, Page, Rows,
};
use crate::http::HttpError;

pub(super) const VERSION: &str = "v26.0";

/// The attribution windows asked for: Meta's default setting (7-day click, 1-day view).
/// 7d_view and 28d_view are not returned since January 2026, so they are never asked for.
pub(super) const ATTRIBUTION: &str = "7d_click,1d_view";

const FIELDS: &str = "account_currency,campaign_id,campaign_name,spend,impressions,reach,clicks,\
                      inline_link_clicks,actions,action_values";
/// Meta's largest insights page.
pub(super) const PAGE_LIMIT: &str = "500";
/// Days per direct read (the 28-day re-read fits one) and per async report run.
const DIRECT_SLICE_DAYS: u32 = 31;
const REPORT_SLICE_DAYS: u32 = 90;

/// One row of `/insights` at campaign level with `time_increment=1`: one campaign, one day,
/// as its text reads. Strings borrow from the page's bytes (owned only where JSON escapes
/// them), so a row costs no allocation until it becomes cells.
#[derive(Deserialize)]
struct InsightsRow<'a> {
    date_start: NaiveDate,
    #[serde(borrow)]
    campaign_id: Cow<'a, str>,
    #[serde(borrow)]
    campaign_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    account_currency: Cow<'a, str>,
    #[serde(borrow)]
    spend: Option<Cow<'a, str>>,
    #[serde(borrow)]
    impressions: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reach: Option<Cow<'a, str>>,
    #[serde(borrow)]
    clicks: Option<Cow<'a, str>>,
    #[serde(borrow)]
    inline_link_clicks: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    actions: Vec<ActionStat<'a>>,
    #[serde(default, borrow)]
    action_values: Vec<ActionStat<'a>>,
}

#[derive(Deserialize)]
struct ActionStat<'a> {
    #[serde(borrow)]
    action_type: Cow<'a, str>,
    #[serde(borrow)]
    value: Cow<'a, str>,
}

/// A campaign's day as the cells of `tables::CAMPAIGNS`, mapped while its page is parsed: a
/// page holds its rows' cells, never their text. A value that is not what Meta documents
/// fails the page's parse, naming the field.
pub(super) struct CampaignRow(Vec<Cell>);

impl<'de> Deserialize<'de> for CampaignRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let row = InsightsRow::deserialize(deserializer)?;
        campaign_row(row)
            .map(CampaignRow)
            .map_err(serde::de::Error::custom)
    }
}

/// A Graph API list page. `next` is only read for whether there is more: the next page is
/// asked for at the connection's own address with `after`, so the token never follows a URL
/// an answer named.
#[derive(Deserialize)]
pub(super) struct Paged<T> {
    data: Vec<T>,
    #[serde(default)]
    paging: Paging,
}

#[derive(Default, Deserialize)]
struct Paging {
    next: Option<String>,
    #[serde(default)]
    cursors: Cursors,
}

#[derive(Default, Deserialize)]
struct Cursors {
    after: Option<String>,
}

/// `act_123`, `123` → `act_123`.
pub(super) fn ad_account_id(raw: &str) -> Result<String, String> {
    let digits = raw.trim().trim_start_matches("act_");
    if !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!("act_{digits}"))
    } else {
        Err(format!(
            "“{}” is not a Meta ad account id: use act_ and its digits, e.g. act_1234567890 (Ads Manager shows it).",
            raw.trim()
        ))
    }
}

/// Every page of a Graph list at `path`, following `paging.cursors.after` while there is a
/// `next`.
pub(super) async fn all_pages<T: serde::de::DeserializeOwned>(
    ctx: &Context<'_>,
    path: &str,
    query: &[(&str, String)],
) -> Result<Vec<T>, ConnectorError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut params = query.to_vec();
        params.extend(after.take().map(|a| ("after", a)));
        let page: Paged<T> = ctx.json(&ctx.get(ctx.url(path, &params))).await?;
        out.extend(page.data);
        match (page.paging.next, page.paging.cursors.after) {
            (Some(_), Some(cursor)) => after = Some(cursor),
            _ => return Ok(out),
        }
    }
}

#[derive(Deserialize)]
struct AdAccount {
    id: String,
    name: Option<String>,
    currency: Option<String>,
    timezone_name: Option<String>,
}

impl From<AdAccount> for Account {
    fn from(a: AdAccount) -> Self {
        Account {
            label: a.name.unwrap_or_else(|| a.id.clone()),
            parent: None,
            time_zone: a.timezone_name,
            currency: a.currency.map(|c| c.to_ascii_lowercase()),
            id: a.id,
        }
    }
}

const ACCOUNT_FIELDS: &str = "id,name,currency,timezone_name";

/// The ad accounts the login reaches (a person's, or a system user's).
pub(super) async fn ad_accounts(ctx: &Context<'_>) -> Result<Vec<Account>, ConnectorError> {
    let query = [("fields", ACCOUNT_FIELDS.to_owned()), ("limit", "100".to_owned())];
    let found: Vec<AdAccount> = all_pages(ctx, &format!("/{VERSION}/me/adaccounts"), &query).await?;
    let mut accounts: Vec<Account> = found.into_iter().map(Account::from).collect();
    accounts.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(accounts)
}

pub(super) async fn validate(ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    let url = ctx.url(
        &format!("/{VERSION}/{}", ctx.account),
        &[("fields", ACCOUNT_FIELDS.to_owned())],
    );
    match ctx.json::<AdAccount>(&ctx.get(url)).await {
        Ok(account) => Ok(account.into()),
        Err(ConnectorError::Http(HttpError::Rejected { .. })) => Err(ConnectorError::Account(format!(
            "This Meta login cannot reach ad account {}. Check the id, or connect a Meta user or system user with access to it.",
            ctx.account
        ))),
        Err(e) => Err(e),
    }
}

/// The insights parameters for `from..=to` (the same for a direct read and a report run).
pub(super) fn insights_query(from: NaiveDate, to: NaiveDate) -> Vec<(&'static str, String)> {
    vec![
        ("level", "campaign".into()),
        ("fields", FIELDS.into()),
        (
            "time_range",
            serde_json::json!({"since": from.to_string(), "until": to.to_string()}).to_string(),
        ),
        ("time_increment", "1".into()),
        (
            "action_attribution_windows",
            Value::from(ATTRIBUTION.split(',').collect::<Vec<_>>()).to_string(),
        ),
        ("limit", PAGE_LIMIT.into()),
    ]
}

pub(super) fn insights_path(ctx: &Context<'_>) -> String {
    format!("/{VERSION}/{}/insights", ctx.account)
}

/// A direct read of `from..=to`, every page.
pub(super) async fn read_directly(
    ctx: &Context<'_>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CampaignRow>, ConnectorError> {
    all_pages(ctx, &insights_path(ctx), &insights_query(from, to)).await
}

/// Meta's answer to a read it finds too large: ask for less, or through a report run.
fn too_much_data(error: &ConnectorError) -> bool {
    matches!(error, ConnectorError::Http(HttpError::Rejected { message, .. })
        if message.to_ascii_lowercase().contains("reduce the amount of data"))
}

pub(super) async fn next_page(
    ctx: &Context<'_>,
    stream: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    if stream != "campaigns" {
        return Err(ConnectorError::BadData(format!("no Meta Ads stream {stream}")));
    }
    let mut cursor: DailyCursor = cursor_from(cursor);
    // A walk that starts with nothing synced is the backfill: long, so in report runs.
    let backfill = cursor.synced_through.is_none();
    let window = Window {
        today: Window::today_in(ctx.time_zone, ctx.now),
        lookback_days: ctx.lookback_days,
        history_days: ctx.history_days,
        max_history_days: super::CONNECTOR.max_history_days,
        slice_days: if backfill {
            REPORT_SLICE_DAYS
        } else {
            DIRECT_SLICE_DAYS
        },
    };
    let (from, to) = cursor.slice(&window);
    let found = if backfill {
        report::read(ctx, from, to).await?
    } else {
        match read_directly(ctx, from, to).await {
            Err(e) if too_much_data(&e) => report::read(ctx, from, to).await?,
            other => other?,
        }
    };
    let mut rows = Rows::new(&tables::CAMPAIGNS);
    rows.rows = found.into_iter().map(|row| row.0).collect();
    let walk_over = cursor.finish_slice(to);
    // One report run at a time, never slices: a run is several calls, and one cut short by a
    // hold on the account's usage is lost, so runs sharing a tight budget would never finish.
    Ok(cursor.page(rows, Some((from, to)), walk_over, false))
}

fn count(text: Option<&str>, what: &str) -> Result<i64, ConnectorError> {
    text.map_or(Ok(0), |t| {
        scaled(t, 0).ok_or_else(|| ConnectorError::BadData(format!("{what}: {t:?} is not a whole number")))
    })
}

fn money(text: Option<&str>, currency: &str, what: &str) -> Result<(String, i64), ConnectorError> {
    let text = text.unwrap_or("0").trim();
    let minor = minor_units(text, currency).ok_or_else(|| {
        ConnectorError::BadData(format!(
            "{what}: {text:?} is not an amount of {}",
            currency.to_uppercase()
        ))
    })?;
    Ok((text.to_owned(), minor))
}

fn action<'a>(list: &'a [ActionStat], action_type: &str) -> Option<&'a str> {
    list.iter()
        .find(|a| a.action_type == action_type)
        .map(|a| a.value.as_ref())
}

fn campaign_row(row: InsightsRow) -> Result<Vec<Cell>, ConnectorError> {
    let currency = row.account_currency.to_ascii_lowercase();
    let (spend, spend_minor) = money(row.spend.as_deref(), &currency, "spend")?;
    let (value, value_minor) = money(
        action(&row.action_values, "purchase"),
        &currency,
        "purchase value",
    )?;
    Ok(vec![
        row.date_start.to_string().into(),
        row.campaign_id.into_owned().into(),
        row.campaign_name.map(Cow::into_owned).into(),
        currency.as_str().into(),
        spend.into(),
        spend_minor.into(),
        count(row.impressions.as_deref(), "impressions")?.into(),
        count(row.reach.as_deref(), "reach")?.into(),
        count(row.clicks.as_deref(), "clicks")?.into(),
        count(row.inline_link_clicks.as_deref(), "inline_link_clicks")?.into(),
        count(action(&row.actions, "purchase"), "purchases")?.into(),
        count(action(&row.actions, "lead"), "leads")?.into(),
        value.into(),
        value_minor.into(),
        ATTRIBUTION.into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_account_ids_take_the_prefix_or_the_digits() {
        assert_eq!(ad_account_id("act_1010000000001").unwrap(), "act_1010000000001");
        assert_eq!(ad_account_id(" 1010000000001 ").unwrap(), "act_1010000000001");
        assert!(ad_account_id("act_12a").is_err());
        assert!(ad_account_id("act_").is_err());
    }

    fn parse(row: serde_json::Value) -> Result<Vec<Cell>, serde_json::Error> {
        serde_json::from_str::<CampaignRow>(&row.to_string()).map(|row| row.0)
    }

    #[test]
    fn a_row_keeps_money_exact_and_refuses_numbers_where_meta_sends_strings() {
        let row = serde_json::json!({
            "date_start": "2026-11-01", "date_stop": "2026-11-01",
            "campaign_id": "23850000000000001", "campaign_name": "Spring \"Sale\" ✓",
            "account_currency": "USD", "spend": "5339.5", "impressions": "361324", "reach": "200001",
            "clicks": "4012", "inline_link_clicks": "3100",
            "actions": [{"action_type": "link_click", "value": "3100"}, {"action_type": "purchase", "value": "41"},
                        {"action_type": "lead", "value": "7"}],
            "action_values": [{"action_type": "purchase", "value": "2049.99"}]
        });
        let cells = parse(row).unwrap();
        // An escaped name is read whole, not borrowed in pieces.
        assert_eq!(cells[2], Cell::Text("Spring \"Sale\" ✓".into()));
        assert_eq!(cells[4], Cell::Text("5339.5".into()));
        assert_eq!(cells[5], Cell::Int(533_950));
        assert_eq!(
            (cells[10].clone(), cells[11].clone()),
            (Cell::Int(41), Cell::Int(7))
        );
        assert_eq!(cells[13], Cell::Int(204_999));
        // No actions at all: zero conversions, not a failure.
        let quiet = serde_json::json!({"date_start": "2026-11-01", "campaign_id": "1", "account_currency": "JPY",
                                       "spend": "120"});
        let cells_of_quiet = parse(quiet).unwrap();
        assert_eq!(
            (cells_of_quiet[5].clone(), cells_of_quiet[10].clone()),
            (Cell::Int(120), Cell::Int(0))
        );
        let number = serde_json::json!({"date_start": "2026-11-01", "campaign_id": "1", "account_currency": "USD",
                                        "spend": 12.5});
        assert!(parse(number).is_err());
        let yen_cents = serde_json::json!({"date_start": "2026-11-01", "campaign_id": "1", "account_currency": "JPY",
                                           "spend": "12.5"});
        let refused = parse(yen_cents).unwrap_err().to_string();
        assert!(refused.contains("spend") && refused.contains("JPY"), "{refused}");
    }
}
