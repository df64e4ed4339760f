//! Connecting accounts with OAuth 2.0 as a native app (RFC 8252): authorization code with
//! PKCE (RFC 7636, S256) and a random `state`, the consent page in the system browser, the
//! redirect caught by a one-shot loopback listener, the code exchanged with the `oauth2`
//! crate over an HTTP client that never follows redirects. Tokens become a compact
//! `Credential` for the keyring; `TokenKeeper` refreshes them ahead of expiry, one refresh
//! per connection at a time, because providers rotate refresh tokens.

mod device;
mod loopback;
mod refresh;

use std::future::Future;
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    ErrorResponseType, HttpClientError, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardErrorResponse, TokenResponse, TokenUrl,
};
use reqwest::Url;

pub use device::DeviceAuthorization;
pub use loopback::CALLBACK_PATH;
pub use refresh::TokenKeeper;

use crate::clock::Millis;
use crate::secrets::Credential;
use loopback::Loopback;

/// How long a sign-in may take before the listener gives up.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The step of a token request, as a failure names it.
const GET_A_TOKEN: &str = "get a token";

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

    /// `step` names what was being done ("get a token", "read the signed-in account"), so a
    /// failure after the token was obtained does not read as a failure to get one.
    #[error("Could not reach {provider} to {step}: {detail}. Check the connection and try again.")]
    Network {
        provider: String,
        step: &'static str,
        detail: String,
    },

    #[error("This connection has no refresh token and its access has expired. Reconnect it.")]
    NoRefreshToken,

    /// The provider does not know the app's client id, or its secret is wrong or missing.
    #[error("{provider} did not accept the OAuth app's client id or secret ({description}). Check them in Settings → OAuth apps, then connect again.")]
    BadClient { provider: String, description: String },

    #[error("The code {provider} showed expired before anyone entered it. Click Connect to get a new one.")]
    CodeExpired { provider: String },
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

/// The HTTP client the `oauth2` crate calls token endpoints with: `token_http_client`,
/// with providers' error quirks turned into RFC 6749 §5.2 errors so the crate reads them.
struct TokenHttp(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = HttpClientError<reqwest::Error>;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(token_call(&self.0, request))
    }
}

async fn token_call(
    http: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, HttpClientError<reqwest::Error>> {
    let mut response = http.call(request).await?;
    normalise_error(&mut response);
    Ok(response)
}

/// GitHub answers errors with HTTP 200 and an `error` field; Meta's Graph API wraps them
/// as `{"error": {"message", "type", "code"}}`. Both become a 400 with a standard body.
fn normalise_error(response: &mut HttpResponse) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(response.body()) else {
        return;
    };
    let error = &body["error"];
    if error.is_object() {
        let normalised = serde_json::json!({
            "error": error["type"].as_str().unwrap_or("invalid_request"),
            "error_description": error["message"].as_str().unwrap_or("no description"),
        });
        *response.body_mut() = normalised.to_string().into_bytes();
    }
    if error.is_string() || error.is_object() {
        *response.status_mut() = oauth2::http::StatusCode::BAD_REQUEST;
    }
}

/// Meta grants no refresh tokens: a sign-in's short-lived token (hours) is traded for a
/// long-lived one (60 days), after which the person signs in again.
pub async fn meta_long_lived(
    app: &OAuthApp,
    http: &reqwest::Client,
    short: &Credential,
    now: Millis,
) -> Result<Credential, AuthError> {
    let network = |detail: String| AuthError::Network {
        provider: app.provider.clone(),
        step: "trade the sign-in for a 60-day token",
        detail,
    };
    let form = [
        ("grant_type", "fb_exchange_token"),
        ("client_id", app.client_id.as_str()),
        ("client_secret", app.client_secret.as_deref().unwrap_or("")),
        ("fb_exchange_token", short.access.as_str()),
    ];
    let answer = http
        .post(app.token_url.clone())
        .header("accept", "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| network(e.without_url().to_string()))?;
    let status = answer.status();
    let body = answer
        .bytes()
        .await
        .map_err(|e| network(e.without_url().to_string()))?;
    let mut response = HttpResponse::new(body.to_vec());
    *response.status_mut() = oauth2::http::StatusCode::from_u16(status.as_u16()).unwrap_or_default();
    normalise_error(&mut response);
    let body = response.body();
    let parsed: Result<BasicTokenResponse, RequestTokenError<HttpClientError<reqwest::Error>, _>> =
        if response.status().is_success() {
            serde_json::from_slice(body).map_err(|e| RequestTokenError::Other(e.to_string()))
        } else {
            match serde_json::from_slice::<oauth2::basic::BasicErrorResponse>(body) {
                Ok(error) => Err(RequestTokenError::ServerResponse(error)),
                Err(_) => Err(RequestTokenError::Other(format!(
                    "its token endpoint answered {status}"
                ))),
            }
        };
    credential(app, parsed, None, now)
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
            .request_async(&TokenHttp(http.clone()))
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
        .request_async(&TokenHttp(http.clone()))
        .await;
    credential(app, response, Some(refresh_token), now)
}

fn credential<RE, T>(
    app: &OAuthApp,
    response: Result<BasicTokenResponse, RequestTokenError<RE, StandardErrorResponse<T>>>,
    previous_refresh: Option<&str>,
    now: Millis,
) -> Result<Credential, AuthError>
where
    RE: std::error::Error + 'static,
    T: ErrorResponseType + std::fmt::Display,
{
    let provider = app.provider.clone();
    let token = response.map_err(|e| match e {
        RequestTokenError::ServerResponse(err) => {
            let error = err.error().to_string();
            let description = err.error_description().cloned().unwrap_or_else(|| error.clone());
            match error.as_str() {
                // GitHub says `bad_refresh_token` for a used, revoked or expired one.
                "invalid_grant" | "bad_refresh_token" => AuthError::InvalidGrant {
                    provider,
                    description,
                },
                "access_denied" => AuthError::Denied {
                    provider,
                    error,
                    description,
                },
                "expired_token" => AuthError::CodeExpired { provider },
                // GitHub says `incorrect_client_credentials`.
                "invalid_client" | "unauthorized_client" | "incorrect_client_credentials" => {
                    AuthError::BadClient {
                        provider,
                        description,
                    }
                }
                _ => AuthError::Refused {
                    provider,
                    error,
                    description,
                },
            }
        }
        RequestTokenError::Request(e) => AuthError::Network {
            provider,
            step: GET_A_TOKEN,
            detail: e.to_string(),
        },
        // Not an OAuth error document: a proxy or server failure (a 503 page), worth a retry.
        RequestTokenError::Parse(_, body) => AuthError::Network {
            provider,
            step: GET_A_TOKEN,
            detail: format!(
                "its token endpoint answered something that is not a token: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(120)
                    .collect::<String>()
            ),
        },
        RequestTokenError::Other(detail) => AuthError::Network {
            provider,
            step: GET_A_TOKEN,
            detail,
        },
    })?;
    Ok(Credential {
        access: token.access_token().secret().clone(),
        // A provider that does not rotate sends no new refresh token: keep the old one.
        refresh: token
            .refresh_token()
            .map(|r| r.secret().clone())
            .or_else(|| previous_refresh.map(str::to_owned)),
        expires_at: token.expires_in().map(|d| now + d.as_millis() as Millis),
        granted_scopes: token
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
    })
}
