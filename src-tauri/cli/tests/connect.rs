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

/// `connect github` against the simulator's OAuth server.
fn connect_github_on_sim(data_dir: &Path, base: &str, extra: &[&str]) -> Command {
    let mut command = cli(data_dir);
    command
        .args(["connect", "github", "--client-id", provider_sim::OAUTH_CLIENT_ID])
        .args(["--auth-url", &format!("{base}/login/oauth/authorize")])
        .args(["--token-url", &format!("{base}/login/oauth/access_token")])
        .args(["--api-base-url", base])
        .args(extra);
    command
}

/// Plays the person's browser: the consent page redirects back to the CLI's loopback
/// listener, whose answer (status and page) is returned.
async fn play_browser(url: &str) -> (reqwest::StatusCode, String) {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = browser.get(url).send().await.unwrap();
    let back = consent.headers()["location"].to_str().unwrap().to_owned();
    let answer = browser.get(&back).send().await.unwrap();
    (answer.status(), answer.text().await.unwrap())
}

/// Waits for `connect` to succeed and returns the rest of its output.
fn finish(mut connect: std::process::Child, mut stdout: impl std::io::Read) -> String {
    let status = tokio::task::block_in_place(|| connect.wait()).unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "connect failed: {rest}");
    rest
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

    let mut connect = connect_github_on_sim(d, &base, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line on stdout is the address to open.
    let mut stdout = BufReader::new(connect.stdout.take().unwrap());
    let url = read_line(&mut stdout);
    assert!(
        url.starts_with(&format!("{base}/login/oauth/authorize?")),
        "{url}"
    );

    let (_, page) = play_browser(&url).await;
    assert!(page.contains("You can close this tab"), "{page}");

    let rest = finish(connect, stdout);
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

fn read_line(reader: &mut impl BufRead) -> String {
    let mut line = String::new();
    tokio::task::block_in_place(|| reader.read_line(&mut line)).unwrap();
    line.trim().to_owned()
}

/// Runs `command` with `input` on stdin; secrets are read from there, never from arguments.
fn with_stdin(mut command: Command, input: &str) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_github_with_a_device_code_and_meta_with_a_pasted_token() {
    let sim = provider_sim::start(provider_sim::Config::default())
        .await
        .unwrap();
    let base = sim.base_url();
    let http = reqwest::Client::new();
    http.post(format!("{base}/_sim/oauth"))
        .json(&serde_json::json!({"device_interval": 0}))
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // Device flow: stdout says where to go and which code to type.
    let mut connect = connect_github_on_sim(d, &base, &["--device"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(connect.stdout.take().unwrap());
    let url = read_line(&mut stdout);
    let code = read_line(&mut stdout);
    assert_eq!(url, format!("{base}/login/device"));
    let typed = http
        .post(&url)
        .form(&[("user_code", code.as_str()), ("action", "authorize")])
        .send()
        .await
        .unwrap();
    assert!(typed.status().is_success(), "the simulator knows code {code}");
    let rest = finish(connect, stdout);
    assert!(rest.contains("connected GitHub — octocat"), "{rest}");

    // A refused Meta token: a field error, exit code 2, nothing saved.
    let mut meta = cli(d);
    meta.args(["connect", "meta", "--token-stdin", "--api-base-url", &base]);
    let refused = with_stdin(meta, "EAABwrong\n");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("did not accept this token"), "{stderr}");
    assert!(
        !stderr.contains("EAABwrong"),
        "the token is never echoed: {stderr}"
    );

    let token: Value = http
        .post(format!("{base}/_sim/oauth/system_user_token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let mut meta = cli(d);
    meta.args(["connect", "meta", "--token-stdin", "--json"]);
    let connected: Value = serde_json::from_str(&ok(with_stdin(meta, &format!("{token}\n")))).unwrap();
    assert_eq!(connected["provider"], "meta");
    assert_eq!(connected["authKind"], "token");

    let list: Value = serde_json::from_str(&ok(cli(d)
        .args(["connections", "list", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    let providers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["github", "meta"]);
    let bytes = std::fs::read(d.join("freshboard.db")).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(&token));
    for id in [1, 2] {
        ok(cli(d).args(["disconnect", &id.to_string()]).output().unwrap());
    }

    // No keyring (no Secret Service on the session bus): a distinct error that says what to
    // do, and no connection without its token.
    let mut meta = cli(d);
    meta.args(["connect", "meta", "--token-stdin"]).env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", d.join("no-bus").display()),
    );
    let no_keyring = with_stdin(meta, &format!("{token}\n"));
    assert!(!no_keyring.status.success());
    let stderr = String::from_utf8_lossy(&no_keyring.stderr);
    assert!(stderr.contains("No keyring is available"), "{stderr}");
    let list = ok(cli(d).args(["connections", "list", "--json"]).output().unwrap());
    assert_eq!(
        serde_json::from_str::<Value>(&list).unwrap(),
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_google_with_its_client_secret_from_stdin() {
    let sim = provider_sim::start(provider_sim::Config::default())
        .await
        .unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let mut connect = cli(d)
        .args(["connect", "google", "--client-id", provider_sim::OAUTH_CLIENT_ID])
        .arg("--client-secret-stdin")
        .args(["--auth-url", &format!("{base}/o/oauth2/v2/auth")])
        .args(["--token-url", &format!("{base}/token")])
        .args(["--api-base-url", &base])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = connect.stdin.take().unwrap();
        writeln!(stdin, "{}", provider_sim::OAUTH_CLIENT_SECRET).unwrap();
    }
    let mut stdout = BufReader::new(connect.stdout.take().unwrap());
    let url = read_line(&mut stdout);
    assert!(
        url.contains("access_type=offline") && url.contains("prompt=consent"),
        "{url}"
    );

    assert_eq!(play_browser(&url).await.0, 200);
    let rest = finish(connect, stdout);
    assert!(
        rest.contains("connected Google — reports@sim-agency.example"),
        "{rest}"
    );

    // The secret went to the keyring: not in the database, and the next connect needs no stdin.
    let bytes = std::fs::read(d.join("freshboard.db")).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(provider_sim::OAUTH_CLIENT_SECRET));
    let list: Value = serde_json::from_str(&ok(cli(d)
        .args(["connections", "list", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(list[0]["provider"], "google");
    ok(cli(d).args(["disconnect", "1"]).output().unwrap());
}
