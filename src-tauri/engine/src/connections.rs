//! Connections: one grant or key at a provider, shared by the sources of any number of
//! clients — reconnecting a shared grant fixes every client at once. OAuth connections are
//! made in the system browser (`auth`), their tokens kept fresh by `auth::TokenKeeper`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::Url;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use ts_rs::TS;

use crate::auth::{AuthError, Authorization, OAuthApp, SIGN_IN_TIMEOUT};
use crate::clock::Millis;
use crate::connectors::Provider;
use crate::error::{Error, InputError, Result};
use crate::secrets::Credential;
use crate::sources::Source;
use crate::store::{NewConnection, SourceAccess};
use crate::Engine;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AuthKind {
    Oauth,
    ApiKey,
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

    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "oauth" => AuthKind::Oauth,
            "api_key" => AuthKind::ApiKey,
            _ => AuthKind::Token,
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
    pub provider: Provider,
    /// Who signed in (a GitHub login), or the account a key belongs to.
    pub account_label: String,
    pub auth_kind: AuthKind,
    pub status: ConnectionStatus,
    /// When the current access token expires (it is refreshed before then).
    #[ts(type = "number | null")]
    pub expires_at: Option<Millis>,
    pub scopes: Vec<String>,
    pub api_base_url: Option<String>,
    pub demo: bool,
    /// The names of the clients whose sources use it.
    pub clients: Vec<String>,
}

/// A provider's OAuth app and endpoints, from Settings. Unset fields fall back to the
/// provider's public endpoints and the client id a packager built in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OAuthSettings {
    pub client_id: Option<String>,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    /// The API behind the grant (GitHub Enterprise, the simulator).
    pub api_base_url: Option<String>,
}

/// A sign-in waiting for the browser: open `url`, then wait on `finish_connect(id)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PendingConnect {
    #[ts(type = "number")]
    pub id: u64,
    pub url: String,
}

pub(crate) struct PendingFlow {
    flow: Authorization,
    app: OAuthApp,
    api_base_url: Option<String>,
    reconnect: Option<i64>,
    cancelled: oneshot::Receiver<()>,
}

/// Sign-ins under way, and how to cancel each.
#[derive(Default)]
pub(crate) struct SignIns {
    next: u64,
    flows: HashMap<u64, PendingFlow>,
    cancels: HashMap<u64, oneshot::Sender<()>>,
}

impl std::fmt::Debug for SignIns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIns")
            .field("pending", &self.cancels.len())
            .finish()
    }
}

const GITHUB_SCOPES: &[&str] = &["repo", "read:user"];

fn settings_key(provider: Provider) -> String {
    format!("oauth.{}", provider.as_str())
}

/// The API behind a GitHub connection: its own address (Enterprise, the simulator) or GitHub's.
fn github_api(api_base_url: Option<&str>) -> Result<Url> {
    match api_base_url {
        Some(url) => parse_url("API URL", url),
        None => Ok(Provider::Github.default_base_url()),
    }
}

fn parse_url(what: &str, url: &str) -> Result<Url> {
    match Url::parse(url.trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        _ => Err(InputError::BadOAuthUrl {
            what: what.to_owned(),
            url: url.to_owned(),
        }
        .into()),
    }
}

