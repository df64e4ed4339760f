//! The job queue's workers on a manual clock: bounded concurrency (a global cap and one per
//! connection), retries with exponential backoff and jitter up to five attempts, rate limits
//! that wait without spending attempts, cancellation, recovery after a crash, and a bounded
//! history.

mod common;

use chrono::Duration;
use common::*;
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{Clock, Engine, JobReason, MemoryStore, NewSource, Provider, Source};
use serde_json::json;
use std::sync::Arc;

async fn jobs(engine: &Engine) -> Vec<(i64, String, String, i64)> {
    sqlx::query_as("SELECT source_id, reason, state, attempt FROM jobs ORDER BY id")
        .fetch_all(&db(engine).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_failing_source_is_retried_with_growing_jittered_backoff_five_times_then_left_failed() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    let config = WorkerConfig::default();
    sim.fault(json!({"route": "/v1/charges", "kind": "server_error", "after": 1}))
        .await;

    engine
        .enqueue(source.id, JobReason::Manual)
        .await
        .unwrap()
        .unwrap();
    let pool = db(&engine).await;
    let mut waits = Vec::new();
    for attempt in 1..=5 {
        let outcomes = engine.run_due_jobs(&config).await.unwrap();
        assert_eq!(outcomes.len(), 1, "attempt {attempt}");
        assert_eq!(outcomes[0].state, "failed");
        assert_eq!(
            outcomes[0].retry.is_some(),
            attempt < 5,
            "attempt {attempt}: {outcomes:?}"
        );
        let Some(retry) = outcomes[0].retry else { break };
        let finished: i64 = sqlx::query_scalar("SELECT finished_at FROM jobs WHERE id = ?")
            .bind(outcomes[0].job_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        let run_after: i64 = sqlx::query_scalar("SELECT run_after FROM jobs WHERE id = ?")
            .bind(retry)
            .fetch_one(&pool)
            .await
            .unwrap();
        waits.push(run_after - finished);
        // The retry waits: nothing runs until its time comes, then it does.
        clock.advance(Duration::milliseconds(run_after - clock.now_millis() - 1));
        assert!(
            engine.run_due_jobs(&config).await.unwrap().is_empty(),
            "attempt {attempt} ran early"
        );
        clock.advance(Duration::milliseconds(1));
    }
    assert!(
        engine.run_due_jobs(&config).await.unwrap().is_empty(),
        "no sixth attempt"
    );
    // Exponential ceilings from the 30 s base (60, 120, 240, 480 s), never below the base,
    // with full jitter below each ceiling.
    for (i, wait) in waits.iter().enumerate() {
        let ceiling = 30_000 * (1 << (i + 1));
        assert!((30_000..=ceiling).contains(wait), "retry {}: {wait} ms", i + 1);
    }
    assert!(
        waits.windows(2).any(|w| w[0] != w[1]),
        "jitter spreads them: {waits:?}"
    );
    let history = jobs(&engine).await;
    let attempts: Vec<i64> = history.iter().map(|j| j.3).collect();
    assert_eq!(attempts, [1, 2, 3, 4, 5]);
    assert!(history[1..].iter().all(|j| j.1 == "retry"));

    sim.clear_faults().await;
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    let outcomes = engine.run_due_jobs(&config).await.unwrap();
    assert_eq!(outcomes[0].state, "succeeded");
}

#[tokio::test]
async fn the_pool_runs_at_most_its_workers_at_once() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    // Four sources, four keys: four connections, so only the global cap applies.
    for name in ["A", "B", "C", "D"] {
        let client = engine.create_client(name).await.unwrap();
        let source = engine
            .add_source(NewSource::with_secret(
                client.id,
                Provider::Stripe,
                STRIPE_KEY,
                None,
                Some(&sim.url()),
            ))
            .await
            .unwrap();
        engine
            .enqueue(source.id, JobReason::Manual)
            .await
            .unwrap()
            .unwrap();
    }
    // Slow pages, so the jobs overlap.
    sim.fault(json!({"route": "/v1/charges", "kind": "delay", "delay_ms": 30}))
        .await;
    sim.control("/_sim/stats/reset", json!({})).await;
    let mut events = engine.subscribe();
    let config = WorkerConfig {
        workers: 3,
        ..WorkerConfig::default()
    };
    let first = engine.run_due_jobs(&config).await.unwrap();
    let second = engine.run_due_jobs(&config).await.unwrap();
    assert_eq!((first.len(), second.len()), (3, 1));
    let (mut running, mut most) = (0, 0);
    while let Ok(event) = events.try_recv() {
        match event {
            freshboard_engine::EngineEvent::JobStarted { .. } => {
                running += 1;
                most = most.max(running);
            }
            freshboard_engine::EngineEvent::JobFinished { .. } => running -= 1,
            _ => {}
        }
    }
    assert_eq!(most, 3, "three ran together, never four");
    // The simulator saw it too: more charge pages in flight than one job walks at once (each
    // walks its backfill in up to 16 slices, Stripe's `in_flight`), never more than three jobs'.
    let requests = &sim.truth().await["requests"];
    let most = requests["in_flight_max_by_route"]["/v1/charges"]
        .as_u64()
        .unwrap();
    assert!((17..=3 * 16).contains(&most), "{most} in flight");
}

#[tokio::test]
async fn the_sources_of_one_connection_share_its_cap() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();
    let mut ids = Vec::new();
    for (provider, account) in [
        (Provider::Ga4, "412345678"),
        (Provider::SearchConsole, "sc-domain:northwind.example"),
        (Provider::GoogleAds, "4445556666"),
    ] {
        let source = engine
            .add_source(NewSource::on_connection(client.id, provider, google.id, account))
            .await
            .unwrap();
        engine
            .enqueue(source.id, JobReason::Manual)
            .await
            .unwrap()
            .unwrap();
        ids.push(source.id);
    }
    // A Stripe source on its own key is not held back by Google's cap.
    let stripe = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    engine
        .enqueue(stripe.id, JobReason::Manual)
        .await
        .unwrap()
        .unwrap();
    for route in ["/v1beta/", "/webmasters/", "/v26/", "/v1/charges"] {
        sim.fault(json!({"route": route, "kind": "delay", "delay_ms": 30}))
            .await;
    }
    let mut events = engine.subscribe();
    let config = WorkerConfig {
        per_connection: 2,
        ..WorkerConfig::default()
    };
    let first = engine.run_due_jobs(&config).await.unwrap();
    let second = engine.run_due_jobs(&config).await.unwrap();
    let ran = |o: &Vec<freshboard_engine::schedule::JobOutcome>| {
        (
            o.iter().filter(|o| ids.contains(&o.source_id)).count(),
            o.iter().any(|o| o.source_id == stripe.id),
        )
    };
    assert_eq!(
        ran(&first),
        (2, true),
        "two Google jobs and Stripe's in the first pass"
    );
    assert_eq!(ran(&second), (1, false), "the third Google job after");
    let (mut running, mut most) = (0, 0);
    while let Ok(event) = events.try_recv() {
        match event {
            freshboard_engine::EngineEvent::JobStarted { source_id } if ids.contains(&source_id) => {
                running += 1;
                most = most.max(running);
            }
            freshboard_engine::EngineEvent::JobFinished { source_id, .. } if ids.contains(&source_id) => {
                running -= 1
            }
            _ => {}
        }
    }
    assert_eq!(most, 2, "never three jobs on one connection");
}

