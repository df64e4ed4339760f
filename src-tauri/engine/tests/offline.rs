//! Offline beyond a refused connection: a network that swallows connections (a connect
//! timeout), a name that does not resolve, a provider that accepts but never answers (a
//! timeout, which is not offline), and a cold start with no network that shows the last data
//! and recovers when the network returns.

mod common;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use common::*;
use freshboard_engine::metrics::{Comparison, Visual};
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{
    DateRange, Engine, EngineOptions, FreshnessState, HttpConfig, JobErrorKind, JobReason, MemoryStore,
    NewWidget, Source,
};
use serde_json::json;

/// Points the source's connection at another address, as if its network changed under it.
async fn repoint(engine: &Engine, source: &Source, url: &str) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", engine.database_path().display()))
        .await
        .unwrap();
    sqlx::query("UPDATE connections SET api_base_url = ? WHERE id = ?")
        .bind(url)
        .bind(source.connection_id)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

/// An engine whose connection attempts give up after 0.3 s and requests after 1.5 s (these
/// are reqwest's own timers: the only real time these tests spend).
async fn impatient_engine(dir: &std::path::Path, clock: Arc<freshboard_engine::ManualClock>) -> Engine {
    let options = EngineOptions {
        clock,
        secrets: Arc::new(MemoryStore::default()),
        http: HttpConfig {
            connect_timeout: StdDuration::from_millis(300),
            request_timeout: StdDuration::from_millis(1500),
            ..HttpConfig::default()
        },
        pace_requests: false,
    };
    Engine::open_with(dir, options).await.unwrap()
}

#[tokio::test]
async fn a_network_that_swallows_connections_or_names_that_do_not_resolve_are_offline() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = impatient_engine(dir.path(), manual_clock()).await;
    let source = add_stripe(&engine, &sim).await;

    // A listener whose queue is full and that never accepts: the next connection attempt
    // gets no answer at all, as behind a dead router.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let black_hole = socket.listen(0).unwrap();
    let addr = black_hole.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(c)) = tokio::time::timeout(
            StdDuration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            queued.push(c);
        }
    }
    for (url, what) in [
        (format!("http://{addr}"), "a connection nobody answers"),
        (
            "http://freshboard-test.invalid".to_owned(),
            "a name that does not resolve",
        ),
    ] {
        repoint(&engine, &source, &url).await;
        let report = sync(&engine, &source).await;
        assert_eq!(report.streams.len(), 1, "{what}: the other streams are not tried");
        assert_eq!(
            report.streams[0].error_kind,
            Some(JobErrorKind::Offline),
            "{what}: {:?}",
            report.streams
        );
        let message = report.streams[0].error.as_deref().unwrap();
        assert!(
            message.contains("reach"),
            "{what}: the message says what happened: {message}"
        );

        // Through the workers: the queue pauses, the probe still fails.
        engine.enqueue(source.id, JobReason::Manual).await.unwrap();
        engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
        assert!(engine.is_offline(), "{what}");
        assert!(!engine.probe_network().await, "{what}: still offline");
        assert!(engine
            .run_due_jobs(&WorkerConfig::default())
            .await
            .unwrap()
            .is_empty());
        // The network is back (the provider's own address again): the probe lets it run.
        repoint(&engine, &source, &sim.url()).await;
        assert!(engine.probe_network().await, "{what}: back");
        let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
        assert_eq!(outcomes[0].state, "succeeded", "{what}");
    }
    drop(queued);
}

#[tokio::test]
async fn a_provider_that_accepts_but_never_answers_is_a_timeout_not_offline() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = impatient_engine(dir.path(), manual_clock()).await;
    let source = add_stripe(&engine, &sim).await;
    sim.fault(json!({"route": "/v1/customers", "kind": "timeout", "delay_ms": 5_000, "count": 5}))
        .await;
    let report = sync(&engine, &source).await;
    let customers = report.streams.iter().find(|s| s.stream == "customers").unwrap();
    assert_eq!(
        customers.error_kind,
        Some(JobErrorKind::Timeout),
        "{:?}",
        report.streams
    );
    assert!(
        customers.error.as_deref().unwrap().contains("did not answer"),
        "{:?}",
        customers.error
    );
    assert!(
        report.streams.len() > 1 && report.streams[1..].iter().all(|s| s.error.is_none()),
        "one slow endpoint does not stop the others: {:?}",
        report.streams
    );
    assert!(!engine.is_offline());
}

#[tokio::test]
async fn a_cold_start_with_no_network_shows_the_last_data_and_recovers_when_it_returns() {
    let config = small_config();
    let mut port = HeldPort::new();
    let sim = port.serve(config.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let secrets = Arc::new(MemoryStore::default());
    let open = |secrets: Arc<MemoryStore>| {
        let (dir, clock) = (dir.path().to_owned(), clock.clone());
        async move {
            let options = EngineOptions {
                clock,
                secrets,
                http: fast_http(),
                pace_requests: false,
            };
            Engine::open_with(&dir, options).await.unwrap()
        }
    };
    let engine = open(secrets.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    let board = engine.create_dashboard(source.client_id, "Volume").await.unwrap();
    engine
        .add_widget(
            board.id,
            NewWidget {
                metric: "stripe.gross_volume".into(),
                range: DateRange::LastDays { days: 30 },
                comparison: Comparison::PreviousPeriod,
                visual: Visual::Number,
                width: 1,
                height: 1,
            },
        )
        .await
        .unwrap();
    assert!(sync(&engine, &source).await.succeeded());
    let before = engine.get_dashboard(board.id).await.unwrap();
    engine.close().await;
    drop(engine);

    // The app starts again with the network gone.
    sim.sim.shutdown().await;
    let engine = open(secrets).await;
    let cold = engine.get_dashboard(board.id).await.unwrap();
    assert_eq!(
        cold.widgets[0].series, before.widgets[0].series,
        "the same numbers, from the local copy"
    );
    assert_eq!(
        cold.widgets[0].as_of, before.widgets[0].as_of,
        "and the same last-updated time"
    );
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert!(engine.is_offline());
    let offline = engine.client_freshness(source.client_id).await.unwrap();
    assert_eq!(offline.state, Some(FreshnessState::Offline));
    assert!(!engine.probe_network().await);

    // The network returns on the same address: the probe sees it and the waiting job runs.
    let _back = port.serve(config).await;
    assert!(engine.probe_network().await);
    let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(outcomes[0].state, "succeeded");
    assert_eq!(
        engine.client_freshness(source.client_id).await.unwrap().state,
        Some(FreshnessState::Fresh)
    );
}
