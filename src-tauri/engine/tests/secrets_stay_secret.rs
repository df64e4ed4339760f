//! A key or token never appears in the SQLite file's bytes or in the logs, even when
//! syncs fail and errors are recorded.

mod common;

use common::*;
use serde_json::json;

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn secrets_stay_out_of_the_database_and_the_logs() {
    let logs = capture_logs();

    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let stripe = add_stripe(&engine, &sim).await;
    let github = add_github(&engine, &sim).await;
    assert!(sync(&engine, &stripe).await.succeeded());
    assert!(sync(&engine, &github).await.succeeded());
    // Failures are where secrets leak: error bodies, retries, recorded messages.
    sim.fault(json!({"route": "/", "kind": "unauthorized"})).await;
    sync(&engine, &stripe).await;
    sync(&engine, &github).await;
    sim.clear_faults().await;
    sim.fault(json!({"route": "/", "kind": "server_error", "count": 3}))
        .await;
    sync(&engine, &stripe).await;
    engine.close().await;

    let logs = logs.0.lock().unwrap().clone();
    assert!(
        !logs.is_empty(),
        "the engine logged nothing: the test would prove nothing"
    );
    for secret in [STRIPE_KEY, GITHUB_TOKEN] {
        assert!(!contains(&logs, secret), "a secret is in the logs");
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                assert!(!contains(&bytes, secret), "a secret is in {}", path.display());
            }
        }
    }
}
