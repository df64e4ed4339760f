//! What a connection's grant can see, asked of the provider's API with its token: who
//! signed in (for the connection's name) and, for GitHub, the repositories to pick from.

use reqwest::Url;

use super::{apps, AccountProvider};
use crate::auth::AuthError;
use crate::connectors::Provider;
use crate::error::{InputError, Result};
use crate::Engine;

impl Engine {
    /// Who the token belongs to: a GitHub login, a Google account's email, a Meta user or
    /// system user's name.
    pub(super) async fn account_label(
        &self,
        provider: AccountProvider,
        api: &Url,
        access: &str,
    ) -> Result<String> {
        let (path, field) = match provider {
            AccountProvider::Github => ("user", "login"),
            AccountProvider::Google => ("oauth2/v3/userinfo", "email"),
            AccountProvider::Meta => ("me?fields=id,name", "name"),
            AccountProvider::Stripe => return Err(InputError::NoOAuth(provider.label()).into()),
        };
        let url = api.join(path).map_err(|_| AuthError::BadUrl(api.to_string()))?;
        let who = self.api_json(url, access, provider, "the account lookup").await?;
        Ok(who[field].as_str().unwrap_or("unknown account").to_owned())
    }

    /// A GET with a connection's token. A refused token is `Refused`; anything else that
    /// goes wrong is a network error in words.
    async fn api_json(
        &self,
        url: Url,
        token: &str,
        provider: AccountProvider,
        what: &str,
    ) -> Result<serde_json::Value> {
        let network = |detail: String| AuthError::Network {
            provider: provider.label().to_owned(),
            detail,
        };
        let response = self
            .token_http
            .get(url)
            .bearer_auth(token)
            .header("accept", "application/json")
            .header("user-agent", "Freshboard")
            .send()
            .await
            .map_err(|e| network(e.without_url().to_string()))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::BAD_REQUEST {
            return Err(AuthError::Refused {
                provider: provider.label().to_owned(),
                error: "invalid_token".into(),
                description: format!("{what} answered {status}"),
            }
            .into());
        }
        if !status.is_success() {
            return Err(network(format!("{what} answered {status}")).into());
        }
        Ok(response
            .json()
            .await
            .map_err(|e| network(e.without_url().to_string()))?)
    }

    /// The repositories a GitHub connection can read (`owner/name`, sorted), to pick from
    /// when adding a source. Reads up to 10 pages of 100.
    pub async fn connection_repos(&self, connection_id: i64) -> Result<Vec<String>> {
        let connection = self.store.connection(connection_id).await?;
        if connection.provider != Provider::Github.account() {
            return Err(InputError::NoOAuth(connection.provider.label()).into());
        }
        let secret = self.connection_secret(connection_id, None).await?;
        let api = apps::connection_api(connection.provider, connection.api_base_url.as_deref())?;
        let mut repos = Vec::new();
        for page in 1..=10 {
            let mut url = api
                .join("user/repos")
                .map_err(|_| AuthError::BadUrl(api.to_string()))?;
            url.query_pairs_mut()
                .append_pair("per_page", "100")
                .append_pair("page", &page.to_string())
                .append_pair("sort", "full_name");
            let page = self
                .api_json(url, &secret, connection.provider, "the repository list")
                .await?;
            let batch = page.as_array().map(Vec::as_slice).unwrap_or_default();
            let full = batch.len() == 100;
            repos.extend(
                batch
                    .iter()
                    .filter_map(|r| r["full_name"].as_str().map(str::to_owned)),
            );
            if !full {
                break;
            }
        }
        repos.sort();
        repos.dedup();
        Ok(repos)
    }
}
