//! Sources: a client's account at a provider — `(client, connection, provider, account)`.
//! Adding one checks the account with the provider first; a key typed for it goes to the
//! keyring only once the provider accepts it. The provider list and what a connection can
//! see feed the pickers, so the UI and CLI never name providers themselves.

use reqwest::Url;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connector::{Access, Account, AccountProvider, ConnectorError, Context};
use crate::error::{Error, InputError, Result};
use crate::http::{HttpError, Pacing};
use crate::models::{Connection, Source};
use crate::providers::Provider;
use crate::secrets::Credential;
use crate::store::{NewSourceRow, SourceAccess, SourceConnection, StreamStatus};
use crate::sync::Reach;
use crate::Engine;

/// A provider as the add-source form and the CLI see it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ProviderInfo {
    pub provider: Provider,
    pub label: String,
    /// Whose connections its sources use.
    pub account_provider: AccountProvider,
    pub access: Access,
    /// What its accounts are called ("repository", "property", "site"…), and an example id.
    pub account_noun: String,
    pub account_example: String,
    /// Its defaults for the days re-read every sync and the first backfill.
    pub lookback_days: u32,
    pub history_days: u32,
    /// The furthest back it keeps data (0: no limit).
    pub max_history_days: u32,
    /// The OAuth scope its data needs, when its issuer's grant serves several products: a
    /// connection whose `scopes` lack it cannot add such sources until reconnected.
    pub scope: Option<String>,
    /// The app key its calls need besides the grant ("Google Ads developer token"), set in
    /// the issuer's Settings.
    pub app_token: Option<String>,
    /// How fast its syncs call when no rate is set for the connection, in words.
    pub documented_rate: String,
}

/// What the CLI or UI gives to add a source.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewSource {
    #[ts(type = "number")]
    pub client_id: i64,
    pub provider: Provider,
    pub access: NewAccess,
    /// The account: a repository, a GA4 property, a site, an Ads customer. Stripe's key
    /// names its account itself.
    pub account: Option<String>,
    /// The days re-read every sync and how far back the first sync reads, when not the
    /// provider's defaults.
    pub lookback_days: Option<u32>,
    pub history_days: Option<u32>,
}

/// How a new source reaches its provider.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum NewAccess {
    /// A key or token of its own, kept in the keyring (Stripe, a GitHub token).
    Secret {
        secret: String,
        /// Another API endpoint (GitHub Enterprise, a proxy, the simulator).
        base_url: Option<String>,
    },
    /// An existing connection.
    Connection {
        #[ts(type = "number")]
        connection_id: i64,
    },
}

impl NewSource {
    /// A source with its own key or token.
    pub fn with_secret(
        client_id: i64,
        provider: Provider,
        secret: &str,
        account: Option<&str>,
        base_url: Option<&str>,
    ) -> Self {
        Self {
            client_id,
            provider,
            access: NewAccess::Secret {
                secret: secret.to_owned(),
                base_url: base_url.map(str::to_owned),
            },
            account: account.map(str::to_owned),
            lookback_days: None,
            history_days: None,
        }
    }

    /// A source on an existing connection.
    pub fn on_connection(client_id: i64, provider: Provider, connection_id: i64, account: &str) -> Self {
        Self {
            client_id,
            provider,
            access: NewAccess::Connection { connection_id },
            account: Some(account.to_owned()),
            lookback_days: None,
            history_days: None,
        }
    }
}

/// A source with the state of each of its streams.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    pub source: Source,
    pub streams: Vec<StreamStatus>,
}

/// The most days a window may reach back: ten years.
const MAX_WINDOW_DAYS: u32 = 3660;

