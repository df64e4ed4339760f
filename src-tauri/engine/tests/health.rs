//! Job health on real syncs against the simulator, on a manual clock: the counters equal a
//! recomputation from the jobs that ran (after a random mix of successes, faults, cancels,
//! rate limits, skips and a job killed mid-sync, and after the history was pruned), buckets
//! fall where the calendar says, blanks are kept, moments pool exactly, and each alert fires
//! once and clears.

mod common;

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use common::*;
use freshboard_engine::connector::DAY_MS;
use freshboard_engine::health::Spread;
use freshboard_engine::health::{
    AlertKind, AlertSettings, Granularity, HealthQuery, HealthScope, HealthTotals,
};
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{
    Clock, Engine, EngineEvent, JobReason, ManualClock, NewSource, Preset, Provider, ScheduleSpec, Source,
};
use serde_json::json;

/// Every finished job as the history had it, kept before pruning can drop it.
#[derive(Debug, Clone)]
struct JobRow {
    state: String,
    reason: String,
    error_kind: Option<String>,
    records: i64,
    pages: i64,
}

async fn snapshot(engine: &Engine, seen: &mut BTreeMap<i64, JobRow>) {
    let rows: Vec<(i64, String, String, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT id, state, reason, error_kind, records, pages FROM jobs WHERE state NOT IN ('queued', 'running')",
    )
    .fetch_all(&db(engine).await)
    .await
    .unwrap();
    for (id, state, reason, error_kind, records, pages) in rows {
        seen.insert(
            id,
            JobRow {
                state,
                reason,
                error_kind,
                records,
                pages,
            },
        );
    }
}

async fn health(engine: &Engine, scope: HealthScope, granularity: Granularity, from: i64) -> HealthTotals {
    engine
        .health(HealthQuery {
            scope,
            granularity,
            from,
            to: None,
        })
        .await
        .expect("health reads")
        .totals
}

/// The recomputation, from the definitions rather than the engine's code: a rate
/// limit is its own state, offline and disabled are skipped, the rest of the failures failed.
fn recompute(
    jobs: &BTreeMap<i64, JobRow>,
    disabled_skips: u64,
) -> (
    BTreeMap<&'static str, u64>,
    BTreeMap<String, u64>,
    BTreeMap<String, u64>,
    i64,
    i64,
) {
    let mut states: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for job in jobs.values() {
        let state = match (job.state.as_str(), job.error_kind.as_deref()) {
            ("succeeded", _) => "succeeded",
            ("cancelled", _) => "cancelled",
            (_, Some("rate_limited")) => "rate_limited",
            (_, Some("offline")) => "skipped",
            _ => "failed",
        };
        *states.entry(state).or_default() += 1;
        *reasons.entry(job.reason.clone()).or_default() += 1;
        if let Some(kind) = &job.error_kind {
            *kinds.entry(kind.clone()).or_default() += 1;
        }
    }
    if disabled_skips > 0 {
        *states.entry("skipped").or_default() += disabled_skips;
        *reasons.entry("manual".into()).or_default() += disabled_skips;
        *kinds.entry("disabled".into()).or_default() += disabled_skips;
    }
    let records = jobs.values().map(|j| j.records).sum();
    let pages = jobs.values().map(|j| j.pages).sum();
    (states, reasons, kinds, records, pages)
}

/// The pooled sum of durations, back from the spread.
fn sum(s: &Spread) -> f64 {
    s.mean.unwrap_or(0.0) * s.count as f64
}

fn counted_states(t: &HealthTotals) -> BTreeMap<&'static str, u64> {
    [
        ("succeeded", t.succeeded),
        ("failed", t.failed),
        ("skipped", t.skipped),
        ("rate_limited", t.rate_limited),
        ("cancelled", t.cancelled),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect()
}

fn counted_reasons(t: &HealthTotals) -> BTreeMap<String, u64> {
    let r = &t.triggers;
    [
        ("schedule", r.schedule),
        ("stale", r.stale),
        ("manual", r.manual),
        ("catch_up", r.catch_up),
        ("retry", r.retry),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(k, n)| (k.to_owned(), n))
    .collect()
}

fn counted_kinds(t: &HealthTotals) -> BTreeMap<String, u64> {
    t.errors
        .iter()
        .map(|e| {
            (
                serde_json::to_value(e.kind).unwrap().as_str().unwrap().to_owned(),
                e.count,
            )
        })
        .collect()
}

