//! The app's own settings as the Settings dialog shows them: each kept where it belongs —
//! closing to the tray and the pause in the engine's settings, starting at login in the
//! desktop's autostart folder.

use std::sync::atomic::Ordering;

use freshboard_engine::ErrorKind;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager};
use ts_rs::TS;

use crate::autostart;
use crate::error::CommandError;
use crate::startup::AppState;
use crate::tray::CloseToTray;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Preferences {
    /// Closing the window keeps Freshboard running in the tray (on by default).
    pub close_to_tray: bool,
    /// Freshboard starts in the tray when the person logs in (off by default).
    pub start_at_login: bool,
    /// Queued and scheduled syncs wait until resumed.
    pub syncing_paused: bool,
}

pub async fn read(app: &AppHandle) -> Result<Preferences, CommandError> {
    let engine = app.state::<AppState>().engine()?;
    Ok(Preferences {
        close_to_tray: engine.close_to_tray().await?,
        start_at_login: starts_at_login(),
        syncing_paused: engine.is_syncing_paused(),
    })
}

fn starts_at_login() -> bool {
    autostart::config_home().is_some_and(|home| autostart::is_enabled(&home))
}

pub async fn apply(app: &AppHandle, wanted: Preferences) -> Result<Preferences, CommandError> {
    let engine = app.state::<AppState>().engine()?;
    engine.set_close_to_tray(wanted.close_to_tray).await?;
    app.state::<CloseToTray>()
        .0
        .store(wanted.close_to_tray, Ordering::Relaxed);
    engine.set_syncing_paused(wanted.syncing_paused).await?;
    if starts_at_login() != wanted.start_at_login {
        set_start_at_login(wanted.start_at_login)?;
    }
    read(app).await
}

fn set_start_at_login(on: bool) -> Result<(), CommandError> {
    let failed = |message: String| CommandError {
        kind: ErrorKind::Storage,
        message,
        field: Some("startAtLogin".into()),
    };
    let home = autostart::config_home().ok_or_else(|| {
        failed("Freshboard could not find your configuration folder (neither XDG_CONFIG_HOME nor HOME is set), so it cannot start at login.".into())
    })?;
    let exe = std::env::current_exe().map_err(|e| {
        failed(format!(
            "Freshboard could not find its own program file ({e}), so it cannot start at login."
        ))
    })?;
    autostart::set(&home, &exe, on).map_err(|e| {
        failed(format!(
            "Could not {} the login entry in {} ({e}). Check that the folder is writable, then try again.",
            if on { "write" } else { "remove" },
            home.join("autostart").display()
        ))
    })
}
