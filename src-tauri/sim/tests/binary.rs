//! The `provider-sim` binary: first stdout line announces the URL; it serves
//! until SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn prints_url_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_provider-sim"))
        .args([
            "--port",
            "0",
            "--seed",
            "7",
            "--stripe-charges",
            "1234",
            "--stripe-rate-limit=0",
            "--latency",
            "realistic",
            "--limits",
            "documented",
            "--ga4-concurrent-requests",
            "3",
        ])
        .args([
            "--github-repo",
            "octo/one",
            "--github-repo",
            "octo/two",
            "--github-issues",
            "5",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("provider-sim listening on ")
        .expect("announcement")
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let http = reqwest::Client::new();
    let truth: serde_json::Value = http
        .get(format!("{url}/_sim/truth"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(truth["stripe"]["charges"]["count"], 1234);
    assert_eq!(truth["github"]["octo/two"]["issues"]["count"], 5);
    assert!(
        truth["github"].get("acme/website").is_none(),
        "--github-repo replaces the default"
    );
    let latency: serde_json::Value = http
        .get(format!("{url}/_sim/latency"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(latency["stripe"]["base_ms"], 120, "--latency realistic");
    assert_eq!(latency["google"]["per_object_us"], 5);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success(), "clean exit on SIGTERM");
}

#[test]
fn rejects_unknown_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_provider-sim"))
        .arg("--bogus")
        .arg("1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
    for (flag, value) in [("--latency", "fast"), ("--limits", "strict")] {
        let out = Command::new(env!("CARGO_BIN_EXE_provider-sim"))
            .args([flag, value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag));
    }
}
