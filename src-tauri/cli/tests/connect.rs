//! `connect github` through the real binary and the real keyring: the test plays the
//! browser against the simulator's OAuth server; then a source on the connection syncs,
//! and `disconnect --keep-data` keeps its data.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

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
async fn connect_github_in_the_browser_then_sync_a_repository_on_the_connection() {
    let sim = provider_sim::start(provider_sim::Config::default())
        .await
        .unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let mut connect = cli(d)
        .args(["connect", "github", "--client-id", provider_sim::OAUTH_CLIENT_ID])
        .args(["--auth-url", &format!("{base}/login/oauth/authorize")])
        .args(["--token-url", &format!("{base}/login/oauth/access_token")])
        .args(["--api-base-url", &base])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line on stdout is the address to open.
    let mut stdout = BufReader::new(connect.stdout.take().unwrap());
    let mut url = String::new();
    tokio::task::block_in_place(|| stdout.read_line(&mut url)).unwrap();
    let url = url.trim().to_owned();
    assert!(
        url.starts_with(&format!("{base}/login/oauth/authorize?")),
        "{url}"
    );

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = browser.get(&url).send().await.unwrap();
    let back = consent.headers()["location"].to_str().unwrap().to_owned();
    let page = browser.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("You can close this tab"), "{page}");

    let status = tokio::task::block_in_place(|| connect.wait()).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(status.success(), "connect failed: {rest}");
    assert!(
        rest.contains("connected GitHub — octocat as connection 1"),
        "{rest}"
    );

    let list: Value = serde_json::from_str(&ok(cli(d)
        .args(["connections", "list", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(list[0]["status"], "ok");
    assert_eq!(list[0]["authKind"], "oauth");
    assert_eq!(list[0]["accountLabel"], "octocat");

    ok(cli(d).args(["client", "add", "Acme"]).output().unwrap());
    ok(cli(d)
        .args([
            "source",
            "add",
            "github",
            "--client",
            "Acme",
            "--connection",
            "1",
            "--repo",
            "acme/website",
        ])
        .output()
        .unwrap());
    ok(cli(d).args(["sync", "--client", "Acme"]).output().unwrap());
    let list: Value = serde_json::from_str(&ok(cli(d)
        .args(["connections", "list", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(list[0]["clients"], serde_json::json!(["Acme"]));

    // Neither a token nor a refresh token is in the database.
    let bytes = std::fs::read(d.join("freshboard.db")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("gho_") && !text.contains("ghr_"));

    ok(cli(d).args(["disconnect", "1", "--keep-data"]).output().unwrap());
    let sources: Value =
        serde_json::from_str(&ok(cli(d).args(["source", "list", "--json"]).output().unwrap())).unwrap();
    assert_eq!(sources[0]["enabled"], false, "kept, no longer syncing");
    let bad = cli(d).args(["disconnect", "1"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
