//! Connecting accounts with OAuth 2.0 as a native app (RFC 8252): authorization code with
//! PKCE (RFC 7636, S256) and a random `state`, the consent page in the system browser, the
//! redirect caught by a one-shot loopback listener, the code exchanged with the `oauth2`
//! crate over an HTTP client that never follows redirects. Tokens become a compact
//! `Credential` for the keyring; `TokenKeeper` refreshes them ahead of expiry, one refresh
//! per connection at a time, because providers rotate refresh tokens.

mod loopback;
mod refresh;

use std::future::Future;
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use reqwest::Url;

pub use loopback::CALLBACK_PATH;
pub use refresh::TokenKeeper;

use crate::clock::Millis;
use crate::secrets::Credential;
use loopback::Loopback;

/// How long a sign-in may take before the listener gives up.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// An OAuth app registration and the provider's endpoints.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The provider's name, for messages ("GitHub").
    pub provider: String,
    pub client_id: String,
    /// Only for providers that insist on one for installed apps (Google).
    pub client_secret: Option<String>,
    pub auth_url: Url,
    pub token_url: Url,
    pub scopes: Vec<String>,
    /// Extra authorization parameters (Google: `access_type=offline`, `prompt=consent`).
    pub extra: Vec<(String, String)>,
    /// The loopback port: 0 for any free one; a fixed registered port where the provider
    /// demands exact redirect URIs (Meta).
    pub port: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Could not listen on 127.0.0.1:{port} for the sign-in answer ({source}). If another app uses that port, close it and try again.")]
    Listen { port: u16, source: std::io::Error },

    #[error("“{0}” is not a usable OAuth address; check the provider settings.")]
    BadUrl(String),

    #[error("Nobody finished signing in within {} minutes. Click Connect to try again.", .0.as_secs() / 60)]
    TimedOut(Duration),

    #[error("The sign-in was cancelled.")]
    Cancelled,

    #[error("The browser returned an answer to a different sign-in, so it was ignored. Click Connect to start again.")]
    StateMismatch,

    #[error("{provider} did not grant access ({error}: {description}). Click Connect to try again.")]
    Denied {
        provider: String,
        error: String,
        description: String,
    },

    #[error("The browser's answer carried no authorization code. Click Connect to try again.")]
    NoCode,

    /// The grant is gone (revoked, expired, or a refresh token already used): the person
    /// must sign in again.
    #[error("{provider} no longer accepts this connection ({description}). Reconnect it to resume syncing.")]
    InvalidGrant { provider: String, description: String },

    #[error("{provider} refused the token request ({error}: {description}).")]
    Refused {
        provider: String,
        error: String,
        description: String,
    },

    #[error("Could not reach {provider} to get a token: {detail}. Check the connection and try again.")]
    Network { provider: String, detail: String },

    #[error("This connection has no refresh token and its access has expired. Reconnect it.")]
    NoRefreshToken,
}

impl AuthError {
    /// Whether the person has to sign in again (the connection becomes `needs_reauth`).
    pub fn needs_reauth(&self) -> bool {
        matches!(self, AuthError::InvalidGrant { .. } | AuthError::NoRefreshToken)
    }
}

/// An HTTP client for token requests: following a redirect from a token endpoint could
/// send credentials elsewhere.
pub fn token_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client builds")
}

type Client = BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(app: &OAuthApp, redirect_uri: Option<&str>) -> Result<Client, AuthError> {
    let mut client = BasicClient::new(ClientId::new(app.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(app.auth_url.clone()))
        .set_token_uri(TokenUrl::from_url(app.token_url.clone()))
        // Installed apps are public clients: the id goes in the body, not in Basic auth.
        .set_auth_type(AuthType::RequestBody);
    if let Some(secret) = &app.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    if let Some(uri) = redirect_uri {
        let redirect = RedirectUrl::new(uri.to_owned()).map_err(|_| AuthError::BadUrl(uri.to_owned()))?;
        client = client.set_redirect_uri(redirect);
    }
    Ok(client)
}

/// A sign-in under way: open `url` in the browser, then `finish`.
pub struct Authorization {
    pub url: Url,
    app: OAuthApp,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    redirect_uri: String,
    listener: Loopback,
}

impl std::fmt::Debug for Authorization {
    // The verifier and state are secrets of this flow: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("provider", &self.app.provider)
            .finish_non_exhaustive()
    }
}

