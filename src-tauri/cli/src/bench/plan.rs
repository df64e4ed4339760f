//! `bench plan`: what planning saves. A simulated working day on the manual clock for an
//! agency of N clients × 4 sources (Stripe, GitHub, GA4, Google Ads, each synced daily at a
//! time of its own), each client with 5 dashboards of W widgets, and a person who looks at 8
//! clients for about 30 minutes each (a heartbeat a minute, as the client page sends, and the
//! next dashboard every 6 minutes). Freshboard's jobs and the simulator's request count for the
//! day are measured; the naive model — every widget view fetches its data, and everything is
//! re-read daily — is priced from the same sources: a widget view is one request (a lower
//! bound), a daily re-read costs what each source's first full sync cost. Run at 50 and 500
//! widgets per dashboard. Then the planner tick's CPU time per minute with 10,000 schedules.

use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use freshboard_engine::metrics::{Comparison, Visual};
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{
    DateRange, Engine, EngineOptions, JobReason, ManualClock, MemoryStore, NewSource, NewWidget, Preset,
    Provider, Result, ScheduleSpec, Source,
};
use serde_json::{json, Value};

/// Where the simulated day starts: a Monday, 00:00 UTC.
fn day_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
}

const DASHBOARDS: usize = 5;
/// Each source's history: what its first sync reads, and the naive model re-reads daily.
const HISTORY_DAYS: u32 = 90;
const VIEWED: usize = 8;
/// How often the person moves to the client's next dashboard while looking at it.
const DASHBOARD_EVERY_MIN: i64 = 6;

