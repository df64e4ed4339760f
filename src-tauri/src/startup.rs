//! Opening the engine, and what the window offers when it cannot be opened because the
//! database is damaged: restore a backup that passes SQLite's integrity check, or start
//! fresh with the damaged file moved aside (never deleted). Either way the engine is opened
//! again in place, without restarting the app.

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use freshboard_engine::store::backup;
use freshboard_engine::{BackupKind, Engine, ErrorKind};
use serde::Serialize;
use tauri::AppHandle;
use ts_rs::TS;

use crate::background;
use crate::error::CommandError;

/// The engine, or why it could not start (e.g. a database from a newer Freshboard); the
/// UI shows that reason instead of a dead window, and a damaged database can be replaced.
pub struct AppState {
    engine: RwLock<Result<Engine, CommandError>>,
    data_dir: PathBuf,
}

impl AppState {
    /// Opens the engine in `data_dir` and starts what runs beside the window.
    pub fn open(app: &AppHandle, data_dir: PathBuf) -> Self {
        Self {
            engine: RwLock::new(open_engine(app, &data_dir)),
            data_dir,
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn engine(&self) -> Result<Engine, CommandError> {
        self.engine.read().expect("engine state").clone()
    }

    /// Why the engine did not start, with the backups a restore could use.
    pub async fn problem(&self) -> Option<StartupProblem> {
        let error = self.engine().err()?;
        let mut backups = Vec::new();
        if error.kind == ErrorKind::Storage {
            for b in backup::list(&self.data_dir).unwrap_or_default() {
                backups.push(BackupChoice {
                    intact: backup::is_intact(&b.path).await,
                    id: b.id,
                    kind: b.kind,
                    taken_at: b.taken_at,
                    bytes: b.bytes,
                });
            }
        }
        Some(StartupProblem { error, backups })
    }

    /// Restores backup `id` in place of the database, then opens the engine on it.
    pub async fn restore(&self, app: &AppHandle, id: &str) -> Result<(), CommandError> {
        self.refuse_while_open()?;
        backup::restore(&self.data_dir, id, now()).await?;
        self.reopen(app).await
    }

    /// Moves the damaged database aside and opens the engine on a new, empty one.
    pub async fn start_fresh(&self, app: &AppHandle) -> Result<(), CommandError> {
        self.refuse_while_open()?;
        backup::start_fresh(&self.data_dir, now()).await?;
        self.reopen(app).await
    }

    /// Only a database the engine could not open is replaced from the window.
    fn refuse_while_open(&self) -> Result<(), CommandError> {
        match self.engine() {
            Ok(_) => Err(CommandError {
                kind: ErrorKind::InvalidInput,
                message: "The database is open and working: nothing to restore. Use `freshboard-cli restore` with the app closed to go back to a backup.".into(),
                field: None,
            }),
            Err(_) => Ok(()),
        }
    }

    async fn reopen(&self, app: &AppHandle) -> Result<(), CommandError> {
        // Opening blocks on the runtime (as at start), so it runs off the async workers.
        let (app, data_dir) = (app.clone(), self.data_dir.clone());
        let opened = tauri::async_runtime::spawn_blocking(move || open_engine(&app, &data_dir))
            .await
            .map_err(|e| CommandError {
                kind: ErrorKind::Internal,
                message: format!("Opening the database stopped unexpectedly ({e}). Restart Freshboard."),
                field: None,
            })?;
        let result = opened.as_ref().map(|_| ()).map_err(Clone::clone);
        *self.engine.write().expect("engine state") = opened;
        result
    }
}

fn open_engine(app: &AppHandle, data_dir: &Path) -> Result<Engine, CommandError> {
    let engine = tauri::async_runtime::block_on(Engine::open(data_dir)).map_err(|e| {
        tracing::error!(error = %e, "engine did not start");
        CommandError::from(e)
    })?;
    background::start(app, &engine);
    Ok(engine)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StartupProblem {
    pub error: CommandError,
    /// Newest first; only those that pass the integrity check may be restored.
    pub backups: Vec<BackupChoice>,
}

#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BackupChoice {
    pub id: String,
    pub kind: BackupKind,
    #[ts(type = "number")]
    pub taken_at: i64,
    #[ts(type = "number")]
    pub bytes: u64,
    pub intact: bool,
}