impl Authorization {
    /// Starts listening and builds the authorization URL.
    pub async fn begin(app: OAuthApp) -> Result<Self, AuthError> {
        let listener = Loopback::bind(app.port).await?;
        let redirect_uri = listener.redirect_uri();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let client = client(&app, Some(&redirect_uri))?;
        let mut request = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_scopes(app.scopes.iter().cloned().map(Scope::new));
        for (name, value) in &app.extra {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        let (url, state) = request.url();
        Ok(Self {
            url,
            app,
            state,
            verifier,
            redirect_uri,
            listener,
        })
    }

    /// The loopback address the provider redirects to.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser's redirect (at most `timeout`, or until `cancel` resolves),
    /// then exchanges the code. Whatever happens, the listener is closed on return.
    pub async fn finish(
        self,
        http: &reqwest::Client,
        now: impl Fn() -> Millis,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<Credential, AuthError> {
        let Authorization {
            app,
            state,
            verifier,
            redirect_uri,
            listener,
            ..
        } = self;
        let wait = listener.wait(state.secret(), &app.provider);
        let code = tokio::select! {
            code = tokio::time::timeout(timeout, wait) => code.map_err(|_| AuthError::TimedOut(timeout))??,
            () = cancel => return Err(AuthError::Cancelled),
        };
        let response = client(&app, Some(&redirect_uri))?
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(verifier)
            .request_async(http)
            .await;
        credential(&app, response, None, now())
    }
}

/// Exchanges a refresh token for a new access token (and, where the provider rotates them,
/// a new refresh token).
pub async fn refresh(
    app: &OAuthApp,
    http: &reqwest::Client,
    refresh_token: &str,
    now: Millis,
) -> Result<Credential, AuthError> {
    let token = RefreshToken::new(refresh_token.to_owned());
    let response = client(app, None)?
        .exchange_refresh_token(&token)
        .request_async(http)
        .await;
    credential(app, response, Some(refresh_token), now)
}

fn credential<RE: std::error::Error + 'static>(
    app: &OAuthApp,
    response: Result<BasicTokenResponse, RequestTokenError<RE, oauth2::basic::BasicErrorResponse>>,
    previous_refresh: Option<&str>,
    now: Millis,
) -> Result<Credential, AuthError> {
    let provider = app.provider.clone();
    let token = response.map_err(|e| match e {
        RequestTokenError::ServerResponse(err) => {
            let description = err
                .error_description()
                .cloned()
                .unwrap_or_else(|| err.error().to_string());
            if *err.error() == BasicErrorResponseType::InvalidGrant {
                AuthError::InvalidGrant {
                    provider,
                    description,
                }
            } else {
                AuthError::Refused {
                    provider,
                    error: err.error().to_string(),
                    description,
                }
            }
        }
        RequestTokenError::Request(e) => AuthError::Network {
            provider,
            detail: e.to_string(),
        },
        // Not an OAuth error document: a proxy or server failure (a 503 page), worth a retry.
        RequestTokenError::Parse(_, body) => AuthError::Network {
            provider,
            detail: format!(
                "its token endpoint answered something that is not a token: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(120)
                    .collect::<String>()
            ),
        },
        RequestTokenError::Other(detail) => AuthError::Network { provider, detail },
    })?;
    Ok(Credential {
        access: token.access_token().secret().clone(),
        // A provider that does not rotate sends no new refresh token: keep the old one.
        refresh: token
            .refresh_token()
            .map(|r| r.secret().clone())
            .or_else(|| previous_refresh.map(str::to_owned)),
        expires_at: token.expires_in().map(|d| now + d.as_millis() as Millis),
    })
}
