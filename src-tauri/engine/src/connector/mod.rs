//! The contract a provider implements, and the leaf types it speaks in. A provider is one
//! folder under `providers/` exposing one `Connector`: its static facts (streams and tables,
//! metrics and default widgets, how its sources are reached, its restatement window and first
//! backfill) and its `ConnectorApi` (validate an account, list what a connection can see, fetch
//! the next page of a stream, and read its own rate-limit and error signals). Nothing here
//! knows of SQLite, the engine or another provider.

mod account;
pub mod daily;
mod metric;
mod table;

use futures_util::future::BoxFuture;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

pub use account::{AccountProvider, AuthKind};
pub use metric::{
    minor_digits, minor_units, parts_key, scaled, Aggregation, DefaultWidget, Metric, Parts, Rollup, Split,
    Unit, Visual,
};
pub use table::{Cell, Day, Rows, Table, DAY_MS};

use crate::clock::Millis;
use crate::http::{Classify, Fetched, Http, HttpError, Meter, Method, Pacing, Request};

/// What is fixed about a provider.
pub struct Connector {
    /// The stored name (`sources.provider`).
    pub key: &'static str,
    /// The name people know it by.
    pub label: &'static str,
    /// Who issues the grant or key its sources use.
    pub account_provider: AccountProvider,
    /// How a source of it is reached.
    pub access: Access,
    /// What its accounts are called, for pickers and messages ("repository", "property").
    pub account_noun: &'static str,
    /// An example of an account id, for forms.
    pub account_example: &'static str,
    /// The public API (a connection or source may point elsewhere: an enterprise host, a
    /// proxy, the simulator).
    pub api_base_url: &'static str,
    /// The OAuth scope its data needs, when its grant serves several products (Google).
    pub scope: Option<&'static str>,
    /// A key of the app registration every call carries (Google Ads' developer token), by
    /// the name it has in Settings and in the keyring.
    pub app_token: Option<&'static str>,
    /// The streams a sync walks, in order.
    pub streams: &'static [Stream],
    /// Days before today the provider may still restate: each sync re-reads them.
    pub lookback_days: u32,
    /// How far back a first sync reads (0: everything the provider has).
    pub history_days: u32,
    /// The furthest back the provider keeps data (0: no limit): a longer history is clamped.
    pub max_history_days: u32,
    /// Whether its days are UTC days of timestamps (`None`) or its own calendar dates in
    /// a fixed zone (Search Console: Pacific Time). Per-account zones come from `Account`.
    pub fixed_zone: Option<&'static str>,
    /// Whether each account has its own request budget (a GA4 property's tokens, an Ads
    /// customer's) rather than sharing the connection's.
    pub gate_per_account: bool,
    pub metrics: &'static [Metric],
    pub default_widgets: &'static [DefaultWidget],
    /// Metrics whose daily value is a bitmask of `QUALITY_*` flags (sampled, thresholded,
    /// "(other)" rows), shown on the widgets of this provider; never widgets themselves.
    pub quality_metrics: &'static [&'static str],
    /// The attribution setting its conversions are counted with, in words, for the hover
    /// ("7-day click or 1-day view"); `None` when it has no conversions or no choice.
    pub attribution: Option<&'static str>,
    pub api: &'static dyn ConnectorApi,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Connector {
    pub fn stream(&self, name: &str) -> Option<&'static Stream> {
        self.streams.iter().find(|s| s.name == name)
    }

    pub fn table(&self, stream: &str) -> Option<&'static Table> {
        self.stream(stream).map(|s| s.table)
    }

    pub fn tables(&self) -> impl Iterator<Item = &'static Table> + '_ {
        self.streams.iter().map(|s| s.table)
    }
}

/// Quality flags a provider reports for a day's numbers.
pub const QUALITY_SAMPLED: i64 = 1;
pub const QUALITY_THRESHOLDED: i64 = 2;
pub const QUALITY_OTHER_ROW: i64 = 4;

/// One stream of a provider and the table its rows go to.
#[derive(Debug)]
pub struct Stream {
    pub name: &'static str,
    pub table: &'static Table,
}

