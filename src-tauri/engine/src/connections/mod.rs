//! Connections: one grant or key at a provider, shared by the sources of any number of
//! clients — reconnecting a shared grant fixes every client at once. OAuth connections are
//! made in the system browser (`auth`), their tokens kept fresh by `auth::TokenKeeper`.

mod accounts;
mod apps;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use ts_rs::TS;

pub use crate::connector::{AccountProvider, AuthKind};
pub use crate::models::{Connection, ConnectionStatus};
pub use apps::{OAuthSettings, META_DEFAULT_PORT};

use crate::auth::{self, AuthError, Authorization, DeviceAuthorization, SIGN_IN_TIMEOUT};
use crate::error::{Error, InputError, Result};
use crate::secrets::Credential;
use crate::store::{NewConnection, SourceAccess};
use crate::Engine;

/// How a sign-in reaches the provider's consent page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SignInMethod {
    /// The system browser, answering on a loopback listener.
    #[default]
    Browser,
    /// A code the person types on the provider's site from any device (GitHub).
    DeviceCode,
}

/// A sign-in waiting for the person: open `url` (for a device code, the page where
/// `user_code` is typed), then wait on `finish_connect(id)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PendingConnect {
    #[ts(type = "number")]
    pub id: u64,
    pub url: String,
    pub method: SignInMethod,
    /// The code to type at `url` (device flow only).
    pub user_code: Option<String>,
}

enum Waiting {
    Browser(Authorization),
    Device(DeviceAuthorization),
}

