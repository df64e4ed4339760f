//! Backups of the database in the data folder's `backups/`: each a consistent snapshot taken
//! with `VACUUM INTO` (never a file copy of a live WAL database, which can catch a page
//! half written), written under a temporary name and renamed, so a crash mid-backup never
//! leaves a file that looks like a backup. Tokens are in the keyring, not the database, so
//! no backup holds one.
//!
//! Kept: the newest 7 daily backups and, before them, the newest of each of 4 weeks; the
//! newest 3 taken before a migration; the newest 10 taken by hand.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use serde::Serialize;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use ts_rs::TS;

use super::DATABASE_FILE;
use crate::clock::Millis;
use crate::error::{Error, Result};

pub const BACKUPS_DIR: &str = "backups";
const PREFIX: &str = "freshboard-";
const SUFFIX: &str = ".db";
const STAMP: &str = "%Y-%m-%dT%H-%M-%S%.3fZ";
const KEEP_DAILY: usize = 7;
const KEEP_WEEKLY: usize = 4;
const KEEP_BEFORE_MIGRATION: usize = 3;
const KEEP_MANUAL: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BackupKind {
    /// The planner's, once a day.
    Daily,
    /// Taken by `Store::open` before it migrated the schema.
    BeforeMigration,
    /// Asked for (`backup now`).
    Manual,
}

impl BackupKind {
    fn as_str(self) -> &'static str {
        match self {
            BackupKind::Daily => "daily",
            BackupKind::BeforeMigration => "before_migration",
            BackupKind::Manual => "manual",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [BackupKind::Daily, BackupKind::BeforeMigration, BackupKind::Manual]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    fn keep(self) -> usize {
        match self {
            BackupKind::Daily => KEEP_DAILY,
            BackupKind::BeforeMigration => KEEP_BEFORE_MIGRATION,
            BackupKind::Manual => KEEP_MANUAL,
        }
    }
}

/// One backup file. Its id is its name's middle: when it was taken and why.
#[derive(Debug, Clone, Serialize)]
pub struct Backup {
    pub id: String,
    pub kind: BackupKind,
    pub taken_at: Millis,
    pub bytes: u64,
    pub path: PathBuf,
}

impl Backup {
    fn from_path(path: PathBuf) -> Option<Self> {
        let id = path
            .file_name()?
            .to_str()?
            .strip_prefix(PREFIX)?
            .strip_suffix(SUFFIX)?
            .to_owned();
        let (stamp, kind) = id.rsplit_once('-')?;
        let taken_at = NaiveDateTime::parse_from_str(stamp, STAMP)
            .ok()?
            .and_utc()
            .timestamp_millis();
        Some(Self {
            kind: BackupKind::parse(kind)?,
            taken_at,
            bytes: std::fs::metadata(&path).ok()?.len(),
            id,
            path,
        })
    }
}

pub fn backups_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(BACKUPS_DIR)
}

/// The backups in `data_dir`, newest first. A folder that does not exist holds none.
pub fn list(data_dir: &Path) -> Result<Vec<Backup>> {
    let dir = backups_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(Error::Backup { path: dir, source }),
    };
    let mut found: Vec<Backup> = entries
        .filter_map(|entry| Backup::from_path(entry.ok()?.path()))
        .collect();
    found.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then_with(|| b.id.cmp(&a.id)));
    Ok(found)
}

/// Takes a backup through `pool` (any connection of the database: `VACUUM INTO` only reads
/// it) and drops the backups of that kind past what is kept.
pub(crate) async fn take(
    pool: &SqlitePool,
    data_dir: &Path,
    kind: BackupKind,
    now: Millis,
) -> Result<Backup> {
    let dir = backups_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let name = format!("{PREFIX}{}-{}{SUFFIX}", stamp(now), kind.as_str());
    let path = dir.join(&name);
    let partial = dir.join(format!(".{name}.partial"));
    // A partial file is what a crash mid-backup left; VACUUM INTO refuses an existing file.
    let _ = std::fs::remove_file(&partial);
    sqlx::query("VACUUM INTO ?1")
        .bind(partial.to_string_lossy().into_owned())
        .execute(pool)
        .await?;
    std::fs::rename(&partial, &path).map_err(io(&path))?;
    let backup = Backup::from_path(path.clone()).ok_or_else(|| Error::Backup {
        path,
        source: std::io::Error::other("the backup just written cannot be read back"),
    })?;
    tracing::info!(id = backup.id, bytes = backup.bytes, "database backed up");
    prune(data_dir, kind)?;
    Ok(backup)
}

/// Which of `backups` (one kind, newest first) are past what is kept.
fn past_keeping(backups: &[&Backup], kind: BackupKind) -> Vec<PathBuf> {
    let keep = kind.keep();
    let mut weeks = Vec::new();
    backups
        .iter()
        .enumerate()
        .filter(|(i, b)| {
            if *i < keep {
                return false;
            }
            if kind != BackupKind::Daily {
                return true;
            }
            let week = DateTime::<Utc>::from_timestamp_millis(b.taken_at)
                .unwrap_or_default()
                .iso_week();
            if weeks.len() < KEEP_WEEKLY && !weeks.contains(&week) {
                weeks.push(week);
                return false;
            }
            true
        })
        .map(|(_, b)| b.path.clone())
        .collect()
}

fn prune(data_dir: &Path, kind: BackupKind) -> Result<()> {
    let all = list(data_dir)?;
    let of_kind: Vec<&Backup> = all.iter().filter(|b| b.kind == kind).collect();
    for path in past_keeping(&of_kind, kind) {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an old backup");
        }
    }
    Ok(())
}

