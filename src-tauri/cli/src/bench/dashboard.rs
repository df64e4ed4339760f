//! `bench dashboard`: a client with Stripe and GitHub sources and a 50-widget dashboard;
//! `get_dashboard` latency cold (first read after a sync: computed from rollups) and warm
//! (from the snapshot cache).

use std::time::Instant;

use freshboard_engine::metrics::{Comparison, Visual};
use freshboard_engine::{DateRange, JobReason, NewSource, NewWidget, Provider, Result};

use super::open_engine;

pub(super) async fn dashboard(stripe_charges: u64, github_rows: u64, widgets: usize) -> Result<()> {
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
