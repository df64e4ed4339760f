//! Who issues the grants and keys sources use, and how a connection authenticates.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Who issues a connection's grant or key. One Google sign-in serves GA4, Search Console
/// and Google Ads; one Meta sign-in serves Meta Ads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AccountProvider {
    Stripe,
    Github,
    Google,
    Meta,
}

impl AccountProvider {
    pub const ALL: [AccountProvider; 4] = [Self::Stripe, Self::Github, Self::Google, Self::Meta];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountProvider::Stripe => "stripe",
            AccountProvider::Github => "github",
            AccountProvider::Google => "google",
            AccountProvider::Meta => "meta",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            AccountProvider::Stripe => "Stripe",
            AccountProvider::Github => "GitHub",
            AccountProvider::Google => "Google",
            AccountProvider::Meta => "Meta",
        }
    }
}

/// How a connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuthKind {
    /// A sign-in in the browser; its tokens are refreshed.
    Oauth,
    /// A provider's API key (Stripe).
    ApiKey,
    /// A token a person pastes (a GitHub personal token, a Meta system-user token).
    Token,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Oauth => "oauth",
            AuthKind::ApiKey => "api_key",
            AuthKind::Token => "token",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "oauth" => AuthKind::Oauth,
            "api_key" => AuthKind::ApiKey,
            _ => AuthKind::Token,
        }
    }
}