impl Engine {
    /// Every provider a source can come from.
    pub fn providers(&self) -> Vec<ProviderInfo> {
        Provider::ALL
            .into_iter()
            .map(|provider| {
                let c = provider.connector();
                ProviderInfo {
                    provider,
                    label: c.label.to_owned(),
                    account_provider: c.account_provider,
                    access: c.access,
                    account_noun: c.account_noun.to_owned(),
                    account_example: c.account_example.to_owned(),
                    lookback_days: c.lookback_days,
                    history_days: c.history_days,
                    max_history_days: c.max_history_days,
                    scope: c.scope.map(str::to_owned),
                    app_token: c.app_token.map(str::to_owned),
                    documented_rate: c.api.documented_rate().to_owned(),
                }
            })
            .collect()
    }

    /// The accounts of `provider` a connection can see, to pick one for a new source:
    /// GitHub repositories, GA4 properties, Search Console sites, Ads customers.
    pub async fn connection_accounts(&self, connection_id: i64, provider: Provider) -> Result<Vec<Account>> {
        let connection = self.usable_connection(connection_id, provider).await?;
        let reach = self.connection_reach(&connection, provider, None).await?;
        let ctx = self.check_context(provider, &reach, "");
        provider
            .connector()
            .api
            .accounts(&ctx)
            .await
            .map_err(|e| self.validation_error(provider, e))
    }

    /// Checks the account with the provider, then stores the source (and a key or token
    /// given for it, in the keyring). A rejected key is never stored; nothing is half-saved.
    pub async fn add_source(&self, new: NewSource) -> Result<Source> {
        let client = self.client(new.client_id).await?;
        let provider = new.provider;
        let connector = provider.connector();
        let account = match new.account.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => connector
                .api
                .normalize_account(raw)
                .map_err(|message| InputError::BadAccount { message })?,
            _ if connector.account_example.is_empty() => String::new(),
            _ => {
                return Err(InputError::BadAccount {
                    message: format!(
                        "Enter the {} to add, e.g. {}.",
                        connector.account_noun, connector.account_example
                    ),
                }
                .into())
            }
        };
        check_window(provider, new.lookback_days, new.history_days)?;
        let (reach, own) = match &new.access {
            NewAccess::Secret { secret, base_url } => {
                let Access::Secret { auth, .. } = connector.access else {
                    return Err(InputError::NeedsConnection {
                        provider: connector.label,
                        account_provider: connector.account_provider.label(),
                    }
                    .into());
                };
                let secret = secret.trim().to_owned();
                if secret.is_empty() {
                    return Err(InputError::EmptySecret.into());
                }
                let given = base_url.as_deref().filter(|u| !u.trim().is_empty());
                let base_url = match given {
                    Some(url) => parse_base_url(url)?,
                    None => default_base_url(provider),
                };
                let reach = Reach {
                    base_url,
                    secret,
                    app_token: self.app_token(provider).await?,
                };
                (reach, Some((auth, given.map(|u| u.trim().to_owned()))))
            }
            NewAccess::Connection { connection_id } => {
                let connection = self.usable_connection(*connection_id, provider).await?;
                (self.connection_reach(&connection, provider, None).await?, None)
            }
        };
        let ctx = self.check_context(provider, &reach, &account);
        let checked = connector
            .api
            .validate(&ctx)
            .await
            .map_err(|e| self.validation_error(provider, e))?;

