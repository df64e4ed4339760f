//! Crash safety: `kill -9` the CLI in the middle of a large sync, run it again, and the
//! result equals the simulator's truth with no duplicate and no gap. Uses the real OS
//! keyring (run through scripts/with-keyring).

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

fn ok(command: &mut Command) {
    let out = command.output().expect("run freshboard-cli");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_sync_then_resume_loses_and_doubles_nothing() {
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
    // Wait for the sync to be well under way, by watching what it has committed.
    loop {
        let charges: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_charges")
            .fetch_one(&db)
            .await
            .unwrap_or(0);
        if charges >= 10_000 {
            break;
        }
        if let Some(status) = sync.try_wait().unwrap() {
            panic!("the sync ended ({status}) before it could be killed");
        }
        tokio::task::yield_now().await;
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

    ok(cli(d).arg("sync"));

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
    let jobs: Vec<(String, i64)> = sqlx::query_as("SELECT state, attempt FROM jobs ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(
        jobs,
        [("succeeded".to_owned(), 2)],
        "the interrupted job was resumed as its second attempt"
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