impl Engine {
    pub async fn oauth_settings(&self, provider: Provider) -> Result<OAuthSettings> {
        let stored = self.store.setting(&settings_key(provider)).await?;
        Ok(stored
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Saves a provider's OAuth app settings; bad addresses are refused and nothing saved.
    pub async fn set_oauth_settings(&self, provider: Provider, settings: &OAuthSettings) -> Result<()> {
        for (what, url) in [
            ("authorization URL", &settings.auth_url),
            ("token URL", &settings.token_url),
            ("API URL", &settings.api_base_url),
        ] {
            if let Some(url) = url {
                parse_url(what, url)?;
            }
        }
        let json = serde_json::to_string(settings).expect("settings serialise");
        self.store.put_setting(&settings_key(provider), &json).await
    }

    async fn oauth_app(&self, provider: Provider) -> Result<(OAuthApp, Option<String>)> {
        let settings = self.oauth_settings(provider).await?;
        let (auth_url, token_url, built_in, scopes) = match provider {
            Provider::Github => (
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                option_env!("FRESHBOARD_GITHUB_CLIENT_ID"),
                GITHUB_SCOPES,
            ),
            Provider::Stripe => return Err(InputError::NoOAuth(provider.label()).into()),
        };
        let client_id = settings
            .client_id
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or(built_in.map(str::to_owned))
            .ok_or(InputError::NoOAuthClient(provider.label()))?;
        let app = OAuthApp {
            provider: provider.label().to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret: None,
            auth_url: parse_url(
                "authorization URL",
                settings.auth_url.as_deref().unwrap_or(auth_url),
            )?,
            token_url: parse_url("token URL", settings.token_url.as_deref().unwrap_or(token_url))?,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            extra: Vec::new(),
            port: 0,
        };
        Ok((app, settings.api_base_url))
    }

    /// Starts a sign-in: listens on loopback and returns the consent page's address for
    /// the system browser. `reconnect` renews an existing connection's grant in place.
    pub async fn begin_connect(&self, provider: Provider, reconnect: Option<i64>) -> Result<PendingConnect> {
        if let Some(id) = reconnect {
            let connection = self.store.connection(id).await?;
            if connection.provider != provider {
                return Err(Error::ConnectionNotFound(id));
            }
        }
        let (app, api_base_url) = self.oauth_app(provider).await?;
        let flow = Authorization::begin(app.clone()).await?;
        let url = flow.url.to_string();
        let (cancel, cancelled) = oneshot::channel();
        let mut sign_ins = self.sign_ins.lock().expect("sign-ins");
        sign_ins.next += 1;
        let id = sign_ins.next;
        sign_ins.flows.insert(
            id,
            PendingFlow {
                flow,
                app,
                api_base_url,
                reconnect,
                cancelled,
            },
        );
        sign_ins.cancels.insert(id, cancel);
        Ok(PendingConnect { id, url })
    }

    /// Stops a sign-in under way; its `finish_connect` returns `Cancelled`.
    pub fn cancel_connect(&self, id: u64) -> bool {
        let mut sign_ins = self.sign_ins.lock().expect("sign-ins");
        // A flow not yet awaited is simply dropped (its listener closes); one being awaited
        // hears the cancel.
        let waiting = sign_ins
            .cancels
            .remove(&id)
            .is_some_and(|cancel| cancel.send(()).is_ok());
        sign_ins.flows.remove(&id).is_some() || waiting
    }

    /// Waits for the browser (up to 5 minutes), exchanges the code, asks the provider who
    /// signed in, and stores the tokens in the keyring and the connection in SQLite — or,
    /// for a reconnect, replaces the grant of the existing connection. Nothing is stored
    /// when any step fails.
    pub async fn finish_connect(&self, id: u64) -> Result<Connection> {
        let pending = self.sign_ins.lock().expect("sign-ins").flows.remove(&id);
        let Some(pending) = pending else {
            return Err(Error::Auth(AuthError::Cancelled));
        };
        let PendingFlow {
            flow,
            app,
            api_base_url,
            reconnect,
            cancelled,
        } = pending;
        let clock = self.clock.clone();
        let outcome = flow
            .finish(
                &self.token_http,
                move || clock.now_millis(),
                SIGN_IN_TIMEOUT,
                async {
                    let _ = cancelled.await;
                },
            )
            .await;
        self.sign_ins.lock().expect("sign-ins").cancels.remove(&id);
        let credential = outcome?;
        let api = github_api(api_base_url.as_deref())?;
        let login = self
            .signed_in_login(&api, &credential.access, &app.provider)
            .await?;
        let now = self.clock.now_millis();
        let scopes = app.scopes.join(" ");
        let connection_id = match reconnect {
            Some(id) => {
                let keyring_ref = self.store.connection_keyring_ref(id).await?;
                self.secrets.set(&keyring_ref, &credential).await?;
                self.store
                    .renew_connection(id, credential.expires_at, &scopes, now)
                    .await?;
                self.snapshots.clear();
                tracing::info!(connection = id, "connection renewed");
                id
            }
            None => {
                let keyring_ref = format!("{} — {login} ({:06x})", app.provider, fastrand::u32(..0x1000000));
                self.secrets.set(&keyring_ref, &credential).await?;
                let new = NewConnection {
                    provider: Provider::Github,
                    account_label: &login,
                    auth_kind: AuthKind::Oauth,
                    keyring_ref: &keyring_ref,
                    api_base_url: api_base_url.as_deref(),
                    expires_at: credential.expires_at,
                    scopes: &scopes,
                };
                match self.store.insert_connection(&new, now).await {
                    Ok(id) => id,
                    Err(e) => {
                        let _ = self.secrets.delete(&keyring_ref).await;
                        return Err(e);
                    }
                }
            }
        };
        self.emit(crate::EngineEvent::ConnectionChanged { connection_id });
        self.store.connection(connection_id).await
    }

    /// Who the token belongs to (GitHub's `/user`), for the connection's name.
    async fn signed_in_login(&self, api: &Url, access: &str, provider: &str) -> Result<String> {
        let url = api.join("user").map_err(|_| AuthError::BadUrl(api.to_string()))?;
        let user = self
            .github_json(url, access, provider, "the account lookup")
            .await?;
        Ok(user["login"].as_str().unwrap_or("unknown account").to_owned())
    }

    /// A GET to GitHub's API with a connection's token; failures are network errors in words.
    async fn github_json(
        &self,
        url: Url,
        token: &str,
        provider: &str,
        what: &str,
    ) -> Result<serde_json::Value> {
        let network = |detail: String| AuthError::Network {
            provider: provider.to_owned(),
            detail,
        };
        let response = self
            .token_http
            .get(url)
            .bearer_auth(token)
            .header("accept", "application/vnd.github+json")
            .header("user-agent", "Freshboard")
            .send()
            .await
            .map_err(|e| network(e.without_url().to_string()))?;
        if !response.status().is_success() {
            return Err(network(format!("{what} answered {}", response.status())).into());
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
        if connection.provider != Provider::Github {
            return Err(InputError::NoOAuth(connection.provider.label()).into());
        }
        let secret = self.connection_secret(connection_id, None).await?;
        let api = github_api(connection.api_base_url.as_deref())?;
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
                .github_json(url, &secret, connection.provider.label(), "the repository list")
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

    pub async fn connections(&self) -> Result<Vec<Connection>> {
        self.store.connections().await
    }

    /// Removes a connection and its keyring entry. With `keep_data`, its sources stay with
    /// their synced data but stop syncing; otherwise they are removed with it.
    pub async fn disconnect(&self, id: i64, keep_data: bool) -> Result<()> {
        let keyring_ref = self
            .store
            .delete_connection(id, keep_data, self.clock.now_millis())
            .await?;
        self.secrets.delete(&keyring_ref).await?;
        self.snapshots.clear();
        self.emit(crate::EngineEvent::ConnectionChanged { connection_id: id });
        tracing::info!(connection = id, keep_data, "disconnected");
        Ok(())
    }

    /// Adds a GitHub repository to a client on an existing OAuth connection; the repository
    /// is checked with the connection's token first.
    pub async fn add_source_on_connection(
        &self,
        client_id: i64,
        connection_id: i64,
        repo: &str,
    ) -> Result<Source> {
        let client = self.client(client_id).await?;
        let connection = self.store.connection(connection_id).await?;
        let repo = repo.trim();
        if connection.provider != Provider::Github {
            return Err(InputError::NoOAuth(connection.provider.label()).into());
        }
        if !crate::sources::valid_repo(repo) {
            return Err(InputError::BadRepo(repo.to_owned()).into());
        }
        let secret = self.connection_secret(connection_id, None).await?;
        let base_url = github_api(connection.api_base_url.as_deref())?;
        let ctx = crate::connectors::Context {
            http: &self.http,
            base_url: &base_url,
            secret: &secret,
            connection_id,
            external_id: repo,
            now: self.clock.now_millis(),
            requests_per_sec: 0,
        };
        let account = crate::connectors::validate(Provider::Github, &ctx)
            .await
            .map_err(|e| self.validation_error(Provider::Github, repo, e))?;
        let source = self
            .store
            .insert_source_on(
                client.id,
                connection_id,
                &account.external_id,
                &account.label,
                self.clock.now_millis(),
            )
            .await?;
        self.add_default_widgets(client.id, Provider::Github).await?;
        Ok(source)
    }

    /// The secret a source's requests carry: a key or token as stored, or an OAuth access
    /// token kept fresh. `rejected` is a token the provider just refused with a 401.
    pub(crate) async fn source_secret(
        &self,
        access: &SourceAccess,
        rejected: Option<&str>,
    ) -> Result<String> {
        match access.source.connection_id {
            Some(id) => self.connection_secret(id, rejected).await,
            None => Err(Error::MissingSecret(access.source.label.clone())),
        }
    }

    async fn connection_secret(&self, id: i64, rejected: Option<&str>) -> Result<String> {
        let connection = self.store.connection(id).await?;
        let keyring_ref = self.store.connection_keyring_ref(id).await?;
        if connection.auth_kind != AuthKind::Oauth {
            let credential: Credential = self
                .secrets
                .get(&keyring_ref)
                .await?
                .ok_or_else(|| Error::MissingSecret(connection.account_label.clone()))?;
            return Ok(credential.access);
        }
        if connection.status == ConnectionStatus::NeedsReauth {
            return Err(AuthError::InvalidGrant {
                provider: connection.provider.label().to_owned(),
                description: "the connection is waiting to be reconnected".into(),
            }
            .into());
        }
        let (app, _) = self.oauth_app(connection.provider).await?;
        let now = self.clock.now_millis();
        match self
            .tokens
            .access_token(&self.secrets, &keyring_ref, &app, &self.token_http, now, rejected)
            .await
        {
            Err(Error::Auth(e)) if e.needs_reauth() => {
                self.store
                    .set_connection_status(id, ConnectionStatus::NeedsReauth, now)
                    .await?;
                self.snapshots.clear();
                self.emit(crate::EngineEvent::ConnectionChanged { connection_id: id });
                tracing::warn!(
                    connection = id,
                    "the provider refused the grant; the connection needs reconnecting"
                );
                Err(Error::Auth(e))
            }
            other => other,
        }
    }
}

pub(crate) type SharedSignIns = Arc<Mutex<SignIns>>;