/// How a source reaches its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum Access {
    /// Its own key or token, typed when the source is added (Stripe's restricted key); a
    /// connection may serve it too when `connections` (GitHub).
    Secret {
        auth: AuthKind,
        /// What the secret is called ("Restricted API key").
        secret_label: &'static str,
        secret_example: &'static str,
        connections: bool,
    },
    /// An account seen through a connection (a Google or Meta sign-in).
    Connection,
}

/// An account at a provider, as it names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Account {
    /// The id a source stores: a Stripe account, `owner/name`, a GA4 property's digits, a
    /// site URL, an Ads customer's 10 digits, `act_…`.
    pub id: String,
    pub label: String,
    /// The account it is reached through (a Google Ads manager), when not directly.
    pub parent: Option<String>,
    /// The zone its days are in (GA4 property, Ads customer, Meta ad account).
    pub time_zone: Option<String>,
    pub currency: Option<String>,
}

/// Everything a connector may use for one call.
pub struct Context<'a> {
    pub http: &'a Http,
    pub base_url: &'a Url,
    pub secret: &'a str,
    /// A key of the app registration the provider wants with every call (Google Ads'
    /// developer token); kept out of messages like the secret.
    pub app_token: Option<&'a str>,
    /// The account: a Stripe account, `owner/name`, a property, a site, a customer.
    pub account: &'a str,
    /// The account it is reached through (a Google Ads manager).
    pub parent: Option<&'a str>,
    pub time_zone: Option<&'a str>,
    /// The restatement window and first backfill this source uses.
    pub lookback_days: u32,
    pub history_days: u32,
    /// Whose pacing, caps and pauses apply (the connection, or the source's own key).
    pub gate: i64,
    pub now: Millis,
    pub pacing: Pacing,
    pub classify: Classify,
    /// Where the job's requests, retries and waits are counted.
    pub meter: Option<&'a Meter>,
}

impl Context<'_> {
    /// `path` under the base URL (its own path kept, so `…/v26.0` + `/me` keeps `v26.0`).
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base_url.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    pub fn request<'b>(&'b self, method: Method, url: Url) -> Request<'b> {
        Request {
            method,
            url,
            json: None,
            headers: Vec::new(),
            bearer: self.secret,
            also_secret: self.app_token,
            if_none_match: None,
            gate: self.gate,
            pacing: self.pacing,
            endpoint: None,
            classify: self.classify,
            meter: self.meter,
        }
    }

    /// Holds this gate's requests back for `wait`: the provider said the budget is spent.
    pub fn hold(&self, wait: std::time::Duration) {
        self.http.hold(self.gate, self.now + wait.as_millis() as i64);
    }

    /// Waits on the engine's clock (a manual clock in tests moves at once).
    pub async fn sleep(&self, wait: std::time::Duration) {
        self.http.clock().sleep(wait).await;
    }

    /// The engine's time now (`now` is when the call began).
    pub fn clock_now(&self) -> Millis {
        self.http.clock().now_millis()
    }

    pub fn get(&self, url: Url) -> Request<'_> {
        self.request(Method::Get, url)
    }

    pub fn post<'b>(&'b self, url: Url, body: &'b Value) -> Request<'b> {
        Request {
            json: Some(body),
            ..self.request(Method::Post, url)
        }
    }

    /// Sends and parses; a 304 to a request without an ETag is a provider's bug.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: &Request<'_>,
    ) -> Result<T, ConnectorError> {
        match self.http.send_json::<T>(request).await? {
            Fetched::Body { body, .. } => Ok(body),
            Fetched::NotModified => Err(ConnectorError::BadData("304 to an unconditional request".into())),
        }
    }
}

/// Extra headers, for building requests.
pub fn header(name: &'static str, value: &str) -> Option<(HeaderName, HeaderValue)> {
    Some((HeaderName::from_static(name), HeaderValue::from_str(value).ok()?))
}

