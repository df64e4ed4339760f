//! The SQLite store: one writer connection (every write a `BEGIN IMMEDIATE` transaction, so
//! two writers never deadlock on a lock upgrade) and a small pool of readers, in WAL mode.
//! The WAL is checkpointed off the writer's path, by `checkpoint.rs`.

pub mod backup;
mod checkpoint;
mod clients;
mod connections;
mod dashboards;
mod entities;
pub(crate) mod health;
mod queue;
mod schedules;
mod sources;
mod sync_state;

pub(crate) use connections::NewConnection;
pub(crate) use queue::QueuedJob;
pub use sources::SourceAccess;
pub(crate) use sources::{NewSourceRow, SourceConnection};
pub use sync_state::StreamStatus;
pub(crate) use sync_state::{JobEnd, Segment};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::clock::Millis;
use crate::error::{sqlite_code, Error, Result, SQLITE_NOTADB};

pub const DATABASE_FILE: &str = "freshboard.db";

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

/// Long enough to ride out another process's write; short enough that a stuck lock
/// becomes a "database busy" error a person sees instead of a frozen window.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
pub(crate) const READERS: u32 = 4;
const MMAP_BYTES: u64 = 1 << 30;

#[derive(Debug, Clone)]
pub struct Store {
    writer: SqlitePool,
    readers: SqlitePool,
    checkpointer: checkpoint::Checkpointer,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if missing) the database in `data_dir` and brings its schema up to
    /// date, backing it up first when there is a migration to run (`now` names the backup).
    /// A database from a newer Freshboard is refused before anything is written.
    pub async fn open(data_dir: &Path, now: Millis) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| Error::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Reads of pages map the file instead of copying each page in through a read()
            // call: dashboards and health read many pages of a large file. Address space only;
            // the pages are the OS's file cache, shared and reclaimable.
            .pragma("mmap_size", MMAP_BYTES.to_string());

        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(
                options
                    .clone()
                    // The one writer touches the same index pages job after job (rows,
                    // rollups, health counters): 16 MiB of cache instead of SQLite's 2 keeps
                    // them in memory.
                    .pragma("cache_size", "-16384")
                    // A commit never checkpoints: the checkpointer does, beside it.
                    .pragma("wal_autocheckpoint", "0")
                    .pragma("journal_size_limit", checkpoint::WAL_LIMIT_BYTES.to_string()),
            )
            .await
            .map_err(|e| open_error(&path, e))?;

        if let Some(found) = refuse_newer_schema(&writer, &path).await? {
            if found < latest_known_version() {
                backup::take(&writer, data_dir, backup::BackupKind::BeforeMigration, now).await?;
            }
        }
        MIGRATOR.run(&writer).await?;
        ensure_rollup_triggers(&writer).await?;

        let checkpointer = checkpoint::Checkpointer::start(&options, &path)
            .await
            .map_err(|e| open_error(&path, e))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await
            .map_err(|e| open_error(&path, e))?;

        tracing::info!(path = %path.display(), schema = latest_known_version(), "database open");
        Ok(Self {
            writer,
            readers,
            checkpointer,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frees what the writer's page cache holds (SQLite's `shrink_memory`): idle, nothing
    /// needs it, and the next job fills it again from the file.
    pub(crate) async fn shrink_memory(&self) {
        if let Err(error) = sqlx::query("PRAGMA shrink_memory").execute(&self.writer).await {
            tracing::debug!(%error, "could not shrink the writer's cache");
        }
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.readers
    }

    /// Starts a write transaction that takes the write lock at once.
    pub(crate) async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        // The transactions before this one may have grown the WAL past its limit.
        self.checkpointer.nudge();
        match self.writer.begin_with("BEGIN IMMEDIATE").await {
            // sqlx leaves its connection inside a transaction when the future awaiting a BEGIN
            // is dropped after the BEGIN ran but before its answer was read (a task aborted at
            // that await). Nothing was written in it — every write begins here, and these
            // begins fail — but it holds SQLite's write lock, for this process and every other.
            // Closing that connection rolls the empty transaction back; begin on a fresh one.
            Err(sqlx::Error::InvalidSavePointStatement) => {
                tracing::warn!(
                    "the database writer was left inside a transaction by a cancelled task; reopening it"
                );
                self.writer.acquire().await?.close().await?;
                Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
            }
            begun => Ok(begun?),
        }
    }

    /// Runs one write statement in its own transaction; returns the rows it changed.
    pub(crate) async fn write_one<'q>(&self, query: Query<'q, Sqlite, SqliteArguments<'q>>) -> Result<u64> {
        let mut tx = self.write().await?;
        let changed = query.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(changed)
    }

    /// Waits for in-flight work and closes every connection, the writer last, having copied
    /// the whole WAL into the database and emptied it: the file alone holds everything, even
    /// when a reader's close is still under way and the WAL file stays.
    pub async fn close(&self) {
        self.checkpointer.close().await;
        self.readers.close().await;
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.writer)
            .await
        {
            tracing::warn!(%error, "the WAL could not be checkpointed at close; the next open does it");
        }
        self.writer.close().await;
    }
}