#[tokio::test]
async fn only_the_newest_finished_jobs_are_kept() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let source = add_stripe(&engine, &sim).await;
    let config = WorkerConfig {
        keep_finished: 3,
        ..WorkerConfig::default()
    };
    let mut ran = Vec::new();
    for _ in 0..5 {
        ran.push(
            engine
                .enqueue(source.id, JobReason::Manual)
                .await
                .unwrap()
                .unwrap(),
        );
        engine.run_due_jobs(&config).await.unwrap();
    }
    let kept: Vec<i64> = sqlx::query_scalar("SELECT id FROM jobs ORDER BY id")
        .fetch_all(&db(&engine).await)
        .await
        .unwrap();
    assert_eq!(kept, ran[2..]);
}

#[tokio::test]
async fn a_rate_limit_is_a_wait_that_spends_no_attempt() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    // Longer than the engine waits in place (90 s): the job stops and comes back later.
    sim.fault(json!({"route": "/v1/charges", "kind": "rate_limit", "retry_after": 600, "count": 1}))
        .await;
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(outcomes[0].state, "failed");
    let retry = outcomes[0].retry.expect("a retry is queued");
    let pool = db(&engine).await;
    let (reason, attempt, run_after): (String, i64, i64) =
        sqlx::query_as("SELECT reason, attempt, run_after FROM jobs WHERE id = ?")
            .bind(retry)
            .fetch_one(&pool)
            .await
            .unwrap();
    let retry_at: i64 = sqlx::query_scalar("SELECT retry_at FROM jobs WHERE id = ?")
        .bind(outcomes[0].job_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (reason.as_str(), attempt),
        ("retry", 1),
        "no attempt spent on a rate limit"
    );
    // Stripe said 600 s: the engine's clock (the one the queue runs on) names the time.
    let finished: i64 = sqlx::query_scalar("SELECT finished_at FROM jobs WHERE id = ?")
        .bind(outcomes[0].job_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        retry_at,
        finished + 600_000,
        "the provider's wait, on the engine's clock"
    );
    assert_eq!(run_after, retry_at, "the retry waits until the provider said");
}

