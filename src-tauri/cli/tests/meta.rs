//! Meta Ads through the real binary: `connect meta --token-stdin` (a system-user token, never
//! in argv), the ad accounts it reaches, `source add meta_ads`, and a backfill killed with
//! SIGKILL between report runs that resumes where it stopped and ends equal to the
//! simulator's truth, spend to the cent.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const SHOP: &str = "act_1010000000001";

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meta_backfill_killed_between_report_runs_resumes_to_the_truth() {
    let mut config = provider_sim::Config::default();
    // 400 days × 60 campaigns: five 90-day report runs, so a kill lands between them; runs
    // finish at their second poll.
    config.meta.async_polls = 1;
    for account in &mut config.meta.ad_accounts {
        account.campaigns = 60;
    }
    let sim = provider_sim::start(config).await.unwrap();
    let base = sim.base_url();
    let token: Value = reqwest::Client::new()
        .post(format!("{base}/_sim/oauth/system_user_token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let mut connect = cli(d)
        .args(["connect", "meta", "--token-stdin", "--api-base-url", &base])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(connect.stdin.take().unwrap(), "{token}").unwrap();
    let out = ok(tokio::task::block_in_place(|| connect.wait_with_output()).unwrap());
    assert!(out.contains("connected Meta"), "{out}");
    let db_file = std::fs::read(d.join("freshboard.db")).unwrap_or_default();
    assert!(
        !db_file.windows(token.len()).any(|w| w == token.as_bytes()),
        "the token is in the keyring, not SQLite"
    );

    let listed: Value = serde_json::from_str(&ok(cli(d)
        .args(["connections", "accounts", "1", "meta_ads", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    let shop = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == SHOP)
        .unwrap();
    assert_eq!(shop["timeZone"], "America/New_York");

    ok(cli(d).args(["client", "add", "Northwind"]).output().unwrap());
    let add = |account: &str| {
        cli(d)
            .args([
                "source",
                "add",
                "meta_ads",
                "--client",
                "Northwind",
                "--connection",
                "1",
            ])
            .args(["--account", account, "--history-days", "400"])
            .output()
            .unwrap()
    };
    let nope = add("act_12ab");
    assert_eq!(nope.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nope.stderr).contains("is not a Meta ad account id"));
    assert!(ok(add(SHOP)).contains("added source 1"));

    let mut sync = cli(d)
        .args(["sync", "--source", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", d.join("freshboard.db").display()))
        .await
        .unwrap();
    let committed = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM meta_ads_campaigns_daily")
            .fetch_one(&db)
            .await
            .unwrap_or(0)
    };
    // After the first run's 90 days are in, before the last's.
    while committed().await < 90 * 60 {
        if let Some(status) = sync.try_wait().unwrap() {
            panic!("the sync ended ({status}) before it could be killed");
        }
        tokio::task::yield_now().await;
    }
    sync.kill().unwrap();
    sync.wait().unwrap();
    let at_kill = committed().await;
    assert!(at_kill < 400 * 60, "the kill came too late to test anything");
    let cursor: String = sqlx::query_scalar("SELECT cursor FROM stream_state WHERE source_id = 1")
        .fetch_one(&db)
        .await
        .unwrap();
    let cursor: Value = serde_json::from_str(&cursor).unwrap();
    let next = cursor["next"].as_str().expect("a walk under way").to_owned();
    let beyond: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meta_ads_campaigns_daily WHERE date >= ?")
        .bind(&next)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(beyond, 0, "no row past the cursor");

    let logged = || async {
        reqwest::get(format!("{base}/_sim/meta/requests"))
            .await
            .unwrap()
            .json::<Vec<Value>>()
            .await
            .unwrap()
    };
    let before = logged().await.len();
    ok(cli(d).args(["sync", "--source", "1"]).output().unwrap());
    let resumed = logged().await.split_off(before);
    let first = resumed.iter().find(|r| r["since"].is_string()).unwrap();
    assert_eq!(first["since"], next.as_str(), "the resume starts at the cursor");

    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    let from = today - chrono::Days::new(399);
    let truth: Value = reqwest::get(format!(
        "{base}/_sim/meta/truth?account={SHOP}&since={from}&until={today}"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let expected: BTreeMap<(String, String), (String, i64)> = truth["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap().to_owned();
            (
                (text("date"), text("campaign_id")),
                (text("spend"), r["purchases"].as_i64().unwrap()),
            )
        })
        .collect();
    let stored: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT date, campaign_id, spend, purchases FROM meta_ads_campaigns_daily WHERE source_id = 1",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let stored: BTreeMap<(String, String), (String, i64)> =
        stored.into_iter().map(|(d, c, s, p)| ((d, c), (s, p))).collect();
    assert_eq!(stored.len(), expected.len());
    assert!(stored == expected, "rows after the resume equal the truth");
    let jobs: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT state, attempt, records FROM jobs WHERE source_id = 1 ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].0.as_str(), jobs[0].1),
        ("succeeded", 2),
        "resumed as its second attempt"
    );
    assert_eq!(jobs[0].2, expected.len() as i64, "every row counted once");
}