/// Brings the rollup triggers in line with what the providers declare. Only a database whose
/// triggers differ is written to: opening beside a running app must not wait for its lock.
async fn ensure_rollup_triggers(pool: &SqlitePool) -> Result<()> {
    let existing: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_rollup\\_%' ESCAPE '\\'",
    )
    .fetch_all(pool)
    .await?;
    let wanted = entities::rollup_triggers();
    let current = |name: &str| {
        existing
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, sql)| sql.as_deref())
    };
    let stale: Vec<&str> = existing
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| !wanted.iter().any(|(w, _)| w == name))
        .collect();
    let changed: Vec<&(String, String)> = wanted
        .iter()
        .filter(|(name, sql)| current(name) != Some(sql.as_str()))
        .collect();
    if stale.is_empty() && changed.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for name in stale
        .into_iter()
        .chain(changed.iter().map(|(name, _)| name.as_str()))
    {
        sqlx::query(&format!("DROP TRIGGER IF EXISTS {name}"))
            .execute(&mut *tx)
            .await?;
    }
    for (_, sql) in changed {
        sqlx::query(sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    tracing::info!("rollup triggers brought up to date");
    Ok(())
}

fn latest_known_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration the database has had, if it has had any; a newer one than this build
/// knows is an error.
async fn refuse_newer_schema(pool: &SqlitePool, path: &Path) -> Result<Option<i64>> {
    let has_history: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await
    .map_err(|e| open_error(path, e))?;
    if !has_history {
        return Ok(None);
    }
    let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await?;
    let supported = latest_known_version();
    match found {
        Some(found) if found > supported => Err(Error::NewerSchema {
            path: path.to_owned(),
            found,
            supported,
        }),
        found => Ok(found),
    }
}

fn open_error(path: &Path, e: sqlx::Error) -> Error {
    match sqlite_code(&e) {
        Some(SQLITE_NOTADB) => Error::NotADatabase {
            path: path.to_owned(),
            source: e,
        },
        _ => Error::Database(e),
    }
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use super::*;

    #[tokio::test]
    async fn a_writer_left_inside_a_transaction_by_a_cancelled_task_is_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 0).await.unwrap();
        // The state a dropped BEGIN leaves: the writer back in the pool, inside a transaction
        // that no `Transaction` will ever end.
        let mut conn = store.writer.acquire().await.unwrap();
        std::mem::forget(conn.begin_with("BEGIN IMMEDIATE").await.unwrap());
        drop(conn);

        let changed = store
            .write_one(sqlx::query(
                "INSERT INTO clients (name, name_key, created_at, updated_at) VALUES ('Acme', 'acme', 0, 0)",
            ))
            .await
            .unwrap();
        assert_eq!(changed, 1);
        store.close().await;
        // Committed: another connection sees it.
        let store = Store::open(dir.path(), 0).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clients")
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}
