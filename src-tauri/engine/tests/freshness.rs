//! Freshness states as a person sees them, through a whole life: never synced, refreshing,
//! fresh, stale, failed, offline (with the data and its times kept), and back.

mod common;

use chrono::Duration;
use common::*;
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{Clock, EngineEvent, FreshnessState, JobReason};
use serde_json::json;

#[tokio::test]
async fn freshness_follows_syncs_failures_and_the_network() {
    let config = small_config();
    // The port stays held between the simulator stopping and the next one starting.
    let mut port = HeldPort::new();
    let sim = port.serve(config.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let mut events = engine.subscribe();
    let source = add_stripe(&engine, &sim).await;
    let client = source.client_id;
    let workers = WorkerConfig::default();
    let state = |f: freshboard_engine::ClientFreshness| (f.state, f.sources[0].state);

    assert_eq!(
        state(engine.client_freshness(client).await.unwrap()),
        (Some(FreshnessState::NeverSynced), FreshnessState::NeverSynced)
    );
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    assert_eq!(
        engine.client_freshness(client).await.unwrap().state,
        Some(FreshnessState::Refreshing)
    );
    engine.run_due_jobs(&workers).await.unwrap();
    let fresh = engine.client_freshness(client).await.unwrap();
    assert_eq!(fresh.state, Some(FreshnessState::Fresh));
    assert_eq!(fresh.last_synced_at, Some(clock.now_millis()));

    clock.advance(Duration::minutes(16));
    assert_eq!(
        engine.client_freshness(client).await.unwrap().state,
        Some(FreshnessState::Stale)
    );

    sim.fault(json!({"route": "/v1/charges", "kind": "missing_field"}))
        .await;
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    engine
        .run_due_jobs(&WorkerConfig {
            max_attempts: 1,
            ..workers.clone()
        })
        .await
        .unwrap();
    let failed = engine.client_freshness(client).await.unwrap();
    assert_eq!(failed.state, Some(FreshnessState::Failed));
    assert!(
        failed.sources[0]
            .error
            .as_deref()
            .unwrap()
            .contains("Stripe charges, page 1"),
        "{failed:?}"
    );
    sim.clear_faults().await;
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    engine.run_due_jobs(&workers).await.unwrap();
    let synced_at = engine.client_freshness(client).await.unwrap().last_synced_at;
    assert_eq!(synced_at, Some(clock.now_millis()));

    // The network goes away: the engine goes offline instead of burning retries, and the
    // data keeps its last-updated time.
    sim.sim.shutdown().await;
    clock.advance(Duration::minutes(1));
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    let outcomes = engine.run_due_jobs(&workers).await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert!(engine.is_offline());
    let offline = engine.client_freshness(client).await.unwrap();
    assert_eq!(offline.state, Some(FreshnessState::Offline));
    assert_eq!(
        offline.last_synced_at, synced_at,
        "offline keeps the last-updated time"
    );
    assert!(
        engine.run_due_jobs(&workers).await.unwrap().is_empty(),
        "the queue is paused while offline"
    );
    assert!(!engine.probe_network().await, "still offline");

    // It comes back: the probe sees it and the waiting job runs with no attempt spent.
    let _back = port.serve(config).await;
    assert!(engine.probe_network().await);
    let outcomes = engine.run_due_jobs(&workers).await.unwrap();
    assert_eq!(outcomes[0].state, "succeeded");
    let attempt = scalar(
        &db(&engine).await,
        &format!("SELECT attempt FROM jobs WHERE id = {}", outcomes[0].job_id),
    )
    .await;
    assert_eq!(attempt, 1, "being offline spent no attempt");
    assert_eq!(
        engine.client_freshness(client).await.unwrap().state,
        Some(FreshnessState::Fresh)
    );

    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    let offline_changes: Vec<bool> = seen
        .iter()
        .filter_map(|e| {
            if let EngineEvent::Offline { offline } = e {
                Some(*offline)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(offline_changes, [true, false]);
    assert!(seen.iter().any(|e| matches!(e, EngineEvent::Progress(_))));
    assert!(seen
        .iter()
        .any(|e| matches!(e, EngineEvent::JobFinished { succeeded: true, .. })));
}