#[tokio::test]
async fn a_running_job_can_be_cancelled_and_keeps_what_it_stored() {
    let mut config = small_config();
    config.stripe.charges = 3_000;
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let source = add_stripe(&engine, &sim).await;
    // Slow pages, so the job is surely still running when the cancel arrives.
    sim.fault(json!({"route": "/v1/charges", "kind": "delay", "delay_ms": 100}))
        .await;
    let job = engine
        .enqueue(source.id, JobReason::Manual)
        .await
        .unwrap()
        .unwrap();
    let mut events = engine.subscribe();
    let runner = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run_due_jobs(&WorkerConfig::default()).await.unwrap() })
    };
    // Cancel once charges are being stored.
    loop {
        if let freshboard_engine::EngineEvent::Progress(p) = events.recv().await.unwrap() {
            if p.stream == "charges" {
                break;
            }
        }
    }
    assert!(engine.cancel_job(job).await.unwrap());
    let outcomes = runner.await.unwrap();
    assert_eq!(outcomes[0].state, "cancelled");
    assert_eq!(outcomes[0].retry, None);
    let pool = db(&engine).await;
    let stored = scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await;
    assert!(stored > 0 && stored < 3_000, "{stored}");
    // The streams walk at once: each stopped before its next page, none is left refreshing.
    assert_eq!(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM stream_state WHERE refresh_status = 'refreshing'"
        )
        .await,
        0
    );

    sim.clear_faults().await;
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    assert_eq!(
        engine.run_due_jobs(&WorkerConfig::default()).await.unwrap()[0].state,
        "succeeded"
    );
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await,
        3_000,
        "resumed, nothing lost"
    );
}

/// Requests at their arrival at the simulator (its clock, real time here), all routes.
async fn arrivals(sim: &Sim, prefix: &str) -> Vec<i64> {
    let requests = &sim.truth().await["requests"]["arrivals"];
    let mut all: Vec<i64> = requests
        .as_object()
        .unwrap()
        .iter()
        .filter(|(route, _)| route.starts_with(prefix))
        .flat_map(|(_, at)| at.as_array().unwrap().iter().map(|t| t.as_i64().unwrap()))
        .collect();
    all.sort();
    all
}

/// An engine on wall-clock time (`pace`: requests paced at the provider's documented rate).
async fn wall_clock_engine(dir: &std::path::Path, secrets: Arc<MemoryStore>, pace: bool) -> Engine {
    let options = freshboard_engine::EngineOptions {
        clock: Arc::new(freshboard_engine::SystemClock),
        secrets,
        http: fast_http(),
        pace_requests: pace,
    };
    Engine::open_with(dir, options).await.unwrap()
}

/// A Stripe source with `charges` charges on a simulator that allows the test key
/// `limit_per_sec` requests a second, synced by a pacing engine on wall-clock time.
async fn paced_stripe(charges: u64, limit_per_sec: u32) -> (Sim, tempfile::TempDir, Engine, Source) {
    let mut config = provider_sim::Config::default();
    config.stripe.customers = 120;
    config.stripe.charges = charges;
    config.stripe.invoices = 100;
    config.stripe.subscriptions = 40;
    config.stripe.balance_transactions = 600;
    config.stripe.rate_limit_per_sec = limit_per_sec;
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = wall_clock_engine(dir.path(), Arc::default(), true).await;
    let source = add_stripe(&engine, &sim).await;
    (sim, dir, engine, source)
}

