//! SQL for `connections` on their own: listing them with the clients that use them,
//! OAuth grants, status changes and disconnecting.

use sqlx::FromRow;

use super::sources::forget_marks;
use super::Store;
use crate::clock::Millis;
use crate::connector::{AccountProvider, AuthKind};
use crate::error::{Error, Result};
use crate::models::{Connection, ConnectionStatus};

#[derive(FromRow)]
struct ConnectionRow {
    id: i64,
    provider: String,
    account_label: String,
    auth_kind: String,
    status: String,
    expires_at: Option<Millis>,
    renew_by: Option<Millis>,
    scopes: String,
    api_base_url: Option<String>,
    demo: bool,
    rate_per_sec: Option<i64>,
    clients: Option<String>,
}

impl TryFrom<ConnectionRow> for Connection {
    type Error = Error;
    fn try_from(r: ConnectionRow) -> Result<Self> {
        Ok(Connection {
            id: r.id,
            provider: AccountProvider::parse(&r.provider).ok_or(Error::UnsupportedProvider(r.provider))?,
            account_label: r.account_label,
            auth_kind: AuthKind::parse(&r.auth_kind),
            status: ConnectionStatus::parse(&r.status),
            expires_at: r.expires_at,
            renew_by: r.renew_by,
            scopes: r.scopes.split_whitespace().map(str::to_owned).collect(),
            api_base_url: r.api_base_url,
            demo: r.demo,
            rate_per_sec: r.rate_per_sec.map(|r| r as u32),
            clients: r
                .clients
                .map(|c| c.split('\u{1f}').map(str::to_owned).collect())
                .unwrap_or_default(),
        })
    }
}

/// The clients using a connection, joined with a separator no name contains.
const SELECT: &str =
    "SELECT c.id, c.provider, c.account_label, c.auth_kind, c.status, c.expires_at, c.renew_by, c.scopes, \
       c.api_base_url, c.demo, c.rate_per_sec, \
       (SELECT group_concat(name, char(31)) FROM (SELECT DISTINCT cl.name FROM sources s \
          JOIN clients cl ON cl.id = s.client_id WHERE s.connection_id = c.id ORDER BY cl.name)) AS clients \
     FROM connections c";

pub(crate) struct NewConnection<'a> {
    pub provider: AccountProvider,
    pub account_label: &'a str,
    pub auth_kind: AuthKind,
    pub keyring_ref: &'a str,
    pub api_base_url: Option<&'a str>,
    pub expires_at: Option<Millis>,
    pub renew_by: Option<Millis>,
    pub scopes: &'a str,
}

impl Store {
    pub(crate) async fn connections(&self) -> Result<Vec<Connection>> {
        let rows: Vec<ConnectionRow> =
            sqlx::query_as(&format!("{SELECT} ORDER BY c.provider, c.account_label, c.id"))
                .fetch_all(self.reader())
                .await?;
        rows.into_iter().map(Connection::try_from).collect()
    }

    /// A person's request rate for the connection (`None`: the provider's documented one).
    pub(crate) async fn set_connection_rate(
        &self,
        id: i64,
        rate_per_sec: Option<u32>,
        now: Millis,
    ) -> Result<()> {
        let changed = self
            .write_one(
                sqlx::query("UPDATE connections SET rate_per_sec = ?, updated_at = ? WHERE id = ?")
                    .bind(rate_per_sec)
                    .bind(now)
                    .bind(id),
            )
            .await?;
        if changed == 0 {
            return Err(Error::ConnectionNotFound(id));
        }
        Ok(())
    }

    pub(crate) async fn connection(&self, id: i64) -> Result<Connection> {
        let row: Option<ConnectionRow> = sqlx::query_as(&format!("{SELECT} WHERE c.id = ?"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.ok_or(Error::ConnectionNotFound(id))?.try_into()
    }

    /// The connection to this very account (same provider, account, kind and API), if any.
    pub(crate) async fn find_connection(
        &self,
        provider: AccountProvider,
        account_label: &str,
        auth_kind: AuthKind,
        api_base_url: Option<&str>,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM connections WHERE provider = ? AND account_label = ? AND auth_kind = ? \
               AND api_base_url IS ? ORDER BY id LIMIT 1",
        )
        .bind(provider.as_str())
        .bind(account_label)
        .bind(auth_kind.as_str())
        .bind(api_base_url)
        .fetch_optional(self.reader())
        .await?)
    }

    pub(crate) async fn connection_keyring_ref(&self, id: i64) -> Result<String> {
        sqlx::query_scalar("SELECT keyring_ref FROM connections WHERE id = ?")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(Error::ConnectionNotFound(id))
    }

    pub(crate) async fn insert_connection(&self, new: &NewConnection<'_>, now: Millis) -> Result<i64> {
        let query = sqlx::query_scalar(
            "INSERT INTO connections (provider, account_label, auth_kind, keyring_ref, api_base_url, expires_at, \
               renew_by, scopes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.provider.as_str())
        .bind(new.account_label)
        .bind(new.auth_kind.as_str())
        .bind(new.keyring_ref)
        .bind(new.api_base_url)
        .bind(new.expires_at)
        .bind(new.renew_by)
        .bind(new.scopes)
        .bind(now)
        .bind(now);
        let mut tx = self.write().await?;
        let id = query.fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A new grant for an existing connection (a reconnect): it is usable again.
    pub(crate) async fn renew_connection(
        &self,
        id: i64,
        expires_at: Option<Millis>,
        renew_by: Option<Millis>,
        scopes: &str,
        now: Millis,
    ) -> Result<()> {
        let query = sqlx::query(
            "UPDATE connections SET status = 'ok', expires_at = ?, renew_by = ?, scopes = ?, updated_at = ? \
             WHERE id = ?",
        )
        .bind(expires_at)
        .bind(renew_by)
        .bind(scopes)
        .bind(now)
        .bind(id);
        match self.write_one(query).await? {
            0 => Err(Error::ConnectionNotFound(id)),
            _ => Ok(()),
        }
    }

    pub(crate) async fn set_connection_status(
        &self,
        id: i64,
        status: ConnectionStatus,
        now: Millis,
    ) -> Result<()> {
        let query = sqlx::query("UPDATE connections SET status = ?, updated_at = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(now)
            .bind(id);
        self.write_one(query).await?;
        Ok(())
    }

    /// Removes a connection. Its sources either go with their data, or stay — disabled,
    /// with their data — when `keep_data`. Returns its keyring entry, for the caller to delete.
    pub(crate) async fn delete_connection(&self, id: i64, keep_data: bool, now: Millis) -> Result<String> {
        let mut tx = self.write().await?;
        if keep_data {
            sqlx::query("UPDATE sources SET enabled = 0, updated_at = ? WHERE connection_id = ?")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else {
            let removed: Vec<i64> =
                sqlx::query_scalar("DELETE FROM sources WHERE connection_id = ? RETURNING id")
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
            for source in removed {
                forget_marks(&mut tx, source).await?;
            }
        }
        let keyring_ref: String =
            sqlx::query_scalar("DELETE FROM connections WHERE id = ? RETURNING keyring_ref")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(Error::ConnectionNotFound(id))?;
        tx.commit().await?;
        Ok(keyring_ref)
    }
}
