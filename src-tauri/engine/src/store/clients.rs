//! SQL for the `clients` table.

use sqlx::{FromRow, SqliteConnection};

use super::Store;
use crate::clients::{name_key, Client, ClientName};
use crate::clock::Millis;
use crate::error::{Error, InputError, Result};

#[derive(Debug, FromRow)]
pub(crate) struct ClientRow {
    id: i64,
    name: String,
    archived_at: Option<Millis>,
    created_at: Millis,
    updated_at: Millis,
}

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Self {
        Client {
            id: row.id,
            name: row.name,
            archived: row.archived_at.is_some(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

const COLUMNS: &str = "id, name, archived_at, created_at, updated_at";

impl Store {
    pub(crate) async fn list_clients(&self, include_archived: bool) -> Result<Vec<Client>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM clients WHERE ?1 OR archived_at IS NULL \
             ORDER BY archived_at IS NOT NULL, name_key, id"
        );
        let rows: Vec<ClientRow> = sqlx::query_as(&sql)
            .bind(include_archived)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().map(Client::from).collect())
    }

    /// The active client with this name (case-insensitive).
    pub(crate) async fn client_named(&self, name: &str) -> Result<Option<Client>> {
        let sql = format!("SELECT {COLUMNS} FROM clients WHERE name_key = ? AND archived_at IS NULL");
        let row: Option<ClientRow> = sqlx::query_as(&sql)
            .bind(name_key(name))
            .fetch_optional(self.reader())
            .await?;
        Ok(row.map(Client::from))
    }

    pub(crate) async fn client(&self, id: i64) -> Result<Client> {
        let sql = format!("SELECT {COLUMNS} FROM clients WHERE id = ?");
        let row: Option<ClientRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(Client::from).ok_or(Error::ClientNotFound(id))
    }

    pub(crate) async fn insert_client(&self, name: &ClientName, now: Millis) -> Result<Client> {
        let mut tx = self.write().await?;
        refuse_duplicate(&mut tx, &name.key, None).await?;
        let sql = format!(
            "INSERT INTO clients (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?) \
             RETURNING {COLUMNS}"
        );
        let row: ClientRow = sqlx::query_as(&sql)
            .bind(&name.display)
            .bind(&name.key)
            .bind(now)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    pub(crate) async fn rename_client(&self, id: i64, name: &ClientName, now: Millis) -> Result<Client> {
        let mut tx = self.write().await?;
        let archived = archived_state(&mut tx, id).await?;
        if !archived {
            refuse_duplicate(&mut tx, &name.key, Some(id)).await?;
        }
        let sql = format!(
            "UPDATE clients SET name = ?, name_key = ?, updated_at = ? WHERE id = ? RETURNING {COLUMNS}"
        );
        let row: ClientRow = sqlx::query_as(&sql)
            .bind(&name.display)
            .bind(&name.key)
            .bind(now)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// Archives (`Some(now)`) or unarchives (`None`) a client. Unarchiving is refused while
    /// an active client has the same name, since names identify clients to people.
    pub(crate) async fn set_client_archived(
        &self,
        id: i64,
        archived_at: Option<Millis>,
        now: Millis,
    ) -> Result<Client> {
        let mut tx = self.write().await?;
        let was_archived = archived_state(&mut tx, id).await?;
        if was_archived && archived_at.is_none() {
            let key: String = sqlx::query_scalar("SELECT name_key FROM clients WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            refuse_duplicate(&mut tx, &key, Some(id)).await?;
        }
        // Archiving twice keeps the first archive time.
        let sql = format!(
            "UPDATE clients SET archived_at = CASE WHEN ?1 IS NULL THEN NULL \
             ELSE COALESCE(archived_at, ?1) END, updated_at = ?2 WHERE id = ?3 RETURNING {COLUMNS}"
        );
        let row: ClientRow = sqlx::query_as(&sql)
            .bind(archived_at)
            .bind(now)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into())
    }
}

/// Whether the client is archived; `ClientNotFound` if it does not exist.
async fn archived_state(conn: &mut SqliteConnection, id: i64) -> Result<bool> {
    let archived_at: Option<Option<Millis>> =
        sqlx::query_scalar("SELECT archived_at FROM clients WHERE id = ?")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    archived_at.map(|a| a.is_some()).ok_or(Error::ClientNotFound(id))
}

async fn refuse_duplicate(conn: &mut SqliteConnection, key: &str, except: Option<i64>) -> Result<()> {
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT name FROM clients WHERE name_key = ? AND archived_at IS NULL AND id IS NOT ?",
    )
    .bind(key)
    .bind(except)
    .fetch_optional(conn)
    .await?;
    match existing {
        Some(name) => Err(InputError::DuplicateClientName(name).into()),
        None => Ok(()),
    }
}
