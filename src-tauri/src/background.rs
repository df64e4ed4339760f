//! What runs beside the window: the job workers (stopped cleanly on quit), the engine's
//! events forwarded to the webview and followed by the tray, and — unless `FRESHBOARD_DEMO=0` — the bundled simulator behind the demo client
//! (or, with `FRESHBOARD_DEMO_SIM_URL`, a simulator running outside the app).

use freshboard_engine::connections::ConnectionStatus;
use freshboard_engine::demo::DEMO_REPO;
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{AlertKind, Engine, EngineEvent};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

use crate::startup::AppState;
use crate::tray::{CloseToTray, TrayWatch};

/// How long quitting waits for running jobs to stop before their next page. One still
/// running after it is left `running`, and the next start queues it again from its cursors.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// The job workers of the open engine, so quitting can wait for them to stop.
#[derive(Default)]
pub struct Workers(Mutex<Option<JoinHandle<()>>>);

/// Keeps the simulator serving for as long as the app runs.
struct DemoSimulator(#[allow(dead_code)] provider_sim::Sim);

/// Why the demo did not start, when it did not (the window says so, e.g. with no keyring).
#[derive(Default)]
pub struct DemoProblem(pub std::sync::Mutex<Option<String>>);

fn demo_failed(app: &AppHandle, why: String) {
    tracing::warn!(error = %why, "demo mode is off");
    *app.state::<DemoProblem>().0.lock().expect("demo problem") = Some(why);
}

pub fn start(app: &AppHandle, engine: &Engine) {
    // Before the window asks for clients, so a first start shows the demo at once.
    if let Ok(url) = std::env::var("FRESHBOARD_DEMO_SIM_URL") {
        // A simulator run outside the app (tests stop it to cut the network).
        if let Err(e) = tauri::async_runtime::block_on(engine.start_demo(&url)) {
            demo_failed(app, e.to_string());
        }
    } else if std::env::var("FRESHBOARD_DEMO").as_deref() != Ok("0") {
        match tauri::async_runtime::block_on(start_demo(engine)) {
            Ok(sim) => {
                app.manage(DemoSimulator(sim));
            }
            Err(why) => demo_failed(app, why),
        }
    }

    match tauri::async_runtime::block_on(engine.close_to_tray()) {
        Ok(on) => app.state::<CloseToTray>().0.store(on, Ordering::Relaxed),
        Err(e) => tracing::warn!(error = %e, "could not read whether closing keeps the app in the tray"),
    }

    let handle = app.clone();
    let mut events = engine.subscribe();
    let watcher = engine.clone();
    tauri::async_runtime::spawn(async move {
        let mut tray = TrayWatch::new(&handle, &watcher).await;
        loop {
            match events.recv().await {
                Ok(event) => {
                    tray.follow(&handle, &watcher, &event).await;
                    match &event {
                        EngineEvent::ConnectionChanged { connection_id } => {
                            notify_if_reconnect_needed(&handle, &watcher, *connection_id).await
                        }
                        EngineEvent::AlertRaised(_) => notify_alerts(&handle, &watcher).await,
                        _ => {}
                    }
                    let _ = handle.emit("engine", event);
                }
                // A burst of progress outran the webview: skipping some is harmless.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    });

    // Alerts raised while the app was closed (by the CLI, say) are told once at start.
    let (handle, watcher) = (app.clone(), engine.clone());
    tauri::async_runtime::spawn(async move { notify_alerts(&handle, &watcher).await });

    let workers = tauri::async_runtime::spawn(engine.clone().run_workers(WorkerConfig::default()));
    *app.state::<Workers>().0.lock().expect("workers") = Some(workers);
}

/// On quit: running jobs stop before their next page (what they stored is kept, and they
/// are queued again), then the database closes so its WAL is checkpointed.
pub fn shut_down(app: &AppHandle) {
    let Ok(engine) = app.state::<AppState>().engine() else {
        return;
    };
    engine.stop_workers();
    let workers = app.state::<Workers>().0.lock().expect("workers").take();
    tauri::async_runtime::block_on(async {
        if let Some(workers) = workers {
            if tokio::time::timeout(STOP_WAIT, workers).await.is_err() {
                tracing::warn!("a job did not stop within 5 s; the next start resumes it from its cursors");
            }
        }
        engine.close().await;
    });
}

/// A desktop notification for each open alert not told yet, then marked told: an alert is
/// notified once, however many ticks its condition holds (the Health view keeps showing it).
async fn notify_alerts(app: &AppHandle, engine: &Engine) {
    let Ok(alerts) = engine.unnotified_alerts().await else {
        return;
    };
    for alert in alerts {
        let title = match alert.kind {
            AlertKind::FailingStreak => "A source keeps failing",
            AlertKind::NoRecords => "A source stopped moving records",
            AlertKind::Slower => "A source got slower",
            AlertKind::FailureShare => "Many syncs are failing",
        };
        if let Err(e) = app
            .notification()
            .builder()
            .title(title)
            .body(&alert.message)
            .show()
        {
            tracing::warn!(error = %e, "could not show a desktop notification");
        }
        if let Err(e) = engine.mark_alert_notified(alert.id).await {
            tracing::warn!(error = %e, "could not mark an alert notified");
        }
    }
}

/// A grant the provider no longer accepts stops its sources: tell the person even when the
/// window is in the background (the page shows a banner with Reconnect too).
async fn notify_if_reconnect_needed(app: &AppHandle, engine: &Engine, connection_id: i64) {
    let Ok(connections) = engine.connections().await else {
        return;
    };
    let Some(c) = connections.iter().find(|c| c.id == connection_id) else {
        return;
    };
    if c.status != ConnectionStatus::NeedsReauth {
        return;
    }
    let body = format!(
        "{} stopped accepting the connection for {}. Its data is kept; reconnect it in Freshboard to resume syncing.",
        c.provider.label(),
        c.account_label
    );
    if let Err(e) = app
        .notification()
        .builder()
        .title(format!("Reconnect {}", c.provider.label()))
        .body(body)
        .show()
    {
        tracing::warn!(error = %e, "could not show a desktop notification");
    }
}

async fn start_demo(engine: &Engine) -> Result<provider_sim::Sim, String> {
    let mut config = provider_sim::Config::default();
    config.github.repos = vec![DEMO_REPO.to_owned()];
    config.stripe.customers = 240;
    config.stripe.charges = 4_000;
    config.stripe.subscriptions = 120;
    let sim = provider_sim::start(config)
        .await
        .map_err(|e| format!("the simulator did not start: {e}"))?;
    engine
        .start_demo(&sim.base_url())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(url = %sim.base_url(), "demo simulator serving");
    Ok(sim)
}
