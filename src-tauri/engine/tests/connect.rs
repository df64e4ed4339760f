//! Connecting GitHub through the browser sign-in against the simulator's OAuth server, and
//! what the connection does afterwards: sources on it sync, a token that expires mid-sync
//! is refreshed, a revoked grant asks for a reconnect that fixes every client sharing it.

mod common;

use std::sync::Arc;

use common::*;
use freshboard_engine::connections::{
    AccountProvider, AuthKind, ConnectionStatus, OAuthSettings, SignInMethod,
};
use freshboard_engine::{
    Engine, EngineOptions, ErrorKind, FreshnessState, JobReason, MemoryStore, NewSource, Provider,
};
use serde_json::json;

async fn engine_for(dir: &std::path::Path, sim: &Sim) -> Engine {
    let options = EngineOptions {
        secrets: Arc::new(MemoryStore::default()),
        clock: Arc::new(freshboard_engine::ManualClock::new(chrono::Utc::now())),
        http: fast_http(),
        pace_requests: false,
    };
    let engine = Engine::open_with(dir, options).await.unwrap();
    let settings = OAuthSettings {
        client_id: Some(provider_sim::OAUTH_CLIENT_ID.into()),
        auth_url: Some(format!("{}/login/oauth/authorize", sim.url())),
        token_url: Some(format!("{}/login/oauth/access_token", sim.url())),
        api_base_url: Some(sim.url()),
        ..OAuthSettings::default()
    };
    engine
        .set_oauth_settings(AccountProvider::Github, &settings)
        .await
        .unwrap();
    engine
}

/// A GitHub sign-in in the browser, played to its end.
async fn sign_in(
    engine: &Engine,
    reconnect: Option<i64>,
) -> freshboard_engine::Result<freshboard_engine::connections::Connection> {
    let pending = engine
        .begin_connect(AccountProvider::Github, reconnect, SignInMethod::Browser)
        .await
        .unwrap();
    let (outcome, ()) = tokio::join!(engine.finish_connect(pending.id), play_browser(&pending.url));
    outcome
}

async fn connect(engine: &Engine, reconnect: Option<i64>) -> freshboard_engine::connections::Connection {
    sign_in(engine, reconnect).await.expect("connected")
}

/// A browser sign-in that fails: its error.
async fn failed_sign_in(engine: &Engine) -> freshboard_engine::Error {
    sign_in(engine, None).await.expect_err("the sign-in fails")
}

