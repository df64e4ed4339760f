//! Crash safety: `kill -9` the CLI at a random moment of a large sync walked in slices; at the
//! kill the rows on disk are exactly those the stored slices have passed; changes arrive while it is down; run it
//! again, and it resumes at the cursor (fetching only the rest), ends equal to the simulator's
//! truth with no gap, and counts every row once. Uses the real OS keyring (run through
//! scripts/with-keyring).

use std::path::Path;
use std::process::{Command, Stdio};

const KEY: &str = "rk_live_CrashTestKey000000000001";

fn cli(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_freshboard-cli"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env("CRASH_TEST_KEY", KEY)
        .env_remove("FRESHBOARD_DATA_DIR");
    command
}

/// The charges a slice's walk has left: `[gte, lt)` newest first, after its position.
async fn slice_left(base: &str, slice: &serde_json::Value) -> Vec<String> {
    let range = &slice["slice"];
    let mut after = slice["starting_after"].as_str().map(str::to_owned);
    let mut ids = Vec::new();
    loop {
        let mut url = format!(
            "{base}/v1/charges?limit=100&created[gte]={}&created[lt]={}",
            range["gte"], range["lt"]
        );
        if let Some(after) = &after {
            url.push_str(&format!("&starting_after={after}"));
        }
        let page: serde_json::Value = reqwest::Client::new()
            .get(url)
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = page["data"].as_array().unwrap();
        ids.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        after = data.last().map(|c| c["id"].as_str().unwrap().to_owned());
        if !page["has_more"].as_bool().unwrap() || data.is_empty() {
            return ids;
        }
    }
}

