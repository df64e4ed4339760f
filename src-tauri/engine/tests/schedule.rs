//! Schedules in time zones and across DST, catch-up after a closed laptop, staleness of the
//! client on screen, and the one-live-job rule — all on a manual clock.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Europe::Paris;
use common::*;
use freshboard_engine::schedule::CronSchedule;
use freshboard_engine::{Clock, ErrorKind, JobReason, Preset, ScheduleSpec};

fn runs(cron: &str, tz: &str, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    CronSchedule::parse(cron, tz, after).unwrap().upcoming(after, n)
}

/// Instants given as UTC hours and minutes of one day, for comparing with schedules.
fn utc(y: i32, m: u32, d: u32, times: &[(u32, u32)]) -> Vec<DateTime<Utc>> {
    times
        .iter()
        .map(|(h, min)| Utc.with_ymd_and_hms(y, m, d, *h, *min, 0).unwrap())
        .collect()
}

#[test]
fn weekday_mornings_in_the_users_zone() {
    let friday_noon = Paris
        .with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let expected: Vec<_> = [23, 24, 25, 26, 27, 30]
        .iter()
        .map(|day| {
            Paris
                .with_ymd_and_hms(2026, 11, *day, 9, 0, 0)
                .unwrap()
                .with_timezone(&Utc)
        })
        .collect();
    assert_eq!(runs("0 9 * * 1-5", "Europe/Paris", friday_noon, 6), expected);
    // Sunday is 0 (and 7), as in standard cron.
    let sunday = runs("0 9 * * 0", "Europe/Paris", friday_noon, 1)[0];
    assert_eq!(
        sunday,
        Paris
            .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    );
}

