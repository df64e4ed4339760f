//! `source add|list|remove`, `sync` and `status` through the real binary, the real keyring
//! (run through scripts/with-keyring) and the simulator over loopback.

use std::path::Path;
use std::process::{Command, Output};

use freshboard_engine::secrets::{KeyringStore, SecretStore};
use serde_json::Value;

const KEY: &str = "rk_live_SourcesTestKey00000000001";

fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_freshboard-cli"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("GOOD_KEY", KEY)
        .env("BAD_KEY", "pk_live_publishable_not_secret")
        .env_remove("FRESHBOARD_DATA_DIR")
        .output()
        .expect("run freshboard-cli")
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(data_dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(&cli(data_dir, args))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_sync_status_and_remove_a_stripe_source() {
    let mut config = provider_sim::Config::default();
    config.stripe.rate_limit_per_sec = 0;
    let sim = provider_sim::start(config).await.unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    stdout_of(&cli(d, &["client", "add", "Acme"]));

    // A rejected key: exit 2, one line, nothing stored.
    let out = cli(
        d,
        &[
            "source",
            "add",
            "stripe",
            "--client",
            "Acme",
            "--api-key-env",
            "BAD_KEY",
            "--base-url",
            &base,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("rejected"), "{stderr}");
    assert_eq!(json(d, &["source", "list", "--json"]), Value::Array(vec![]));

    stdout_of(&cli(
        d,
        &[
            "source",
            "add",
            "stripe",
            "--client",
            "Acme",
            "--api-key-env",
            "GOOD_KEY",
            "--base-url",
            &base,
        ],
    ));
    let sources = json(d, &["source", "list", "--json"]);
    let id = sources[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(sources[0]["provider"], "stripe");
    assert!(sources[0]["ratePerSec"].is_null(), "the documented rate at first");

    // A person's rate for the source's connection: set, shown, refused out of range, undone.
    let set = stdout_of(&cli(d, &["source", "rate", &id, "--rate", "40"]));
    assert!(set.contains("40 requests a second, set by you"), "{set}");
    assert_eq!(json(d, &["source", "list", "--json"])[0]["ratePerSec"], 40);
    let listed = stdout_of(&cli(d, &["source", "list"]));
    assert!(listed.contains("40/s"), "{listed}");
    let out = cli(d, &["source", "rate", &id, "--rate", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("1 to 10000 requests a second"), "{said}");
    let back = stdout_of(&cli(d, &["source", "rate", &id, "--rate", "default"]));
    assert!(back.contains("Stripe's documented limit"), "{back}");
    assert!(json(d, &["source", "list", "--json"])[0]["ratePerSec"].is_null());

    let before = json(d, &["status", "--json"]);
    assert!(before[0]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["lastSyncedAt"].is_null()));

    let sync = stdout_of(&cli(d, &["sync", "--client", "Acme"]));
    assert!(sync.contains("records"), "{sync}");
    let truth: Value = reqwest::get(format!("{base}/_sim/truth"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status = json(d, &["status", "--json"]);
    let charges = status[0]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stream"] == "charges")
        .unwrap();
    assert_eq!(charges["records"], truth["stripe"]["charges"]["count"]);
    assert!(charges["lastSyncedAt"].is_i64());
    assert_eq!(charges["refreshStatus"], "idle");

    // The client's default dashboard, from the local copy: JSON for scripts, a table for people.
    let board = json(d, &["dashboard", "--client", "Acme", "--json"]);
    let widgets = board["widgets"].as_array().unwrap();
    assert!(!widgets.is_empty());
    assert!(
        widgets
            .iter()
            .all(|w| w["state"] == "fresh" && w["asOf"].is_i64()),
        "{board}"
    );
    let gross = widgets
        .iter()
        .find(|w| w["metric"]["key"] == "stripe.gross_volume")
        .unwrap();
    let report = json(
        d,
        &[
            "metric",
            "--client",
            "Acme",
            "--metric",
            "stripe.gross_volume",
            "--json",
            "--from",
            gross["from"].as_str().unwrap(),
            "--to",
            gross["to"].as_str().unwrap(),
        ],
    );
    assert_eq!(
        report["series"][0]["total"], gross["series"][0]["total"],
        "the same number both ways"
    );
    let table = stdout_of(&cli(d, &["dashboard", "--client", "Acme"]));
    assert!(
        table.contains("Gross volume") && table.contains("fresh"),
        "{table}"
    );
    for bad in [
        &[
            "metric",
            "--client",
            "Acme",
            "--metric",
            "stripe.nope",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
        ][..],
        &[
            "metric",
            "--client",
            "Acme",
            "--metric",
            "stripe.mrr",
            "--from",
            "2026-13-01",
            "--to",
            "2026-01-31",
        ],
        &["dashboard", "--client", "Acme", "--dashboard", "Nope"],
    ] {
        let out = cli(d, bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    }

    // A stream that fails makes `sync` exit 1 and say which provider, stream and page.
    let http = reqwest::Client::new();
    http.post(format!("{base}/_sim/faults"))
        .json(&serde_json::json!({"route": "/v1/charges", "kind": "missing_field"}))
        .send()
        .await
        .unwrap();
    let out = cli(d, &["sync", "--source", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Stripe charges, page"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Removing the source takes its keyring entry with it.
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", d.join("freshboard.db").display()))
        .await
        .unwrap();
    let keyring_ref: String = sqlx::query_scalar("SELECT keyring_ref FROM connections")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(
        KeyringStore.get(&keyring_ref).unwrap().is_some(),
        "the key is in the keyring"
    );
    stdout_of(&cli(d, &["source", "remove", &id]));
    assert_eq!(json(d, &["source", "list", "--json"]), Value::Array(vec![]));
    assert_eq!(
        KeyringStore.get(&keyring_ref).unwrap(),
        None,
        "the keyring entry is gone"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stripe_charges")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(rows, 0, "the source's data is gone");
}