#[tokio::test]
async fn requests_to_stripe_are_paced_to_its_documented_rate_and_the_simulator_never_refuses_one() {
    // Real time, pacing on, and the simulator enforcing Stripe's 25 a second for test keys:
    // the engine's spacing is what keeps it under.
    let (sim, _dir, engine, source) = paced_stripe(900, 25).await;
    sim.control("/_sim/stats/reset", json!({})).await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);

    let at = arrivals(&sim, "/v1").await;
    assert!(at.len() >= 20, "enough requests to see a rate: {}", at.len());
    assert_eq!(
        at.len() as u64,
        report.requests,
        "every request the engine counted arrived"
    );
    // 25 a second is one every 40 ms. Delays on the way only stretch the spacing, so the span
    // of n arrivals is at least (n − 1) × 40 ms, less one interval for the first's delay.
    let span = at.last().unwrap() - at.first().unwrap();
    assert!(
        span >= (at.len() as i64 - 2) * 40,
        "{} requests in {span} ms",
        at.len()
    );
    // And no second held more than the limit.
    for (i, t) in at.iter().enumerate() {
        let in_a_second = at[i..].iter().take_while(|u| **u < t + 1000).count();
        assert!(in_a_second <= 27, "{in_a_second} requests in the second from {t}");
    }
    assert_eq!(sim.truth().await["requests"]["rate_limited"], 0, "none refused");
    assert_eq!(report.retries, 0);
}

#[tokio::test]
async fn a_key_with_a_lower_limit_than_documented_earns_a_few_rate_limits_then_none_at_the_halved_pace() {
    // The simulator allows this test key 4 requests a second; the engine paces Stripe test
    // keys at the documented 25. Each 429 halves the pace (25 → 12.5 → 6.25 → 3.1 a second),
    // so after a few refusals the rest of the sync is never refused. Without the halving the
    // refusals go on all sync long (measured walking one page at a time: 13 of 66 requests,
    // against 3 of 56 with it; walking in slices, 3 of 153 with it).
    let (sim, _dir, engine, source) = paced_stripe(3_000, 4).await;
    sim.control("/_sim/stats/reset", json!({})).await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let pool = db(&engine).await;
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await,
        sim.ids("stripe.charges").await.len() as i64
    );

    let at = arrivals(&sim, "/v1").await;
    let refused = sim.truth().await["requests"]["rate_limited"].as_u64().unwrap();
    assert!(
        at.len() >= 50,
        "enough requests to see the pace settle: {}",
        at.len()
    );
    assert!(refused >= 1, "the lower limit was met");
    println!("{refused} of {} requests refused", at.len());
    // Three halvings, each after up to a second at a pace above the limit: a handful of
    // refusals, never one for every few pages.
    assert!(
        refused <= 8,
        "{refused} of {} requests refused: the pace did not come down",
        at.len()
    );
    assert_eq!(report.retries, refused, "every refusal was retried, none lost");
}

#[tokio::test]
async fn a_rate_a_person_sets_for_a_connection_is_kept_to_and_shown_with_its_sources() {
    // The simulator allows the test key Stripe's 25 a second; a person lowers it to 5 (a key
    // other tools share). Real time, pacing on.
    let (sim, _dir, engine, source) = paced_stripe(300, 25).await;
    let connection = source.connection_id.unwrap();
    let refused = engine.set_connection_rate(connection, Some(0)).await.unwrap_err();
    assert_eq!(refused.field(), Some("rate"), "{refused}");
    let set = engine.set_connection_rate(connection, Some(5)).await.unwrap();
    assert_eq!(set.rate_per_sec, Some(5));
    assert_eq!(engine.sources(None).await.unwrap()[0].rate_per_sec, Some(5));

    sim.control("/_sim/stats/reset", json!({})).await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let at = arrivals(&sim, "/v1").await;
    assert!(at.len() >= 12, "enough requests to see a rate: {}", at.len());
    // 5 a second is one every 200 ms, whatever operation each is.
    let span = at.last().unwrap() - at.first().unwrap();
    assert!(
        span >= (at.len() as i64 - 2) * 200,
        "{} requests in {span} ms",
        at.len()
    );
    for (i, t) in at.iter().enumerate() {
        let in_a_second = at[i..].iter().take_while(|u| **u < t + 1000).count();
        assert!(in_a_second <= 6, "{in_a_second} requests in the second from {t}");
    }

    let back = engine.set_connection_rate(connection, None).await.unwrap();
    assert_eq!(back.rate_per_sec, None);
    assert_eq!(engine.sources(None).await.unwrap()[0].rate_per_sec, None);
}

