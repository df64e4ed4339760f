//! The sign-in flow against a second, independent OAuth server: the npm package
//! `oauth2-mock-server` (run by node; `scripts/setup` installs it with the UI's packages).
//! It checks PKCE too: the flow must send a verifier matching its challenge.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use freshboard_engine::auth::{self, Authorization, OAuthApp, SIGN_IN_TIMEOUT};
use reqwest::{StatusCode, Url};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_against_oauth2_mock_server() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/oauth/mock-server.mjs");
    let mut server = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs (scripts/setup installs it and the UI's packages)");
    let mut issuer = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut issuer)
        .unwrap();
    let issuer = issuer.trim().trim_end_matches('/').to_owned();
    assert!(
        issuer.starts_with("http://127.0.0.1:"),
        "the mock server did not start: {issuer:?}"
    );

    let app = OAuthApp {
        provider: "Mock".into(),
        client_id: "freshboard-test".into(),
        client_secret: None,
        auth_url: Url::parse(&format!("{issuer}/authorize")).unwrap(),
        token_url: Url::parse(&format!("{issuer}/token")).unwrap(),
        scopes: vec!["openid".into()],
        extra: vec![("access_type".into(), "offline".into())],
        port: 0,
    };
    let flow = Authorization::begin(app).await.unwrap();
    let url = flow.url.clone();
    let now = || chrono::Utc::now().timestamp_millis();
    let finish = tokio::spawn(async move {
        flow.finish(
            &auth::token_http_client(),
            now,
            SIGN_IN_TIMEOUT,
            std::future::pending(),
        )
        .await
    });

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = browser.get(url).send().await.unwrap();
    assert_eq!(consent.status(), StatusCode::FOUND);
    let back = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with("http://127.0.0.1:"), "{back}");
    assert_eq!(browser.get(&back).send().await.unwrap().status(), StatusCode::OK);

    let credential = finish.await.unwrap().expect("tokens from the mock server");
    assert!(!credential.access.is_empty());
    assert!(credential.expires_at.is_some());
    drop(server.stdin.take()); // the server stops when its stdin closes
    server.wait().unwrap();
}
