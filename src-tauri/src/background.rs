//! What runs beside the window: the job workers, the engine's events forwarded to the
//! webview, and — unless `FRESHBOARD_DEMO=0` — the bundled simulator behind the demo client
//! (or, with `FRESHBOARD_DEMO_SIM_URL`, a simulator running outside the app).

use freshboard_engine::demo::DEMO_REPO;
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::Engine;
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::broadcast::error::RecvError;

/// Keeps the simulator serving for as long as the app runs.
struct DemoSimulator(#[allow(dead_code)] provider_sim::Sim);

pub fn start(app: &AppHandle, engine: &Engine) {
    // Before the window asks for clients, so a first start shows the demo at once.
    if let Ok(url) = std::env::var("FRESHBOARD_DEMO_SIM_URL") {
        // A simulator run outside the app (tests stop it to cut the network).
        if let Err(e) = tauri::async_runtime::block_on(engine.start_demo(&url)) {
            tracing::warn!(error = %e, "demo mode is off");
        }
    } else if std::env::var("FRESHBOARD_DEMO").as_deref() != Ok("0") {
        match tauri::async_runtime::block_on(start_demo(engine)) {
            Ok(sim) => {
                app.manage(DemoSimulator(sim));
            }
            Err(e) => tracing::warn!(error = %e, "demo mode is off"),
        }
    }

    let handle = app.clone();
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    let _ = handle.emit("engine", event);
                }
                // A burst of progress outran the webview: skipping some is harmless.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    });

    tauri::async_runtime::spawn(engine.clone().run_workers(WorkerConfig::default()));
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
