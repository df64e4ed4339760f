//! A Stripe backfill walked as slices of `created` at once: every object exactly once at
//! every density, a cancelled walk resumed from every slice's position with the objects made
//! meanwhile, and at Stripe's documented limits with its latency no request refused.

mod common;

use std::sync::Arc;

use common::*;
use freshboard_engine::MemoryStore;
use serde_json::json;

/// Syncs a fresh Stripe source with `charges` charges spread over `history_days` (0: all in
/// one second) and checks the charges stream stored each charge once.
async fn backfill(charges: u64, history_days: u32) {
    let mut config = small_config();
    config.stripe.charges = charges;
    config.stripe.history_days = history_days;
    config.stripe.rate_limit_per_sec = 0;
    // A few milliseconds an answer, so requests sent at once are in flight at once.
    config.latency = Some(provider_sim::LatencyConfig {
        stripe: Some(quick_answers()),
        ..Default::default()
    });
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let source = add_stripe(&engine, &sim).await;
    sim.control("/_sim/stats/reset", json!({})).await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);

    let what = format!("{charges} charges over {history_days} days");
    let pool = db(&engine).await;
    let stored = ids(&pool, "SELECT id FROM stripe_charges ORDER BY id").await;
    let mut truth = sim.ids("stripe.charges").await;
    truth.sort();
    assert_eq!(stored, truth, "{what}: the stored charges are the simulator's");
    // Each charge fetched once where slices meet; after the backfill the same job lists
    // from the newest second it saw, inclusive, so that second's charges come twice.
    let newest_second = scalar(
        &pool,
        "SELECT COUNT(*) FROM stripe_charges WHERE created = (SELECT MAX(created) FROM stripe_charges)",
    )
    .await as u64;
    let walked = report.streams.iter().find(|s| s.stream == "charges").unwrap();
    assert_eq!(
        walked.records,
        charges + newest_second,
        "{what}: each charge fetched once, none where slices meet"
    );
    let in_flight = sim.truth().await["requests"]["in_flight_max_by_route"]["/v1/charges"]
        .as_u64()
        .unwrap_or(0);
    // (Charges of one second cannot be split: they are one walk.)
    if charges > 200 && history_days > 0 {
        assert!(
            in_flight > 1,
            "{what}: the slices were walked at once ({in_flight})"
        );
    }
    // The walk is over: the stored cursor is the connector's again, ready for what is new.
    let cursor: String =
        sqlx::query_scalar("SELECT cursor FROM stream_state WHERE source_id = ? AND stream = 'charges'")
            .bind(source.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let cursor: serde_json::Value = serde_json::from_str(&cursor).unwrap();
    assert!(cursor.get("slices").is_none(), "{what}: {cursor}");
}

#[tokio::test]
async fn a_backfill_in_slices_stores_every_charge_once_at_every_density() {
    // None, less than a page, exactly a page, one more; all in one second; a few spread
    // over ten years (mostly empty ranges); many over a quarter.
    for (charges, days) in [
        (0, 90),
        (7, 90),
        (100, 90),
        (101, 90),
        (2_500, 0),
        (300, 3_650),
        (6_000, 90),
    ] {
        backfill(charges, days).await;
    }
}

