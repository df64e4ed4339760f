//! Benchmarks against the bundled simulator, printing figures (never asserting them).
//!
//! `bench sync`: syncs N records into a fresh database, then changes 1% of them and syncs
//! again, printing throughput, requests and peak memory. Measures the engine, so the
//! simulator runs without rate limits and the engine without pacing; the simulator shares
//! this process, so its memory is in the figures too.
//!
//! `bench dashboard`: a client with Stripe and GitHub sources and a 50-widget dashboard;
//! prints `get_dashboard` latency cold (first read after a sync: computed from rollups) and
//! warm (from the snapshot cache).

use std::sync::Arc;
use std::time::Instant;

use clap::{Subcommand, ValueEnum};
use freshboard_engine::metrics::{Comparison, Visual};
use freshboard_engine::{
    DateRange, Engine, EngineOptions, JobReason, MemoryStore, NewSource, NewWidget, Provider, Result,
    SyncReport,
};
use serde_json::json;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Initial and incremental sync from the simulator
    Sync {
        #[arg(long, default_value_t = 100_000)]
        records: u64,
        #[arg(long, value_enum, default_value_t = BenchProvider::Stripe)]
        provider: BenchProvider,
    },
    /// get_dashboard latency, cold and warm, over synced Stripe and GitHub data
    Dashboard {
        #[arg(long, default_value_t = 1_000_000)]
        stripe_charges: u64,
        #[arg(long, default_value_t = 200_000)]
        github_rows: u64,
        #[arg(long, default_value_t = 50)]
        widgets: usize,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BenchProvider {
    Stripe,
    Github,
}

pub async fn run(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Sync { records, provider } => sync(records, provider).await,
        BenchCommand::Dashboard {
            stripe_charges,
            github_rows,
            widgets,
        } => dashboard(stripe_charges, github_rows, widgets).await,
    }
}

async fn open_engine(dir: &std::path::Path) -> Result<Engine> {
    let options = EngineOptions {
        secrets: Arc::new(MemoryStore::default()),
        pace_requests: false,
        ..EngineOptions::default()
    };
    Engine::open_with(dir, options).await
}