        let now = self.clock.now_millis();
        let source = match (&new.access, own) {
            (NewAccess::Connection { connection_id }, _) => {
                let row = NewSourceRow {
                    client_id: client.id,
                    provider,
                    account: &checked,
                    connection: SourceConnection::Existing(*connection_id),
                    lookback_days: new.lookback_days,
                    history_days: new.history_days,
                };
                self.store.insert_source(&row, now).await?
            }
            (NewAccess::Secret { .. }, Some((auth_kind, base_url))) => {
                // One keyring entry per key, named so a person can find it in their keychain.
                let keyring_ref = self.secrets.fresh_name(connector.label, &checked.label).await?;
                self.secrets
                    .set(&keyring_ref, &Credential::token(reach.secret.clone()))
                    .await?;
                let row = NewSourceRow {
                    client_id: client.id,
                    provider,
                    account: &checked,
                    connection: SourceConnection::Own {
                        auth_kind,
                        keyring_ref: &keyring_ref,
                        api_base_url: base_url.as_deref(),
                    },
                    lookback_days: new.lookback_days,
                    history_days: new.history_days,
                };
                match self.store.insert_source(&row, now).await {
                    Ok(source) => source,
                    Err(e) => {
                        // Do not leave a secret behind that no source refers to.
                        let _ = self.secrets.delete(&keyring_ref).await;
                        return Err(e);
                    }
                }
            }
            (NewAccess::Secret { .. }, None) => unreachable!("a secret source has its own connection"),
        };
        tracing::info!(source = source.id, provider = provider.as_str(), "source added");
        self.add_default_widgets(client.id, provider).await?;
        Ok(source)
    }

    /// Sources of one client, or of every client.
    pub async fn sources(&self, client_id: Option<i64>) -> Result<Vec<Source>> {
        self.store.sources(client_id).await
    }

    /// Removes a source and its synced data; its keyring entry goes too when no other
    /// source uses the connection.
    pub async fn remove_source(&self, id: i64) -> Result<()> {
        let client_id = self.store.source(id).await?.client_id;
        if let Some(keyring_ref) = self.store.delete_source(id).await? {
            self.secrets.delete(&keyring_ref).await?;
        }
        self.snapshots.invalidate_client(client_id);
        tracing::info!(source = id, "source removed");
        Ok(())
    }

    pub async fn source_status(&self, id: i64) -> Result<SourceStatus> {
        let source = self.store.source(id).await?;
        let streams = self.store.stream_statuses(id, source.provider).await?;
        Ok(SourceStatus { source, streams })
    }

    /// Changes the days a source re-reads every sync and how far back a first sync reads
    /// (`None`: the provider's default). A longer window takes effect at the next sync.
    pub async fn set_source_window(
        &self,
        id: i64,
        lookback_days: Option<u32>,
        history_days: Option<u32>,
    ) -> Result<Source> {
        let provider = self.store.source(id).await?.provider;
        check_window(provider, lookback_days, history_days)?;
        self.store
            .set_source_window(id, lookback_days, history_days, self.clock.now_millis())
            .await
    }

    /// How a source's requests reach its provider: the API address, the secret (a fresh
    /// OAuth token; `rejected` is one the provider just refused), and an app token.
    pub(crate) async fn reach(&self, access: &SourceAccess, rejected: Option<&str>) -> Result<Reach> {
        let provider = access.source.provider;
        let connection = match access.source.connection_id {
            Some(id) => Some(self.store.connection(id).await?),
            None => None,
        };
        if let Some(connection) = connection.as_ref().filter(|c| !c.grants(provider)) {
            return Err(missing_scope(connection, provider));
        }
        Ok(Reach {
            base_url: base_url_of(access)?,
            secret: self.source_secret(access, rejected).await?,
            app_token: self.app_token_for(connection.as_ref(), provider).await?,
        })
    }

    /// The app token `provider`'s calls carry: the Settings one, or the simulator's for the
    /// demo's connection (which must not use, or change, the person's).
    async fn app_token_for(
        &self,
        connection: Option<&Connection>,
        provider: Provider,
    ) -> Result<Option<String>> {
        match connection {
            Some(c) if c.demo && provider.connector().app_token.is_some() => {
                Ok(Some(crate::demo::DEMO_ADS_DEVELOPER_TOKEN.to_owned()))
            }
            _ => self.app_token(provider).await,
        }
    }

    async fn connection_reach(
        &self,
        connection: &Connection,
        provider: Provider,
        rejected: Option<&str>,
    ) -> Result<Reach> {
        let base_url = match &connection.api_base_url {
            Some(url) => parse_base_url(url)?,
            None => default_base_url(provider),
        };
        Ok(Reach {
            base_url,
            secret: self.connection_secret(connection.id, rejected).await?,
            app_token: self.app_token_for(Some(connection), provider).await?,
        })
    }

    /// A connection new sources of `provider` can use: the right issuer, and a grant that
    /// covers the provider's data.
    async fn usable_connection(&self, connection_id: i64, provider: Provider) -> Result<Connection> {
        let connection = self.store.connection(connection_id).await?;
        if connection.provider != provider.account() {
            return Err(InputError::WrongConnection {
                provider: provider.label(),
                account_provider: provider.account().label(),
            }
            .into());
        }
        if !connection.grants(provider) {
            return Err(missing_scope(&connection, provider));
        }
        Ok(connection)
    }

    /// A context for checking an account, before any source exists (no pacing: one call).
    fn check_context<'a>(&'a self, provider: Provider, reach: &'a Reach, account: &'a str) -> Context<'a> {
        Context {
            http: &self.http,
            base_url: &reach.base_url,
            secret: &reach.secret,
            app_token: reach.app_token.as_deref(),
            account,
            parent: None,
            time_zone: None,
            lookback_days: provider.connector().lookback_days,
            history_days: provider.connector().history_days,
            gate: 0,
            now: self.clock.now_millis(),
            pacing: Pacing::NONE,
            classify: provider.connector().api.classify(),
            meter: None,
        }
    }

    /// How fast a source's credential may call: the provider's documented rate or the one a
    /// person set for its connection (off in benchmarks against the simulator, which
    /// measure the engine itself).
    pub(crate) fn pacing_for(&self, source: &Source, secret: &str) -> Pacing {
        let documented = source.provider.connector().api.pacing(secret);
        let pacing = match source.rate_per_sec {
            Some(rate) => documented.at_rate(rate),
            None => documented,
        };
        if self.pace_requests {
            pacing
        } else {
            pacing.unpaced()
        }
    }

    /// What a failed check means for the person adding a source.
    fn validation_error(&self, provider: Provider, e: ConnectorError) -> Error {
        match e {
            ConnectorError::Http(HttpError::Unauthorized { message, .. }) => InputError::CredentialRejected {
                provider: provider.label(),
                message,
            }
            .into(),
            ConnectorError::Account(message) => InputError::BadAccount { message }.into(),
            other => Error::Connector(other),
        }
    }
}

