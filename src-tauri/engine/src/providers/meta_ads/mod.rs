//! Meta Ads: an ad account per source, on a Meta connection (a person's sign-in or a pasted
//! system-user token). Spend, impressions, reach, clicks and conversions by day and campaign,
//! in the ad account's zone and currency.

mod api;
mod limits;
mod metrics;
mod report;
mod tables;

use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::connector::{
    Access, Account, AccountProvider, Connector, ConnectorApi, ConnectorError, Context, Page, Stream,
};
use crate::http::Classify;

pub(super) static CONNECTOR: Connector = Connector {
    key: "meta_ads",
    label: "Meta Ads",
    account_provider: AccountProvider::Meta,
    access: Access::Connection,
    account_noun: "ad account",
    account_example: "act_1234567890",
    api_base_url: "https://graph.facebook.com",
    scope: None,
    app_token: None,
    streams: &[Stream {
        name: "campaigns",
        table: &tables::CAMPAIGNS,
    }],
    // Insights settle 28 days after the day.
    lookback_days: 28,
    history_days: 730,
    // Meta keeps 37 months; a few days less, so an account far east of UTC, whose today is
    // already tomorrow, never asks past the edge.
    max_history_days: 1120,
    // Meta's budgets are per ad account (and its business).
    gate_per_account: true,
    fixed_zone: None,
    metrics: metrics::METRICS,
    default_widgets: metrics::DEFAULT_WIDGETS,
    quality_metrics: &[],
    attribution: Some("7-day click or 1-day view"),
    api: &MetaAdsApi,
};

struct MetaAdsApi;

impl ConnectorApi for MetaAdsApi {
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Account, ConnectorError>> {
        Box::pin(api::validate(ctx))
    }

    fn accounts<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Vec<Account>, ConnectorError>> {
        Box::pin(api::ad_accounts(ctx))
    }

    fn next_page<'a>(
        &'a self,
        ctx: &'a Context<'a>,
        stream: &'a str,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<Page, ConnectorError>> {
        Box::pin(api::next_page(ctx, stream, cursor))
    }

    fn normalize_account(&self, raw: &str) -> Result<String, String> {
        api::ad_account_id(raw)
    }

    fn classify(&self) -> Classify {
        limits::classify
    }
}
