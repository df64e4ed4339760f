//! Benchmarks against the bundled simulator, printing figures (never asserting them).
//!
//! `bench sync`: syncs N records into a fresh database, then changes some and syncs again,
//! printing throughput, requests and peak memory. Measures the engine, so the simulator runs
//! without rate limits and the engine without pacing (`--latency`: as the real APIs answer
//! and limit, with the share of the rate budget used); the simulator shares this process, so
//! its memory is in the figures too. Stripe and GitHub in `keyed.rs`; GA4, Search Console
//! and Google Ads (on a Google sign-in, with a check against the simulator's truth) in
//! `google.rs`.
//!
//! `bench dashboard`: a client with Stripe and GitHub sources and a 50-widget dashboard;
//! prints `get_dashboard` latency cold (first read after a sync: computed from rollups) and
//! warm (from the snapshot cache).
//!
//! `bench health`: the cost of counting job health, its growth, and the Health screen's reads.
//!
//! `bench plan`: a simulated agency day — Freshboard's jobs and requests against the naive
//! model's (every widget view fetches; everything re-read daily) — and the planner tick's CPU.

mod dashboard;
mod google;
mod health;
mod keyed;
mod meta;
mod plan;

use std::sync::Arc;
use std::time::Instant;

use clap::{Subcommand, ValueEnum};
use freshboard_engine::{Engine, EngineOptions, JobReason, MemoryStore, Result, SyncReport};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Initial and incremental sync from the simulator
    Sync {
        /// Stripe charges or GitHub items
        #[arg(long, default_value_t = 100_000)]
        records: u64,
        #[arg(long, value_enum, default_value_t = BenchProvider::Stripe)]
        provider: BenchProvider,
        /// Days of history (GA4, Search Console, Google Ads, Meta Ads)
        #[arg(long, default_value_t = 730)]
        days: u32,
        /// Rows a day: landing pages (GA4), queries (Search Console), campaigns (Google Ads, Meta Ads)
        #[arg(long, default_value_t = 500)]
        rows_per_day: u32,
        /// The simulator answers as slowly as the real APIs and enforces their documented
        /// limits, and the engine paces at them (a live Stripe key); not Meta Ads
        #[arg(long)]
        latency: bool,
    },
    /// The cost of counting job health, its database growth, and the Health screen's reads
    Health {
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Days of hourly syncs of every source
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
    /// A simulated agency day: jobs and requests against the naive model, at 50 and 500
    /// widgets a dashboard; then the planner tick's CPU time with many schedules
    Plan {
        #[arg(long, default_value_t = 40)]
        clients: usize,
        #[arg(long, default_value_t = 10_000)]
        schedules: usize,
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
    Ga4,
    // Named as the engine names the providers (`source add search_console`).
    #[value(name = "search_console", alias = "search-console")]
    SearchConsole,
    #[value(name = "google_ads", alias = "google-ads")]
    GoogleAds,
    #[value(name = "meta_ads", alias = "meta-ads")]
    MetaAds,
}

pub async fn run(command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Sync {
            records,
            provider,
            days,
            rows_per_day,
            latency,
        } => match provider {
            BenchProvider::Stripe => keyed::sync(records, keyed::Keyed::Stripe, latency).await,
            BenchProvider::Github => keyed::sync(records, keyed::Keyed::Github, latency).await,
            BenchProvider::Ga4 => google::sync(google::Product::Ga4, days, rows_per_day, latency).await,
            BenchProvider::SearchConsole => {
                google::sync(google::Product::SearchConsole, days, rows_per_day, latency).await
            }
            BenchProvider::GoogleAds => {
                google::sync(google::Product::GoogleAds, days, rows_per_day, latency).await
            }
            BenchProvider::MetaAds => {
                if latency {
                    println!("--latency is not used for Meta Ads: its run shares a manual clock with the simulator, so a report run's processing costs no wall time");
                }
                meta::sync(days, rows_per_day).await
            }
        },
        BenchCommand::Dashboard {
            stripe_charges,
            github_rows,
            widgets,
        } => dashboard::dashboard(stripe_charges, github_rows, widgets).await,
        BenchCommand::Health { clients, days } => health::health(clients, days).await,
        BenchCommand::Plan { clients, schedules } => plan::plan(clients, schedules).await,
    }
}

pub(super) async fn open_engine(dir: &std::path::Path) -> Result<Engine> {
    open_engine_paced(dir, false).await
}

/// An engine that paces requests at the providers' documented rates, or not at all (a
/// benchmark of the engine itself).
pub(super) async fn open_engine_paced(dir: &std::path::Path, pace: bool) -> Result<Engine> {
    let options = EngineOptions {
        secrets: Arc::new(MemoryStore::default()),
        pace_requests: pace,
        ..EngineOptions::default()
    };
    Engine::open_with(dir, options).await
}

pub(super) struct Measured {
    report: SyncReport,
    secs: f64,
    start_rss_mb: f64,
    peak_rss_mb: f64,
    /// At the end: the heap and other private memory, and the mapped files (the database's
    /// pages, which the OS can drop at any time).
    anon_rss_mb: f64,
    file_rss_mb: f64,
}

pub(super) async fn measured(engine: &Engine, source: i64) -> Result<Measured> {
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
        anon_rss_mb: rss_mb("RssAnon:"),
        file_rss_mb: rss_mb("RssFile:") + rss_mb("RssShmem:"),
    })
}

pub(super) fn print_header() {
    println!(
        "{:<16} {:>10} {:>8} {:>9} {:>8} {:>8} {:>8} {:>9} {:>11} {:>10} {:>9} {:>9} {:>9}",
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
        "RSS peak",
        "anon end",
        "file end"
    );
}

pub(super) fn print_row(phase: &str, m: &Measured) {
    println!(
        "{:<16} {:>10} {:>8} {:>9} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>11.0} {:>10.1} {:>9.1} {:>9.1} {:>9.1}",
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
        m.peak_rss_mb,
        m.anon_rss_mb,
        m.file_rss_mb
    );
}

/// Row for row: the number of rows when the stored ones equal the truth's, else what differs.
pub(super) fn same_rows<K: Ord, V: PartialEq>(
    stored: &std::collections::BTreeMap<K, V>,
    expected: &std::collections::BTreeMap<K, V>,
) -> std::result::Result<usize, String> {
    if stored == expected {
        return Ok(stored.len());
    }
    let missing = expected.keys().filter(|k| !stored.contains_key(*k)).count();
    let extra = stored.keys().filter(|k| !expected.contains_key(*k)).count();
    let differ = expected
        .iter()
        .filter(|(k, v)| stored.get(*k).is_some_and(|s| s != *v))
        .count();
    Err(format!(
        "{} stored, {} in truth: {missing} missing, {extra} extra, {differ} differ",
        stored.len(),
        expected.len()
    ))
}

/// The database file's size once closed (the WAL checkpointed into it).
pub(super) fn print_database_size(engine: &Engine) {
    let bytes = std::fs::metadata(engine.database_path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database: {:.1} MB", bytes as f64 / 1e6);
}

/// Linux: writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A memory figure of this process from /proc/self/status (VmRSS now, VmHWM peak, RssAnon
/// and RssFile now), in MB.
fn rss_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}
