//! SQL for `sources`.

use sqlx::{FromRow, SqliteConnection};

use super::Store;
use crate::clock::Millis;
use crate::connector::{Account, AuthKind};
use crate::error::{Error, InputError, Result};
use crate::models::Source;
use crate::providers::Provider;

#[derive(Debug, FromRow)]
struct SourceRow {
    id: i64,
    client_id: i64,
    connection_id: Option<i64>,
    provider: String,
    external_id: String,
    label: String,
    parent_account: Option<String>,
    time_zone: Option<String>,
    lookback_days: Option<i64>,
    history_days: Option<i64>,
    rate_per_sec: Option<i64>,
    enabled: bool,
    created_at: Millis,
}

impl TryFrom<SourceRow> for Source {
    type Error = Error;
    fn try_from(r: SourceRow) -> Result<Self> {
        let provider = Provider::parse(&r.provider).ok_or(Error::UnsupportedProvider(r.provider))?;
        let connector = provider.connector();
        Ok(Source {
            id: r.id,
            client_id: r.client_id,
            connection_id: r.connection_id,
            provider,
            external_id: r.external_id,
            label: r.label,
            parent_account: r.parent_account,
            time_zone: r.time_zone.or(connector.fixed_zone.map(str::to_owned)),
            lookback_days: r.lookback_days.map_or(connector.lookback_days, |d| d as u32),
            history_days: r.history_days.map_or(connector.history_days, |d| d as u32),
            rate_per_sec: r.rate_per_sec.map(|r| r as u32),
            enabled: r.enabled,
            created_at: r.created_at,
        })
    }
}

/// With its connection's rate, read beside the row.
const COLUMNS: &str =
    "id, client_id, connection_id, provider, external_id, label, parent_account, time_zone, \
                       lookback_days, history_days, enabled, created_at, \
     (SELECT rate_per_sec FROM connections WHERE connections.id = sources.connection_id) AS rate_per_sec";

/// How to reach a source's provider: its API base URL and how its connection authenticates.
#[derive(Debug, Clone)]
pub struct SourceAccess {
    pub source: Source,
    pub api_base_url: Option<String>,
    pub auth_kind: Option<AuthKind>,
}

/// A source and, for one with its own key, the connection that holds the key.
pub(crate) struct NewSourceRow<'a> {
    pub client_id: i64,
    pub provider: Provider,
    pub account: &'a Account,
    pub connection: SourceConnection<'a>,
    pub lookback_days: Option<u32>,
    pub history_days: Option<u32>,
}

pub(crate) enum SourceConnection<'a> {
    /// An existing connection (a sign-in several clients can share).
    Existing(i64),
    /// A connection of the source's own, holding its key or token.
    Own {
        auth_kind: AuthKind,
        keyring_ref: &'a str,
        api_base_url: Option<&'a str>,
    },
}

