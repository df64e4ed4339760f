//! Metrics against the simulator's ground truth, and rollups against a recomputation from
//! raw rows after random changes.

mod common;

use std::collections::BTreeMap;

use common::*;
use freshboard_engine::{Engine, MetricReport, Provider};
use serde_json::{json, Value};

/// The simulator and the engine agree on "now": 2026-11-23 08:00 UTC.
fn config() -> provider_sim::Config {
    let mut config = small_config();
    config.now = Some(1_795_420_800);
    config
}

const FROM: &str = "2025-11-24";
const TO: &str = "2026-11-23";

async fn report(engine: &Engine, client_id: i64, key: &str) -> MetricReport {
    engine.metric_report(client_id, key, FROM, TO).await.expect(key)
}

/// Totals per currency, as the truth's `{"usd": 123, …}`.
fn per_currency(report: &MetricReport) -> Value {
    let map: serde_json::Map<String, Value> = report
        .series
        .iter()
        .filter(|s| s.total.unwrap_or(0.0) != 0.0)
        .map(|s| (s.dim.clone(), json!(s.total.unwrap() as i64)))
        .collect();
    Value::Object(map)
}

fn total(report: &MetricReport) -> f64 {
    assert_eq!(report.series.len(), 1, "{}: one series", report.metric.key);
    report.series[0].total.unwrap_or(f64::NAN)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

async fn assert_stripe_metrics_equal_truth(engine: &Engine, sim: &Sim, client_id: i64) {
    let truth = sim.truth().await;
    let t = &truth["stripe"];
    let gross = report(engine, client_id, "stripe.gross_volume").await;
    assert_eq!(
        per_currency(&gross),
        t["charges"]["amount_by_currency"],
        "gross volume"
    );
    let refunds = report(engine, client_id, "stripe.refunds").await;
    assert_eq!(
        per_currency(&refunds),
        t["charges"]["refunded_by_currency"],
        "refunds"
    );
    let net = report(engine, client_id, "stripe.net_volume").await;
    for series in &net.series {
        let gross = t["charges"]["amount_by_currency"][&series.dim]
            .as_f64()
            .unwrap_or(0.0);
        let refunded = t["charges"]["refunded_by_currency"][&series.dim]
            .as_f64()
            .unwrap_or(0.0);
        assert_eq!(
            series.total,
            Some(gross - refunded),
            "net volume in {}",
            series.dim
        );
    }
    let succeeded = t["charges"]["succeeded"].as_f64().unwrap();
    let failed = t["charges"]["failed"].as_f64().unwrap();
    assert_eq!(
        total(&report(engine, client_id, "stripe.successful_charges").await),
        succeeded
    );
    assert_eq!(
        total(&report(engine, client_id, "stripe.failed_charges").await),
        failed
    );
    let rate = total(&report(engine, client_id, "stripe.charge_success_rate").await);
    assert!(
        close(rate, succeeded / (succeeded + failed)),
        "success rate {rate}"
    );
    assert_eq!(
        total(&report(engine, client_id, "stripe.new_customers").await),
        t["customers"]["count"].as_f64().unwrap()
    );
    let subs = &t["subscriptions"];
    let alive = ["active", "trialing", "past_due"]
        .iter()
        .map(|s| subs[*s].as_f64().unwrap())
        .sum::<f64>();
    assert_eq!(
        total(&report(engine, client_id, "stripe.active_subscriptions").await),
        alive
    );
    assert_eq!(
        total(&report(engine, client_id, "stripe.churned_subscriptions").await),
        subs["canceled"].as_f64().unwrap()
    );
    let mrr = report(engine, client_id, "stripe.mrr").await;
    let expected = subs["mrr_by_currency"].as_object().unwrap();
    assert!(!expected.is_empty());
    for (currency, amount) in expected {
        let series = mrr
            .series
            .iter()
            .find(|s| &s.dim == currency)
            .expect("MRR currency");
        let got = series.total.unwrap();
        // Held to a millionth of a cent per subscription.
        assert!(
            (got - amount.as_f64().unwrap()).abs() < 1e-3,
            "MRR {currency}: {got} vs {amount}"
        );
    }
}

async fn assert_github_metrics_equal_truth(engine: &Engine, sim: &Sim, client_id: i64) {
    let truth = sim.truth().await;
    let t = &truth["github"][REPO];
    let n = |v: &Value| v.as_f64().unwrap();
    let got = |key: &'static str| async move { total(&report(engine, client_id, key).await) };
    assert_eq!(got("github.stars_gained").await, n(&t["stargazers"]["count"]));
    assert_eq!(got("github.commits").await, n(&t["commits"]["count"]));
    assert_eq!(got("github.prs_opened").await, n(&t["pulls"]["count"]));
    assert_eq!(got("github.prs_merged").await, n(&t["pulls"]["merged"]));
    assert_eq!(got("github.issues_opened").await, n(&t["issues"]["count"]));
    assert_eq!(got("github.issues_closed").await, n(&t["issues"]["closed"]));
    assert_eq!(got("github.open_issues").await, n(&t["issues"]["open"]));
    assert_eq!(
        got("github.time_to_merge").await,
        n(&t["pulls"]["merge_seconds_median"])
    );
    // The breakdown is the top authors over the range, each with the truth's own count
    // (`commits_by_author`, counted from the simulator's commits, not from its API).
    let commits = report(engine, client_id, "github.commits").await;
    let daily = sim.get(&format!("/_sim/truth/daily?from={FROM}&to={TO}")).await;
    let by_author = daily["github"][REPO]["commits_by_author"]
        .as_object()
        .expect("commits_by_author");
    let mut want: Vec<(String, f64)> = by_author.iter().map(|(k, v)| (k.clone(), n(v))).collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    want.truncate(commits.breakdown.len());
    let got: Vec<(String, f64)> = commits
        .breakdown
        .iter()
        .map(|b| (b.dim.clone(), b.value))
        .collect();
    assert!(!got.is_empty(), "commits have a breakdown by author");
    assert_eq!(got, want, "the top authors and their commits");
}

#[tokio::test]
async fn stripe_metrics_equal_the_simulators_truth_after_full_and_incremental_syncs() {
    let sim = Sim::start(config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let client = engine.create_client("Acme").await.unwrap();
    let source = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    assert!(sync(&engine, &source).await.succeeded());
    assert_stripe_metrics_equal_truth(&engine, &sim, client.id).await;

    // Refunds, a failed charge, a cancellation, yearly and quarterly plans.
    let pool = db(&engine).await;
    let refundable = ids(
        &pool,
        "SELECT id FROM stripe_charges WHERE status = 'succeeded' AND amount_refunded = 0",
    )
    .await;
    sim.control(
        &format!("/_sim/stripe/charges/{}/refund", refundable[0]),
        json!({}),
    )
    .await;
    sim.control(
        &format!("/_sim/stripe/charges/{}/refund", refundable[5]),
        json!({"amount": 150}),
    )
    .await;
    sim.control("/_sim/stripe/charges", json!({"amount": 5000, "currency": "gbp"}))
        .await;
    sim.control(
        "/_sim/stripe/charges",
        json!({"amount": 700, "currency": "usd", "status": "failed"}),
    )
    .await;
    let subscriptions = sim.ids("stripe.subscriptions").await;
    let alive = ids(
        &pool,
        "SELECT id FROM stripe_subscriptions WHERE status = 'active'",
    )
    .await;
    sim.control(
        &format!("/_sim/stripe/subscriptions/{}/cancel", alive[0]),
        json!({}),
    )
    .await;
    let customers = sim.ids("stripe.customers").await;
    for (amount, interval, count) in [(12000, "year", 1), (30000, "month", 3), (500, "week", 2)] {
        sim.control(
            "/_sim/stripe/subscriptions",
            json!({"customer": customers[1], "unit_amount": amount, "currency": "eur",
                   "interval": interval, "interval_count": count}),
        )
        .await;
    }
    assert!(subscriptions.len() < sim.ids("stripe.subscriptions").await.len());
    assert!(sync(&engine, &source).await.succeeded());
    assert_stripe_metrics_equal_truth(&engine, &sim, client.id).await;
}

#[tokio::test]
async fn github_metrics_equal_the_simulators_truth_after_full_and_incremental_syncs() {
    let sim = Sim::start(config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), manual_clock()).await;
    let client = engine.create_client("Globex").await.unwrap();
    let source = add_source(&engine, &sim, client.id, Provider::Github).await;
    assert!(sync(&engine, &source).await.succeeded());
    assert_github_metrics_equal_truth(&engine, &sim, client.id).await;

    let repo = format!("/_sim/github/{REPO}");
    let pr = sim
        .control(
            &format!("{repo}/issues"),
            json!({"title": "Faster", "pull_request": true}),
        )
        .await;
    let issue = sim
        .control(&format!("{repo}/issues"), json!({"title": "Broken"}))
        .await;
    sim.control("/_sim/clock", json!({"advance": 5400})).await;
    sim.control(
        &format!("{repo}/issues/{}", pr["number"]),
        json!({"merged": true}),
    )
    .await;
    sim.control(
        &format!("{repo}/issues/{}", issue["number"]),
        json!({"state": "closed"}),
    )
    .await;
    sim.control(&format!("{repo}/commits"), json!({"message": "Fix"}))
        .await;
    sim.control(&format!("{repo}/stargazers"), json!({"login": "newfan"}))
        .await;
    assert!(sync(&engine, &source).await.succeeded());
    assert_github_metrics_equal_truth(&engine, &sim, client.id).await;
}

/// Every rollup row of the database, for comparing.
async fn rollups(engine: &Engine) -> BTreeMap<(i64, String, String, String), (f64, f64)> {
    let rows: Vec<(i64, String, String, String, f64, f64)> =
        sqlx::query_as("SELECT source_id, metric, day, dim, value, weight FROM metric_daily")
            .fetch_all(&db(engine).await)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(s, m, d, dim, v, w)| ((s, m, d, dim), (v, w)))
        .collect()
}