/// A Stripe source added to a new client, against `sim`.
async fn stripe_for(engine: &Engine, sim: &Sim, client: &str) -> Source {
    let client = engine.create_client(client).await.unwrap();
    add_source(engine, sim, client.id, Provider::Stripe).await
}

/// A sync that is killed mid-walk, as a crash would: it is dropped after its first committed
/// batch, with its next page held up by the simulator. The job is left `running`.
async fn kill_mid_sync(engine: &Engine, sim: &Sim, source: &Source) {
    sim.fault(json!({"route": "/v1/", "kind": "delay", "delay_ms": 60_000, "after": 2, "count": 1}))
        .await;
    let mut events = engine.subscribe();
    let (engine2, id) = (engine.clone(), source.id);
    let task = tokio::spawn(async move { engine2.sync_source(id, JobReason::Manual, None).await });
    loop {
        match events.recv().await.expect("events") {
            EngineEvent::Progress(p) if p.source_id == source.id => break,
            _ => {}
        }
    }
    task.abort();
    let _ = task.await;
    sim.clear_faults().await;
}

#[tokio::test]
async fn health_totals_equal_a_recomputation_from_the_jobs_that_ran_after_a_random_mix() {
    let seed = std::env::var("HEALTH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("HEALTH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let from = clock.now_millis();

    let stripe = stripe_for(&engine, &sim, "Acme").await;
    let github = add_github(&engine, &sim).await;
    // A source whose API stopped answering: its runs are skipped as offline.
    let unreachable = stripe_for(&engine, &sim, "Initech").await;
    let writable = sqlx::SqlitePool::connect(&format!("sqlite:{}", engine.database_path().display()))
        .await
        .unwrap();
    sqlx::query("UPDATE connections SET api_base_url = 'http://127.0.0.1:9' WHERE id = ?")
        .bind(unreachable.connection_id)
        .execute(&writable)
        .await
        .unwrap();
    writable.close().await;
    // A GA4 source kept after its Google connection was removed: disabled, so skipped.
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Umbrella").await.unwrap();
    let ga4 = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::Ga4,
            google.id,
            "412345678",
        ))
        .await
        .expect("GA4 source added");
    engine.disconnect(google.id, true).await.unwrap();
    engine
        .set_schedule(
            github.id,
            &ScheduleSpec {
                preset: Preset::Hourly,
                time_zone: Some("UTC".into()),
            },
        )
        .await
        .unwrap();

    // Small enough that the history is pruned, large enough that no round finishes more jobs
    // of one source than it keeps before the snapshot reads them.
    let config = WorkerConfig {
        keep_finished: 4,
        ..WorkerConfig::default()
    };
    let mut jobs: BTreeMap<i64, JobRow> = BTreeMap::new();
    let mut disabled_skips = 0;
    for round in 0..36 {
        let target = if rng.bool() { &stripe } else { &github };
        let prefix = if target.provider == Provider::Stripe {
            "/v1/"
        } else {
            "/repos/"
        };
        match rng.u8(0..9) {
            0 | 1 => {
                engine
                    .sync_source(target.id, JobReason::Manual, None)
                    .await
                    .unwrap();
            }
            2 => {
                // A failure for good, then one that passes with a retry from the workers.
                let kind = ["unauthorized", "malformed"][rng.usize(0..2)];
                sim.fault(json!({"route": prefix, "kind": kind, "count": 1}))
                    .await;
                engine
                    .sync_source(target.id, JobReason::Manual, None)
                    .await
                    .unwrap();
            }
            3 => {
                sim.fault(json!({"route": prefix, "kind": "server_error", "count": 5}))
                    .await;
                engine.enqueue(target.id, JobReason::Manual).await.unwrap();
                engine.run_due_jobs(&config).await.unwrap();
                clock.advance(Duration::hours(1));
                engine.run_due_jobs(&config).await.unwrap();
            }
            4 => {
                sim.fault(json!({"route": prefix, "kind": "rate_limit", "retry_after": 600, "count": 1}))
                    .await;
                engine
                    .sync_source(target.id, JobReason::Manual, None)
                    .await
                    .unwrap();
            }
            5 => {
                if let Some(job) = engine.enqueue(target.id, JobReason::Manual).await.unwrap() {
                    assert!(engine.cancel_job(job).await.unwrap());
                }
            }
            6 => {
                let report = engine
                    .sync_source(unreachable.id, JobReason::Manual, None)
                    .await
                    .unwrap();
                assert_eq!(
                    report.streams[0].error_kind,
                    Some(freshboard_engine::JobErrorKind::Offline)
                );
            }
            7 => {
                assert_eq!(
                    engine.enqueue(ga4.id, JobReason::Manual).await.ok().flatten(),
                    None
                );
                disabled_skips += 1;
            }
            _ => {
                // Stripe is mutated so the sync has pages to walk, then killed mid-walk; the
                // next run of the source resumes the same job.
                for i in 0..30 {
                    sim.control(
                        "/_sim/stripe/charges",
                        json!({"amount": 100 + i, "currency": "usd"}),
                    )
                    .await;
                }
                kill_mid_sync(&engine, &sim, &stripe).await;
            }
        }
        sim.clear_faults().await;
        // The hourly schedule fires now and then.
        clock.advance(Duration::minutes(rng.i64(5..40)));
        engine.plan().await.unwrap();
        engine.run_due_jobs(&config).await.unwrap();
        snapshot(&engine, &mut jobs).await;
        println!("round {round}: {} jobs seen", jobs.len());
    }
    // Whatever was left running or queued finishes.
    engine.recover_interrupted().await.unwrap();
    clock.advance(Duration::hours(2));
    engine.run_due_jobs(&config).await.unwrap();
    engine
        .sync_source(stripe.id, JobReason::Manual, None)
        .await
        .unwrap();
    snapshot(&engine, &mut jobs).await;

    let kept: i64 = scalar(&db(&engine).await, "SELECT COUNT(*) FROM jobs").await;
    assert!(
        (kept as usize) < jobs.len(),
        "the history was pruned ({kept} kept of {})",
        jobs.len()
    );
    let (states, reasons, kinds, records, pages) = recompute(&jobs, disabled_skips);
    let totals = health(&engine, HealthScope::All, Granularity::Day, from).await;
    assert_eq!(counted_states(&totals), states, "runs by state");
    assert_eq!(counted_reasons(&totals), reasons, "runs by trigger");
    assert_eq!(counted_kinds(&totals), kinds, "error kinds");
    assert_eq!(
        (totals.records as i64, totals.pages as i64),
        (records, pages),
        "records and pages"
    );
    println!("{states:?} {reasons:?} {kinds:?}");
    assert!(
        reasons.contains_key("schedule") || reasons.contains_key("catch_up"),
        "the mix ran scheduled jobs (on time, or late enough to be catch-ups): {reasons:?}"
    );

    // The same totals from every granularity: hours, days, weeks and months pool exactly.
    for g in [Granularity::Hour, Granularity::Week, Granularity::Month] {
        let other = health(&engine, HealthScope::All, g, from).await;
        assert_eq!(other.runs, totals.runs, "{g:?}");
        assert_eq!(other.duration.count, totals.duration.count, "{g:?}");
        assert!(
            (sum(&other.duration) - sum(&totals.duration)).abs() < 1e-6,
            "{g:?}"
        );
        assert_eq!(
            (other.records, other.requests, other.wait_ms),
            (totals.records, totals.requests, totals.wait_ms),
            "{g:?}"
        );
    }
    // A source's streams add up to the source; sources add up to everything.
    let mut by_sources = (0, 0, 0, 0, 0.0);
    for source in [&stripe, &github, &unreachable, &ga4] {
        let whole = health(
            &engine,
            HealthScope::Source { source_id: source.id },
            Granularity::Day,
            from,
        )
        .await;
        let mut streams = (0, 0, 0, 0);
        for stream in source.provider.connector().streams {
            let s = health(
                &engine,
                HealthScope::Stream {
                    source_id: source.id,
                    stream: stream.name.to_owned(),
                },
                Granularity::Day,
                from,
            )
            .await;
            streams.0 += s.records;
            streams.1 += s.pages;
            streams.2 += s.requests;
            streams.3 += s.retries;
        }
        assert_eq!(
            streams,
            (whole.records, whole.pages, whole.requests, whole.retries),
            "{}",
            source.label
        );
        by_sources.0 += whole.runs;
        by_sources.1 += whole.records;
        by_sources.2 += whole.requests;
        by_sources.3 += whole.duration.count;
        by_sources.4 += sum(&whole.duration);
    }
    assert_eq!(
        (by_sources.0, by_sources.1, by_sources.2, by_sources.3),
        (
            totals.runs,
            totals.records,
            totals.requests,
            totals.duration.count
        )
    );
    assert!((by_sources.4 - sum(&totals.duration)).abs() < 1e-6);
}

