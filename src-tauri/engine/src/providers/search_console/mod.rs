//! Google Search Console: a site per source, on a Google connection with the Search Console
//! scope. Clicks, impressions, CTR and position by day for the site, and its top queries and
//! pages; days are Pacific Time, and recent days are re-read until Google calls them final.

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
use crate::http::{Classify, Pacing};

pub(super) static CONNECTOR: Connector = Connector {
    key: "search_console",
    label: "Search Console",
    account_provider: AccountProvider::Google,
    access: Access::Connection,
    account_noun: "site",
    account_example: "sc-domain:example.com",
    api_base_url: "https://searchconsole.googleapis.com",
    scope: Some(google::SEARCH_CONSOLE_SCOPE),
    app_token: None,
    streams: &[
        Stream {
            name: "daily",
            table: &tables::DAILY,
        },
        Stream {
            name: "queries",
            table: &tables::QUERIES,
        },
        Stream {
            name: "pages",
            table: &tables::PAGES,
        },
    ],
    // Or from Google's `firstIncompleteDate`, whichever reaches further back.
    lookback_days: 4,
    history_days: 16 * 31,
    // Search Console keeps 16 months.
    max_history_days: 16 * 31,
    gate_per_account: false,
    fixed_zone: Some(api::ZONE),
    metrics: metrics::METRICS,
    default_widgets: metrics::DEFAULT_WIDGETS,
    quality_metrics: &[],
    attribution: None,
    api: &SearchConsoleApi,
};

struct SearchConsoleApi;

impl ConnectorApi for SearchConsoleApi {
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Account, ConnectorError>> {
        Box::pin(api::validate(ctx))
    }

    fn accounts<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Vec<Account>, ConnectorError>> {
        Box::pin(api::sites(ctx))
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

    fn join(&self, _stream: &str, then: &Value, slice: &Value) -> Value {
        daily::join(then, slice)
    }

    fn normalize_account(&self, raw: &str) -> Result<String, String> {
        api::site_url(raw)
    }

    fn pacing(&self, _secret: &str) -> Pacing {
        Pacing {
            // 1,200 queries a minute per site and per user: one connection is one user.
            per_second: 20,
            per_endpoint: 0,
            in_flight: 8,
        }
    }

    fn documented_rate(&self) -> &'static str {
        "Search Console's documented limit: 1,200 queries a minute per site and per signed-in user (20 a second)"
    }

    fn classify(&self) -> Classify {
        google::classify
    }
}
