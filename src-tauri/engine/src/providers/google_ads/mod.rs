//! Google Ads: a customer account per source, on a Google connection with the Ads scope, plus
//! the developer token of the app (Settings, kept in the keyring). Cost, impressions, clicks,
//! conversions and conversion value by day and campaign.

mod api;
mod metrics;
mod tables;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::google;
use crate::connector::daily;
use crate::connector::{
    Access, Account, AccountProvider, Connector, ConnectorApi, ConnectorError, Context, Page, Stream,
};
use crate::http::Classify;

pub(super) static CONNECTOR: Connector = Connector {
    key: "google_ads",
    label: "Google Ads",
    account_provider: AccountProvider::Google,
    access: Access::Connection,
    account_noun: "account",
    account_example: "123-456-7890",
    api_base_url: "https://googleads.googleapis.com",
    scope: Some(google::ADS_SCOPE),
    app_token: Some("Google Ads developer token"),
    streams: &[Stream {
        name: "campaigns",
        table: &tables::CAMPAIGNS,
    }],
    // The default conversion window.
    lookback_days: 30,
    history_days: 24 * 31,
    // About 37 months are kept.
    max_history_days: 1110,
    gate_per_account: true,
    fixed_zone: None,
    metrics: metrics::METRICS,
    default_widgets: metrics::DEFAULT_WIDGETS,
    quality_metrics: &[],
    attribution: None,
    api: &GoogleAdsApi,
};

struct GoogleAdsApi;

impl ConnectorApi for GoogleAdsApi {
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Account, ConnectorError>> {
        Box::pin(api::validate(ctx))
    }

    fn accounts<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Vec<Account>, ConnectorError>> {
        Box::pin(api::customers(ctx))
    }

    fn next_page<'a>(
        &'a self,
        ctx: &'a Context<'a>,
        stream: &'a str,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<Page, ConnectorError>> {
        Box::pin(api::next_page(ctx, stream, cursor))
    }

    fn split(&self, _stream: &str, slice: &Value) -> Option<(Value, Value)> {
        daily::split(slice)
    }

    fn normalize_account(&self, raw: &str) -> Result<String, String> {
        api::customer_id(raw)
    }

    fn classify(&self) -> Classify {
        google::classify
    }
}
