//! Each provider's OAuth app: its public endpoints and scopes, the client id (and secret,
//! where the provider wants one) from Settings or built in by a packager, and the
//! overrides Settings allow (GitHub Enterprise, a fixed Meta port, the simulator).
//! Settings live in `app_settings`; a client secret lives in the keyring, never in SQLite.

use reqwest::Url;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::AccountProvider;
use crate::auth::OAuthApp;
use crate::error::{InputError, Result};
use crate::providers::Provider;
use crate::secrets::Credential;
use crate::Engine;

/// A provider's OAuth app and endpoints, from Settings. Unset fields fall back to the
/// provider's public endpoints and the client id a packager built in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OAuthSettings {
    pub client_id: Option<String>,
    /// Write-only: a new client secret for the keyring (`""` removes it, `null` keeps
    /// what is there). Never read back.
    pub client_secret: Option<String>,
    /// Whether a client secret is in the keyring or built in (read-only).
    #[serde(default)]
    pub has_client_secret: bool,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    /// The API behind the grant (GitHub Enterprise, the simulator).
    pub api_base_url: Option<String>,
    /// The fixed loopback port registered with the app (Meta demands an exact redirect URI).
    pub redirect_port: Option<u16>,
    /// Write-only, like the client secret: a key every call of one of this issuer's products
    /// carries (Google Ads' developer token), for the keyring.
    #[serde(default)]
    pub app_token: Option<String>,
    /// Which product's token that is ("Google Ads developer token"), when there is one
    /// (read-only), and whether one is stored.
    #[serde(default)]
    pub app_token_label: Option<String>,
    #[serde(default)]
    pub has_app_token: bool,
}

/// What is fixed about a provider's OAuth.
struct Facts {
    auth_url: &'static str,
    token_url: &'static str,
    api_base_url: &'static str,
    scopes: &'static [&'static str],
    extra: &'static [(&'static str, &'static str)],
    /// A fixed loopback port, for providers that match redirect URIs exactly.
    port: u16,
    needs_secret: bool,
    built_in_id: Option<&'static str>,
    built_in_secret: Option<&'static str>,
}

/// Meta's default registered redirect: `http://127.0.0.1:47620/callback`.
pub const META_DEFAULT_PORT: u16 = 47_620;

fn facts(provider: AccountProvider) -> Option<Facts> {
    Some(match provider {
        AccountProvider::Github => Facts {
            auth_url: "https://github.com/login/oauth/authorize",
            token_url: "https://github.com/login/oauth/access_token",
            api_base_url: "https://api.github.com/",
            scopes: &["repo", "read:user"],
            extra: &[],
            port: 0,
            needs_secret: false,
            built_in_id: option_env!("FRESHBOARD_GITHUB_CLIENT_ID"),
            built_in_secret: option_env!("FRESHBOARD_GITHUB_CLIENT_SECRET"),
        },
        // One grant for GA4, Search Console and Google Ads. `access_type=offline` is what
        // makes Google issue a refresh token; `prompt=consent` makes it issue one again on
        // a reconnect.
        AccountProvider::Google => Facts {
            auth_url: "https://accounts.google.com/o/oauth2/v2/auth",
            token_url: "https://oauth2.googleapis.com/token",
            api_base_url: "https://www.googleapis.com/",
            scopes: &[
                "openid",
                "email",
                "https://www.googleapis.com/auth/analytics.readonly",
                "https://www.googleapis.com/auth/webmasters.readonly",
                "https://www.googleapis.com/auth/adwords",
            ],
            extra: &[("access_type", "offline"), ("prompt", "consent")],
            port: 0,
            // Google's installed-app clients still send their (non-confidential) secret.
            needs_secret: true,
            built_in_id: option_env!("FRESHBOARD_GOOGLE_CLIENT_ID"),
            built_in_secret: option_env!("FRESHBOARD_GOOGLE_CLIENT_SECRET"),
        },
        AccountProvider::Meta => Facts {
            auth_url: "https://www.facebook.com/v21.0/dialog/oauth",
            token_url: "https://graph.facebook.com/v21.0/oauth/access_token",
            api_base_url: "https://graph.facebook.com/v21.0/",
            scopes: &["ads_read", "business_management"],
            extra: &[],
            port: META_DEFAULT_PORT,
            needs_secret: true,
            built_in_id: option_env!("FRESHBOARD_META_CLIENT_ID"),
            built_in_secret: option_env!("FRESHBOARD_META_CLIENT_SECRET"),
        },
        AccountProvider::Stripe => return None,
    })
}

/// An OAuth app ready to sign in with, and the API its tokens are for.
pub(crate) struct ResolvedApp {
    pub app: OAuthApp,
    pub api: Url,
    /// Whether the connection stores its API address (only when it is not the default).
    pub api_override: Option<String>,
}

/// The app token of the issuer's products, if one has one (its keyring name).
fn app_token_of(provider: AccountProvider) -> Option<&'static str> {
    Provider::ALL
        .into_iter()
        .filter(|p| p.account() == provider)
        .find_map(|p| p.connector().app_token)
}

fn settings_key(provider: AccountProvider) -> String {
    format!("oauth.{}", provider.as_str())
}

fn secret_ref(provider: AccountProvider) -> String {
    format!("OAuth app — {} client secret", provider.label())
}

pub(super) fn parse_url(what: &str, url: &str) -> Result<Url> {
    match Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        _ => Err(InputError::BadOAuthUrl {
            what: what.to_owned(),
            url: url.to_owned(),
        }
        .into()),
    }
}

