//! The records the engine hands out and the store reads and writes: sources and connections.
//! Types only; the rules about them live in `sources` and `connections`.

use serde::Serialize;
use ts_rs::TS;

use crate::clock::Millis;
use crate::connector::{AccountProvider, AuthKind};
use crate::providers::Provider;

/// A client's account at a provider, reached through a connection whose secret lives in the
/// keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Source {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub client_id: i64,
    #[ts(type = "number | null")]
    pub connection_id: Option<i64>,
    pub provider: Provider,
    /// The account at the provider: a Stripe account id, a GitHub `owner/name`, a GA4
    /// property, a Search Console site, a Google Ads customer.
    pub external_id: String,
    pub label: String,
    /// The account it is reached through (a Google Ads manager), when not directly.
    pub parent_account: Option<String>,
    /// The zone of the account's days (GA4 property, Ads customer; Search Console's Pacific
    /// Time); `None` for providers whose days are UTC days.
    pub time_zone: Option<String>,
    /// Days before today re-read every sync, and how far back the first sync reads: the
    /// source's own choice or its provider's default.
    pub lookback_days: u32,
    pub history_days: u32,
    /// Its connection's request rate as a person set it (`null`: the provider's documented
    /// rate, `ProviderInfo::documented_rate`).
    pub rate_per_sec: Option<u32>,
    pub enabled: bool,
    #[ts(type = "number")]
    pub created_at: Millis,
}

impl Source {
    /// Whose request budget its syncs spend: its connection's, or its own when every account
    /// of the provider has its own (a GA4 property's tokens). Negative ids are sources.
    pub fn gate(&self) -> i64 {
        match self.connection_id {
            Some(connection) if !self.provider.connector().gate_per_account => connection,
            _ => -self.id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConnectionStatus {
    Ok,
    Expiring,
    /// The provider no longer accepts the grant: its sources wait for a reconnect.
    NeedsReauth,
    Revoked,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Ok => "ok",
            ConnectionStatus::Expiring => "expiring",
            ConnectionStatus::NeedsReauth => "needs_reauth",
            ConnectionStatus::Revoked => "revoked",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "expiring" => ConnectionStatus::Expiring,
            "needs_reauth" => ConnectionStatus::NeedsReauth,
            "revoked" => ConnectionStatus::Revoked,
            _ => ConnectionStatus::Ok,
        }
    }
}

/// A connection as the UI and CLI see it: never its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Connection {
    #[ts(type = "number")]
    pub id: i64,
    pub provider: AccountProvider,
    /// Who signed in (a GitHub login, a Google email, a Meta name), or the account a key
    /// belongs to.
    pub account_label: String,
    pub auth_kind: AuthKind,
    pub status: ConnectionStatus,
    /// When the current access token expires (it is refreshed before then, when it can be).
    #[ts(type = "number | null")]
    pub expires_at: Option<Millis>,
    /// When a person must sign in again: the end of a grant that cannot renew itself (a
    /// Meta user token, 60 days). `null` when it renews itself or never ends.
    #[ts(type = "number | null")]
    pub renew_by: Option<Millis>,
    /// The scopes the person granted (they may untick some on Google's consent screen).
    pub scopes: Vec<String>,
    pub api_base_url: Option<String>,
    pub demo: bool,
    /// A person's request rate for it, requests a second shared by its sources (`null`: the
    /// provider's documented rate).
    pub rate_per_sec: Option<u32>,
    /// The names of the clients whose sources use it.
    pub clients: Vec<String>,
}

/// A connection whose grant ends within this long shows as `expiring`.
const EXPIRING_WITHIN: Millis = 7 * 86_400_000;

impl Connection {
    /// `ok` becomes `expiring` when the grant ends soon and only a person can renew it.
    pub(crate) fn seen_at(mut self, now: Millis) -> Self {
        if self.status == ConnectionStatus::Ok && self.renew_by.is_some_and(|at| at - now < EXPIRING_WITHIN) {
            self.status = ConnectionStatus::Expiring;
        }
        self
    }

    /// Whether the person granted what `provider`'s data needs. A connection made before
    /// scopes were recorded (none stored) is taken to have all it asked for.
    pub fn grants(&self, provider: Provider) -> bool {
        match provider.connector().scope {
            Some(scope) => self.scopes.is_empty() || self.scopes.iter().any(|s| s == scope),
            None => true,
        }
    }
}