#[tokio::test]
async fn counts_fall_into_the_calendar_buckets_across_midnight_and_month_end_with_blanks_kept() {
    let clock = std::sync::Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 30, 23, 50, 0).unwrap(),
    ));
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    let start = clock.now_millis();

    let first = sync(&engine, &source).await;
    clock.advance(Duration::minutes(20)); // 00:10 on 1 December: a new hour, day and month
    sync(&engine, &source).await;
    clock.advance(Duration::hours(3)); // 03:10: two hours with nothing in between
    sync(&engine, &source).await;

    let report = engine
        .health(HealthQuery {
            scope: HealthScope::Source { source_id: source.id },
            granularity: Granularity::Hour,
            from: start,
            to: None,
        })
        .await
        .unwrap();
    let runs: Vec<(i64, u64)> = report
        .buckets
        .iter()
        .map(|b| ((b.start - start + 50 * 60_000) / 3_600_000, b.totals.runs))
        .collect();
    assert_eq!(
        runs,
        vec![(0, 1), (1, 1), (2, 0), (3, 0), (4, 1)],
        "23:00, 00:00, two blank hours, 03:00"
    );
    assert_eq!(
        report.buckets[0].totals.records, first.records,
        "the first sync's records in its hour"
    );
    assert_eq!(
        report.buckets[2].totals, report.buckets[3].totals,
        "blank buckets count zeros"
    );

    let by = |g| {
        let engine = engine.clone();
        async move {
            engine
                .health(HealthQuery {
                    scope: HealthScope::All,
                    granularity: g,
                    from: start,
                    to: None,
                })
                .await
                .unwrap()
                .buckets
                .iter()
                .map(|b| (b.start, b.totals.runs))
                .collect::<Vec<_>>()
        }
    };
    let nov30 = Utc
        .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    let dec1 = nov30 + DAY_MS;
    assert_eq!(by(Granularity::Day).await, vec![(nov30, 1), (dec1, 2)]);
    assert_eq!(
        by(Granularity::Month).await,
        vec![
            (
                Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
                    .unwrap()
                    .timestamp_millis(),
                1
            ),
            (dec1, 2)
        ]
    );
    // 30 November 2026 is a Monday: both days are in the week it opens.
    assert_eq!(by(Granularity::Week).await, vec![(nov30, 3)]);
}

