//! Google through the real binary and the real keyring: `connect google` (the client secret
//! and the Ads developer token from stdin, never argv), the accounts a grant can see, one
//! `source add <provider>` for GA4, Search Console and Google Ads, and a GA4 sync killed with
//! SIGKILL mid-way that resumes where it stopped and ends equal to the simulator's truth.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SECRET: &str = provider_sim::OAUTH_CLIENT_SECRET;
const DEVELOPER_TOKEN: &str = "sim-developer-token";

fn cli(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_freshboard-cli"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("FRESHBOARD_DATA_DIR")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    command
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `connect google` on the simulator: the secret, then the developer token, on stdin; the
/// test plays the browser at the address the command prints.
async fn connect_google(d: &Path, base: &str) {
    let mut connect = cli(d)
        .args(["connect", "google", "--client-id", provider_sim::OAUTH_CLIENT_ID])
        .args(["--client-secret-stdin", "--developer-token-stdin"])
        .args(["--auth-url", &format!("{base}/o/oauth2/v2/auth")])
        .args(["--token-url", &format!("{base}/token")])
        .args(["--api-base-url", base])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(connect.stdin.take().unwrap(), "{SECRET}\n{DEVELOPER_TOKEN}").unwrap();
    let mut stdout = BufReader::new(connect.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = browser.get(url.trim()).send().await.unwrap();
    let back = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(browser.get(&back).send().await.unwrap().status().is_success());
    let status = tokio::task::block_in_place(|| connect.wait()).unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "connect google: {rest}");
    assert!(
        rest.contains("connected Google — reports@sim-agency.example as connection 1"),
        "{rest}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_add_for_every_google_product_and_a_killed_ga4_sync_resumes_to_the_truth() {
    let mut config = provider_sim::Config::default();
    // 400 days × 400 landing pages: sixteen slices, so a kill lands mid-way.
    config.google.properties[0].landing_pages = 400;
    let sim = provider_sim::start(config).await.unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    connect_google(d, &base).await;
    let db_file = std::fs::read(d.join("freshboard.db")).unwrap_or_default();
    for secret in [SECRET, DEVELOPER_TOKEN] {
        assert!(
            !db_file.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "{secret} is in the keyring, not SQLite"
        );
    }

    let listed: Value = serde_json::from_str(&ok(cli(d)
        .args(["connections", "accounts", "1", "google_ads", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    let managed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "4445556666")
        .unwrap();
    assert_eq!(managed["parent"], "1112223333");

    ok(cli(d).args(["client", "add", "Northwind"]).output().unwrap());
    let add = |provider: &str, account: &str| {
        ok(cli(d)
            .args([
                "source",
                "add",
                provider,
                "--client",
                "Northwind",
                "--connection",
                "1",
                "--account",
                account,
            ])
            .args(["--history-days", "60"])
            .output()
            .unwrap())
    };
    assert!(add("search_console", "sc-domain:northwind.example").contains("added source 1"));
    assert!(add("google_ads", "444-555-6666").contains("added source 2"));
    // Bad input says what is wrong, and exits 2.
    let nope = cli(d)
        .args([
            "source",
            "add",
            "ga4",
            "--client",
            "Northwind",
            "--connection",
            "1",
            "--account",
            "UA-1234",
        ])
        .output()
        .unwrap();
    assert_eq!(nope.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nope.stderr).contains("is not a GA4 property id"));
    let no_connection = cli(d)
        .args([
            "source",
            "add",
            "ga4",
            "--client",
            "Northwind",
            "--account",
            "412345678",
        ])
        .output()
        .unwrap();
    assert_eq!(no_connection.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_connection.stderr).contains("Google connection"));
    ok(cli(d)
        .args([
            "source",
            "add",
            "ga4",
            "--client",
            "Northwind",
            "--connection",
            "1",
            "--account",
            "412345678",
        ])
        .args(["--history-days", "400"])
        .output()
        .unwrap());
    ok(cli(d).args(["sync", "--source", "1"]).output().unwrap());
    ok(cli(d).args(["sync", "--source", "2"]).output().unwrap());

    // GA4: kill the sync once a few slices are committed.
    let mut sync = cli(d)
        .args(["sync", "--source", "3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", d.join("freshboard.db").display()))
        .await
        .unwrap();
    let committed = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ga4_landing_pages_daily")
            .fetch_one(&db)
            .await
            .unwrap_or(0)
    };
    while committed().await < 30_000 {
        if let Some(status) = sync.try_wait().unwrap() {
            panic!("the sync ended ({status}) before it could be killed");
        }
        tokio::task::yield_now().await;
    }
    sync.kill().unwrap();
    sync.wait().unwrap();
    let at_kill = committed().await;
    assert!(at_kill < 160_000, "the kill came too late to test anything");
    // What was committed is exactly what the stored cursor says: the walk's days are in slices
    // read at once, and no row is stored in what any slice has left.
    let cursor: String = sqlx::query_scalar(
        "SELECT cursor FROM stream_state WHERE source_id = 3 AND stream = 'landing_pages'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    let cursor: Value = serde_json::from_str(&cursor).unwrap();
    let left: Vec<(String, String)> = cursor["slices"]
        .as_array()
        .expect("a walk in slices under way")
        .iter()
        .map(|s| {
            (
                s["next"].as_str().unwrap().to_owned(),
                s["until"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (next, until) in &left {
        let inside: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM ga4_landing_pages_daily WHERE date BETWEEN ? AND ?")
                .bind(next)
                .bind(until)
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(inside, 0, "no row in what the slice {next}..{until} has left");
    }

    let logged = |sim_base: &str| {
        let url = format!("{sim_base}/_sim/google/requests");
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Vec<Value>>()
                .await
                .unwrap()
        }
    };
    let before = logged(&base).await.len();
    ok(cli(d).args(["sync", "--source", "3"]).output().unwrap());
    let resumed: Vec<Value> = logged(&base).await.split_off(before);
    let landing: Vec<&Value> = resumed
        .iter()
        .filter(|r| r["body"]["dimensions"].to_string().contains("landingPage"))
        .collect();
    assert!(!landing.is_empty());
    for request in landing {
        let range = &request["body"]["dateRanges"][0];
        let (from, to) = (
            range["startDate"].as_str().unwrap(),
            range["endDate"].as_str().unwrap(),
        );
        assert!(
            left.iter()
                .any(|(next, until)| next.as_str() <= from && to <= until.as_str()),
            "the resume reads only what the slices had left: {from}..{to} is outside {left:?}"
        );
    }

    // Equal to the truth, row for row; the job counted each row once.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    let from = today - chrono::Days::new(399);
    let truth: Value = reqwest::get(format!(
        "{base}/_sim/google/truth?product=ga4&account=412345678&from={from}&to={today}"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let expected: BTreeMap<(String, String), i64> = truth["landingPages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["date"].as_str().unwrap().to_owned(),
                    r["landingPage"].as_str().unwrap().to_owned(),
                ),
                r["sessions"].as_i64().unwrap(),
            )
        })
        .collect();
    let stored: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT date, landing_page, sessions FROM ga4_landing_pages_daily WHERE source_id = 3",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let stored: BTreeMap<(String, String), i64> = stored.into_iter().map(|(d, p, s)| ((d, p), s)).collect();
    assert_eq!(stored.len(), expected.len());
    assert!(stored == expected, "rows after the resume equal the truth");
    let jobs: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT state, attempt, records FROM jobs WHERE source_id = 3 ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].0.as_str(), jobs[0].1),
        ("succeeded", 2),
        "resumed as its second attempt"
    );
    let all_rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM ga4_daily WHERE source_id = 3) + (SELECT COUNT(*) FROM ga4_channels_daily \
         WHERE source_id = 3) + (SELECT COUNT(*) FROM ga4_landing_pages_daily WHERE source_id = 3)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    // The streams finished before the kill re-read their lookback window (today and the
    // three days before) when the job resumed; every other row was counted exactly once.
    let window_start = (today - chrono::Days::new(3)).to_string();
    let reread: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM ga4_daily WHERE source_id = 3 AND date >= ?1) \
         + (SELECT COUNT(*) FROM ga4_channels_daily WHERE source_id = 3 AND date >= ?1)",
    )
    .bind(&window_start)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(
        jobs[0].2,
        all_rows + reread,
        "each stored row counted once across the kill"
    );

    // Health counted the killed job once, when its resume ended, and every row it stored —
    // before the kill and after — once: its totals equal the job history's.
    let health: Value = serde_json::from_str(&ok(cli(d)
        .args(["health", "--source", "3", "--since", "7d", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    let history: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT state, records, pages FROM jobs WHERE source_id = 3 AND state NOT IN ('queued', 'running')",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let totals = &health["totals"];
    assert_eq!(totals["runs"], history.len() as i64, "{totals}");
    assert_eq!(
        totals["succeeded"],
        history.iter().filter(|j| j.0 == "succeeded").count() as i64
    );
    assert_eq!(
        totals["records"],
        history.iter().map(|j| j.1).sum::<i64>(),
        "records counted once across the kill"
    );
    assert_eq!(totals["pages"], history.iter().map(|j| j.2).sum::<i64>());
    let table = ok(cli(d).args(["health", "--client", "Northwind"]).output().unwrap());
    assert!(
        table.contains("runs ") && table.contains("bucket (UTC)"),
        "{table}"
    );
    let bad = cli(d).args(["health", "--since", "7x"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "a bad span is bad input");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a span"));
    let alerts = ok(cli(d).args(["alerts", "--json"]).output().unwrap());
    assert_eq!(
        serde_json::from_str::<Value>(&alerts).unwrap(),
        serde_json::json!([]),
        "nothing alarming"
    );

    // The dashboard: every Google product's widgets, each saying whose days they are and
    // which recent days may still change.
    let board: Value = serde_json::from_str(&ok(cli(d)
        .args(["dashboard", "--client", "Northwind", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    let widgets = board["widgets"].as_array().unwrap();
    for (provider, zone) in [
        ("ga4", "America/New_York"),
        ("search_console", "America/Los_Angeles"),
        ("google_ads", "America/Chicago"),
    ] {
        let w = widgets
            .iter()
            .find(|w| w["metric"]["provider"] == provider)
            .unwrap();
        assert_eq!(w["timeZone"], zone, "{provider}");
        assert!(
            w["provisionalFrom"].is_string(),
            "{provider} has a provisional window"
        );
        assert!(w["empty"].is_null(), "{provider} shows numbers");
    }
}