fn missing_scope(connection: &Connection, provider: Provider) -> Error {
    Error::MissingScope {
        product: provider.label(),
        account: connection.account_label.clone(),
        issuer: connection.provider.label(),
    }
}

fn check_window(provider: Provider, lookback_days: Option<u32>, history_days: Option<u32>) -> Result<()> {
    let max_history = match provider.connector().max_history_days {
        0 => MAX_WINDOW_DAYS,
        days => days,
    };
    if let Some(days) = lookback_days.filter(|d| *d > 365) {
        return Err(InputError::BadWindow {
            what: "The days re-read every sync",
            max: 365,
            got: days,
        }
        .into());
    }
    if let Some(days) = history_days.filter(|d| *d == 0 || *d > max_history) {
        return Err(InputError::BadWindow {
            what: "The first sync's history",
            max: max_history,
            got: days,
        }
        .into());
    }
    Ok(())
}

/// The API a source's requests go to: its connection's address, or its provider's own.
pub(crate) fn base_url_of(access: &SourceAccess) -> Result<Url> {
    match &access.api_base_url {
        Some(url) => parse_base_url(url),
        None => Ok(default_base_url(access.source.provider)),
    }
}

fn default_base_url(provider: Provider) -> Url {
    Url::parse(provider.connector().api_base_url).expect("a provider's API address is a URL")
}

pub(crate) fn parse_base_url(url: &str) -> Result<Url> {
    match Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => Ok(parsed),
        _ => Err(InputError::BadBaseUrl(url.to_owned()).into()),
    }
}