/// Alerts raised (and cleared, by id), as the shell hears them.
fn alert_events(events: &mut tokio::sync::broadcast::Receiver<EngineEvent>) -> (Vec<AlertKind>, Vec<i64>) {
    let (mut raised, mut cleared) = (Vec::new(), Vec::new());
    while let Ok(event) = events.try_recv() {
        match event {
            EngineEvent::AlertRaised(alert) => raised.push(alert.kind),
            EngineEvent::AlertCleared { id } => cleared.push(id),
            _ => {}
        }
    }
    (raised, cleared)
}

fn raised(events: &mut tokio::sync::broadcast::Receiver<EngineEvent>) -> Vec<AlertKind> {
    alert_events(events).0
}

async fn open_alerts(engine: &Engine) -> Vec<(AlertKind, Option<i64>)> {
    engine
        .alerts(true)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.kind, a.source_id))
        .collect()
}

/// Only the alert under test.
fn only(kind: AlertKind) -> AlertSettings {
    AlertSettings {
        failing_streak: (kind == AlertKind::FailingStreak).then_some(3),
        no_records: kind == AlertKind::NoRecords,
        slower: kind == AlertKind::Slower,
        failure_share: (kind == AlertKind::FailureShare).then_some(0.25),
        failure_share_min_runs: 4,
    }
}

