//! `bench health`: the cost of counting a job's end into health's buckets, the database
//! growth per 10,000 counted jobs, and the Health screen's reads for 50 clients × 6 sources
//! over 30 days of hourly syncs (the overview, 30 days by day, 14 days by hour).

use std::time::{Duration, Instant};

use freshboard_engine::health::{Granularity, HealthQuery, HealthScope};
use freshboard_engine::{Engine, NewSource, Provider, Result, Source};

use super::open_engine;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

pub(super) async fn health(clients: usize, days: i64) -> Result<()> {
    // Sources on the simulator: per client one Stripe account and five GitHub repositories
    // (six sources of five streams each). Nothing is synced; their health is counted below.
    let mut config = provider_sim::Config::default();
    config.stripe.rate_limit_per_sec = 0;
    config.github.quota_per_hour = u32::MAX;
    config.github.repos = (1..=5).map(|i| format!("acme/site-{i}")).collect();
    let sim = provider_sim::start(config.clone())
        .await
        .expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = open_engine(dir.path()).await?;
    let mut sources: Vec<Source> = Vec::new();
    for c in 0..clients {
        let client = engine.create_client(&format!("Client {c:02}")).await?;
        sources.push(
            engine
                .add_source(NewSource::with_secret(
                    client.id,
                    Provider::Stripe,
                    "rk_test_bench",
                    None,
                    Some(&sim.base_url()),
                ))
                .await?,
        );
        for repo in &config.github.repos {
            sources.push(
                engine
                    .add_source(NewSource::with_secret(
                        client.id,
                        Provider::Github,
                        "ghp_bench",
                        Some(repo),
                        Some(&sim.base_url()),
                    ))
                    .await?,
            );
        }
    }
    println!("{} clients × 6 sources = {} sources", clients, sources.len());

    // Every source syncs every hour for `days`: one job end each, counted as real ones are
    // (each stream's row and the job's, four granularities each, and the streak).
    let now = chrono::Utc::now().timestamp_millis();
    let start = now - days * DAY_MS;
    let file = engine.database_path().to_owned();
    let mut costs: Vec<Duration> = Vec::new();
    let mut size_at_10k = None;
    let base_size = db_size(&file).await;
    let mut jobs = 0u64;
    let mut rng = fastrand::Rng::with_seed(7);
    let mut at = start;
    while at < now {
        for source in &sources {
            let failed = rng.u8(0..50) == 0;
            let duration = 800 + rng.u64(0..1200);
            let took = engine
                .bench_count_job(
                    source,
                    at + rng.i64(0..HOUR_MS),
                    failed,
                    duration,
                    rng.u64(0..400),
                )
                .await?;
            costs.push(took);
            jobs += 1;
            if jobs == 10_000 {
                size_at_10k = Some(db_size(&file).await);
            }
        }
        at += HOUR_MS;
    }
    costs.sort();
    println!(
        "counting a job's end (5 streams, what each spent under the job, and the job: 11 counts of 4 \
         buckets, and the streak; in a real sync each count is one statement in the transaction that \
         ends the stream or the job): p50 {:.3} ms, p99 {:.3} ms, mean {:.3} ms over {jobs} jobs",
        ms(costs[costs.len() / 2]),
        ms(costs[costs.len() * 99 / 100]),
        costs.iter().map(|d| ms(*d)).sum::<f64>() / costs.len() as f64
    );
    if let Some(at_10k) = size_at_10k {
        println!(
            "database growth: {:.2} MB per 10,000 jobs (the first 10,000; {:.1} MB for all {jobs})",
            (at_10k - base_size) as f64 / 1e6,
            (db_size(&file).await - base_size) as f64 / 1e6
        );
    }

    // The planner's hourly pruning: hours older than 15 days go, as they would have.
    let pruned = engine.prune_health().await?;
    println!(
        "pruned {pruned} hour rows past their 15 days; database {:.1} MB",
        db_size(&file).await as f64 / 1e6
    );

    // The Health screen's reads.
    let overview = time(50, || async { engine.health_overview().await.map(drop) }).await?;
    print_latency(
        "overview (today, 7 days, every source with a 14-day sparkline)",
        &overview,
    );
    let all_30d = time(50, || {
        read(&engine, HealthScope::All, Granularity::Day, now - 30 * DAY_MS)
    })
    .await?;
    print_latency("everything, 30 days by day", &all_30d);
    let mut client_30d = Vec::new();
    let mut source_14d = Vec::new();
    for source in sources.iter().step_by(6).take(50) {
        client_30d.extend(
            time(4, || {
                read(
                    &engine,
                    HealthScope::Client {
                        client_id: source.client_id,
                    },
                    Granularity::Day,
                    now - 30 * DAY_MS,
                )
            })
            .await?,
        );
    }
    for source in sources.iter().take(100) {
        source_14d.extend(
            time(2, || {
                read(
                    &engine,
                    HealthScope::Source { source_id: source.id },
                    Granularity::Hour,
                    now - 14 * DAY_MS,
                )
            })
            .await?,
        );
    }
    print_latency("a client, 30 days by day", &client_30d);
    print_latency("a source, 14 days by hour", &source_14d);
    engine.close().await;
    sim.shutdown().await;
    Ok(())
}

async fn read(engine: &Engine, scope: HealthScope, granularity: Granularity, from: i64) -> Result<()> {
    engine
        .health(HealthQuery {
            scope,
            granularity,
            from,
            to: None,
        })
        .await
        .map(drop)
}

async fn time<F, Fut>(n: usize, f: F) -> Result<Vec<Duration>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        f().await?;
        out.push(started.elapsed());
    }
    Ok(out)
}

fn print_latency(what: &str, samples: &[Duration]) {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let pick = |p: usize| ms(sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]);
    println!(
        "read {what}: p50 {:.2} ms, p99 {:.2} ms ({} reads)",
        pick(50),
        pick(99),
        sorted.len()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The database file's size in bytes once its WAL is checkpointed into it.
async fn db_size(file: &std::path::Path) -> u64 {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", file.display()))
        .await
        .expect("the database opens");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .expect("checkpoint");
    pool.close().await;
    std::fs::metadata(file).map(|m| m.len()).unwrap_or(0)
}
