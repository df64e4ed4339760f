//! Who signed in, asked of the provider's API with the new token: the connection's name.
//! (What a connection can see for each product is the provider's `accounts`.)

use reqwest::Url;

use super::AccountProvider;
use crate::auth::AuthError;
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
        let who = self
            .api_json(url, access, provider, "read the signed-in account")
            .await?;
        Ok(who[field].as_str().unwrap_or("unknown account").to_owned())
    }

    /// A GET with a connection's token. A refused token is `Refused`; anything else that
    /// goes wrong is a network error in words.
    async fn api_json(
        &self,
        url: Url,
        token: &str,
        provider: AccountProvider,
        step: &'static str,
    ) -> Result<serde_json::Value> {
        let network = |detail: String| AuthError::Network {
            provider: provider.label().to_owned(),
            step,
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
                description: format!("asked to {step}, it answered {status}"),
            }
            .into());
        }
        if !status.is_success() {
            return Err(network(format!("it answered {status}")).into());
        }
        Ok(response
            .json()
            .await
            .map_err(|e| network(e.without_url().to_string()))?)
    }
}