#[tokio::test]
async fn a_failure_streak_alerts_once_and_clears_with_the_next_success() {
    let clock = manual_clock();
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    engine
        .set_alert_settings(&only(AlertKind::FailingStreak))
        .await
        .unwrap();
    let mut events = engine.subscribe();

    sim.fault(json!({"route": "/v1/", "kind": "unauthorized"})).await;
    for failures in 1..=5 {
        sync(&engine, &source).await;
        clock.advance(Duration::minutes(2));
        engine.plan().await.unwrap();
        let expected = if failures >= 3 {
            vec![(AlertKind::FailingStreak, Some(source.id))]
        } else {
            vec![]
        };
        assert_eq!(open_alerts(&engine).await, expected, "after {failures} failures");
    }
    assert_eq!(
        raised(&mut events),
        vec![AlertKind::FailingStreak],
        "raised once, not on every failure or tick"
    );
    // Raised once, its words follow the streak while it is open.
    let alert = &engine.alerts(true).await.unwrap()[0];
    assert!(
        alert.message.contains("failed 5 syncs in a row"),
        "{}",
        alert.message
    );
    assert_eq!(engine.unnotified_alerts().await.unwrap().len(), 1);
    engine.mark_alert_notified(alert.id).await.unwrap();
    assert!(engine.unnotified_alerts().await.unwrap().is_empty());

    sim.clear_faults().await;
    assert!(sync(&engine, &source).await.succeeded());
    assert_eq!(open_alerts(&engine).await, vec![]);
    let history = engine.alerts(false).await.unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].cleared_at.is_some());
    assert_eq!(
        alert_events(&mut events),
        (vec![], vec![alert.id]),
        "cleared once"
    );

    // Turned off, a streak raises nothing.
    engine
        .set_alert_settings(&AlertSettings {
            failing_streak: None,
            ..only(AlertKind::FailingStreak)
        })
        .await
        .unwrap();
    sim.fault(json!({"route": "/v1/", "kind": "unauthorized"})).await;
    for _ in 0..4 {
        sync(&engine, &source).await;
    }
    assert_eq!(open_alerts(&engine).await, vec![]);
}

#[tokio::test]
async fn the_failure_share_of_the_last_day_alerts_once_and_clears_as_the_day_moves_on() {
    let clock = manual_clock();
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let good = add_github(&engine, &sim).await;
    let bad = add_stripe(&engine, &sim).await;
    engine
        .set_alert_settings(&only(AlertKind::FailureShare))
        .await
        .unwrap();
    let mut events = engine.subscribe();

    sim.fault(json!({"route": "/v1/", "kind": "unauthorized"})).await;
    // 2 of 2, 2 of 3: too few syncs to judge. 2 of 4 = 50% > 25%: alert.
    sync(&engine, &bad).await;
    sync(&engine, &bad).await;
    sync(&engine, &good).await;
    assert_eq!(
        open_alerts(&engine).await,
        vec![],
        "3 syncs are fewer than the 4 it needs"
    );
    sync(&engine, &good).await;
    assert_eq!(open_alerts(&engine).await, vec![(AlertKind::FailureShare, None)]);
    // More successes bring it to 2 of 9 = 22%: cleared.
    for _ in 0..5 {
        sync(&engine, &good).await;
    }
    assert_eq!(open_alerts(&engine).await, vec![]);
    // Failures again (3 of 10 = 30%): raised again, once.
    sync(&engine, &bad).await;
    assert_eq!(open_alerts(&engine).await, vec![(AlertKind::FailureShare, None)]);
    engine.plan().await.unwrap();
    assert_eq!(
        raised(&mut events),
        vec![AlertKind::FailureShare, AlertKind::FailureShare]
    );
    // A day later those syncs are out of the window: the planner's tick clears it.
    clock.advance(Duration::hours(25));
    engine.plan().await.unwrap();
    assert_eq!(open_alerts(&engine).await, vec![]);
}

/// Moves the manual clock to the next day, 08:00.
fn next_day(clock: &ManualClock) {
    clock.advance(Duration::days(1));
}

/// New commits in the simulator's repository, for the next sync to move (the commits stream
/// reads only commits newer than those it has).
async fn push_commits(sim: &Sim, n: usize) {
    for i in 0..n {
        sim.control(
            &format!("/_sim/github/{REPO}/commits"),
            json!({"message": format!("Change {i}")}),
        )
        .await;
    }
}

