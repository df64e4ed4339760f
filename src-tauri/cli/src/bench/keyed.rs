//! `bench sync` for Stripe and GitHub: N records, then 1% of them changed and synced again.
//!
//! Plain, the simulator answers at once and without limits and the engine does not pace:
//! the figures are the engine's own. With `--latency` the simulator answers as slowly as the
//! real APIs and enforces their documented limits, and the engine paces at them (a live
//! Stripe key: 100 requests a second, 25 per operation): the figures are what a person
//! meets, with the share of the rate budget the sync used.

use freshboard_engine::{NewSource, Provider, Result};
use serde_json::json;

use super::{measured, open_engine_paced, print_header, print_row, Measured};

/// The providers whose sources bring their own key.
#[derive(Clone, Copy)]
pub(super) enum Keyed {
    Stripe,
    Github,
}

pub(super) async fn sync(records: u64, bench_provider: Keyed, latency: bool) -> Result<()> {
    let mut config = provider_sim::Config::default();
    config.stripe.rate_limit_per_sec = 0;
    // GitHub's hourly quota would stop a large sync for an hour: not what is measured here.
    config.github.quota_per_hour = u32::MAX;
    if latency {
        config = config.with_documented_limits();
        config.latency = Some(provider_sim::LatencyConfig {
            stripe: Some(provider_sim::ProviderLatency::STRIPE),
            github: Some(provider_sim::ProviderLatency::GITHUB),
            ..Default::default()
        });
    }
    match bench_provider {
        Keyed::Stripe => {
            config.stripe.charges = records;
            config.stripe.customers = (records / 100).max(10);
        }
        Keyed::Github => {
            config.github.issues = records * 3 / 10;
            config.github.pulls = records * 2 / 10;
            config.github.commits = records * 4 / 10;
            config.github.stargazers = records / 10;
        }
    }
    let sim = provider_sim::start(config).await.expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = open_engine_paced(dir.path(), latency).await?;
    let client = engine.create_client("Bench").await?;
    let (provider, secret, repo) = match bench_provider {
        Keyed::Stripe => (Provider::Stripe, "rk_live_bench", None),
        Keyed::Github => (Provider::Github, "ghp_bench", Some("acme/website".to_owned())),
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
        "bench sync: {} provider, {records} records, latency={latency}, release={}",
        provider.label(),
        !cfg!(debug_assertions)
    );
    print_header();
    reset_stats(&sim.base_url()).await;
    let initial = measured(&engine, source.id).await?;
    print_row("initial", &initial);
    let initial_requests = route_requests(&sim.base_url()).await;

    let changed = change_one_percent(&sim.base_url(), bench_provider, records).await;
    let incremental = measured(&engine, source.id).await?;
    print_row(&format!("incr ({changed} chg)"), &incremental);
    if latency {
        print_budget(bench_provider, &initial, &initial_requests);
    }
    engine.close().await;
    super::print_database_size(&engine);
    sim.shutdown().await;
    Ok(())
}

/// Requests by route, as the simulator counted them since its stats were reset.
async fn route_requests(base: &str) -> serde_json::Map<String, serde_json::Value> {
    let truth: serde_json::Value = reqwest::get(format!("{base}/_sim/truth"))
        .await
        .expect("truth")
        .json()
        .await
        .expect("truth json");
    if truth["requests"]["rate_limited"].as_u64().unwrap_or(0) > 0 {
        println!("rate limited: {} requests", truth["requests"]["rate_limited"]);
    }
    truth["requests"]["by_route"]
        .as_object()
        .cloned()
        .unwrap_or_default()
}

async fn reset_stats(base: &str) {
    reqwest::Client::new()
        .post(format!("{base}/_sim/stats/reset"))
        .send()
        .await
        .expect("stats reset");
}

/// How much of the provider's rate budget the initial sync used: requests a second against
/// the key's limit and each list's against its operation's, and the records a second
/// against walking one page after another at the simulator's latency.
fn print_budget(provider: Keyed, initial: &Measured, by_route: &serde_json::Map<String, serde_json::Value>) {
    let secs = initial.secs.max(1e-9);
    let rate = |n: &serde_json::Value| n.as_u64().unwrap_or(0) as f64 / secs;
    let total: f64 = by_route.values().map(rate).sum();
    let (limits, latency) = match provider {
        Keyed::Stripe => (
            Some((100.0, f64::from(provider_sim::STRIPE_ENDPOINT_REQUESTS_PER_SEC))),
            provider_sim::ProviderLatency::STRIPE,
        ),
        Keyed::Github => (None, provider_sim::ProviderLatency::GITHUB),
    };
    let page_secs = (latency.base_ms as f64 + latency.per_object_us as f64 * 100.0 / 1000.0) / 1000.0;
    let sequential = 100.0 / page_secs;
    let records_per_sec = initial.report.records as f64 / secs;
    match limits {
        Some((key, endpoint)) => {
            println!(
                "requests/s: {total:.1} of the key's {key:.0} ({:.0}% of the rate budget)",
                100.0 * total / key
            );
            let mut busiest: Vec<(&String, f64)> = by_route.iter().map(|(r, n)| (r, rate(n))).collect();
            busiest.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (route, per_sec) in busiest.iter().take(3) {
                println!(
                    "  {route}: {per_sec:.1}/s of the operation's {endpoint:.0} ({:.0}%)",
                    100.0 * per_sec / endpoint
                );
            }
        }
        None => println!("requests/s: {total:.1} (GitHub: paced by its headers only)"),
    }
    println!(
        "records/s: {records_per_sec:.0}; one page after another at {:.0} ms a page: {sequential:.0} (computed); {:.1}x",
        page_secs * 1000.0,
        records_per_sec / sequential
    );
}

/// Refunds 1% of the charges (Stripe) or closes 1% of the issues (GitHub) through the
/// simulator's control API.
async fn change_one_percent(base: &str, provider: Keyed, records: u64) -> u64 {
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
        Keyed::Stripe => (0..records)
            .step_by(100)
            .map(provider_sim::stripe_charge_id)
            .collect(),
        Keyed::Github => http
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
            Keyed::Stripe => post(format!("/_sim/stripe/charges/{id}/refund"), json!({})).await,
            Keyed::Github => {
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
