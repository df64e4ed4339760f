//! The provider registry as the app sees it, and the bugs the move to one folder per provider
//! fixed: connections belong to the account provider that issued them, and the sources of one
//! grant share one budget whichever products they are.

mod common;

use std::collections::HashMap;

use common::*;
use freshboard_engine::connector::Access;
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{AccountProvider, AuthKind, EngineEvent, JobReason, NewSource, Provider};

#[tokio::test]
async fn the_provider_list_says_how_each_source_is_added() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let providers: HashMap<Provider, _> = engine.providers().into_iter().map(|p| (p.provider, p)).collect();
    assert_eq!(providers.len(), Provider::ALL.len());
    assert!(matches!(
        providers[&Provider::Stripe].access,
        Access::Secret {
            auth: AuthKind::ApiKey,
            connections: false,
            ..
        }
    ));
    assert!(matches!(
        providers[&Provider::Github].access,
        Access::Secret {
            auth: AuthKind::Token,
            connections: true,
            ..
        }
    ));
    for google in [Provider::Ga4, Provider::SearchConsole, Provider::GoogleAds] {
        let info = &providers[&google];
        assert_eq!(info.account_provider, AccountProvider::Google);
        assert_eq!(info.access, Access::Connection);
        assert!(info.scope.is_some(), "{google:?} names the scope its data needs");
    }
    assert_eq!(
        (
            providers[&Provider::Ga4].lookback_days,
            providers[&Provider::SearchConsole].lookback_days,
            providers[&Provider::GoogleAds].lookback_days
        ),
        (3, 4, 30)
    );
    assert_eq!(
        providers[&Provider::GoogleAds].app_token.as_deref(),
        Some("Google Ads developer token")
    );
}

#[tokio::test]
async fn a_key_makes_a_connection_of_the_provider_that_issued_it() {
    // The store used to write the *source* provider into `connections.provider`; it held only
    // because "stripe" and "github" are also account providers' names. Every provider whose
    // sources bring a key must file the connection under its account provider.
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let stripe = add_stripe(&engine, &sim).await;
    let github = add_github(&engine, &sim).await;
    let connections = engine.connections().await.unwrap();
    for source in [&stripe, &github] {
        let connection = connections
            .iter()
            .find(|c| Some(c.id) == source.connection_id)
            .expect("the key's connection is listed");
        assert_eq!(connection.provider, source.provider.account());
    }
    let pool = db(&engine).await;
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT provider, auth_kind FROM connections ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        vec![
            ("stripe".into(), "api_key".into()),
            ("github".into(), "token".into())
        ]
    );
    // A token's connection serves more repositories, like a sign-in does.
    let more = engine
        .add_source(NewSource::on_connection(
            github.client_id,
            Provider::Github,
            github.connection_id.unwrap(),
            REPO,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        more.field(),
        Some("account"),
        "the same repository twice is a duplicate: {more}"
    );
    // A key is not a Google sign-in: a Google product refuses it.
    let wrong = engine
        .add_source(NewSource::on_connection(
            github.client_id,
            Provider::Ga4,
            github.connection_id.unwrap(),
            "1",
        ))
        .await
        .unwrap_err();
    assert_eq!(wrong.field(), Some("connection"), "{wrong}");
}

#[tokio::test]
async fn sources_of_one_grant_share_its_worker_cap_whichever_products_they_are() {
    // Caps used to be per source provider: GA4, Search Console and Ads on one Google grant
    // would have run 3 × 2 jobs at once against one person's quota.
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();
    let mut sources = Vec::new();
    for (provider, account) in [
        (Provider::Ga4, "412345678"),
        (Provider::Ga4, "498765432"),
        (Provider::SearchConsole, "sc-domain:northwind.example"),
        (Provider::GoogleAds, "4445556666"),
    ] {
        let source = engine
            .add_source(NewSource {
                history_days: Some(10),
                ..NewSource::on_connection(client.id, provider, google.id, account)
            })
            .await
            .unwrap();
        engine
            .enqueue(source.id, JobReason::Manual)
            .await
            .unwrap()
            .unwrap();
        sources.push(source);
    }
    let mut events = engine.subscribe();
    let config = WorkerConfig {
        per_connection: 2,
        ..WorkerConfig::default()
    };
    let first = engine.run_due_jobs(&config).await.unwrap();
    let second = engine.run_due_jobs(&config).await.unwrap();
    assert_eq!(
        (first.len(), second.len()),
        (2, 2),
        "two at a time on the one grant"
    );
    assert!(first.iter().chain(&second).all(|o| o.state == "succeeded"));
    // And at no moment were more than two running.
    let (mut running, mut most) = (0, 0);
    while let Ok(event) = events.try_recv() {
        match event {
            EngineEvent::JobStarted { .. } => {
                running += 1;
                most = most.max(running);
            }
            EngineEvent::JobFinished { .. } => running -= 1,
            _ => {}
        }
    }
    assert_eq!(most, 2);
}
