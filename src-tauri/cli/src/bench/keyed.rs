//! `bench sync` for Stripe and GitHub: N records, then 1% of them changed and synced again.

use freshboard_engine::{NewSource, Provider, Result};
use serde_json::json;

use super::{measured, open_engine, print_header, print_row};

/// The providers whose sources bring their own key.
#[derive(Clone, Copy)]
pub(super) enum Keyed {
    Stripe,
    Github,
}

pub(super) async fn sync(records: u64, bench_provider: Keyed) -> Result<()> {
    let mut config = provider_sim::Config::default();
    config.stripe.rate_limit_per_sec = 0;
    config.github.quota_per_hour = u32::MAX;
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
    let engine = open_engine(dir.path()).await?;
    let client = engine.create_client("Bench").await?;
    let (provider, secret, repo) = match bench_provider {
        Keyed::Stripe => (Provider::Stripe, "rk_test_bench", None),
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
        "bench sync: {} provider, {records} records, release={}",
        provider.label(),
        !cfg!(debug_assertions)
    );
    print_header();
    let initial = measured(&engine, source.id).await?;
    print_row("initial", &initial);

    let changed = change_one_percent(&sim.base_url(), bench_provider, records).await;
    let incremental = measured(&engine, source.id).await?;
    print_row(&format!("incr ({changed} chg)"), &incremental);
    engine.close().await;
    super::print_database_size(&engine);
    sim.shutdown().await;
    Ok(())
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