#[tokio::test]
async fn a_source_that_succeeds_but_moves_nothing_where_it_usually_moves_some_alerts_once() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    // GitHub answers an unchanged repository with 304s: a sync that moves nothing.
    let source = add_github(&engine, &sim).await;
    engine
        .set_alert_settings(&only(AlertKind::NoRecords))
        .await
        .unwrap();
    sync(&engine, &source).await;
    let mut events = engine.subscribe();

    // A week of days that each bring about twenty new commits.
    for day in 0..7 {
        advance_both(&sim, &clock, Duration::days(1)).await;
        push_commits(&sim, 19 + day % 3).await;
        assert!(sync(&engine, &source).await.records > 0);
        engine.plan().await.unwrap();
        assert_eq!(open_alerts(&engine).await, vec![], "day {day}");
    }
    // Then a day whose sync succeeds and moves nothing.
    advance_both(&sim, &clock, Duration::days(1)).await;
    let quiet = sync(&engine, &source).await;
    assert!(quiet.succeeded());
    assert_eq!(quiet.records, 0, "{:?}", quiet.streams);
    assert_eq!(
        open_alerts(&engine).await,
        vec![(AlertKind::NoRecords, Some(source.id))]
    );
    let message = engine.alerts(true).await.unwrap()[0].message.clone();
    assert!(message.contains("moved no records"), "{message}");
    // Another quiet sync and ticks raise nothing new.
    sync(&engine, &source).await;
    clock.advance(Duration::minutes(5));
    engine.plan().await.unwrap();
    assert_eq!(raised(&mut events), vec![AlertKind::NoRecords]);
    // Commits again: cleared.
    push_commits(&sim, 3).await;
    sync(&engine, &source).await;
    assert_eq!(open_alerts(&engine).await, vec![]);
}

#[tokio::test]
async fn a_source_whose_mean_duration_jumps_alerts_once_and_clears_when_it_is_back() {
    let clock = manual_clock();
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    engine.set_alert_settings(&only(AlertKind::Slower)).await.unwrap();
    let mut events = engine.subscribe();

    // The engine's time passes only while it waits, so a day's syncs take as long as the
    // rate limits the simulator answers with: a few seconds on ordinary days…
    let day_with_waits = |seconds: u64| {
        let (engine, sim, source) = (engine.clone(), &sim, source.clone());
        async move {
            sim.fault(json!({"route": "/v1/", "kind": "rate_limit", "retry_after": seconds, "count": 1}))
                .await;
            let report = sync(&engine, &source).await;
            assert!(report.succeeded());
            assert_eq!(report.wait_ms, seconds * 1000, "the wait is counted");
            sim.clear_faults().await;
        }
    };
    for seconds in [2, 3, 2, 2, 3, 2, 3] {
        day_with_waits(seconds).await;
        engine.plan().await.unwrap();
        assert_eq!(open_alerts(&engine).await, vec![]);
        next_day(&clock);
    }
    // …and a day of a minute's waiting.
    day_with_waits(60).await;
    assert_eq!(
        open_alerts(&engine).await,
        vec![(AlertKind::Slower, Some(source.id))]
    );
    let message = engine.alerts(true).await.unwrap()[0].message.clone();
    assert!(
        message.contains("60 s") && message.contains("usually"),
        "{message}"
    );
    clock.advance(Duration::minutes(5));
    engine.plan().await.unwrap();
    assert_eq!(raised(&mut events), vec![AlertKind::Slower]);
    // The next day is ordinary again.
    next_day(&clock);
    day_with_waits(2).await;
    assert_eq!(open_alerts(&engine).await, vec![]);
}

#[tokio::test]
async fn alert_settings_refuse_what_is_out_of_range_and_keep_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    assert_eq!(engine.alert_settings().await.unwrap(), AlertSettings::default());
    let saved = AlertSettings {
        failing_streak: Some(5),
        ..AlertSettings::default()
    };
    engine.set_alert_settings(&saved).await.unwrap();
    let err = engine
        .set_alert_settings(&AlertSettings {
            failure_share: Some(0.0),
            ..AlertSettings::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), freshboard_engine::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("failure share"), "{err}");
    assert_eq!(
        engine.alert_settings().await.unwrap(),
        saved,
        "nothing saved from a refused change"
    );
}

#[tokio::test]
async fn hours_are_kept_about_two_weeks_and_days_longer() {
    let clock = manual_clock();
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    let synced_at = clock.now_millis();
    sync(&engine, &source).await;
    let runs = |g: Granularity| {
        let engine = engine.clone();
        async move { health(&engine, HealthScope::All, g, synced_at).await.runs }
    };
    clock.advance(Duration::days(14));
    engine.plan().await.unwrap();
    assert_eq!(
        (runs(Granularity::Hour).await, runs(Granularity::Day).await),
        (1, 1),
        "two weeks on, all kept"
    );
    // A day later the planner's hourly chore drops the hours; days, weeks and months stay.
    clock.advance(Duration::days(2));
    engine.plan().await.unwrap();
    assert_eq!(runs(Granularity::Hour).await, 0, "hours past 15 days are gone");
    assert_eq!(runs(Granularity::Day).await, 1);
    assert_eq!(runs(Granularity::Week).await, 1);
    assert_eq!(runs(Granularity::Month).await, 1);
}