fn ok(command: &mut Command) {
    let out = command.output().expect("run freshboard-cli");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_sync_then_resume_loses_nothing_and_counts_every_row_once() {
    let mut config = provider_sim::Config::default();
    config.stripe.charges = 60_000;
    config.stripe.rate_limit_per_sec = 0;
    let sim = provider_sim::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(cli(d).args(["client", "add", "Acme"]));
    ok(cli(d)
        .args([
            "source",
            "add",
            "stripe",
            "--client",
            "Acme",
            "--api-key-env",
            "CRASH_TEST_KEY",
            "--base-url",
        ])
        .arg(sim.base_url()));

    let mut sync = cli(d)
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", d.join("freshboard.db").display()))
        .await
        .unwrap();
    // Wait for the sync to be under way, by watching what it has committed, to a moment
    // that differs from run to run (printed, to replay one).
    let kill_at = 2_000
        + i64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos(),
        ) % 38_000;
    println!("killing at {kill_at} charges stored");
    loop {
        let charges: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_charges")
            .fetch_one(&db)
            .await
            .unwrap_or(0);
        if charges >= kill_at {
            break;
        }
        if let Some(status) = sync.try_wait().unwrap() {
            panic!("the sync ended ({status}) before it could be killed");
        }
        // Poll the committed rows, not the CPU: the killed process needs both cores.
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    sync.kill().unwrap(); // SIGKILL: no cleanup runs
    sync.wait().unwrap();
    let partial: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_charges")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(partial < 60_000, "the kill came too late to test anything");
    let left_running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'running'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(left_running, 1, "the killed job is still marked running");

    // On disk at the kill: the charges walk in slices of `created`, each newest first from
    // its own position, and the stored cursor holds every slice's. What the slices have left
    // (asked of the simulator the way the resume will) and what is stored are the charges,
    // each in exactly one of them.
    let cursor: String =
        sqlx::query_scalar("SELECT cursor FROM stream_state WHERE source_id = 1 AND stream = 'charges'")
            .fetch_one(&db)
            .await
            .unwrap();
    let cursor: serde_json::Value = serde_json::from_str(&cursor).unwrap();
    let slices = cursor["slices"].as_array().expect("killed mid-slices").clone();
    let mut left = Vec::new();
    for slice in &slices {
        left.extend(slice_left(&sim.base_url(), slice).await);
    }
    let mut at_kill: Vec<String> = sqlx::query_scalar("SELECT id FROM stripe_charges")
        .fetch_all(&db)
        .await
        .unwrap();
    at_kill.sort();
    let mut all: Vec<String> =
        reqwest::get(format!("{}/_sim/truth/ids?entity=stripe.charges", sim.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    all.sort();
    let mut covered: Vec<String> = at_kill.iter().chain(&left).cloned().collect();
    covered.sort();
    assert_eq!(
        covered, all,
        "rows and cursor were committed together: stored + left = all, once each"
    );

    // While it is down: new charges, and a refund of one it already stored.
    let control = reqwest::Client::new();
    for i in 0..25 {
        control
            .post(format!("{}/_sim/stripe/charges", sim.base_url()))
            .json(&serde_json::json!({"amount": 1000 + i, "currency": "usd"}))
            .send()
            .await
            .unwrap();
    }
    control
        .post(format!(
            "{}/_sim/stripe/charges/{}/refund",
            sim.base_url(),
            at_kill[at_kill.len() - 1]
        ))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    control
        .post(format!("{}/_sim/stats/reset", sim.base_url()))
        .send()
        .await
        .unwrap();

    ok(cli(d).arg("sync"));

    // The resume fetched the rest of the charges from the cursor, not all of them again.
    let stats: serde_json::Value = reqwest::get(format!("{}/_sim/truth", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let charge_pages = stats["requests"]["by_route"]["/v1/charges"].as_u64().unwrap_or(0);
    // Each slice's last page may be short, and each split makes one more slice.
    let rest = (60_000 - at_kill.len() as u64).div_ceil(100);
    println!(
        "resumed: {charge_pages} charge pages for {rest} pages left in {} slices",
        slices.len()
    );
    assert!(
        charge_pages <= rest + slices.len() as u64 + 64,
        "{charge_pages} charge pages for {rest} pages left in {} slices",
        slices.len()
    );

    let mut stored: Vec<String> = sqlx::query_scalar("SELECT id FROM stripe_charges")
        .fetch_all(&db)
        .await
        .unwrap();
    stored.sort();
    let mut truth: Vec<String> =
        reqwest::get(format!("{}/_sim/truth/ids?entity=stripe.charges", sim.base_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    truth.sort();
    assert_eq!(stored.len(), truth.len(), "count after resume");
    assert_eq!(stored, truth, "ids after resume");
    let jobs: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT state, attempt, records FROM jobs ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(
        jobs.iter().map(|j| (j.0.as_str(), j.1)).collect::<Vec<_>>(),
        [("succeeded", 2)],
        "the interrupted job was resumed as its second attempt"
    );
    // Its records: each stored row once across the kill, plus the rows the change events
    // after the walk re-stored (the 25 new charges, each with its balance transaction, and
    // the refunded charge).
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM stripe_customers) + (SELECT COUNT(*) FROM stripe_charges) \
         + (SELECT COUNT(*) FROM stripe_invoices) + (SELECT COUNT(*) FROM stripe_subscriptions) \
         + (SELECT COUNT(*) FROM stripe_balance_transactions)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(
        jobs[0].2 >= rows,
        "every stored row counted: {} < {rows}",
        jobs[0].2
    );
    assert!(
        jobs[0].2 <= rows + 60,
        "not counted twice across the kill: {} for {rows} rows",
        jobs[0].2
    );

    // The rollups cover what the killed sync committed too: the metric equals the truth,
    // and no day is left marked for recomputation.
    let to = chrono::Utc::now().date_naive();
    let from = to - chrono::Days::new(400);
    let out = cli(d)
        .args([
            "metric",
            "--client",
            "Acme",
            "--metric",
            "stripe.successful_charges",
            "--json",
        ])
        .args(["--from", &from.to_string(), "--to", &to.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let truth: serde_json::Value = reqwest::get(format!("{}/_sim/truth", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        report["series"][0]["total"].as_f64(),
        truth["stripe"]["charges"]["succeeded"].as_f64(),
        "successful charges after resume"
    );
    let marked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rollup_dirty")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(marked, 0);
}