pub(crate) struct PendingFlow {
    waiting: Waiting,
    provider: AccountProvider,
    app: apps::ResolvedApp,
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

impl Engine {
    /// Starts a sign-in. In the browser: listens on loopback and returns the consent page's
    /// address for the system browser. With a device code (GitHub): returns the code and
    /// the page to type it on. `reconnect` renews an existing connection's grant in place.
    pub async fn begin_connect(
        &self,
        provider: AccountProvider,
        reconnect: Option<i64>,
        method: SignInMethod,
    ) -> Result<PendingConnect> {
        if let Some(id) = reconnect {
            if self.store.connection(id).await?.provider != provider {
                return Err(Error::ConnectionNotFound(id));
            }
        }
        if method == SignInMethod::DeviceCode && provider != AccountProvider::Github {
            return Err(InputError::NoDeviceFlow(provider.label()).into());
        }
        let app = self.oauth_app(provider).await?;
        let (waiting, url, user_code) = match method {
            SignInMethod::Browser => {
                let flow = Authorization::begin(app.app.clone()).await?;
                let url = flow.url.to_string();
                (Waiting::Browser(flow), url, None)
            }
            SignInMethod::DeviceCode => {
                // GitHub serves the device endpoint beside its authorization page.
                let device_url = app
                    .app
                    .auth_url
                    .join("/login/device/code")
                    .map_err(|_| AuthError::BadUrl(app.app.auth_url.to_string()))?;
                let flow = DeviceAuthorization::begin(app.app.clone(), device_url, &self.token_http).await?;
                let (url, code) = (flow.verification_uri.to_string(), flow.user_code.clone());
                (Waiting::Device(flow), url, Some(code))
            }
        };
        let (cancel, cancelled) = oneshot::channel();
        let mut sign_ins = self.sign_ins.lock().expect("sign-ins");
        sign_ins.next += 1;
        let id = sign_ins.next;
        sign_ins.flows.insert(
            id,
            PendingFlow {
                waiting,
                provider,
                app,
                reconnect,
                cancelled,
            },
        );
        sign_ins.cancels.insert(id, cancel);
        Ok(PendingConnect {
            id,
            url,
            method,
            user_code,
        })
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

    /// Waits for the person (up to 5 minutes in the browser; a device code's own lifetime),
    /// exchanges the code, asks the provider who signed in, and stores the tokens in the
    /// keyring and the connection in SQLite — or, for a reconnect, replaces the grant of
    /// the existing connection. Nothing is stored when any step fails.
    pub async fn finish_connect(&self, id: u64) -> Result<Connection> {
        let pending = self.sign_ins.lock().expect("sign-ins").flows.remove(&id);
        let Some(pending) = pending else {
            return Err(Error::Auth(AuthError::Cancelled));
        };
        let PendingFlow {
            waiting,
            provider,
            app,
            reconnect,
            cancelled,
        } = pending;
        let clock = self.clock.clone();
        let now = move || clock.now_millis();
        let cancelled = async {
            let _ = cancelled.await;
        };
        let outcome = match waiting {
            Waiting::Browser(flow) => {
                flow.finish(&self.token_http, now, SIGN_IN_TIMEOUT, cancelled)
                    .await
            }
            Waiting::Device(flow) => flow.finish(&self.token_http, now, cancelled).await,
        };
        self.sign_ins.lock().expect("sign-ins").cancels.remove(&id);
        let mut credential = outcome?;
        if provider == AccountProvider::Meta {
            credential =
                auth::meta_long_lived(&app.app, &self.token_http, &credential, self.clock.now_millis())
                    .await?;
        }
        let label = self.account_label(provider, &app.api, &credential.access).await?;
        let grant = Grant {
            provider,
            label: &label,
            auth_kind: AuthKind::Oauth,
            api_base_url: app.api_override.as_deref(),
            // What the person granted, which can be less than what was asked (Google lets
            // them untick products); a provider that does not say granted what was asked.
            scopes: credential
                .granted_scopes
                .clone()
                .unwrap_or_else(|| app.app.scopes.join(" ")),
        };
        self.store_grant(grant, &credential, reconnect).await
    }

    /// Connects with a token the person pastes (a Meta system-user token): checked with
    /// one call to the provider and never stored when refused.
    pub async fn connect_with_token(&self, provider: AccountProvider, token: &str) -> Result<Connection> {
        let token = token.trim();
        if token.is_empty() {
            return Err(InputError::EmptyToken.into());
        }
        if provider != AccountProvider::Meta {
            return Err(InputError::NoPastedToken(provider.label()).into());
        }
        // A pasted token needs no OAuth app; only an API address override from Settings.
        let api_override = self.oauth_settings(provider).await?.api_base_url;
        let api = apps::connection_api(provider, api_override.as_deref())?;
        let label = match self.account_label(provider, &api, token).await {
            Err(Error::Auth(AuthError::Refused { description, .. })) => {
                return Err(InputError::TokenRejected {
                    provider: provider.label(),
                    message: description,
                }
                .into())
            }
            other => other?,
        };
        let grant = Grant {
            provider,
            label: &label,
            auth_kind: AuthKind::Token,
            api_base_url: api_override.as_deref(),
            scopes: String::new(),
        };
        self.store_grant(grant, &Credential::token(token.to_owned()), None)
            .await
    }

    /// Keyring first, then SQLite; a failed insert takes its keyring entry back out.
    pub(crate) async fn store_grant(
        &self,
        grant: Grant<'_>,
        credential: &Credential,
        reconnect: Option<i64>,
    ) -> Result<Connection> {
        let now = self.clock.now_millis();
        // Without a refresh token the grant ends with its access token.
        let renew_by = credential
            .refresh
            .is_none()
            .then_some(credential.expires_at)
            .flatten();
        // Signing in again to an account already connected renews that connection: one
        // account, one connection, whichever button was clicked.
        let reconnect = match reconnect {
            Some(id) => Some(id),
            None => {
                self.store
                    .find_connection(grant.provider, grant.label, grant.auth_kind, grant.api_base_url)
                    .await?
            }
        };
        let connection_id = match reconnect {
            Some(id) => {
                let keyring_ref = self.store.connection_keyring_ref(id).await?;
                self.secrets.set(&keyring_ref, credential).await?;
                self.store
                    .renew_connection(id, credential.expires_at, renew_by, &grant.scopes, now)
                    .await?;
                self.snapshots.clear();
                tracing::info!(connection = id, "connection renewed");
                id
            }
            None => {
                let keyring_ref = self
                    .secrets
                    .fresh_name(grant.provider.label(), grant.label)
                    .await?;
                self.secrets.set(&keyring_ref, credential).await?;
                let new = NewConnection {
                    provider: grant.provider,
                    account_label: grant.label,
                    auth_kind: grant.auth_kind,
                    keyring_ref: &keyring_ref,
                    api_base_url: grant.api_base_url,
                    expires_at: credential.expires_at,
                    renew_by,
                    scopes: &grant.scopes,
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
        Ok(self.store.connection(connection_id).await?.seen_at(now))
    }

    pub async fn connections(&self) -> Result<Vec<Connection>> {
        let now = self.clock.now_millis();
        Ok(self
            .store
            .connections()
            .await?
            .into_iter()
            .map(|c| c.seen_at(now))
            .collect())
    }

    /// A person's request rate for a connection, requests a second shared by its sources, in
    /// place of the provider's documented one (`None`: back to it). Syncs from the next on
    /// pace at it; a rate limit the provider answers still halves it for a while.
    pub async fn set_connection_rate(
        &self,
        connection_id: i64,
        rate_per_sec: Option<u32>,
    ) -> Result<Connection> {
        if let Some(got) = rate_per_sec.filter(|r| !(1..=MAX_RATE).contains(r)) {
            return Err(InputError::BadRate { max: MAX_RATE, got }.into());
        }
        let now = self.clock.now_millis();
        self.store
            .set_connection_rate(connection_id, rate_per_sec, now)
            .await?;
        self.emit(crate::EngineEvent::ConnectionChanged { connection_id });
        Ok(self.store.connection(connection_id).await?.seen_at(now))
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

    pub(crate) async fn connection_secret(&self, id: i64, rejected: Option<&str>) -> Result<String> {
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
        let app = self.oauth_app(connection.provider).await?.app;
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

/// What `store_grant` records about a new or renewed grant.
pub(crate) struct Grant<'a> {
    pub provider: AccountProvider,
    pub label: &'a str,
    pub auth_kind: AuthKind,
    pub api_base_url: Option<&'a str>,
    pub scopes: String,
}

pub(crate) type SharedSignIns = Arc<Mutex<SignIns>>;

/// The highest rate a person may set (the schema's check says the same).
const MAX_RATE: u32 = 10_000;
