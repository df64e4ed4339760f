//! Connectors know each provider's HTTP shapes and nothing else: which requests to send for
//! a stream given its cursor, and how a response maps to rows and the next cursor. Sending,
//! retrying and rate limits belong to `http`; storing rows and cursors to `sync`.

pub mod github;
pub mod stripe;

use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::clock::Millis;
use crate::http::{Auth, Get, Http, HttpError};
use crate::store::{Rows, Table};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Provider {
    Stripe,
    Github,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Stripe => "stripe",
            Provider::Github => "github",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "stripe" => Some(Provider::Stripe),
            "github" => Some(Provider::Github),
            _ => None,
        }
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            Provider::Stripe => "Stripe",
            Provider::Github => "GitHub",
        }
    }

    /// Who issues the grant or key its sources use.
    pub fn account(self) -> crate::connections::AccountProvider {
        use crate::connections::AccountProvider;
        match self {
            Provider::Stripe => AccountProvider::Stripe,
            Provider::Github => AccountProvider::Github,
        }
    }

    pub fn default_base_url(self) -> Url {
        let url = match self {
            Provider::Stripe => "https://api.stripe.com",
            Provider::Github => "https://api.github.com",
        };
        Url::parse(url).expect("static URL")
    }

    /// The streams a sync of this provider walks, in order.
    /// How many days back the provider may still change its numbers (beyond the day not
    /// yet over). Stripe's restatements come as events and GitHub's as updated items, both
    /// re-read every sync, so neither keeps a window open.
    pub fn lookback_days(self) -> u32 {
        match self {
            Provider::Stripe | Provider::Github => 0,
        }
    }

    pub fn streams(self) -> &'static [&'static str] {
        match self {
            Provider::Stripe => stripe::STREAMS,
            Provider::Github => github::STREAMS,
        }
    }

    pub fn table(self, stream: &str) -> Option<&'static Table> {
        match self {
            Provider::Stripe => stripe::table(stream),
            Provider::Github => github::table(stream),
        }
    }
}

/// Everything a connector may use to fetch one page.
pub struct Context<'a> {
    pub http: &'a Http,
    pub base_url: &'a Url,
    pub secret: &'a str,
    pub connection_id: i64,
    /// The account at the provider: a Stripe account id, a GitHub `owner/name`.
    pub external_id: &'a str,
    pub now: Millis,
    /// Client-side pacing for this connection; 0 = none.
    pub requests_per_sec: u32,
}

impl Context<'_> {
    pub(crate) fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base_url.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    pub(crate) fn get<'b>(
        &'b self,
        url: Url,
        headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
        etag: Option<&'b str>,
    ) -> Get<'b> {
        Get {
            url,
            connection: self.connection_id,
            auth: Auth::Bearer(self.secret),
            headers,
            if_none_match: etag,
            requests_per_sec: self.requests_per_sec,
        }
    }
}

/// One step of a stream: rows to store and the cursor to store with them, in one transaction.
#[derive(Debug)]
pub struct Page {
    pub rows: Rows,
    pub cursor: Value,
    /// The stream has nothing more to fetch in this sync.
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The response parsed but does not hold what the provider documents.
    #[error("unexpected data: {0}")]
    BadData(String),
}

/// What a provider says about the account behind a credential.
#[derive(Debug, Clone)]
pub struct Account {
    pub external_id: String,
    pub label: String,
}

/// Checks a credential with one call and names the account it opens.
pub async fn validate(provider: Provider, ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    match provider {
        Provider::Stripe => stripe::validate(ctx).await,
        Provider::Github => github::validate(ctx).await,
    }
}

/// Fetches the next page of `stream` from where `cursor` left off (`None`: never synced).
pub async fn next_page(
    provider: Provider,
    ctx: &Context<'_>,
    stream: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    match provider {
        Provider::Stripe => stripe::next_page(ctx, stream, cursor).await,
        Provider::Github => github::next_page(ctx, stream, cursor).await,
    }
}

/// Parses a JSON object into a connector's field struct, naming what is wrong if it can't.
pub(crate) fn fields<T: serde::de::DeserializeOwned>(raw: &str, what: &str) -> Result<T, ConnectorError> {
    serde_json::from_str(raw).map_err(|e| ConnectorError::BadData(format!("{what}: {e}")))
}

pub(crate) fn cursor_from<T: serde::de::DeserializeOwned + Default>(cursor: Option<Value>) -> T {
    // A cursor this version cannot read (written by an older one) restarts the stream:
    // upserts make re-reading safe, skipping never is.
    cursor
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default()
}

pub(crate) fn to_value<T: Serialize>(cursor: &T) -> Value {
    serde_json::to_value(cursor).expect("cursor serializes")
}