/// An API base that relative paths join onto (`…/v21.0` + `me` must not drop `v21.0`).
pub(super) fn api_base(url: &str) -> Result<Url> {
    let mut api = parse_url("API URL", url)?;
    if !api.path().ends_with('/') {
        let path = format!("{}/", api.path());
        api.set_path(&path);
    }
    Ok(api)
}

/// The API behind a connection: its own address, or the provider's public one.
pub(crate) fn connection_api(provider: AccountProvider, api_base_url: Option<&str>) -> Result<Url> {
    let default = facts(provider).map_or("https://api.stripe.com/", |f| f.api_base_url);
    api_base(api_base_url.unwrap_or(default))
}

impl Engine {
    pub async fn oauth_settings(&self, provider: AccountProvider) -> Result<OAuthSettings> {
        let stored = self.store.setting(&settings_key(provider)).await?;
        let mut settings: OAuthSettings = stored
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        settings.client_secret = None;
        settings.has_client_secret = self.client_secret(provider).await?.is_some();
        settings.app_token = None;
        settings.app_token_label = app_token_of(provider).map(str::to_owned);
        settings.has_app_token = match app_token_of(provider) {
            Some(name) => self.secrets.get(name).await?.is_some(),
            None => false,
        };
        // Show the port a fixed-port provider will use, so the redirect URI to register is
        // on screen before anything is saved.
        let default_port = facts(provider).map_or(0, |f| f.port);
        settings.redirect_port = settings
            .redirect_port
            .or((default_port != 0).then_some(default_port));
        Ok(settings)
    }

    /// Saves a provider's OAuth app settings; bad input is refused and nothing saved. A
    /// client secret goes to the keyring (`""` removes it; `None` keeps it).
    pub async fn set_oauth_settings(
        &self,
        provider: AccountProvider,
        settings: &OAuthSettings,
    ) -> Result<()> {
        if facts(provider).is_none() {
            return Err(InputError::NoOAuth(provider.label()).into());
        }
        for (what, url) in [
            ("authorization URL", &settings.auth_url),
            ("token URL", &settings.token_url),
            ("API URL", &settings.api_base_url),
        ] {
            if let Some(url) = url.as_deref().filter(|u| !u.trim().is_empty()) {
                parse_url(what, url)?;
            }
        }
        if let Some(port) = settings.redirect_port.filter(|p| *p < 1024) {
            return Err(InputError::BadRedirectPort(port).into());
        }
        match settings.client_secret.as_deref().map(str::trim) {
            Some("") => self.secrets.delete(&secret_ref(provider)).await?,
            Some(secret) => {
                self.secrets
                    .set(&secret_ref(provider), &Credential::token(secret.to_owned()))
                    .await?
            }
            None => {}
        }
        if let (Some(token), Some(name)) = (
            settings.app_token.as_deref().map(str::trim),
            app_token_of(provider),
        ) {
            match token {
                "" => self.secrets.delete(name).await?,
                token => {
                    self.secrets
                        .set(name, &Credential::token(token.to_owned()))
                        .await?
                }
            }
        }
        let blank = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let stored = OAuthSettings {
            client_id: blank(&settings.client_id),
            client_secret: None,
            has_client_secret: false,
            auth_url: blank(&settings.auth_url),
            token_url: blank(&settings.token_url),
            api_base_url: blank(&settings.api_base_url),
            redirect_port: settings.redirect_port,
            app_token: None,
            app_token_label: None,
            has_app_token: false,
        };
        let json = serde_json::to_string(&stored).expect("settings serialise");
        self.store.put_setting(&settings_key(provider), &json).await
    }

    /// The app token `provider`'s calls carry (Google Ads' developer token), from the keyring.
    pub(crate) async fn app_token(&self, provider: Provider) -> Result<Option<String>> {
        match provider.connector().app_token {
            Some(name) => Ok(self.secrets.get(name).await?.map(|c| c.access)),
            None => Ok(None),
        }
    }

    async fn client_secret(&self, provider: AccountProvider) -> Result<Option<String>> {
        let stored = self.secrets.get(&secret_ref(provider)).await?;
        Ok(stored
            .map(|c| c.access)
            .or_else(|| facts(provider)?.built_in_secret.map(str::to_owned)))
    }

    /// The provider's OAuth app as Settings (or the packager) define it.
    pub(crate) async fn oauth_app(&self, provider: AccountProvider) -> Result<ResolvedApp> {
        let facts = facts(provider).ok_or(InputError::NoOAuth(provider.label()))?;
        let settings = self.oauth_settings(provider).await?;
        let client_id = settings
            .client_id
            .or(facts.built_in_id.map(str::to_owned))
            .ok_or(InputError::NoOAuthClient(provider.label()))?;
        let client_secret = self.client_secret(provider).await?;
        if facts.needs_secret && client_secret.is_none() {
            return Err(InputError::NoClientSecret(provider.label()).into());
        }
        let app = OAuthApp {
            provider: provider.label().to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret,
            auth_url: parse_url(
                "authorization URL",
                settings.auth_url.as_deref().unwrap_or(facts.auth_url),
            )?,
            token_url: parse_url(
                "token URL",
                settings.token_url.as_deref().unwrap_or(facts.token_url),
            )?,
            scopes: facts.scopes.iter().map(|s| (*s).to_owned()).collect(),
            extra: facts
                .extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            port: settings.redirect_port.unwrap_or(facts.port),
        };
        let api = api_base(settings.api_base_url.as_deref().unwrap_or(facts.api_base_url))?;
        Ok(ResolvedApp {
            app,
            api,
            api_override: settings.api_base_url,
        })
    }
}
