//! Sources: a client's account at a provider, reached through a connection whose secret
//! lives in the keyring.

use serde::Serialize;
use ts_rs::TS;

use crate::clock::Millis;
use crate::connectors::Provider;

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
    /// The account at the provider: a Stripe account id, a GitHub `owner/name`.
    pub external_id: String,
    pub label: String,
    pub enabled: bool,
    #[ts(type = "number")]
    pub created_at: Millis,
}

/// What the CLI or UI gives to add a source.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub client_id: i64,
    pub provider: Provider,
    /// The API key (Stripe) or token (GitHub).
    pub secret: String,
    /// GitHub `owner/name`; ignored for Stripe.
    pub repo: Option<String>,
    /// Another API endpoint (GitHub Enterprise, the simulator).
    pub base_url: Option<String>,
}

/// `owner/name`, both parts in GitHub's allowed characters.
pub(crate) fn valid_repo(repo: &str) -> bool {
    let mut parts = repo.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.len() <= 100
                && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    #[test]
    fn repo_names() {
        assert!(super::valid_repo("acme/website"));
        assert!(super::valid_repo("a-b/c.d_e"));
        for bad in ["acme", "acme/", "/x", "a/b/c", "a b/c", ""] {
            assert!(!super::valid_repo(bad), "{bad}");
        }
    }
}
