//! Freshboard's desktop shell: builds the window, opens the engine, wires the commands.
// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod autostart;
mod background;
mod commands;
mod error;
mod logging;
mod preferences;
mod startup;
mod tray;

use std::path::PathBuf;

use tauri::{Manager, RunEvent};

use startup::AppState;

/// Overrides where data (and then logs) live; tests point it at a temp dir.
const DATA_DIR_ENV: &str = "FRESHBOARD_DATA_DIR";

/// The webview as a local dashboard needs it. Drawn without the GPU: with the demo dashboard
/// open (release build, scripts/measure-memory), its web process holds 178 MB of private
/// memory instead of 300, and tiles and line charts gain nothing from the GPU. With WebKit's
/// smallest caches: every page and asset is in the binary, there is nothing to cache from a
/// network (no change measured at start; it keeps caches from growing over a long day).
fn tune_webview(app: &tauri::AppHandle) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let set = window.with_webview(|webview| {
            use webkit2gtk::{
                CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
            };
            let webview = webview.inner();
            if let Some(settings) = WebViewExt::settings(&webview) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            if let Some(context) = webview.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = set {
            tracing::warn!(error = %e, "could not tune the webview");
        }
    }
}

/// JavaScriptCore's JIT off in the web process: the dashboard's JavaScript is light (Svelte,
/// uPlot), and the JIT's code and profiles cost the web process private memory — with the demo
/// dashboard open 128 MB with it, 115–119 MB without (release, scripts/measure-memory). Set
/// before WebKit starts its processes, which inherit it; a person's own `JSC_useJIT` wins.
fn tune_javascript() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("JSC_useJIT").is_none() {
        // Before any thread starts: nothing else reads the environment yet.
        std::env::set_var("JSC_useJIT", "false");
    }
}

fn main() {
    tune_javascript();
    let app = tauri::Builder::default()
        // First, so a second launch only focuses the window that is already open.
        // Also how a window closed to the tray comes back where no tray is shown.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_window(app)
        }))
        // Opens OAuth consent pages in the system browser (from Rust; the webview gets no permission).
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let (data_dir, log_dir) = match std::env::var_os(DATA_DIR_ENV) {
                Some(dir) => (PathBuf::from(&dir), PathBuf::from(dir).join("logs")),
                None => (app.path().app_data_dir()?, app.path().app_log_dir()?),
            };
            if let Some(guard) = logging::init(&log_dir) {
                app.manage(guard);
            }
            tracing::info!(data_dir = %data_dir.display(), version = env!("CARGO_PKG_VERSION"), "starting");
            tune_webview(app.handle());
            app.manage(background::DemoProblem::default());
            app.manage(background::Workers::default());
            app.manage(tray::CloseToTray::default());
            // A tray that cannot be made (no tray host) only costs the icon: closing still
            // hides the window, and starting Freshboard again shows it.
            if let Err(e) = tray::build(app.handle()) {
                tracing::warn!(error = %e, "no tray icon");
            }
            app.manage(AppState::open(app.handle(), data_dir));
            // Started at login: in the tray, without the window.
            if std::env::args().any(|a| a == autostart::HIDDEN_ARG) {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.hide();
                }
            }
            Ok(())
        })
        .on_window_event(tray::on_window_event)
        .invoke_handler(tauri::generate_handler![
            commands::list_clients,
            commands::create_client,
            commands::rename_client,
            commands::archive_client,
            commands::unarchive_client,
            commands::list_sources,
            commands::add_source,
            commands::remove_source,
            commands::refresh_source,
            commands::client_seen,
            commands::client_freshness,
            commands::get_schedule,
            commands::preview_schedule,
            commands::set_schedule,
            commands::remove_schedule,
            commands::time_zones,
            commands::list_connections,
            commands::get_oauth_settings,
            commands::set_oauth_settings,
            commands::begin_connect,
            commands::connect_with_token,
            commands::finish_connect,
            commands::cancel_connect,
            commands::disconnect,
            commands::list_providers,
            commands::connection_accounts,
            commands::set_source_window,
            commands::set_connection_rate,
            commands::metrics_catalog,
            commands::list_dashboards,
            commands::create_dashboard,
            commands::rename_dashboard,
            commands::delete_dashboard,
            commands::get_dashboard,
            commands::add_widget,
            commands::update_widget,
            commands::move_widget,
            commands::remove_widget,
            commands::health_overview,
            commands::health,
            commands::list_alerts,
            commands::get_alert_settings,
            commands::set_alert_settings,
            commands::startup_problem,
            commands::restore_backup,
            commands::start_fresh,
            commands::keyring_problem,
            commands::app_info,
            commands::get_preferences,
            commands::set_preferences,
        ])
        .build(tauri::generate_context!())
        .expect("failed to build the Freshboard window");

    app.run(|app, event| {
        if let RunEvent::Exit = event {
            background::shut_down(app);
        }
    });
}
