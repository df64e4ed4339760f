//! Stripe, full then incremental, against the simulator's ground truth.

mod common;

use common::*;
use serde_json::json;

async fn assert_equals_truth(engine: &freshboard_engine::Engine, sim: &Sim) {
    let pool = db(engine).await;
    let truth = sim.truth().await;
    let stripe = &truth["stripe"];
    for (table, entity) in [
        ("stripe_customers", "customers"),
        ("stripe_charges", "charges"),
        ("stripe_invoices", "invoices"),
        ("stripe_subscriptions", "subscriptions"),
        ("stripe_balance_transactions", "balance_transactions"),
    ] {
        let stored = ids(&pool, &format!("SELECT id FROM {table}")).await;
        let mut expected = sim.ids(&format!("stripe.{entity}")).await;
        expected.sort();
        assert_eq!(
            stored.len() as u64,
            stripe[entity]["count"].as_u64().unwrap(),
            "{entity} count"
        );
        assert_eq!(stored, expected, "{entity} ids");
    }
    let amounts = by_currency(
        &pool,
        "SELECT currency, SUM(amount) FROM stripe_charges WHERE status = 'succeeded' GROUP BY currency",
    )
    .await;
    assert_eq!(
        amounts, stripe["charges"]["amount_by_currency"],
        "amounts of succeeded charges"
    );
    let refunded = by_currency(
        &pool,
        "SELECT currency, SUM(amount_refunded) FROM stripe_charges GROUP BY currency",
    )
    .await;
    assert_eq!(refunded, stripe["charges"]["refunded_by_currency"], "refunds");
    let succeeded = scalar(
        &pool,
        "SELECT COUNT(*) FROM stripe_charges WHERE status = 'succeeded'",
    )
    .await;
    assert_eq!(succeeded as u64, stripe["charges"]["succeeded"].as_u64().unwrap());
    let active = scalar(
        &pool,
        "SELECT COUNT(*) FROM stripe_subscriptions WHERE status = 'active'",
    )
    .await;
    assert_eq!(active as u64, stripe["subscriptions"]["active"].as_u64().unwrap());
    let canceled = scalar(
        &pool,
        "SELECT COUNT(*) FROM stripe_subscriptions WHERE status = 'canceled'",
    )
    .await;
    assert_eq!(
        canceled as u64,
        stripe["subscriptions"]["canceled"].as_u64().unwrap()
    );
    let paid = scalar(
        &pool,
        "SELECT COUNT(*) FROM stripe_invoices WHERE status = 'paid'",
    )
    .await;
    assert_eq!(paid as u64, stripe["invoices"]["paid"].as_u64().unwrap());
    let net = by_currency(
        &pool,
        "SELECT currency, SUM(net) FROM stripe_balance_transactions GROUP BY currency",
    )
    .await;
    assert_eq!(
        net, stripe["balance_transactions"]["net_by_currency"],
        "balance net"
    );
}