#[tokio::test]
async fn a_paused_engine_runs_nothing_stays_paused_after_a_restart_and_runs_each_queued_job_once_on_resume() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    let mut events = engine.subscribe();

    engine.set_syncing_paused(true).await.unwrap();
    assert!(matches!(
        events.recv().await.unwrap(),
        freshboard_engine::EngineEvent::SyncingPaused { paused: true }
    ));
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    // A second refresh while one waits is the same job.
    engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    let config = WorkerConfig::default();
    assert!(engine.run_due_jobs(&config).await.unwrap().is_empty());

    engine.close().await;
    let engine = engine_with_secrets(dir.path(), secrets).await;
    assert!(engine.is_syncing_paused(), "the pause outlives a restart");
    assert!(engine.run_due_jobs(&config).await.unwrap().is_empty());

    engine.set_syncing_paused(false).await.unwrap();
    let outcomes = engine.run_due_jobs(&config).await.unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].state, "succeeded");
    assert!(engine.run_due_jobs(&config).await.unwrap().is_empty());
    assert_eq!(jobs(&engine).await.len(), 1, "one job ran, none was doubled");
}

#[tokio::test]
async fn stopping_the_workers_mid_sync_queues_the_job_again_and_the_next_start_finishes_it() {
    let mut config = small_config();
    config.stripe.charges = 3_000;
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    // Wall-clock time here: the workers' loop sleeps between ticks, which a manual clock
    // would skip at once, spinning the loop.
    let engine = wall_clock_engine(dir.path(), secrets.clone(), false).await;
    let source = add_stripe(&engine, &sim).await;
    sim.fault(json!({"route": "/v1/charges", "kind": "delay", "delay_ms": 100}))
        .await;
    engine
        .enqueue(source.id, JobReason::Manual)
        .await
        .unwrap()
        .unwrap();
    let mut events = engine.subscribe();
    let workers = tokio::spawn(engine.clone().run_workers(WorkerConfig {
        tick: std::time::Duration::from_millis(50),
        ..WorkerConfig::default()
    }));
    loop {
        if let freshboard_engine::EngineEvent::Progress(p) = events.recv().await.unwrap() {
            if p.stream == "charges" {
                break;
            }
        }
    }
    engine.stop_workers();
    workers.await.unwrap();

    let pool = db(&engine).await;
    let stored = scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await;
    assert!(stored > 0 && stored < 3_000, "{stored}");
    let all = jobs(&engine).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0].2, "cancelled", "{all:?}");
    assert_eq!(
        (all[1].1.as_str(), all[1].2.as_str(), all[1].3),
        ("retry", "queued", all[0].3)
    );
    engine.close().await;

    sim.clear_faults().await;
    let engine = engine_with_secrets(dir.path(), secrets).await;
    let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].state, "succeeded");
    let pool = db(&engine).await;
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await,
        sim.ids("stripe.charges").await.len() as i64,
        "resumed from its cursor: nothing lost or doubled"
    );
}

#[tokio::test]
async fn closing_to_the_tray_is_the_default_a_choice_outlives_a_restart_and_the_notice_is_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    assert!(engine.close_to_tray().await.unwrap());
    assert!(engine.first_close_to_tray().await.unwrap());
    assert!(!engine.first_close_to_tray().await.unwrap());
    engine.set_close_to_tray(false).await.unwrap();
    engine.close().await;

    let engine = engine_with_secrets(dir.path(), secrets).await;
    assert!(!engine.close_to_tray().await.unwrap());
    assert!(
        !engine.first_close_to_tray().await.unwrap(),
        "told once, across restarts"
    );
    engine.set_close_to_tray(true).await.unwrap();
    assert!(engine.close_to_tray().await.unwrap());
}
