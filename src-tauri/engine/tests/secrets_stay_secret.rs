//! A key or token never appears in the SQLite file's bytes or in the logs, even when
//! syncs fail and errors are recorded.

mod common;

use common::*;
use serde_json::json;

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

/// Every secret the engine holds: each keyring entry's values (keys, access and refresh
/// tokens, client secrets, developer tokens).
fn held_secrets(secrets: &freshboard_engine::MemoryStore) -> Vec<String> {
    use freshboard_engine::SecretStore;
    let mut out = Vec::new();
    for name in secrets.names() {
        let raw = secrets.get(&name).unwrap().unwrap();
        match serde_json::from_str::<serde_json::Value>(&raw) {
            Ok(serde_json::Value::Object(fields)) => {
                out.extend(fields.values().filter_map(|v| v.as_str()).map(str::to_owned))
            }
            _ => out.push(raw),
        }
    }
    out.retain(|s| s.len() >= 8);
    out
}

#[tokio::test]
async fn a_provider_that_echoes_the_secret_in_an_error_or_a_redirect_leaks_it_nowhere() {
    let logs = capture_logs();
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = std::sync::Arc::new(freshboard_engine::MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let stripe = add_stripe(&engine, &sim).await;
    let github = add_github(&engine, &sim).await;
    let google = connect_google(&engine, &sim).await;
    let ga4 = engine
        .add_source(freshboard_engine::NewSource::on_connection(
            stripe.client_id,
            freshboard_engine::Provider::Ga4,
            google.id,
            "412345678",
        ))
        .await
        .unwrap();
    let ads = engine
        .add_source(freshboard_engine::NewSource::on_connection(
            stripe.client_id,
            freshboard_engine::Provider::GoogleAds,
            google.id,
            "4445556666",
        ))
        .await
        .unwrap();
    let held = held_secrets(&secrets);
    assert!(held.iter().any(|s| s == STRIPE_KEY) && held.iter().any(|s| s == GITHUB_TOKEN));
    assert!(
        held.len() >= 5,
        "keys, Google's tokens and client secret: {}",
        held.len()
    );

    let mut errors = Vec::new();
    for kind in ["echo_secret", "redirect_secret"] {
        for (source, route) in [
            (&stripe, "/v1/"),
            (&github, "/repos/"),
            (&ga4, "/v1beta/"),
            (&ads, "/v26/"),
        ] {
            sim.fault(json!({"route": route, "kind": kind})).await;
            let report = sync(&engine, source).await;
            // The answer really carried the secret: the engine had something to keep out.
            let fired = sim.get("/_sim/faults").await[0]["fired"].as_u64().unwrap();
            assert!(fired > 0, "{kind} on {route} fired");
            sim.clear_faults().await;
            let failed: Vec<String> = report.streams.iter().filter_map(|s| s.error.clone()).collect();
            assert!(!failed.is_empty(), "{kind} on {route} failed the sync");
            errors.extend(failed);
            for stream in engine.source_status(source.id).await.unwrap().streams {
                errors.extend(stream.last_error);
            }
        }
    }
    engine.close().await;

    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    for secret in &held {
        let shown = &secret[..4];
        for error in &errors {
            assert!(
                !error.contains(secret.as_str()),
                "a secret ({shown}…) is in an error: {error}"
            );
        }
        assert!(
            !logs.contains(secret.as_str()),
            "a secret ({shown}…) is in the logs"
        );
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !contains(&bytes, secret),
                    "a secret ({shown}…) is in {}",
                    path.display()
                );
            }
        }
    }
    assert!(
        errors.iter().any(|e| e.contains("[redacted]")),
        "the echoed secret was redacted: {errors:?}"
    );
}
