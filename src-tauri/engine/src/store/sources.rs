//! SQL for `connections` and `sources`.

use sqlx::FromRow;

use super::Store;
use crate::clock::Millis;
use crate::connections::AuthKind;
use crate::connectors::Provider;
use crate::error::{Error, InputError, Result};
use crate::sources::Source;

#[derive(Debug, FromRow)]
struct SourceRow {
    id: i64,
    client_id: i64,
    connection_id: Option<i64>,
    provider: String,
    external_id: String,
    label: String,
    enabled: bool,
    created_at: Millis,
}

impl TryFrom<SourceRow> for Source {
    type Error = Error;
    fn try_from(r: SourceRow) -> Result<Self> {
        let provider = Provider::parse(&r.provider).ok_or(Error::UnsupportedProvider(r.provider))?;
        Ok(Source {
            id: r.id,
            client_id: r.client_id,
            connection_id: r.connection_id,
            provider,
            external_id: r.external_id,
            label: r.label,
            enabled: r.enabled,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str = "id, client_id, connection_id, provider, external_id, label, enabled, created_at";

/// How to reach a source's provider: its API base URL and how its connection authenticates.
#[derive(Debug, Clone)]
pub struct SourceAccess {
    pub source: Source,
    pub api_base_url: Option<String>,
    pub auth_kind: Option<AuthKind>,
}

pub(crate) struct NewSourceRow<'a> {
    pub client_id: i64,
    pub provider: Provider,
    pub auth_kind: &'a str,
    pub keyring_ref: &'a str,
    pub api_base_url: Option<&'a str>,
    pub external_id: &'a str,
    pub label: &'a str,
}

impl Store {
    /// Inserts a connection and its source together: both or neither.
    pub(crate) async fn insert_source(&self, new: &NewSourceRow<'_>, now: Millis) -> Result<Source> {
        let mut tx = self.write().await?;
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT label FROM sources WHERE client_id = ? AND provider = ? AND external_id = ?",
        )
        .bind(new.client_id)
        .bind(new.provider.as_str())
        .bind(new.external_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(label) = exists {
            return Err(InputError::DuplicateSource(label).into());
        }
        let connection: i64 = sqlx::query_scalar(
            "INSERT INTO connections (provider, account_label, auth_kind, keyring_ref, api_base_url, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.provider.as_str())
        .bind(new.label)
        .bind(new.auth_kind)
        .bind(new.keyring_ref)
        .bind(new.api_base_url)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let row: SourceRow = sqlx::query_as(&format!(
            "INSERT INTO sources (client_id, connection_id, provider, external_id, label, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
        ))
        .bind(new.client_id)
        .bind(connection)
        .bind(new.provider.as_str())
        .bind(new.external_id)
        .bind(new.label)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        row.try_into()
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

    pub(crate) async fn source_access(&self, id: i64) -> Result<SourceAccess> {
        let row: Option<SourceRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM sources WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        let source: Source = row.ok_or(Error::SourceNotFound(id))?.try_into()?;
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
        // Its rows went with it, marking their days; there is nothing left to roll up.
        sqlx::query("DELETE FROM rollup_dirty WHERE source_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
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
