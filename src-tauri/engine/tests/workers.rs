//! The job queue's workers on a manual clock: bounded concurrency with per-provider caps,
//! retries with backoff up to five attempts, cancellation, recovery after a crash, and a
//! bounded history.

mod common;

use chrono::Duration;
use common::*;
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{Engine, JobReason, NewSource, Provider};
use serde_json::json;

async fn jobs(engine: &Engine) -> Vec<(i64, String, String, i64)> {
    sqlx::query_as("SELECT source_id, reason, state, attempt FROM jobs ORDER BY id")
        .fetch_all(&db(engine).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_failing_source_is_retried_with_backoff_five_times_then_left_failed() {
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
    for attempt in 1..=5 {
        let outcomes = engine.run_due_jobs(&config).await.unwrap();
        assert_eq!(outcomes.len(), 1, "attempt {attempt}");
        assert_eq!(outcomes[0].state, "failed");
        assert_eq!(
            outcomes[0].retry.is_some(),
            attempt < 5,
            "attempt {attempt}: {outcomes:?}"
        );
        // The retry waits: nothing runs until its time comes.
        assert!(engine.run_due_jobs(&config).await.unwrap().is_empty());
        clock.advance(Duration::minutes(31));
    }
    assert!(
        engine.run_due_jobs(&config).await.unwrap().is_empty(),
        "no sixth attempt"
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
async fn the_pool_caps_the_jobs_of_one_connection() {
    let mut config = small_config();
    config.github.repos = vec!["acme/a".into(), "acme/b".into(), "acme/c".into()];
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let client = engine.create_client("A").await.unwrap();
    // One token, three repositories: one connection whose budget they share.
    let first = engine
        .add_source(NewSource::with_secret(
            client.id,
            Provider::Github,
            GITHUB_TOKEN,
            Some("acme/a"),
            Some(&sim.url()),
        ))
        .await
        .unwrap();
    let connection = first.connection_id.unwrap();
    let mut sources = vec![first];
    for repo in ["acme/b", "acme/c"] {
        sources.push(
            engine
                .add_source(NewSource::on_connection(
                    client.id,
                    Provider::Github,
                    connection,
                    repo,
                ))
                .await
                .unwrap(),
        );
    }
    for source in &sources {
        assert_eq!(source.connection_id, Some(connection));
        engine
            .enqueue(source.id, JobReason::Manual)
            .await
            .unwrap()
            .unwrap();
    }
    let config = WorkerConfig {
        per_connection: 2,
        ..WorkerConfig::default()
    };
    let first = engine.run_due_jobs(&config).await.unwrap();
    assert_eq!(first.len(), 2, "two jobs of one connection at once at most");
    let second = engine.run_due_jobs(&config).await.unwrap();
    assert_eq!(second.len(), 1, "the third ran on the next pass");
    assert!(first.iter().chain(&second).all(|o| o.state == "succeeded"));
}

#[tokio::test]
async fn cancelled_jobs_do_not_run_and_crashed_ones_are_requeued() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let source = add_stripe(&engine, &sim).await;
    let config = WorkerConfig::default();

    let job = engine
        .enqueue(source.id, JobReason::Manual)
        .await
        .unwrap()
        .unwrap();
    assert!(engine.cancel_job(job).await.unwrap());
    assert!(engine.run_due_jobs(&config).await.unwrap().is_empty());
    assert!(
        !engine.cancel_job(job).await.unwrap(),
        "only a queued job can be cancelled"
    );

    // A job left `running` by a process that died (no one holds the source's lock).
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", engine.database_path().display()))
        .await
        .unwrap();
    sqlx::query("INSERT INTO jobs (source_id, reason, state, run_after, created_at, started_at) VALUES (?, 'schedule', 'running', 0, 0, 0)")
        .bind(source.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(engine.recover_interrupted().await.unwrap(), 1);
    let outcomes = engine.run_due_jobs(&config).await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].state, "succeeded");
    let last = jobs(&engine).await.pop().unwrap();
    assert_eq!(
        (last.1.as_str(), last.3),
        ("schedule", 2),
        "the same job, resumed as its second attempt"
    );
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
    assert!(
        run_after >= retry_at,
        "the retry waits until the provider said: {run_after} < {retry_at}"
    );
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
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM stripe_invoices").await,
        0,
        "later streams did not run"
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