#[tokio::test]
async fn rollups_equal_a_recomputation_after_random_changes() {
    let sim = Sim::start(config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let client = engine.create_client("Acme").await.unwrap();
    let stripe = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    let github = add_source(&engine, &sim, client.id, Provider::Github).await;
    assert!(sync(&engine, &stripe).await.succeeded());
    assert!(sync(&engine, &github).await.succeeded());

    let mut rng = fastrand::Rng::with_seed(7);
    let repo = format!("/_sim/github/{REPO}");
    let currencies = ["usd", "eur", "gbp"];
    let customers = sim.ids("stripe.customers").await;
    for round in 0..4 {
        let pool = db(&engine).await;
        let charges = ids(
            &pool,
            "SELECT id FROM stripe_charges WHERE status = 'succeeded' AND amount < 1000000",
        )
        .await;
        let subs = ids(
            &pool,
            "SELECT id FROM stripe_subscriptions WHERE ended_at IS NULL",
        )
        .await;
        let open: Vec<i64> = sqlx::query_scalar("SELECT number FROM github_issues WHERE state = 'open'")
            .fetch_all(&pool)
            .await
            .unwrap();
        let open_prs: Vec<i64> =
            sqlx::query_scalar("SELECT number FROM github_pull_requests WHERE state = 'open'")
                .fetch_all(&pool)
                .await
                .unwrap();
        for _ in 0..12 {
            match rng.u8(..7) {
                0 => {
                    let currency = currencies[rng.usize(..3)];
                    let status = if rng.bool() { "succeeded" } else { "failed" };
                    sim.control(
                        "/_sim/stripe/charges",
                        json!({"amount": rng.i64(100..90_000), "currency": currency, "status": status}),
                    )
                    .await;
                }
                1 if !charges.is_empty() => {
                    let id = &charges[rng.usize(..charges.len())];
                    let body = if rng.bool() {
                        json!({})
                    } else {
                        json!({"amount": 50})
                    };
                    let _ = sim
                        .http
                        .post(format!("{}/_sim/stripe/charges/{id}/refund", sim.url()))
                        .json(&body)
                        .send()
                        .await;
                }
                2 if !subs.is_empty() => {
                    let id = &subs[rng.usize(..subs.len())];
                    let _ = sim
                        .http
                        .post(format!("{}/_sim/stripe/subscriptions/{id}/cancel", sim.url()))
                        .json(&json!({}))
                        .send()
                        .await;
                }
                3 => {
                    let interval = ["month", "year", "week"][rng.usize(..3)];
                    sim.control(
                        "/_sim/stripe/subscriptions",
                        json!({"customer": customers[rng.usize(..customers.len())],
                               "unit_amount": rng.i64(100..50_000), "currency": currencies[rng.usize(..3)],
                               "interval": interval, "interval_count": rng.u32(1..4)}),
                    )
                    .await;
                }
                4 if !open.is_empty() => {
                    let n = open[rng.usize(..open.len())];
                    sim.control(&format!("{repo}/issues/{n}"), json!({"state": "closed"}))
                        .await;
                }
                5 if !open_prs.is_empty() => {
                    let n = open_prs[rng.usize(..open_prs.len())];
                    sim.control(&format!("{repo}/issues/{n}"), json!({"merged": true}))
                        .await;
                }
                _ => {
                    sim.control(
                        &format!("{repo}/issues"),
                        json!({"title": format!("Round {round}"), "pull_request": rng.bool()}),
                    )
                    .await;
                    sim.control(&format!("{repo}/commits"), json!({"message": "change"}))
                        .await;
                    sim.control(
                        &format!("{repo}/stargazers"),
                        json!({"login": format!("fan-{round}-{}", rng.u32(..))}),
                    )
                    .await;
                }
            }
        }
        // Time passes on both sides, sometimes across midnight.
        let hours = rng.i64(1..30);
        sim.control("/_sim/clock", json!({"advance": hours * 3600})).await;
        clock.advance(chrono::Duration::hours(hours));
        assert!(sync(&engine, &stripe).await.succeeded());
        assert!(sync(&engine, &github).await.succeeded());

        let incremental = rollups(&engine).await;
        assert!(!incremental.is_empty());
        engine.rebuild_rollups(stripe.id).await.unwrap();
        engine.rebuild_rollups(github.id).await.unwrap();
        let recomputed = rollups(&engine).await;
        let missing: Vec<_> = recomputed
            .keys()
            .filter(|k| !incremental.contains_key(*k))
            .collect();
        let extra: Vec<_> = incremental
            .keys()
            .filter(|k| !recomputed.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "round {round}: missing {missing:?}, extra {extra:?}"
        );
        for (key, value) in &recomputed {
            assert_eq!(incremental.get(key), Some(value), "round {round}: {key:?}");
        }
    }
}