/// Whether a database file passes `PRAGMA integrity_check`, opened so that nothing is
/// written to it (no WAL, no locks): a backup offered for restore must.
pub async fn is_intact(path: &Path) -> bool {
    let options =
        SqliteConnectOptions::from_str("sqlite:").map(|o| o.filename(path).read_only(true).immutable(true));
    let Ok(options) = options else { return false };
    let Ok(mut conn) = SqliteConnection::connect_with(&options).await else {
        return false;
    };
    let verdict: std::result::Result<String, _> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await;
    let _ = conn.close().await;
    verdict.is_ok_and(|v| v == "ok")
}

/// What a restore did with the database it replaced.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub backup: Backup,
    /// Where the replaced database (and its WAL) now is; never deleted.
    pub moved_aside: Option<PathBuf>,
}

/// Puts backup `id` in place of the database in `data_dir`, which no Freshboard may have
/// open. The database it replaces is moved aside, with its WAL, never deleted.
pub async fn restore(data_dir: &Path, id: &str, now: Millis) -> Result<Restored> {
    let backup = list(data_dir)?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or_else(|| Error::NoSuchBackup(id.to_owned()))?;
    if !is_intact(&backup.path).await {
        return Err(Error::DamagedBackup(backup.id));
    }
    let db = data_dir.join(DATABASE_FILE);
    refuse_if_open(&db).await?;
    let moved_aside = set_aside(data_dir, "replaced", now)?;
    let incoming = sidecar(&db, ".restoring");
    std::fs::copy(&backup.path, &incoming).map_err(io(&incoming))?;
    std::fs::rename(&incoming, &db).map_err(io(&db))?;
    tracing::info!(id = backup.id, "database restored from a backup");
    Ok(Restored { backup, moved_aside })
}

/// Moves a database that cannot be used aside (never deleting it), so the next open starts
/// an empty one. Returns where it went.
pub async fn start_fresh(data_dir: &Path, now: Millis) -> Result<Option<PathBuf>> {
    refuse_if_open(&data_dir.join(DATABASE_FILE)).await?;
    set_aside(data_dir, "damaged", now)
}

/// Moves the database in `data_dir` (with its WAL and shared-memory files, which hold part of
/// it) to `freshboard.db.{why}-{when}`, for a restore or a fresh start; never deletes it.
/// Returns where it went, or None when there was no database.
fn set_aside(data_dir: &Path, why: &str, now: Millis) -> Result<Option<PathBuf>> {
    let db = data_dir.join(DATABASE_FILE);
    if !db.exists() {
        return Ok(None);
    }
    let aside = data_dir.join(format!("{DATABASE_FILE}.{why}-{}", stamp(now)));
    let moved = |from: &Path, to: PathBuf| std::fs::rename(from, &to).map_err(io(&to));
    for suffix in ["-wal", "-shm"] {
        let side = sidecar(&db, suffix);
        if side.exists() {
            moved(&side, sidecar(&aside, suffix))?;
        }
    }
    moved(&db, aside.clone())?;
    tracing::info!(to = %aside.display(), "database moved aside");
    Ok(Some(aside))
}

/// An I/O failure on `path`, as the error a person sees.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_owned();
    move |source| Error::Backup { path, source }
}

fn stamp(now: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(now)
        .unwrap_or_default()
        .format(STAMP)
        .to_string()
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut path = db.as_os_str().to_owned();
    path.push(suffix);
    path.into()
}

/// A database another process has open holds a lock on it: taking the file for ourselves,
/// without waiting, fails then.
async fn refuse_if_open(db: &Path) -> Result<()> {
    if !db.exists() {
        return Ok(());
    }
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(db)
        .locking_mode(sqlx::sqlite::SqliteLockingMode::Exclusive)
        .busy_timeout(std::time::Duration::ZERO);
    let taken = async {
        let mut conn = SqliteConnection::connect_with(&options).await?;
        // The first write takes the exclusive lock (a read would only keep a shared one).
        let mut tx = conn.begin_with("BEGIN EXCLUSIVE").await?;
        sqlx::query("PRAGMA user_version").execute(&mut *tx).await?;
        tx.rollback().await?;
        conn.close().await
    };
    match taken.await {
        Ok(()) => Ok(()),
        Err(e) if crate::error::sqlite_code(&e) == Some(crate::error::SQLITE_BUSY) => {
            Err(Error::DatabaseInUse(db.to_owned()))
        }
        // A damaged database cannot be opened at all: that is what a restore is for.
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, n: usize) -> Backup {
        let taken = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Days::new(day as u64);
        Backup {
            id: format!("{day}"),
            kind: BackupKind::Daily,
            taken_at: taken.and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp_millis(),
            bytes: 0,
            path: PathBuf::from(format!("{n}")),
        }
    }

    #[test]
    fn seven_daily_backups_are_kept_and_before_them_one_of_each_of_four_weeks() {
        // Sixty days of daily backups, newest first.
        let all: Vec<Backup> = (0..60).rev().enumerate().map(|(n, day)| at(day, n)).collect();
        let refs: Vec<&Backup> = all.iter().collect();
        let dropped = past_keeping(&refs, BackupKind::Daily);
        let kept: Vec<&Backup> = all.iter().filter(|b| !dropped.contains(&b.path)).collect();
        assert_eq!(kept.len(), KEEP_DAILY + KEEP_WEEKLY);
        assert!(kept[..KEEP_DAILY].iter().zip(&all).all(|(k, a)| k.id == a.id));
        let weeks: Vec<_> = kept[KEEP_DAILY..]
            .iter()
            .map(|b| {
                DateTime::<Utc>::from_timestamp_millis(b.taken_at)
                    .unwrap()
                    .iso_week()
            })
            .collect();
        let mut distinct = weeks.clone();
        distinct.dedup();
        assert_eq!(distinct, weeks, "one backup a week");
    }
}
