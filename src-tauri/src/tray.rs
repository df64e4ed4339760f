//! The tray: Freshboard keeps running there when its window closes (schedules run while the
//! app is open), its icon says whether something is syncing, the network is gone or a
//! person is needed, and its menu opens the window, pauses or resumes syncing, and quits.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use freshboard_engine::{ConnectionStatus, Engine, EngineEvent};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Window, WindowEvent, Wry};
use tauri_plugin_notification::NotificationExt;

use crate::startup::AppState;

/// Whether closing the window keeps the app in the tray: read from the engine when it
/// opens, so the close itself never waits on the database. Off while no engine is open
/// (the recovery screen), where closing quits.
#[derive(Default)]
pub struct CloseToTray(pub AtomicBool);

/// The tray icon and the menu item whose label follows the pause.
pub struct Tray {
    icon: TrayIcon,
    pause: MenuItem<Wry>,
}

pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Freshboard", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", "Pause syncing", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit Freshboard", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &pause, &PredefinedMenuItem::separator(app)?, &quit])?;
    let icon = TrayIconBuilder::with_id("main")
        .icon(Look::Idle.image())
        .tooltip(Look::Idle.describe())
        .menu(&menu)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" => show_window(app),
            "pause" => toggle_pause(app),
            // The exit handler stops the workers and closes the database.
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    app.manage(Tray { icon, pause });
    Ok(())
}

/// Brings the window back (from the tray, or when Freshboard is started again).
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

fn toggle_pause(app: &AppHandle) {
    let Ok(engine) = app.state::<AppState>().engine() else {
        return;
    };
    tauri::async_runtime::spawn(async move {
        let paused = !engine.is_syncing_paused();
        if let Err(e) = engine.set_syncing_paused(paused).await {
            tracing::error!(error = %e, "could not pause or resume syncing from the tray");
        }
    });
}

/// Closing the window hides it while closing to the tray is on; the first time, a
/// notification says where Freshboard went.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    let app = window.app_handle();
    if !app.state::<CloseToTray>().0.load(Ordering::Relaxed) {
        return;
    }
    api.prevent_close();
    let _ = window.hide();
    tracing::info!("window closed; Freshboard keeps running in the tray");
    let Ok(engine) = app.state::<AppState>().engine() else {
        return;
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if engine.first_close_to_tray().await.unwrap_or(false) {
            let shown = app
                .notification()
                .builder()
                .title("Freshboard keeps running")
                .body("It goes on syncing on your schedules. Open it again from its tray icon or by starting Freshboard; quit it from the tray's menu. To make closing the window quit, turn off “Keep running in the tray” in Settings.")
                .show();
            if let Err(e) = shown {
                tracing::warn!(error = %e, "could not show a desktop notification");
            }
        }
    });
}

/// What the icon shows, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Attention,
    Offline,
    Syncing,
    Idle,
}

impl Look {
    fn image(self) -> Image<'static> {
        let png: &[u8] = match self {
            Look::Attention => include_bytes!("../../icons/tray/attention.png"),
            Look::Offline => include_bytes!("../../icons/tray/offline.png"),
            Look::Syncing => include_bytes!("../../icons/tray/syncing.png"),
            Look::Idle => include_bytes!("../../icons/tray/idle.png"),
        };
        Image::from_bytes(png).expect("tray icons are PNGs")
    }

    fn describe(self) -> &'static str {
        match self {
            Look::Attention => "Freshboard — a connection needs reconnecting or a source needs a look",
            Look::Offline => "Freshboard — offline; syncing resumes when the network is back",
            Look::Syncing => "Freshboard — syncing",
            Look::Idle => "Freshboard — up to date",
        }
    }
}

/// Follows one engine's events to keep the tray's icon and menu true.
pub struct TrayWatch {
    running: HashSet<i64>,
    offline: bool,
    attention: bool,
    shown: Option<Look>,
}

impl TrayWatch {
    pub async fn new(app: &AppHandle, engine: &Engine) -> Self {
        let mut watch = Self {
            running: HashSet::new(),
            offline: engine.is_offline(),
            attention: needs_attention(engine).await,
            shown: None,
        };
        watch.show(app);
        set_pause_label(app, engine.is_syncing_paused());
        watch
    }

    pub async fn follow(&mut self, app: &AppHandle, engine: &Engine, event: &EngineEvent) {
        match event {
            EngineEvent::JobStarted { source_id } => {
                self.running.insert(*source_id);
            }
            EngineEvent::JobFinished { source_id, .. } => {
                self.running.remove(source_id);
            }
            EngineEvent::Offline { offline } => self.offline = *offline,
            EngineEvent::SyncingPaused { paused } => set_pause_label(app, *paused),
            EngineEvent::ConnectionChanged { .. }
            | EngineEvent::AlertRaised(_)
            | EngineEvent::AlertCleared { .. } => self.attention = needs_attention(engine).await,
            _ => return,
        }
        self.show(app);
    }

    fn look(&self) -> Look {
        if self.attention {
            Look::Attention
        } else if self.offline {
            Look::Offline
        } else if !self.running.is_empty() {
            Look::Syncing
        } else {
            Look::Idle
        }
    }

    fn show(&mut self, app: &AppHandle) {
        let look = self.look();
        if self.shown == Some(look) {
            return;
        }
        self.shown = Some(look);
        let Some(tray) = app.try_state::<Tray>() else {
            return;
        };
        let _ = tray.icon.set_icon(Some(look.image()));
        let _ = tray.icon.set_tooltip(Some(look.describe()));
    }
}

/// A connection that needs reconnecting, or an open alert.
async fn needs_attention(engine: &Engine) -> bool {
    let reauth = engine
        .connections()
        .await
        .is_ok_and(|c| c.iter().any(|c| c.status == ConnectionStatus::NeedsReauth));
    reauth || engine.alerts(true).await.is_ok_and(|a| !a.is_empty())
}

fn set_pause_label(app: &AppHandle, paused: bool) {
    if let Some(tray) = app.try_state::<Tray>() {
        let _ = tray
            .pause
            .set_text(if paused { "Resume syncing" } else { "Pause syncing" });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(running: &[i64], offline: bool, attention: bool) -> TrayWatch {
        TrayWatch {
            running: running.iter().copied().collect(),
            offline,
            attention,
            shown: None,
        }
    }

    #[test]
    fn the_icon_shows_the_most_urgent_state() {
        assert_eq!(watch(&[], false, false).look(), Look::Idle);
        assert_eq!(watch(&[3], false, false).look(), Look::Syncing);
        assert_eq!(watch(&[3], true, false).look(), Look::Offline);
        assert_eq!(watch(&[3], true, true).look(), Look::Attention);
        assert_eq!(watch(&[], false, true).look(), Look::Attention);
    }

    #[test]
    fn every_look_has_its_own_icon() {
        let looks = [Look::Attention, Look::Offline, Look::Syncing, Look::Idle];
        let pixels: HashSet<Vec<u8>> = looks.iter().map(|l| l.image().rgba().to_vec()).collect();
        assert_eq!(pixels.len(), looks.len());
    }
}