async fn sync(records: u64, bench_provider: BenchProvider) -> Result<()> {
    let mut config = provider_sim::Config::default();
    config.stripe.rate_limit_per_sec = 0;
    config.github.quota_per_hour = u32::MAX;
    match bench_provider {
        BenchProvider::Stripe => {
            config.stripe.charges = records;
            config.stripe.customers = (records / 100).max(10);
        }
        BenchProvider::Github => {
            config.github.issues = records * 3 / 10;
            config.github.pulls = records * 2 / 10;
            config.github.commits = records * 4 / 10;
            config.github.stargazers = records / 10;
        }
    }
    let sim = provider_sim::start(config).await.expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = open_engine(dir.path()).await?;
    let client = engine.create_client("Bench").await?;
    let (provider, secret, repo) = match bench_provider {
        BenchProvider::Stripe => (Provider::Stripe, "rk_test_bench", None),
        BenchProvider::Github => (Provider::Github, "ghp_bench", Some("acme/website".to_owned())),
    };
    let source = engine
        .add_source(NewSource::with_secret(
            client.id,
            provider,
            secret,
            repo.as_deref(),
            Some(&sim.base_url()),
        ))
        .await?;

    println!(
        "bench sync: {} provider, {records} records, release={}",
        provider.label(),
        !cfg!(debug_assertions)
    );
    println!(
        "{:<16} {:>10} {:>8} {:>9} {:>8} {:>8} {:>8} {:>9} {:>11} {:>10} {:>9}",
        "phase",
        "records",
        "pages",
        "requests",
        "wall s",
        "fetch s",
        "store s",
        "rollup s",
        "records/s",
        "RSS start",
        "RSS peak"
    );
    let initial = measured(&engine, source.id).await?;
    print_row("initial", &initial);

    let changed = change_one_percent(&sim.base_url(), bench_provider, records).await;
    let incremental = measured(&engine, source.id).await?;
    print_row(&format!("incr ({changed} chg)"), &incremental);
    let db_bytes = std::fs::metadata(engine.database_path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database: {:.1} MB", db_bytes as f64 / 1e6);
    engine.close().await;
    sim.shutdown().await;
    Ok(())
}

async fn dashboard(stripe_charges: u64, github_rows: u64, widgets: usize) -> Result<()> {
    let mut config = provider_sim::Config::default();
    config.stripe.rate_limit_per_sec = 0;
    config.stripe.charges = stripe_charges;
    config.stripe.customers = (stripe_charges / 100).max(10);
    config.stripe.subscriptions = (stripe_charges / 200).max(40);
    config.stripe.history_days = 730;
    config.github.quota_per_hour = u32::MAX;
    config.github.issues = github_rows * 3 / 10;
    config.github.pulls = github_rows * 2 / 10;
    config.github.commits = github_rows * 4 / 10;
    config.github.stargazers = github_rows / 10;
    config.github.history_days = 730;
    let sim = provider_sim::start(config).await.expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = open_engine(dir.path()).await?;
    let client = engine.create_client("Bench").await?;
    for (provider, secret, repo) in [
        (Provider::Stripe, "rk_test_bench", None),
        (Provider::Github, "ghp_bench", Some("acme/website".to_owned())),
    ] {
        let source = engine
            .add_source(NewSource::with_secret(
                client.id,
                provider,
                secret,
                repo.as_deref(),
                Some(&sim.base_url()),
            ))
            .await?;
        let started = Instant::now();
        let report = engine.sync_source(source.id, JobReason::Manual, None).await?;
        println!(
            "synced {}: {} records in {:.1} s (rollups included)",
            provider.label(),
            report.records,
            started.elapsed().as_secs_f64()
        );
    }

    // 50 widgets: every metric about three times, each time with another range and visual.
    let board = engine.create_dashboard(client.id, "Bench").await?;
    let catalog = engine.metrics_catalog();
    let ranges = [
        DateRange::LastDays { days: 7 },
        DateRange::LastDays { days: 30 },
        DateRange::LastDays { days: 90 },
        DateRange::MonthToDate,
        DateRange::PreviousMonth,
        DateRange::LastDays { days: 365 },
    ];
    let visuals = [Visual::Number, Visual::Timeseries, Visual::Table];
    for i in 0..widgets {
        let round = i / catalog.len();
        let widget = NewWidget {
            metric: catalog[i % catalog.len()].key.clone(),
            range: ranges[(i + round) % ranges.len()].clone(),
            comparison: Comparison::PreviousPeriod,
            visual: visuals[(i + round) % visuals.len()],
            width: 1,
            height: 1,
        };
        engine.add_widget(board.id, widget).await?;
    }

    let mut cold = Vec::new();
    for _ in 0..200 {
        engine.forget_snapshots();
        let started = Instant::now();
        std::hint::black_box(engine.get_dashboard(board.id).await?);
        cold.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let mut warm = Vec::new();
    for _ in 0..2000 {
        let started = Instant::now();
        std::hint::black_box(engine.get_dashboard(board.id).await?);
        warm.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let rows: i64 = engine.rollup_rows().await?;
    println!(
        "bench dashboard: {widgets} widgets, {stripe_charges} Stripe charges, {github_rows} GitHub rows, \
         {rows} rollup rows, release={}",
        !cfg!(debug_assertions)
    );
    println!(
        "{:<28} {:>8} {:>8} {:>8} {:>8}",
        "get_dashboard", "reads", "p50 ms", "p99 ms", "max ms"
    );
    for (name, mut samples) in [
        ("cold (first read after sync)", cold),
        ("warm (snapshot cache)", warm),
    ] {
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        println!(
            "{:<28} {:>8} {:>8.3} {:>8.3} {:>8.3}",
            name,
            samples.len(),
            at(0.5),
            at(0.99),
            samples[samples.len() - 1]
        );
    }
    engine.close().await;
    sim.shutdown().await;
    Ok(())
}

struct Measured {
    report: SyncReport,
    secs: f64,
    start_rss_mb: f64,
    peak_rss_mb: f64,
}

async fn measured(engine: &Engine, source: i64) -> Result<Measured> {
    reset_peak_rss();
    let start_rss_mb = rss_mb("VmRSS:");
    let started = Instant::now();
    let report = engine.sync_source(source, JobReason::Manual, None).await?;
    let secs = started.elapsed().as_secs_f64();
    if !report.succeeded() {
        eprintln!(
            "warning: the sync had errors: {:?}",
            report
                .streams
                .iter()
                .filter_map(|s| s.error.as_ref())
                .collect::<Vec<_>>()
        );
    }
    Ok(Measured {
        report,
        secs,
        start_rss_mb,
        peak_rss_mb: rss_mb("VmHWM:"),
    })
}

fn print_row(phase: &str, m: &Measured) {
    println!(
        "{:<16} {:>10} {:>8} {:>9} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>11.0} {:>10.1} {:>9.1}",
        phase,
        m.report.records,
        m.report.pages,
        m.report.requests,
        m.secs,
        m.report.fetch_ms as f64 / 1000.0,
        m.report.store_ms as f64 / 1000.0,
        m.report.rollup_ms as f64 / 1000.0,
        m.report.records as f64 / m.secs.max(1e-9),
        m.start_rss_mb,
        m.peak_rss_mb
    );
}

/// Refunds 1% of the charges (Stripe) or closes 1% of the issues (GitHub) through the
/// simulator's control API.
async fn change_one_percent(base: &str, provider: BenchProvider, records: u64) -> u64 {
    let http = reqwest::Client::new();
    let post = |path: String, body: serde_json::Value| {
        let http = http.clone();
        let url = format!("{base}{path}");
        // A charge that failed or was already refunded cannot be refunded: skip it.
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .expect("control call")
                .status()
                .is_success()
        }
    };
    let ids: Vec<String> = match provider {
        BenchProvider::Stripe => (0..records)
            .step_by(100)
            .map(provider_sim::stripe_charge_id)
            .collect(),
        BenchProvider::Github => http
            .get(format!("{base}/_sim/truth/ids?entity=github.acme/website.issues"))
            .send()
            .await
            .expect("ids")
            .json::<Vec<serde_json::Value>>()
            .await
            .expect("ids json")
            .into_iter()
            .map(|v| v.to_string())
            .collect(),
    };
    let step = (ids.len() / (records as usize / 100).max(1)).max(1);
    let mut changed = 0;
    for id in ids.iter().step_by(step) {
        let ok = match provider {
            BenchProvider::Stripe => post(format!("/_sim/stripe/charges/{id}/refund"), json!({})).await,
            BenchProvider::Github => {
                post(
                    format!("/_sim/github/acme/website/issues/{id}"),
                    json!({"state": "closed"}),
                )
                .await
            }
        };
        changed += ok as u64;
    }
    changed
}

/// Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A memory figure of this process from /proc/self/status (VmRSS now, VmHWM peak), in MB.
fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