#[test]
fn spring_forward_runs_the_skipped_time_once_when_the_clocks_jump() {
    // New York skips 02:00–03:00 on 8 March 2026.
    let before = New_York
        .with_ymd_and_hms(2026, 3, 7, 12, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let got = runs("30 2 * * *", "America/New_York", before, 3);
    let expected = vec![
        New_York
            .with_ymd_and_hms(2026, 3, 8, 3, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
        New_York
            .with_ymd_and_hms(2026, 3, 9, 2, 30, 0)
            .unwrap()
            .with_timezone(&Utc),
        New_York
            .with_ymd_and_hms(2026, 3, 10, 2, 30, 0)
            .unwrap()
            .with_timezone(&Utc),
    ];
    assert_eq!(got, expected);
    // An hourly schedule runs once per real hour: 00:00 EST (05:00 UTC), 01:00 EST, then
    // the clocks jump from 02:00 to 03:00 EDT (07:00 UTC) — one run, not two, not none.
    let hourly = runs(
        "0 * * * *",
        "America/New_York",
        Utc.with_ymd_and_hms(2026, 3, 8, 4, 30, 0).unwrap(),
        4,
    );
    assert_eq!(hourly, utc(2026, 3, 8, &[(5, 0), (6, 0), (7, 0), (8, 0)]));
}

#[test]
fn fall_back_runs_the_repeated_time_once() {
    // New York repeats 01:00–02:00 on 1 November 2026.
    let before = New_York
        .with_ymd_and_hms(2026, 10, 31, 12, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let got = runs("30 1 * * *", "America/New_York", before, 3);
    let first_pass = New_York
        .with_ymd_and_hms(2026, 11, 1, 1, 30, 0)
        .earliest()
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(got[0], first_pass);
    assert_eq!(
        got[1],
        New_York
            .with_ymd_and_hms(2026, 11, 2, 1, 30, 0)
            .unwrap()
            .with_timezone(&Utc)
    );
    // Asked during the repeated hour, after the first 01:30, it does not run again that day.
    let during_repeat = New_York
        .with_ymd_and_hms(2026, 11, 1, 1, 10, 0)
        .latest()
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        runs("30 1 * * *", "America/New_York", during_repeat, 1)[0],
        got[1]
    );
    // Paris too (03:00 → 02:00 on 25 October 2026).
    let paris = runs(
        "30 2 * * *",
        "Europe/Paris",
        Paris
            .with_ymd_and_hms(2026, 10, 24, 12, 0, 0)
            .unwrap()
            .with_timezone(&Utc),
        2,
    );
    assert_eq!(paris[1] - paris[0], Duration::hours(25));
}

#[test]
fn an_hourly_schedule_runs_in_every_real_hour_of_the_fall_back() {
    // New York: 01:00–02:00 happens twice on 1 November 2026 (EDT, then EST). Each is a real
    // hour: the hourly schedule runs at 05:00 and 06:00 UTC, then 07:00 (02:00 EST).
    let ny = runs(
        "0 * * * *",
        "America/New_York",
        Utc.with_ymd_and_hms(2026, 11, 1, 3, 30, 0).unwrap(),
        5,
    );
    assert_eq!(ny, utc(2026, 11, 1, &[(4, 0), (5, 0), (6, 0), (7, 0), (8, 0)]));
    // Every 15 minutes keeps its rhythm through the repeated hour too.
    let quarter = runs(
        "*/15 * * * *",
        "America/New_York",
        Utc.with_ymd_and_hms(2026, 11, 1, 5, 50, 0).unwrap(),
        3,
    );
    assert_eq!(quarter, utc(2026, 11, 1, &[(6, 0), (6, 15), (6, 30)]));
    // Paris repeats 02:00–03:00 on 25 October 2026 (CEST, then CET): 00:00 and 01:00 UTC.
    let paris = runs(
        "0 * * * *",
        "Europe/Paris",
        Utc.with_ymd_and_hms(2026, 10, 24, 23, 30, 0).unwrap(),
        3,
    );
    assert_eq!(paris, utc(2026, 10, 25, &[(0, 0), (1, 0), (2, 0)]));
    // A daily time in the repeated hour still runs once.
    let daily = runs(
        "30 2 * * *",
        "Europe/Paris",
        Utc.with_ymd_and_hms(2026, 10, 24, 23, 30, 0).unwrap(),
        2,
    );
    assert_eq!(daily[0], Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
    assert_eq!(daily[1], Utc.with_ymd_and_hms(2026, 10, 26, 1, 30, 0).unwrap());
}

/// The run instants `plan()` fires for a source's schedule, each run's job finished before
/// the next is due, from `from` for `hours` of the manual clock.
async fn planned_runs(zone: &str, preset: Preset, from: DateTime<Utc>, hours: i64) -> Vec<DateTime<Utc>> {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    clock.set(from);
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    engine
        .set_schedule(
            source.id,
            &ScheduleSpec {
                preset,
                time_zone: Some(zone.into()),
            },
        )
        .await
        .unwrap();
    let pool = db(&engine).await;
    let mut runs = Vec::new();
    let end = from + Duration::hours(hours);
    while let Some(next) = engine
        .schedule(source.id)
        .await
        .unwrap()
        .and_then(|s| s.next_run_at)
    {
        let next = DateTime::from_timestamp_millis(next).unwrap();
        if next > end {
            break;
        }
        // Wake a minute late, as the planner's tick would.
        clock.set(next + Duration::seconds(5));
        let jobs = engine.plan().await.unwrap();
        assert_eq!(jobs.len(), 1, "one job at {next}");
        let reason: String = sqlx::query_scalar("SELECT reason FROM jobs WHERE id = ?")
            .bind(jobs[0])
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(reason, "schedule");
        // The job runs, so the next run finds no live job.
        engine.cancel_job(jobs[0]).await.unwrap();
        runs.push(next);
    }
    runs
}

#[tokio::test]
async fn the_planner_fires_hourly_runs_in_every_real_hour_across_both_changes() {
    // New York, fall back: 00:00–03:00 EDT/EST is four real hours, four runs.
    let ny_fall = planned_runs(
        "America/New_York",
        Preset::Hourly,
        Utc.with_ymd_and_hms(2026, 11, 1, 3, 30, 0).unwrap(),
        4,
    )
    .await;
    assert_eq!(ny_fall, utc(2026, 11, 1, &[(4, 0), (5, 0), (6, 0), (7, 0)]));
    // New York, spring forward: 02:00 EST does not exist; 01:00 EST then 03:00 EDT.
    let ny_spring = planned_runs(
        "America/New_York",
        Preset::Hourly,
        Utc.with_ymd_and_hms(2026, 3, 8, 5, 30, 0).unwrap(),
        3,
    )
    .await;
    assert_eq!(ny_spring, utc(2026, 3, 8, &[(6, 0), (7, 0), (8, 0)]));
    // Paris, fall back and spring forward.
    let paris_fall = planned_runs(
        "Europe/Paris",
        Preset::Hourly,
        Utc.with_ymd_and_hms(2026, 10, 24, 23, 30, 0).unwrap(),
        3,
    )
    .await;
    assert_eq!(paris_fall, utc(2026, 10, 25, &[(0, 0), (1, 0), (2, 0)]));
    let paris_spring = planned_runs(
        "Europe/Paris",
        Preset::Hourly,
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap(),
        2,
    )
    .await;
    assert_eq!(paris_spring, utc(2026, 3, 29, &[(1, 0), (2, 0)]));
}

#[tokio::test]
async fn the_planner_runs_a_daily_time_once_on_both_changes() {
    let daily = || Preset::DailyAt { hour: 1, minute: 30 };
    // New York 1 November: 01:30 occurs at 05:30 and 06:30 UTC; it runs at the first only.
    let fall = planned_runs(
        "America/New_York",
        daily(),
        Utc.with_ymd_and_hms(2026, 10, 31, 12, 0, 0).unwrap(),
        48,
    )
    .await;
    assert_eq!(
        fall,
        vec![
            Utc.with_ymd_and_hms(2026, 11, 1, 5, 30, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 2, 6, 30, 0).unwrap()
        ]
    );
    // Paris 29 March: 02:30 does not exist; 02:00 → 03:00 CEST, so it runs at 01:00 UTC.
    let spring = planned_runs(
        "Europe/Paris",
        Preset::DailyAt { hour: 2, minute: 30 },
        Utc.with_ymd_and_hms(2026, 3, 28, 12, 0, 0).unwrap(),
        40,
    )
    .await;
    assert_eq!(
        spring,
        vec![
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 30, 0, 30, 0).unwrap()
        ]
    );
}

#[test]
fn bad_schedules_are_refused_with_what_is_wrong() {
    for (cron, tz, needle) in [
        ("0 9 * *", "UTC", "4 fields"),
        ("0 0 9 * * *", "UTC", "6 fields"),
        ("61 * * * *", "UTC", "not a valid cron"),
        ("0 9 * * 1-5", "Mars/Olympus", "not a time zone"),
        ("0 0 30 2 *", "UTC", "never runs"),
    ] {
        let err = CronSchedule::parse(cron, tz, Utc::now()).unwrap_err().to_string();
        assert!(err.contains(needle), "{cron} {tz}: {err}");
    }
    for hours in [0, 25] {
        let err = Preset::EveryNHours { hours }.to_cron().unwrap_err().to_string();
        assert!(err.contains("1 to 24"), "{err}");
    }
}

#[tokio::test]
async fn invalid_input_saves_nothing() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let source = add_stripe(&engine, &sim).await;
    let good = ScheduleSpec {
        preset: Preset::DailyAt { hour: 7, minute: 30 },
        time_zone: Some("Europe/Paris".into()),
    };
    let saved = engine.set_schedule(source.id, &good).await.unwrap();
    for bad in [
        ScheduleSpec {
            preset: Preset::Custom {
                cron: "every morning".into(),
            },
            time_zone: None,
        },
        ScheduleSpec {
            preset: Preset::EveryNHours { hours: 0 },
            time_zone: None,
        },
        ScheduleSpec {
            preset: Preset::Hourly,
            time_zone: Some("Nowhere/Special".into()),
        },
    ] {
        let err = engine.set_schedule(source.id, &bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(engine.preview_schedule(&bad).is_err());
    }
    assert_eq!(
        engine.schedule(source.id).await.unwrap(),
        Some(saved),
        "the good schedule is untouched"
    );
}

#[tokio::test]
async fn a_laptop_closed_for_three_days_catches_up_once() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    let spec = ScheduleSpec {
        preset: Preset::Hourly,
        time_zone: Some("UTC".into()),
    };
    let schedule = engine.set_schedule(source.id, &spec).await.unwrap();
    assert_eq!(schedule.next_run_at, Some(clock.now_millis() + 3_600_000));
    assert!(engine.plan().await.unwrap().is_empty(), "nothing is due yet");

    // On time: one `schedule` run.
    clock.advance(Duration::hours(1));
    let jobs = engine.plan().await.unwrap();
    assert_eq!(jobs.len(), 1);
    let report = engine
        .sync_source(source.id, JobReason::Schedule, None)
        .await
        .unwrap();
    assert_eq!(report.job_id, jobs[0], "the sync ran the queued job");

    // Closed for three days: 72 runs missed, one catch-up.
    clock.advance(Duration::days(3));
    let jobs = engine.plan().await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert!(
        engine.plan().await.unwrap().is_empty(),
        "a second tick adds nothing"
    );
    let pool = db(&engine).await;
    let reason: String = sqlx::query_scalar("SELECT reason FROM jobs WHERE id = ?")
        .bind(jobs[0])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(reason, "catch_up");
    // …and the schedule continues from now, not from three days ago.
    let next = engine
        .schedule(source.id)
        .await
        .unwrap()
        .unwrap()
        .next_run_at
        .unwrap();
    assert!(
        next > clock.now_millis() && next <= clock.now_millis() + 3_600_000,
        "{next}"
    );
}

#[tokio::test]
async fn viewing_a_stale_client_refreshes_each_stale_source_once() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let stripe = add_stripe(&engine, &sim).await;
    let client = stripe.client_id;
    let github = engine
        .add_source(freshboard_engine::NewSource::with_secret(
            client,
            freshboard_engine::Provider::Github,
            GITHUB_TOKEN,
            Some(REPO),
            Some(&sim.url()),
        ))
        .await
        .unwrap();
    let other = engine.create_client("Nobody looks at me").await.unwrap();
    let _ = other;

    // Never synced: both sources are stale, one job each; viewing again adds none.
    assert_eq!(engine.client_seen(client).await.unwrap().len(), 2);
    assert!(engine.client_seen(client).await.unwrap().is_empty());
    for source in [&stripe, &github] {
        assert!(engine
            .sync_source(source.id, JobReason::Stale, None)
            .await
            .unwrap()
            .succeeded());
    }
    // Fresh: nothing to do.
    clock.advance(Duration::minutes(10));
    assert!(engine.client_seen(client).await.unwrap().is_empty());
    // Past the 15-minute window: stale again.
    clock.advance(Duration::minutes(6));
    assert_eq!(engine.client_seen(client).await.unwrap().len(), 2);
    // An inactive client with no schedule costs nothing, however long it sits.
    clock.advance(Duration::days(2));
    assert!(engine.plan().await.unwrap().is_empty());
    let pool = db(&engine).await;
    let active: i64 = sqlx::query_scalar("SELECT jobs_active FROM clients WHERE id = ?")
        .bind(client)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(active, 0, "no heartbeat for 5 minutes: inactive");
}