/// One step of a stream: rows to store and the cursor to store with them, in one transaction.
#[derive(Debug)]
pub struct Page {
    pub rows: Rows,
    pub cursor: Value,
    /// Days (inclusive, provider dates) whose stored rows this page's rows replace: a
    /// re-read report's days are replaced whole, so a row the provider no longer returns
    /// goes too. Set on the first page of a re-read slice.
    pub replace: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// The stream has nothing more to fetch in this sync (with `slices`: once they are done).
    pub done: bool,
    /// The rest of the walk as slices the engine walks at once, each from its own cursor
    /// (Stripe: ranges of `created`; a date-keyed report: ranges of days); `cursor` is where
    /// the stream goes on once every slice is done, or ends when `done`. A slice's own pages
    /// end it with `done`.
    pub slices: Vec<Value>,
}

impl Page {
    pub fn more(rows: Rows, cursor: Value) -> Self {
        Self {
            rows,
            cursor,
            replace: None,
            done: false,
            slices: Vec::new(),
        }
    }

    pub fn last(rows: Rows, cursor: Value) -> Self {
        Self {
            rows,
            cursor,
            replace: None,
            done: true,
            slices: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The response parsed but does not hold what the provider documents.
    #[error("unexpected data: {0}")]
    BadData(String),
    /// The account cannot be used as given (not found, no access, not syncable), in words.
    #[error("{0}")]
    Account(String),
}

/// A provider's calls. Each returns a boxed future, so providers sit behind one registry.
pub trait ConnectorApi: Send + Sync {
    /// Checks the account with one or two calls and names it (`Account::id` is what the
    /// source stores). `ctx.account` is the account as typed or picked.
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Account, ConnectorError>>;

    /// The accounts a connection can see, to pick from; empty when the provider has no list.
    fn accounts<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Vec<Account>, ConnectorError>> {
        let _ = ctx;
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Fetches the next page of `stream` from where `cursor` left off (`None`: never synced).
    fn next_page<'a>(
        &'a self,
        ctx: &'a Context<'a>,
        stream: &'a str,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<Page, ConnectorError>>;

    /// Splits what is left of a slice in two (its cursor as its last page left it), so a
    /// free hand can walk part of it; `None` when it cannot be split further.
    fn split(&self, stream: &str, slice: &Value) -> Option<(Value, Value)> {
        let _ = (stream, slice);
        None
    }

    /// The cursor the stream goes on from (or ends at) once `slice`, a slice's last cursor,
    /// is done: what it learnt that outlives it (Search Console's first incomplete day).
    fn join(&self, stream: &str, then: &Value, slice: &Value) -> Value {
        let _ = (stream, slice);
        then.clone()
    }

    /// An account id as a person types it, in the form the provider uses (`Err`: what is
    /// wrong with it, in words).
    fn normalize_account(&self, raw: &str) -> Result<String, String> {
        Ok(raw.trim().to_owned())
    }

    /// How fast one credential may call, and how many requests it may have in flight.
    fn pacing(&self, secret: &str) -> Pacing {
        let _ = secret;
        Pacing::NONE
    }

    /// The rate `pacing` keeps to, in words, for a person choosing their own.
    fn documented_rate(&self) -> &'static str {
        "as fast as the provider's own limits allow (read from its answers)"
    }

    /// How to read an answer: the provider's rate-limit, quota and error signals.
    fn classify(&self) -> Classify {
        crate::http::classify_status
    }
}

/// Parses a JSON object into a connector's field struct, naming what is wrong if it can't.
pub fn fields<T: serde::de::DeserializeOwned>(raw: &str, what: &str) -> Result<T, ConnectorError> {
    serde_json::from_str(raw).map_err(|e| ConnectorError::BadData(format!("{what}: {e}")))
}

pub fn cursor_from<T: serde::de::DeserializeOwned + Default>(cursor: Option<Value>) -> T {
    // A cursor this version cannot read (written by an older one) restarts the stream:
    // upserts make re-reading safe, skipping never is.
    cursor
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default()
}

pub fn to_value<T: Serialize>(cursor: &T) -> Value {
    serde_json::to_value(cursor).expect("cursor serializes")
}