#[tokio::test]
async fn full_then_incremental_sync_equals_truth() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let source = add_stripe(&engine, &sim).await;

    let first = sync(&engine, &source).await;
    assert!(first.succeeded(), "{:?}", first.streams);
    assert!(first.records > 0);
    assert_equals_truth(&engine, &sim).await;

    // Changes of every kind the incremental path must find: new objects, and changes to
    // old ones that only the events log reveals.
    let refundable = ids(
        &db(&engine).await,
        "SELECT id FROM stripe_charges WHERE status = 'succeeded' AND amount_refunded = 0",
    )
    .await;
    let customers = sim.ids("stripe.customers").await;
    sim.control(
        "/_sim/stripe/charges",
        json!({"amount": 4200, "currency": "usd", "customer": customers[0]}),
    )
    .await;
    sim.control(
        "/_sim/stripe/charges",
        json!({"amount": 999, "currency": "eur", "status": "failed"}),
    )
    .await;
    sim.control(
        &format!("/_sim/stripe/charges/{}/refund", refundable[3]),
        json!({}),
    )
    .await;
    sim.control(
        &format!("/_sim/stripe/charges/{}/refund", refundable[7]),
        json!({"amount": 100}),
    )
    .await;
    sim.control(
        "/_sim/stripe/customers",
        json!({"name": "New Customer", "email": "new@example.com"}),
    )
    .await;
    sim.control(
        &format!("/_sim/stripe/customers/{}", customers[1]),
        json!({"name": "Renamed"}),
    )
    .await;
    let subscription_ids = sim.ids("stripe.subscriptions").await;
    sim.control(
        &format!("/_sim/stripe/subscriptions/{}/cancel", subscription_ids[0]),
        json!({}),
    )
    .await;
    sim.control("/_sim/stripe/subscriptions", json!({"customer": customers[2], "unit_amount": 12000, "currency": "usd", "interval": "year", "interval_count": 1})).await;

    let second = sync(&engine, &source).await;
    assert!(second.succeeded(), "{:?}", second.streams);
    assert!(
        second.records < first.records,
        "incremental reads the change, not the table: {} vs {}",
        second.records,
        first.records
    );
    assert_equals_truth(&engine, &sim).await;
    let pool = db(&engine).await;
    let name: String = sqlx::query_scalar("SELECT name FROM stripe_customers WHERE id = ?")
        .bind(&customers[1])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(name, "Renamed");

    // Nothing changed: a page of new objects and a page of events per stream, and only what
    // the newest second holds is read again (Stripe's `created` filters are inclusive, to the
    // second): a handful of requests and rows, never the table.
    let third = sync(&engine, &source).await;
    assert!(third.succeeded());
    let streams = freshboard_engine::Provider::Stripe.connector().streams.len() as u64;
    assert!(
        third.requests <= 4 * streams,
        "{} requests for {streams} streams: {:?}",
        third.requests,
        third.streams
    );
    assert!(
        third.records <= second.records,
        "nothing changed, yet {} records: {:?}",
        third.records,
        third.streams
    );
    assert_equals_truth(&engine, &sim).await;
}

#[tokio::test]
async fn a_rejected_key_is_never_stored() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = std::sync::Arc::new(freshboard_engine::MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let client = engine.create_client("Acme").await.unwrap();
    let err = engine
        .add_source(freshboard_engine::NewSource::with_secret(
            client.id,
            freshboard_engine::Provider::Stripe,
            "not_a_stripe_key",
            None,
            Some(&sim.url()),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), freshboard_engine::ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("rejected"), "{err}");
    assert!(engine.sources(None).await.unwrap().is_empty());
    let pool = db(&engine).await;
    assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM connections").await, 0);
    assert!(
        secrets.names().is_empty(),
        "nor is it in the keyring: {:?}",
        secrets.names()
    );
}

#[tokio::test]
async fn an_events_cursor_older_than_29_days_re_lists_everything() {
    use std::sync::Arc;

    use chrono::{Duration, TimeZone, Utc};
    use freshboard_engine::{EngineOptions, ManualClock, MemoryStore};

    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
    ));
    let options = EngineOptions {
        clock: clock.clone(),
        secrets: Arc::new(MemoryStore::default()),
        http: fast_http(),
        pace_requests: false,
    };
    let engine = freshboard_engine::Engine::open_with(dir.path(), options)
        .await
        .unwrap();
    let source = add_stripe(&engine, &sim).await;
    let first = sync(&engine, &source).await;
    assert!(first.succeeded());

    // A refund, then a month without syncing: Stripe has forgotten the event by then.
    let refundable = ids(
        &db(&engine).await,
        "SELECT id FROM stripe_charges WHERE status = 'succeeded' AND amount_refunded = 0",
    )
    .await;
    sim.control(
        &format!("/_sim/stripe/charges/{}/refund", refundable[0]),
        json!({}),
    )
    .await;
    sim.control("/_sim/clock", json!({"advance": 31 * 24 * 3600}))
        .await;
    clock.advance(Duration::days(30));
    let events_left = sim.truth().await["stripe"]["events"]["count"].as_u64().unwrap();
    assert_eq!(
        events_left, 0,
        "the simulator kept the events: the test would prove nothing"
    );

    let second = sync(&engine, &source).await;
    assert!(second.succeeded(), "{:?}", second.streams);
    let charges = second.streams.iter().find(|s| s.stream == "charges").unwrap();
    assert!(
        charges.records
            >= first
                .streams
                .iter()
                .find(|s| s.stream == "charges")
                .unwrap()
                .records,
        "charges were re-listed"
    );
    assert_equals_truth(&engine, &sim).await;
}