#[tokio::test]
async fn the_database_refuses_a_second_live_job_even_under_a_race() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let source = add_stripe(&engine, &sim).await;
    // Two engines on one database, as the app and the CLI would be, racing.
    let second = engine_at(dir.path(), manual_clock()).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let engine = if i % 2 == 0 {
            engine.clone()
        } else {
            second.clone()
        };
        let id = source.id;
        tasks.push(tokio::spawn(async move {
            engine.enqueue(id, JobReason::Manual).await.unwrap()
        }));
    }
    let mut enqueued = 0;
    for task in tasks {
        enqueued += task.await.unwrap().is_some() as usize;
    }
    assert_eq!(enqueued, 1);
    // Even SQL that skips the engine's code is refused.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", engine.database_path().display()))
        .await
        .unwrap();
    let err = sqlx::query("INSERT INTO jobs (source_id, reason, state, run_after, created_at) VALUES (?, 'manual', 'queued', 0, 0)")
        .bind(source.id)
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(err.as_database_error().unwrap().is_unique_violation(), "{err}");
}

#[tokio::test]
async fn staleness_and_inactivity_windows_are_settings() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    engine.set_staleness(source.id, 60).await.unwrap();
    engine.set_inactive_after_minutes(30).await.unwrap();
    for bad in [0, 24 * 60 + 1] {
        assert_eq!(
            engine.set_staleness(source.id, bad).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            engine.set_inactive_after_minutes(bad).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    assert_eq!(engine.inactive_after_minutes().await.unwrap(), 30);

    engine.client_seen(source.client_id).await.unwrap();
    assert!(engine
        .sync_source(source.id, JobReason::Stale, None)
        .await
        .unwrap()
        .succeeded());
    // 16 minutes is stale by default, not with a 60-minute window.
    clock.advance(Duration::minutes(16));
    assert!(engine.client_seen(source.client_id).await.unwrap().is_empty());
    clock.advance(Duration::minutes(45));
    assert_eq!(engine.client_seen(source.client_id).await.unwrap().len(), 1);

    // Active for 30 minutes after the last heartbeat, not 5.
    clock.advance(Duration::minutes(20));
    engine.plan().await.unwrap();
    let active = |pool: sqlx::SqlitePool| async move {
        sqlx::query_scalar::<_, i64>("SELECT jobs_active FROM clients")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(active(db(&engine).await).await, 1);
    clock.advance(Duration::minutes(11));
    engine.plan().await.unwrap();
    assert_eq!(active(db(&engine).await).await, 0);
}
