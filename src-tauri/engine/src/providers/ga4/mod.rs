//! Google Analytics 4: a property per source, on a Google connection with the Analytics scope.
//! Daily totals, sessions by channel and by landing page, in the property's own time zone and
//! currency; the last 3 days are re-read every sync (GA4 accepts events 72 hours late).

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
    key: "ga4",
    label: "Google Analytics 4",
    account_provider: AccountProvider::Google,
    access: Access::Connection,
    account_noun: "property",
    account_example: "412345678",
    api_base_url: "https://analyticsdata.googleapis.com",
    scope: Some(google::ANALYTICS_SCOPE),
    app_token: None,
    streams: &[
        Stream {
            name: "daily",
            table: &tables::DAILY,
        },
        Stream {
            name: "channels",
            table: &tables::CHANNELS,
        },
        Stream {
            name: "landing_pages",
            table: &tables::LANDING_PAGES,
        },
    ],
    lookback_days: 3,
    history_days: 14 * 31,
    max_history_days: 0,
    gate_per_account: true,
    fixed_zone: None,
    metrics: metrics::METRICS,
    default_widgets: metrics::DEFAULT_WIDGETS,
    quality_metrics: metrics::QUALITY,
    attribution: None,
    api: &Ga4Api,
};

struct Ga4Api;

impl ConnectorApi for Ga4Api {
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Account, ConnectorError>> {
        Box::pin(api::validate(ctx))
    }

    fn accounts<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Vec<Account>, ConnectorError>> {
        Box::pin(api::properties(ctx))
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
        api::property_id(raw)
    }

    fn pacing(&self, _secret: &str) -> Pacing {
        Pacing {
            per_second: 0,
            per_endpoint: 0,
            // GA4 answers at most 10 requests to a Standard property at once
            // (concurrentRequests); its tokens are read from each answer (`returnPropertyQuota`).
            in_flight: 10,
        }
    }

    fn documented_rate(&self) -> &'static str {
        "GA4's documented limit: 10 requests at once to a property; its hourly and daily tokens are read from each answer"
    }

    fn classify(&self) -> Classify {
        google::classify
    }
}