impl Store {
    /// Inserts a source (with its own connection when it brings a key): both or neither.
    pub(crate) async fn insert_source(&self, new: &NewSourceRow<'_>, now: Millis) -> Result<Source> {
        let mut tx = self.write().await?;
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT label FROM sources WHERE client_id = ? AND provider = ? AND external_id = ?",
        )
        .bind(new.client_id)
        .bind(new.provider.as_str())
        .bind(&new.account.id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(label) = exists {
            return Err(InputError::DuplicateSource(label).into());
        }
        let connection = match new.connection {
            SourceConnection::Existing(id) => id,
            SourceConnection::Own {
                auth_kind,
                keyring_ref,
                api_base_url,
            } => {
                sqlx::query_scalar(
                    "INSERT INTO connections (provider, account_label, auth_kind, keyring_ref, api_base_url, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                // The connection is the account provider's (who issued the key), not the source's.
                .bind(new.provider.account().as_str())
                .bind(&new.account.label)
                .bind(auth_kind.as_str())
                .bind(keyring_ref)
                .bind(api_base_url)
                .bind(now)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sources (client_id, connection_id, provider, external_id, label, parent_account, time_zone, \
               lookback_days, history_days, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.client_id)
        .bind(connection)
        .bind(new.provider.as_str())
        .bind(&new.account.id)
        .bind(&new.account.label)
        .bind(&new.account.parent)
        .bind(&new.account.time_zone)
        .bind(new.lookback_days)
        .bind(new.history_days)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.source(id).await
    }

    pub(crate) async fn sources(&self, client_id: Option<i64>) -> Result<Vec<Source>> {
        let rows: Vec<SourceRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM sources WHERE ?1 IS NULL OR client_id = ?1 ORDER BY client_id, id"
        ))
        .bind(client_id)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter().map(Source::try_from).collect()
    }

    pub(crate) async fn source(&self, id: i64) -> Result<Source> {
        let row: Option<SourceRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM sources WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.ok_or(Error::SourceNotFound(id))?.try_into()
    }

    pub(crate) async fn source_access(&self, id: i64) -> Result<SourceAccess> {
        let source = self.source(id).await?;
        let (api_base_url, auth_kind): (Option<String>, Option<String>) = match source.connection_id {
            Some(c) => {
                sqlx::query_as("SELECT api_base_url, auth_kind FROM connections WHERE id = ?")
                    .bind(c)
                    .fetch_one(self.reader())
                    .await?
            }
            None => (None, None),
        };
        Ok(SourceAccess {
            source,
            api_base_url,
            auth_kind: auth_kind.as_deref().map(AuthKind::parse),
        })
    }

    /// A source's restatement window and first backfill (`None`: the provider's default).
    pub(crate) async fn set_source_window(
        &self,
        id: i64,
        lookback_days: Option<u32>,
        history_days: Option<u32>,
        now: Millis,
    ) -> Result<Source> {
        let changed = self
            .write_one(
                sqlx::query(
                    "UPDATE sources SET lookback_days = ?, history_days = ?, updated_at = ? WHERE id = ?",
                )
                .bind(lookback_days)
                .bind(history_days)
                .bind(now)
                .bind(id),
            )
            .await?;
        if changed == 0 {
            return Err(Error::SourceNotFound(id));
        }
        self.source(id).await
    }

    /// Deletes a source with its synced data, and its connection when no other source uses
    /// it. Returns the keyring entry that is no longer referenced, for the caller to delete.
    pub(crate) async fn delete_source(&self, id: i64) -> Result<Option<String>> {
        let mut tx = self.write().await?;
        let connection: Option<Option<i64>> =
            sqlx::query_scalar("DELETE FROM sources WHERE id = ? RETURNING connection_id")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let connection = connection.ok_or(Error::SourceNotFound(id))?;
        forget_marks(&mut tx, id).await?;
        let mut orphaned = None;
        if let Some(connection) = connection {
            orphaned = sqlx::query_scalar(
                // A key belongs to its source; an OAuth connection outlives its sources (it is
                // removed from the Connections screen).
                "DELETE FROM connections WHERE id = ?1 AND auth_kind != 'oauth' \
                 AND NOT EXISTS (SELECT 1 FROM sources WHERE connection_id = ?1) RETURNING keyring_ref",
            )
            .bind(connection)
            .fetch_optional(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(orphaned)
    }

    pub(crate) async fn repoint_demo_connections(&self, base_url: &str) -> Result<()> {
        self.write_one(sqlx::query("UPDATE connections SET api_base_url = ? WHERE demo = 1").bind(base_url))
            .await?;
        Ok(())
    }

    pub(crate) async fn mark_demo_connection(&self, connection_id: Option<i64>) -> Result<()> {
        self.write_one(sqlx::query("UPDATE connections SET demo = 1 WHERE id = ?").bind(connection_id))
            .await?;
        Ok(())
    }
}

/// A deleted source's rows went with it, marking their days: nothing is left to roll up.
pub(crate) async fn forget_marks(conn: &mut SqliteConnection, source_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM rollup_dirty WHERE source_id = ?")
        .bind(source_id)
        .execute(conn)
        .await?;
    Ok(())
}
