//! Backups as the engine takes them: one a day from the planner's tick, and on request. The
//! files, what is kept and restoring are `store::backup`'s.

use std::time::Duration;

use crate::clock::Millis;
use crate::error::Result;
use crate::store::backup::{self, Backup, BackupKind};
use crate::Engine;

const DAILY_EVERY_MS: Millis = 24 * 3_600_000;
/// A backup that failed (a full disk) is tried again after this, not on every tick.
const RETRY_AFTER: Duration = Duration::from_secs(3600);

impl Engine {
    /// Takes a backup now, beside whatever else is running: it reads a snapshot.
    pub async fn backup_now(&self) -> Result<Backup> {
        self.take_backup(BackupKind::Manual).await
    }

    /// The backups in the data folder, newest first.
    pub fn backups(&self) -> Result<Vec<Backup>> {
        backup::list(&self.data_dir)
    }

    async fn take_backup(&self, kind: BackupKind) -> Result<Backup> {
        backup::take(self.store.reader(), &self.data_dir, kind, self.clock.now_millis()).await
    }

    /// From the planner's tick: a daily backup when the newest is a day old (or there is
    /// none), so a laptop that was off for a week backs up once when it wakes. The folder is
    /// read on the first tick only; after that the chore remembers when it last backed up.
    pub(crate) async fn backup_on_tick(&self) -> Result<()> {
        let now = self.clock.now_millis();
        let last = {
            let chore = self.backup_chore.lock().expect("backup chore");
            if chore
                .failed
                .is_some_and(|at| self.clock.elapsed(at) < RETRY_AFTER)
            {
                return Ok(());
            }
            chore.last_daily
        };
        let last = match last {
            Some(at) => Some(at),
            None => self
                .backups()?
                .into_iter()
                .find(|b| b.kind == BackupKind::Daily)
                .map(|b| b.taken_at),
        };
        if let Some(at) = last.filter(|at| now - at < DAILY_EVERY_MS && *at <= now) {
            self.backup_chore.lock().expect("backup chore").last_daily = Some(at);
            return Ok(());
        }
        let taken = self.take_backup(BackupKind::Daily).await;
        let mut chore = self.backup_chore.lock().expect("backup chore");
        match &taken {
            Ok(b) => {
                *chore = BackupChore {
                    last_daily: Some(b.taken_at),
                    failed: None,
                }
            }
            Err(_) => chore.failed = Some(self.clock.monotonic()),
        }
        taken.map(|_| ())
    }
}

/// What the daily backup remembers between ticks.
#[derive(Debug, Default)]
pub(crate) struct BackupChore {
    last_daily: Option<Millis>,
    /// When the last attempt failed, so it is not tried on every tick.
    failed: Option<Duration>,
}
