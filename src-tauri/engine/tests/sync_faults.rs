//! Every injected fault: retried to success where retrying is right; otherwise a clean
//! failure with the cursor at the last good page, and nothing duplicated.

mod common;

use common::*;
use freshboard_engine::JobErrorKind;
use serde_json::json;

async fn stored_charges(engine: &freshboard_engine::Engine) -> Vec<String> {
    ids(&db(engine).await, "SELECT id FROM stripe_charges").await
}

async fn truth_charges(sim: &Sim) -> Vec<String> {
    let mut ids = sim.ids("stripe.charges").await;
    ids.sort();
    ids
}

/// How often each registered fault fired (the simulator counts it).
async fn fired(sim: &Sim) -> Vec<u64> {
    let faults = sim.get("/_sim/faults").await;
    faults
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fired"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn transient_faults_are_retried_to_success() {
    let sim = Sim::start(small_config()).await;
    let faults = [
        json!({"kind": "rate_limit", "retry_after": 1, "count": 1}),
        json!({"kind": "server_error", "count": 2}),
        json!({"kind": "bad_gateway", "count": 2}),
        json!({"kind": "truncated", "count": 1}),
        json!({"kind": "malformed", "count": 1}),
        json!({"kind": "delay", "delay_ms": 50, "count": 1}),
        // Longer than the request timeout below.
        json!({"kind": "timeout", "delay_ms": 1000, "count": 1}),
    ];
    for fault in faults {
        let dir = tempfile::tempdir().unwrap();
        let options = freshboard_engine::EngineOptions {
            clock: manual_clock(),
            secrets: std::sync::Arc::new(freshboard_engine::MemoryStore::default()),
            http: freshboard_engine::HttpConfig {
                // Above the simulator's realistic latency (scripts/test-with-latency), below the
                // 1 s timeout fault.
                request_timeout: std::time::Duration::from_millis(600),
                ..fast_http()
            },
            pace_requests: false,
        };
        let engine = freshboard_engine::Engine::open_with(dir.path(), options)
            .await
            .unwrap();
        let source = add_stripe(&engine, &sim).await;
        let mut fault = fault.clone();
        fault["route"] = json!("/v1/charges");
        fault["after"] = json!(1);
        sim.fault(fault.clone()).await;
        let report = sync(&engine, &source).await;
        // The fault really happened, as often as asked — and the sync still got everything.
        assert_eq!(
            fired(&sim).await,
            vec![fault["count"].as_u64().unwrap()],
            "{fault}"
        );
        sim.clear_faults().await;
        assert!(report.succeeded(), "{fault}: {:?}", report.streams);
        assert_eq!(
            stored_charges(&engine).await,
            truth_charges(&sim).await,
            "{fault}"
        );
    }
}

#[tokio::test]
async fn a_bad_page_ends_the_stream_at_the_last_good_page_and_the_next_sync_resumes() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let source = add_stripe(&engine, &sim).await;

    // Two good pages of charges, then pages whose first object has no id, until cleared.
    // The walk goes on in slices at once, so pages asked before the bad one answered may
    // land before it: every page that landed is kept, and the walk stops at the bad one.
    sim.fault(json!({"route": "/v1/charges", "kind": "missing_field", "after": 2}))
        .await;
    let report = sync(&engine, &source).await;
    assert!(!report.succeeded());
    let charges = report.streams.iter().find(|s| s.stream == "charges").unwrap();
    assert_eq!(charges.error_kind, Some(JobErrorKind::BadPage));
    let message = charges.error.as_deref().unwrap();
    assert!(
        message.starts_with(&format!("Stripe charges, page {}:", charges.pages + 1)),
        "{message}"
    );
    assert!(charges.pages >= 2, "{charges:?}");
    let stored = stored_charges(&engine).await.len() as u64;
    assert_eq!(stored, charges.records, "the pages before the bad one are kept");
    assert!((100..500).contains(&stored), "{stored} kept");
    // The other streams were not held back by it.
    for other in report.streams.iter().filter(|s| s.stream != "charges") {
        assert!(other.error.is_none(), "{other:?}");
    }
    let status = engine.source_status(source.id).await.unwrap();
    let state = status.streams.iter().find(|s| s.stream == "charges").unwrap();
    assert_eq!(state.refresh_status, "failed");
    assert_eq!(state.last_error.as_deref(), Some(message));
    assert!(state.last_synced_at.is_none(), "a failed stream is not fresh");

    sim.clear_faults().await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let resumed = report.streams.iter().find(|s| s.stream == "charges").unwrap();
    assert!(
        resumed.records < 500,
        "resumed from the cursor rather than from scratch: {}",
        resumed.records
    );
    assert_eq!(stored_charges(&engine).await, truth_charges(&sim).await);
}

#[tokio::test]
async fn a_server_that_keeps_failing_fails_the_stream_cleanly() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let source = add_stripe(&engine, &sim).await;
    sim.fault(json!({"route": "/v1/charges", "kind": "server_error", "after": 1}))
        .await;
    let report = sync(&engine, &source).await;
    let charges = report.streams.iter().find(|s| s.stream == "charges").unwrap();
    assert_eq!(charges.error_kind, Some(JobErrorKind::Server), "{charges:?}");
    assert_eq!(stored_charges(&engine).await.len(), 100);
    sim.clear_faults().await;
    assert!(sync(&engine, &source).await.succeeded());
    assert_eq!(stored_charges(&engine).await, truth_charges(&sim).await);
}

#[tokio::test]
async fn an_expired_token_stops_the_job_without_retrying() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let source = add_stripe(&engine, &sim).await;
    sim.fault(json!({"route": "/v1/", "kind": "unauthorized"})).await;
    let report = sync(&engine, &source).await;
    assert_eq!(
        report.streams.len(),
        1,
        "later streams would fail the same way: {:?}",
        report.streams
    );
    assert_eq!(report.streams[0].error_kind, Some(JobErrorKind::Unauthorized));
    assert!(!report.streams[0].error.as_deref().unwrap().contains(STRIPE_KEY));
    assert_eq!(fired(&sim).await, vec![1], "one refused request, not retried");
}