pub(super) async fn plan(clients: usize, schedules: usize) -> Result<()> {
    println!(
        "bench plan: {clients} clients × 4 sources (Stripe, GitHub, GA4, Google Ads; {HISTORY_DAYS} days of \
         history each, synced daily), {DASHBOARDS} dashboards per client, {} clients viewed ~30 min each, \
         release={}",
        VIEWED.min(clients),
        !cfg!(debug_assertions)
    );
    println!(
        "{:<28} {:>10} {:>14} {:>12} {:>14}",
        "model", "jobs/day", "requests/day", "of naive", "of naive reqs"
    );
    let mut freshboard_jobs = Vec::new();
    for widgets in [50, 500] {
        let day = simulate_day(clients, widgets).await?;
        let naive_jobs = day.sources + day.dashboard_opens * widgets as u64;
        let naive_requests = day.full_read_requests + day.dashboard_opens * widgets as u64;
        println!(
            "{:<28} {:>10} {:>14} {:>12} {:>14}",
            format!("naive, {widgets} widgets"),
            naive_jobs,
            naive_requests,
            "100%",
            "100%"
        );
        println!(
            "{:<28} {:>10} {:>14} {:>11.1}% {:>13.1}%",
            format!("freshboard, {widgets} widgets"),
            day.jobs,
            day.requests,
            100.0 * day.jobs as f64 / naive_jobs as f64,
            100.0 * day.requests as f64 / naive_requests as f64
        );
        println!(
            "freshboard vs naive ({widgets} widgets a dashboard): {:.1}% of the naive model's jobs, \
             {:.1}% of its requests ({} of {naive_requests}); Freshboard's jobs by trigger: {}; \
             {} dashboard opens read locally in {:.0} ms total",
            100.0 * day.jobs as f64 / naive_jobs as f64,
            100.0 * day.requests as f64 / naive_requests as f64,
            day.requests,
            day.by_reason,
            day.dashboard_opens,
            day.read_ms
        );
        freshboard_jobs.push((widgets, day.jobs));
    }
    let same = freshboard_jobs.windows(2).all(|w| w[0].1 == w[1].1);
    println!(
        "freshboard's jobs a day with {}: {} — {}",
        freshboard_jobs
            .iter()
            .map(|(w, _)| format!("{w} widgets"))
            .collect::<Vec<_>>()
            .join(" and "),
        freshboard_jobs
            .iter()
            .map(|(_, j)| j.to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        if same {
            "the same: widgets cost no jobs"
        } else {
            "DIFFERENT"
        }
    );
    planner_tick(schedules).await
}

/// What one simulated day cost.
struct Day {
    sources: u64,
    /// What every source's first full sync took: the naive model's daily re-read.
    full_read_requests: u64,
    dashboard_opens: u64,
    jobs: u64,
    by_reason: String,
    requests: u64,
    read_ms: f64,
}

/// An agency on the simulator: its clients, each with the four sources.
struct Agency {
    sim: provider_sim::Sim,
    engine: Engine,
    clock: std::sync::Arc<ManualClock>,
    _dir: tempfile::TempDir,
    clients: Vec<(i64, Vec<Source>)>,
}

async fn agency(clients: usize, history_days: u32) -> Result<Agency> {
    let start = day_start();
    let mut config = provider_sim::Config::default();
    config.now = Some(start.timestamp());
    config.stripe.rate_limit_per_sec = 0;
    config.stripe.charges = 2_000;
    config.stripe.customers = 200;
    config.stripe.subscriptions = 100;
    config.stripe.history_days = history_days;
    config.github.quota_per_hour = u32::MAX;
    config.github.issues = 300;
    config.github.pulls = 200;
    config.github.commits = 400;
    config.github.stargazers = 100;
    config.github.history_days = history_days;
    config.google.history_days = history_days;
    for property in &mut config.google.properties {
        property.landing_pages = 20;
        property.tokens_per_hour = u32::MAX;
        property.tokens_per_day = u32::MAX;
    }
    for customer in &mut config.google.customers {
        customer.campaigns = 10;
    }
    let sim = provider_sim::start(config).await.expect("simulator starts");
    let base = sim.base_url();
    // The simulator's clock moves with the engine's, a minute at a time.
    control(
        &base,
        "/_sim/clock",
        json!({"now": start.timestamp(), "freeze": true}),
    )
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = std::sync::Arc::new(ManualClock::new(start));
    let engine = Engine::open_with(
        dir.path(),
        EngineOptions {
            clock: clock.clone(),
            secrets: std::sync::Arc::new(MemoryStore::default()),
            pace_requests: false,
            ..EngineOptions::default()
        },
    )
    .await?;
    let google = super::google::connect(&engine, &base).await?;
    let mut all = Vec::new();
    for c in 0..clients {
        let client = engine.create_client(&format!("Client {c:03}")).await?;
        let mut sources = Vec::new();
        for (provider, secret, account) in [
            (Provider::Stripe, Some("rk_test_bench"), None),
            (Provider::Github, Some("ghp_bench"), Some("acme/website")),
            (Provider::Ga4, None, Some("412345678")),
            (Provider::GoogleAds, None, Some("4445556666")),
        ] {
            let new = match secret {
                Some(secret) => NewSource::with_secret(client.id, provider, secret, account, Some(&base)),
                None => NewSource::on_connection(client.id, provider, google.id, account.unwrap_or_default()),
            };
            sources.push(engine.add_source(new).await?);
        }
        all.push((client.id, sources));
    }
    Ok(Agency {
        sim,
        engine,
        clock,
        _dir: dir,
        clients: all,
    })
}

async fn simulate_day(clients: usize, widgets: usize) -> Result<Day> {
    let a = agency(clients, HISTORY_DAYS).await?;
    let (engine, base) = (&a.engine, a.sim.base_url());
    let utc = Some("UTC".to_owned());

    // Every source is synced once (its first, full sync: what the naive model re-reads each
    // day) and then daily, at 05:00–06:59, a minute of its own.
    let mut full_read_requests = 0;
    let mut sources = 0u64;
    for (i, source) in a.clients.iter().flat_map(|(_, s)| s).enumerate() {
        let report = engine.sync_source(source.id, JobReason::Manual, None).await?;
        full_read_requests += report.requests;
        sources += 1;
        let spec = ScheduleSpec {
            preset: Preset::DailyAt {
                hour: 5 + (i / 60 % 2) as u32,
                minute: (i % 60) as u32,
            },
            time_zone: utc.clone(),
        };
        engine.set_schedule(source.id, &spec).await?;
    }
    // Dashboards: every metric of the catalog in turn, with ranges and visuals varied.
    let catalog = engine.metrics_catalog();
    let ranges = [
        DateRange::LastDays { days: 7 },
        DateRange::LastDays { days: 30 },
        DateRange::MonthToDate,
        DateRange::PreviousMonth,
    ];
    let visuals = [Visual::Number, Visual::Timeseries, Visual::Table];
    let mut boards = Vec::new();
    for (client, _) in &a.clients {
        let mut mine = Vec::new();
        for d in 0..DASHBOARDS {
            let board = engine.create_dashboard(*client, &format!("Board {d}")).await?;
            for i in 0..widgets {
                engine
                    .add_widget(
                        board.id,
                        NewWidget {
                            metric: catalog[(i + d) % catalog.len()].key.clone(),
                            range: ranges[i % ranges.len()].clone(),
                            comparison: Comparison::PreviousPeriod,
                            visual: visuals[i % visuals.len()],
                            width: 1,
                            height: 1,
                        },
                    )
                    .await?;
            }
            mine.push(board.id);
        }
        boards.push(mine);
    }

    // The day: who is looked at when (seeded, so both widget counts see the same day).
    let mut rng = fastrand::Rng::with_seed(11);
    let step = a.clients.len() / VIEWED.min(a.clients.len()).max(1);
    let visits: Vec<(usize, i64, i64)> = (0..VIEWED.min(a.clients.len()))
        .map(|k| {
            let from = 9 * 60 + k as i64 * 60 + rng.i64(0..20);
            (k * step, from, from + rng.i64(25..36))
        })
        .collect();
    control(&base, "/_sim/stats/reset", json!({})).await;
    let jobs_before = job_ids(engine).await?;
    let config = WorkerConfig::default();
    let (mut opens, mut read_ms) = (0u64, 0.0);
    for minute in 1..=24 * 60 {
        a.clock.advance(Duration::minutes(1));
        control(&base, "/_sim/clock", json!({"advance": 60})).await;
        engine.plan().await?;
        for &(client, from, to) in &visits {
            if (from..to).contains(&minute) {
                let (id, _) = &a.clients[client];
                engine.client_seen(*id).await?;
                if (minute - from) % DASHBOARD_EVERY_MIN == 0 {
                    let board = boards[client][((minute - from) / DASHBOARD_EVERY_MIN) as usize % DASHBOARDS];
                    let started = Instant::now();
                    std::hint::black_box(engine.get_dashboard(board).await?);
                    read_ms += started.elapsed().as_secs_f64() * 1000.0;
                    opens += 1;
                }
            }
        }
        // Everything queued runs within the minute (the simulator answers at once).
        while !engine.run_due_jobs(&config).await?.is_empty() {}
    }
    let ran = new_jobs(engine, &jobs_before).await?;
    let truth = get(&base, "/_sim/truth").await;
    let requests = truth["requests"]["by_route"]
        .as_object()
        .map(|routes| {
            routes
                .iter()
                .filter(|(route, _)| !route.starts_with("/_sim"))
                .map(|(_, n)| n.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    let mut by_reason = std::collections::BTreeMap::<String, u64>::new();
    for reason in &ran {
        *by_reason.entry(reason.clone()).or_default() += 1;
    }
    let day = Day {
        sources,
        full_read_requests,
        dashboard_opens: opens,
        jobs: ran.len() as u64,
        by_reason: by_reason
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        requests,
        read_ms,
    };
    a.engine.close().await;
    a.sim.shutdown().await;
    Ok(day)
}

/// The planner's cost: `schedules` schedules of mixed presets in five zones, and an hour of
/// the app's ticks (one every 5 s) on the manual clock; the process's CPU time (every thread,
/// SQLite's included) spent in those ticks, per minute of the app's life.
async fn planner_tick(schedules: usize) -> Result<()> {
    let a = agency(schedules.div_ceil(4), 30).await?;
    let zones = [
        "UTC",
        "America/New_York",
        "Europe/Paris",
        "Asia/Tokyo",
        "Australia/Sydney",
    ];
    let mut rng = fastrand::Rng::with_seed(5);
    let mut n = 0;
    for source in a.clients.iter().flat_map(|(_, s)| s).take(schedules) {
        let (hour, minute) = (rng.u32(0..24), rng.u32(0..60));
        let preset = match rng.u8(0..20) {
            0..=4 => Preset::Hourly,
            5..=9 => Preset::EveryNHours { hours: 3 },
            10..=16 => Preset::DailyAt { hour, minute },
            _ => Preset::WeekdaysAt { hour, minute },
        };
        let spec = ScheduleSpec {
            preset,
            time_zone: Some(zones[rng.usize(0..zones.len())].to_owned()),
        };
        a.engine.set_schedule(source.id, &spec).await?;
        n += 1;
    }
    let tick = WorkerConfig::default().tick;
    let ticks = (3600.0 / tick.as_secs_f64()) as usize;
    let mut fired = 0;
    let mut costs = Vec::with_capacity(ticks);
    for _ in 0..ticks {
        a.clock.advance(Duration::from_std(tick).expect("a tick"));
        let before = cpu_ns();
        fired += a.engine.plan().await?.len();
        costs.push(cpu_ns().saturating_sub(before) as f64 / 1e6);
    }
    let total: f64 = costs.iter().sum();
    costs.sort_by(f64::total_cmp);
    let per_minute = total / 60.0;
    println!(
        "planner tick with {n} schedules: {per_minute:.1} ms CPU per minute ({} ticks a minute, \
         mean {:.2} ms, p99 {:.2} ms, max {:.2} ms; {fired} runs fired in the hour)",
        (60.0 / tick.as_secs_f64()) as u32,
        total / ticks as f64,
        costs[(costs.len() - 1) * 99 / 100],
        costs[costs.len() - 1]
    );
    a.engine.close().await;
    a.sim.shutdown().await;
    Ok(())
}

/// CPU time of this process so far (every thread, ended ones included: SQLite's work runs on
/// sqlx's threads, a keyring call on the blocking pool), in ns.
fn cpu_ns() -> u64 {
    // SAFETY: getrusage only writes the struct it is handed.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let ns = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1_000;
    ns(usage.ru_utime) + ns(usage.ru_stime)
}

async fn job_ids(engine: &Engine) -> Result<std::collections::HashSet<i64>> {
    Ok(jobs(engine).await?.into_iter().map(|(id, _)| id).collect())
}

/// The jobs created since `before` (the history keeps far more than a day of them), with
/// their triggers.
async fn new_jobs(engine: &Engine, before: &std::collections::HashSet<i64>) -> Result<Vec<String>> {
    Ok(jobs(engine)
        .await?
        .into_iter()
        .filter(|(id, _)| !before.contains(id))
        .map(|(_, reason)| reason)
        .collect())
}

async fn jobs(engine: &Engine) -> Result<Vec<(i64, String)>> {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", engine.database_path().display()))
        .await
        .map_err(freshboard_engine::Error::from)?;
    let rows = sqlx::query_as("SELECT id, reason FROM jobs")
        .fetch_all(&pool)
        .await
        .map_err(freshboard_engine::Error::from)?;
    pool.close().await;
    Ok(rows)
}

async fn control(base: &str, path: &str, body: Value) {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .unwrap_or_else(|e| panic!("simulator control {path}: {e}"));
}

async fn get(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}"))
        .await
        .expect("simulator")
        .json()
        .await
        .expect("JSON")
}