#[tokio::test]
async fn a_walk_cancelled_mid_slices_resumes_every_slice_and_gets_what_was_made_meanwhile() {
    let mut config = small_config();
    config.stripe.charges = 20_000;
    config.stripe.rate_limit_per_sec = 0;
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(engine_with_secrets(dir.path(), Arc::new(MemoryStore::default())).await);
    let source = add_stripe(&engine, &sim).await;
    let pool = db(&engine).await;

    let first = sync_cancelled_at_first_commit(&engine, source.id, "charges").await;
    assert!(
        first.cancelled,
        "the walk ended before the cancel: make it longer"
    );
    let cursor: String =
        sqlx::query_scalar("SELECT cursor FROM stream_state WHERE source_id = ? AND stream = 'charges'")
            .bind(source.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let cursor: serde_json::Value = serde_json::from_str(&cursor).unwrap();
    let slices = cursor["slices"].as_array().expect("stopped mid-slices").len();
    assert!(slices > 1, "{slices} slices stored");
    let partial = scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await;
    assert!(partial < 20_000);

    // Meanwhile: new charges, and a refund of one already stored.
    let newest_second = scalar(
        &pool,
        "SELECT COUNT(*) FROM stripe_charges WHERE created = (SELECT MAX(created) FROM stripe_charges)",
    )
    .await as u64;
    for i in 0..30 {
        sim.control(
            "/_sim/stripe/charges",
            json!({"amount": 500 + i, "currency": "usd"}),
        )
        .await;
    }
    let stored = ids(
        &pool,
        "SELECT id FROM stripe_charges WHERE status = 'succeeded' AND amount_refunded = 0 LIMIT 1",
    )
    .await;
    sim.control(&format!("/_sim/stripe/charges/{}/refund", stored[0]), json!({}))
        .await;

    let second = sync(&engine, &source).await;
    assert!(second.succeeded(), "{:?}", second.streams);
    let mut truth = sim.ids("stripe.charges").await;
    truth.sort();
    assert_eq!(
        ids(&pool, "SELECT id FROM stripe_charges ORDER BY id").await,
        truth,
        "every slice resumed, nothing skipped or doubled"
    );
    let charges =
        |r: &freshboard_engine::SyncReport| r.streams.iter().find(|s| s.stream == "charges").unwrap().records;
    // The list walks fetched each charge once across the two jobs, and the newest second
    // of the first page again when listing what is new (with the 30 new charges); the
    // events then re-read the 30 new charges and the refunded one.
    assert_eq!(
        charges(&first) + charges(&second),
        20_000 + newest_second + 30 + 30 + 1
    );
    let refunded = scalar(
        &pool,
        &format!(
            "SELECT amount_refunded FROM stripe_charges WHERE id = '{}'",
            stored[0]
        ),
    )
    .await;
    assert!(refunded > 0, "the refund made meanwhile was read");
}

#[tokio::test]
async fn at_stripes_documented_limits_and_latency_a_sliced_backfill_is_never_refused() {
    // Wall-clock time, the engine pacing a live key at Stripe's documented 100 a second and 25
    // per operation, the simulator enforcing both and answering as slowly as Stripe does.
    let mut config = small_config().with_documented_limits();
    config.stripe.charges = 4_000;
    config.stripe.balance_transactions = 1_000;
    config.latency = Some(provider_sim::LatencyConfig {
        stripe: Some(provider_sim::ProviderLatency::STRIPE),
        ..Default::default()
    });
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = freshboard_engine::Engine::open_with(
        dir.path(),
        freshboard_engine::EngineOptions {
            clock: Arc::new(freshboard_engine::SystemClock),
            secrets: Arc::new(MemoryStore::default()),
            http: fast_http(),
            pace_requests: true,
        },
    )
    .await
    .unwrap();
    let client = engine.create_client("Acme").await.unwrap();
    let source = engine
        .add_source(freshboard_engine::NewSource::with_secret(
            client.id,
            freshboard_engine::Provider::Stripe,
            "rk_live_SlicesAtTheLimit000001",
            None,
            Some(&sim.url()),
        ))
        .await
        .unwrap();
    sim.control("/_sim/stats/reset", json!({})).await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let requests = sim.truth().await["requests"].clone();
    assert_eq!(requests["rate_limited"], 0, "none refused");
    assert_eq!(report.retries, 0);
    assert!(
        requests["in_flight_max_by_route"]["/v1/charges"]
            .as_u64()
            .unwrap()
            > 1,
        "the charges were walked in slices at once"
    );
    let pool = db(&engine).await;
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await,
        sim.ids("stripe.charges").await.len() as i64
    );
    println!(
        "{} requests, {} records, in {} ms",
        report.requests, report.records, report.duration_ms
    );
}
