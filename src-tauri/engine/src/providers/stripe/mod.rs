//! Stripe: a restricted (read-only) API key per account; lists paged newest first, then
//! `/v1/events` for what changed. See `api.rs` for the walks.

mod api;
mod metrics;
mod tables;

use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::connector::{
    Access, Account, AccountProvider, AuthKind, Connector, ConnectorApi, ConnectorError, Context, Page,
    Stream,
};
use crate::http::Pacing;

pub(super) static CONNECTOR: Connector = Connector {
    key: "stripe",
    label: "Stripe",
    account_provider: AccountProvider::Stripe,
    access: Access::Secret {
        auth: AuthKind::ApiKey,
        secret_label: "Restricted API key",
        secret_example: "rk_live_…",
        connections: false,
    },
    account_noun: "account",
    account_example: "",
    api_base_url: "https://api.stripe.com",
    scope: None,
    app_token: None,
    streams: &[
        Stream {
            name: "customers",
            table: &tables::CUSTOMERS,
        },
        Stream {
            name: "charges",
            table: &tables::CHARGES,
        },
        Stream {
            name: "invoices",
            table: &tables::INVOICES,
        },
        Stream {
            name: "subscriptions",
            table: &tables::SUBSCRIPTIONS,
        },
        Stream {
            name: "balance_transactions",
            table: &tables::BALANCE_TRANSACTIONS,
        },
    ],
    // Restatements come as events, re-read every sync: no window of days stays open.
    lookback_days: 0,
    history_days: 0,
    max_history_days: 0,
    gate_per_account: false,
    fixed_zone: None,
    metrics: metrics::METRICS,
    default_widgets: metrics::DEFAULT_WIDGETS,
    quality_metrics: &[],
    attribution: None,
    api: &StripeApi,
};

struct StripeApi;

impl ConnectorApi for StripeApi {
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Account, ConnectorError>> {
        Box::pin(api::validate(ctx))
    }

    fn next_page<'a>(
        &'a self,
        ctx: &'a Context<'a>,
        stream: &'a str,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<Page, ConnectorError>> {
        Box::pin(api::next_page(ctx, stream, cursor))
    }

    /// Stripe's documented limits (docs.stripe.com/rate-limits): 100 requests a second in
    /// live mode, 25 in a sandbox, and 25 a second to any one API operation unless it says
    /// otherwise (listing charges and retrieving one are two). Sixteen in flight keep one
    /// endpoint's 25/s busy at the few hundred milliseconds a list page takes.
    fn pacing(&self, secret: &str) -> Pacing {
        Pacing {
            per_second: if secret.contains("_live_") { 100 } else { 25 },
            per_endpoint: 25,
            in_flight: 16,
        }
    }

    fn documented_rate(&self) -> &'static str {
        "Stripe's documented limit: 100 requests a second for a live key, 25 for a sandbox key, 25 to any one operation"
    }

    fn split(&self, _stream: &str, slice: &Value) -> Option<(Value, Value)> {
        api::split(slice)
    }
}