#[tokio::test]
async fn a_github_sign_in_becomes_a_connection_whose_sources_sync() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_for(dir.path(), &sim).await;
    let connection = connect(&engine, None).await;
    assert_eq!(connection.provider, AccountProvider::Github);
    assert_eq!(connection.account_label, "octocat");
    assert_eq!(connection.auth_kind, AuthKind::Oauth);
    assert_eq!(connection.status, ConnectionStatus::Ok);
    assert!(connection.expires_at.is_some());
    assert!(connection.clients.is_empty());

    // Signing in to the same account again renews that connection; no duplicate appears.
    let again = connect(&engine, None).await;
    assert_eq!(again.id, connection.id);
    assert_eq!(engine.connections().await.unwrap().len(), 1);

    assert_eq!(repos(&engine, connection.id).await, vec![REPO.to_owned()]);

    // One grant, two clients.
    let acme = engine.create_client("Acme").await.unwrap();
    let globex = engine.create_client("Globex").await.unwrap();
    let a = engine
        .add_source(NewSource::on_connection(
            acme.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    let b = engine
        .add_source(NewSource::on_connection(
            globex.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    let err = engine
        .add_source(NewSource::on_connection(
            acme.id,
            Provider::Github,
            connection.id,
            "acme/nope",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.field(), Some("account"));
    let listed = engine.connections().await.unwrap();
    assert_eq!(listed[0].clients, vec!["Acme".to_owned(), "Globex".to_owned()]);

    for source in [&a, &b] {
        assert!(sync(&engine, source).await.succeeded());
    }
    let truth = sim.truth().await;
    let pool = db(&engine).await;
    let issues = scalar(
        &pool,
        &format!("SELECT COUNT(*) FROM github_issues WHERE source_id = {}", a.id),
    )
    .await;
    assert_eq!(
        issues as u64,
        truth["github"][REPO]["issues"]["count"].as_u64().unwrap()
    );

    // The tokens live in the keyring only.
    engine.close().await;
    let bytes = std::fs::read(dir.path().join("freshboard.db")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("gho_") && !text.contains("ghr_"),
        "no token in SQLite"
    );
}

#[tokio::test]
async fn a_token_refused_mid_sync_is_refreshed_once_per_stream_and_the_sync_completes() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_for(dir.path(), &sim).await;
    let connection = connect(&engine, None).await;
    let client = engine.create_client("Acme").await.unwrap();
    let source = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    let refreshes = |v: serde_json::Value| v["refreshes"].as_u64().unwrap();
    let before = refreshes(sim.get("/_sim/oauth").await);
    // GitHub refuses the token on the second page of commits (it expired there).
    sim.fault(
        json!({"route": format!("/repos/{REPO}/commits"), "kind": "unauthorized", "after": 1, "count": 1}),
    )
    .await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    assert_eq!(
        refreshes(sim.get("/_sim/oauth").await) - before,
        1,
        "one refresh for the one refusal"
    );
    let truth = sim.truth().await;
    let pool = db(&engine).await;
    let commits = scalar(&pool, "SELECT COUNT(*) FROM github_commits").await;
    assert_eq!(
        commits as u64,
        truth["github"][REPO]["commits"]["count"].as_u64().unwrap()
    );

    // Refused again right after the refresh: a stream refreshes at most once, then fails
    // (a provider that keeps refusing must not loop).
    sim.clear_faults().await;
    sim.fault(json!({"route": format!("/repos/{REPO}/issues"), "kind": "unauthorized", "count": 2}))
        .await;
    let before = refreshes(sim.get("/_sim/oauth").await);
    let report = sync(&engine, &source).await;
    let issues = report.streams.iter().find(|s| s.stream == "issues").unwrap();
    assert_eq!(
        issues.error_kind,
        Some(freshboard_engine::JobErrorKind::Unauthorized)
    );
    assert_eq!(
        refreshes(sim.get("/_sim/oauth").await) - before,
        1,
        "still one refresh"
    );
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_the_sync_uses_it() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(freshboard_engine::ManualClock::new(chrono::Utc::now()));
    let options = EngineOptions {
        secrets: Arc::new(MemoryStore::default()),
        clock: clock.clone(),
        http: fast_http(),
        pace_requests: false,
    };
    let engine = Engine::open_with(dir.path(), options).await.unwrap();
    let settings = OAuthSettings {
        client_id: Some(provider_sim::OAUTH_CLIENT_ID.into()),
        auth_url: Some(format!("{}/login/oauth/authorize", sim.url())),
        token_url: Some(format!("{}/login/oauth/access_token", sim.url())),
        api_base_url: Some(sim.url()),
        ..OAuthSettings::default()
    };
    engine
        .set_oauth_settings(AccountProvider::Github, &settings)
        .await
        .unwrap();
    sim.control("/_sim/oauth", json!({"access_ttl": 600})).await;
    let connection = connect(&engine, None).await;
    let client = engine.create_client("Acme").await.unwrap();
    let source = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    let refreshes = |v: serde_json::Value| v["refreshes"].as_u64().unwrap();
    let before = refreshes(sim.get("/_sim/oauth").await);
    assert!(sync(&engine, &source).await.succeeded());
    assert_eq!(
        refreshes(sim.get("/_sim/oauth").await),
        before,
        "ten minutes left: no refresh"
    );
    // Nine and a half minutes later less than a minute is left: the sync refreshes first.
    clock.advance(chrono::Duration::seconds(570));
    sim.control("/_sim/clock", json!({"advance": 570})).await;
    assert!(sync(&engine, &source).await.succeeded());
    assert_eq!(refreshes(sim.get("/_sim/oauth").await) - before, 1);
}

#[tokio::test]
async fn a_revoked_grant_needs_a_reconnect_which_fixes_every_client_sharing_it() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_for(dir.path(), &sim).await;
    let connection = connect(&engine, None).await;
    let acme = engine.create_client("Acme").await.unwrap();
    let globex = engine.create_client("Globex").await.unwrap();
    let a = engine
        .add_source(NewSource::on_connection(
            acme.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    let b = engine
        .add_source(NewSource::on_connection(
            globex.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    assert!(sync(&engine, &a).await.succeeded());
    let pool = db(&engine).await;
    let stored = scalar(&pool, "SELECT COUNT(*) FROM github_issues").await;

    // The person revokes the app in GitHub.
    sim.control("/_sim/oauth/revoke", json!({})).await;
    let err = engine.sync_source(a.id, JobReason::Manual, None).await;
    let report = err.as_ref().map(|r| r.succeeded());
    assert!(!matches!(report, Ok(true)), "the sync cannot succeed: {report:?}");
    let connection = engine.connections().await.unwrap().remove(0);
    assert_eq!(connection.status, ConnectionStatus::NeedsReauth);
    for client in [&acme, &globex] {
        let freshness = engine.client_freshness(client.id).await.unwrap();
        assert_eq!(
            freshness.state,
            Some(FreshnessState::NeedsReauth),
            "{}",
            client.name
        );
    }
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM github_issues").await,
        stored,
        "data kept"
    );
    // Its sources stop syncing: no job is queued for them until the reconnect.
    let refused = engine.enqueue(b.id, JobReason::Manual).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NeedsReauth, "{refused}");
    assert!(engine.client_seen(globex.id).await.unwrap().is_empty());

    // Reconnect the same connection: both clients sync again.
    let renewed = connect(&engine, Some(connection.id)).await;
    assert_eq!(
        (renewed.id, renewed.status),
        (connection.id, ConnectionStatus::Ok)
    );
    assert_eq!(engine.connections().await.unwrap().len(), 1);
    for source in [&a, &b] {
        assert!(sync(&engine, source).await.succeeded());
    }
}

#[tokio::test]
async fn cancelling_or_disconnecting_leaves_nothing_behind() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_for(dir.path(), &sim).await;
    let pending = engine
        .begin_connect(AccountProvider::Github, None, SignInMethod::Browser)
        .await
        .unwrap();
    assert!(engine.cancel_connect(pending.id));
    let err = engine.finish_connect(pending.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignInFailed, "{err}");
    assert!(engine.connections().await.unwrap().is_empty());

    // Removing a source leaves the OAuth connection (and its keyring entry) in place.
    let connection = connect(&engine, None).await;
    let client = engine.create_client("Initech").await.unwrap();
    let source = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    engine.remove_source(source.id).await.unwrap();
    assert_eq!(repos(&engine, connection.id).await, vec![REPO.to_owned()]);
    engine.disconnect(connection.id, false).await.unwrap();

    // Keep the data: the source stays, disabled, with its rows.
    let connection = connect(&engine, None).await;
    let client = engine.create_client("Acme").await.unwrap();
    let source = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    assert!(sync(&engine, &source).await.succeeded());
    engine.disconnect(connection.id, true).await.unwrap();
    let kept = engine.sources(Some(client.id)).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(!kept[0].enabled && kept[0].connection_id.is_none());
    let pool = db(&engine).await;
    assert!(scalar(&pool, "SELECT COUNT(*) FROM github_issues").await > 0);

    // Or not: the sources go with it.
    let connection = connect(&engine, None).await;
    let other = engine.create_client("Globex").await.unwrap();
    engine
        .add_source(NewSource::on_connection(
            other.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    engine.disconnect(connection.id, false).await.unwrap();
    assert!(engine.sources(Some(other.id)).await.unwrap().is_empty());
    assert!(engine.connections().await.unwrap().is_empty());

    // Stripe has no browser sign-in.
    let err = engine
        .begin_connect(AccountProvider::Stripe, None, SignInMethod::Browser)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn oauth_codes_and_tokens_stay_out_of_the_logs() {
    let logs = capture_logs();

    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_for(dir.path(), &sim).await;
    let connection = connect(&engine, None).await;
    let client = engine.create_client("Acme").await.unwrap();
    let source = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    sim.fault(json!({"route": format!("/repos/{REPO}/commits"), "kind": "unauthorized", "count": 1}))
        .await;
    assert!(sync(&engine, &source).await.succeeded());
    sim.control("/_sim/oauth/revoke", json!({})).await;
    let _ = engine.sync_source(source.id, JobReason::Manual, None).await;

    let logs = logs.0.lock().unwrap();
    let text = String::from_utf8_lossy(&logs);
    assert!(text.contains("access token refreshed"), "the refresh was logged");
    for secret in ["gho_", "ghr_", "code_"] {
        assert!(!text.contains(secret), "{secret}… appears in the logs");
    }
}

#[tokio::test]
async fn a_failing_token_endpoint_fails_the_step_cleanly_and_nothing_is_lost() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_for(dir.path(), &sim).await;

    // The code exchange meets a 503: the sign-in fails with words, nothing is stored.
    sim.fault(json!({"route": "/login/oauth/access_token", "kind": "server_error", "count": 1}))
        .await;
    let err = failed_sign_in(&engine).await;
    assert_eq!(err.kind(), ErrorKind::Offline, "{err}");
    assert!(err.to_string().contains("to get a token"), "{err}");
    assert!(engine.connections().await.unwrap().is_empty());

    // The token is obtained, then reading the signed-in account fails: the words name that
    // step, not the token (a peer's report: "could not reach GitHub to get a token").
    sim.fault(json!({"route": "/user", "kind": "server_error", "count": 1}))
        .await;
    let err = failed_sign_in(&engine).await.to_string();
    assert!(
        err.contains("to read the signed-in account") && !err.contains("token"),
        "{err}"
    );
    assert!(engine.connections().await.unwrap().is_empty());

    // A refresh meets a 503: the job fails as a retryable server error, the connection stays
    // usable, and the next attempt refreshes (tokens inside the one-minute margin are
    // refreshed when a job starts).
    sim.control("/_sim/oauth", json!({"access_ttl": 30})).await;
    let connection = connect(&engine, None).await;
    let client = engine.create_client("Acme").await.unwrap();
    let source = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::Github,
            connection.id,
            REPO,
        ))
        .await
        .unwrap();
    sim.fault(json!({"route": "/login/oauth/access_token", "kind": "server_error", "count": 1}))
        .await;
    assert!(engine
        .sync_source(source.id, JobReason::Manual, None)
        .await
        .is_err());
    let pool = db(&engine).await;
    let kind: String = sqlx::query_scalar("SELECT error_kind FROM jobs ORDER BY id DESC LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kind, "server");
    assert_eq!(
        engine.connections().await.unwrap()[0].status,
        ConnectionStatus::Ok
    );
    assert!(sync(&engine, &source).await.succeeded());
}
