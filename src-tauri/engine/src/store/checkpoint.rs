//! Checkpoints of the WAL beside the writer, not inside its commits.
//!
//! SQLite's automatic checkpoint runs in the commit that takes the WAL past 1,000 pages, so a
//! sync's writes waited on it: it was most of a large commit's time (60–70 ms of the 70 ms of
//! a Meta backfill's rollup commit). Here the writer never checkpoints. When a write begins,
//! a task of the store's own looks at the WAL's size and, past `WAL_CHECKPOINT_BYTES`, copies
//! it into the database with a PASSIVE checkpoint on a connection of its own, which waits for
//! no reader and no writer. Once a checkpoint has copied everything (the writes paused), the
//! next write starts the WAL over from its beginning and cuts the file back to
//! `WAL_LIMIT_BYTES` (`journal_size_limit`). A burst of writes that never pauses would grow
//! the WAL without end, so past `WAL_BLOCKING_BYTES` the checkpoint is a RESTART, which holds
//! the next write until it is done: mostly copied by then, so short. One task: never two
//! checkpoints at once.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;
use tokio::sync::{mpsc, watch};

/// The WAL's size that asks for a checkpoint.
const WAL_CHECKPOINT_BYTES: u64 = 8 << 20;
/// What the WAL file is cut back to once it starts over.
pub(super) const WAL_LIMIT_BYTES: u64 = 8 << 20;
/// The WAL's size at which a checkpoint holds the writer until the WAL starts over.
const WAL_BLOCKING_BYTES: u64 = 32 << 20;

#[derive(Debug, Clone)]
pub(super) struct Checkpointer {
    pool: SqlitePool,
    nudges: mpsc::Sender<()>,
    /// How many checkpoints have completed: what a test waits on.
    #[cfg_attr(not(test), allow(dead_code))]
    done: watch::Receiver<u64>,
}

impl Checkpointer {
    pub(super) async fn start(options: &SqliteConnectOptions, db: &Path) -> Result<Self, sqlx::Error> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        // One nudge waiting is as good as many: the task reads the WAL's size when it wakes.
        let (nudges, mut nudged) = mpsc::channel(1);
        let (count, done) = watch::channel(0);
        let wal = wal_path(db);
        let task_pool = pool.clone();
        // Ends when the last clone of the store drops its sender.
        tokio::spawn(async move {
            while nudged.recv().await.is_some() {
                if task_pool.is_closed() {
                    return;
                }
                let len = wal_len(&wal);
                let sql = match len {
                    len if len < WAL_CHECKPOINT_BYTES => continue,
                    len if len < WAL_BLOCKING_BYTES => "PRAGMA wal_checkpoint(PASSIVE)",
                    _ => "PRAGMA wal_checkpoint(RESTART)",
                };
                match sqlx::query_as::<_, (i64, i64, i64)>(sql)
                    .fetch_one(&task_pool)
                    .await
                {
                    Ok((_, frames, copied)) => {
                        tracing::debug!(len, frames, copied, "WAL checkpointed");
                        count.send_modify(|n| *n += 1);
                    }
                    Err(_) if task_pool.is_closed() => return,
                    Err(error) => {
                        tracing::warn!(%error, "the WAL checkpoint failed; the next write tries again")
                    }
                }
            }
        });
        Ok(Self { pool, nudges, done })
    }

    /// Asks for a look at the WAL; never waits.
    pub(super) fn nudge(&self) {
        let _ = self.nudges.try_send(());
    }

    pub(super) async fn close(&self) {
        self.pool.close().await;
    }
}

fn wal_path(db: &Path) -> PathBuf {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    wal.into()
}

fn wal_len(wal: &Path) -> u64 {
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::store::{Store, DATABASE_FILE};

    #[tokio::test]
    async fn the_wal_is_checkpointed_beside_the_writer_and_cut_back_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 0).await.unwrap();
        let wal = wal_path(&dir.path().join(DATABASE_FILE));
        store
            .write_one(sqlx::query("CREATE TABLE ballast (b BLOB NOT NULL)"))
            .await
            .unwrap();
        let write_mib = || store.write_one(sqlx::query("INSERT INTO ballast VALUES (randomblob(1048576))"));
        // Five times the limit: without checkpoints the WAL would hold all of it.
        let written = 5 * (WAL_LIMIT_BYTES >> 20);
        for _ in 0..written {
            write_mib().await.unwrap();
        }
        let mut done = store.checkpointer.done.clone();
        // The writes paused: one more checkpoint copies everything, and the next write starts
        // the WAL over and cuts the file back.
        let mut rounds = 0;
        while wal_len(&wal) > WAL_LIMIT_BYTES + (2 << 20) {
            rounds += 1;
            assert!(rounds <= 3, "the WAL stayed at {} bytes", wal_len(&wal));
            done.mark_unchanged();
            store.checkpointer.nudge();
            tokio::time::timeout(Duration::from_secs(60), done.changed())
                .await
                .expect("a checkpoint within a minute")
                .unwrap();
            write_mib().await.unwrap();
        }
        assert!(*done.borrow() > 0);

        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ballast")
            .fetch_one(store.reader())
            .await
            .unwrap();
        assert_eq!(rows as u64, written + rounds);
    }
}
