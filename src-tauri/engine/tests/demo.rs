//! Demo mode: a first start creates the demo client on the simulator — Stripe, GitHub, GA4,
//! Search Console and Google Ads — and later starts only re-point it at the simulator's new
//! address (and renew the demo's Google grant there), never touching the person's settings.

mod common;

use common::*;
use freshboard_engine::demo::{DEMO_CLIENT, DEMO_REPO};
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{AccountProvider, Provider};

#[tokio::test]
async fn the_demo_is_created_once_and_follows_the_simulator() {
    let mut config = small_config();
    config.github.repos = vec![DEMO_REPO.to_owned()];
    let first_sim = Sim::start(config.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;

    let client = engine
        .start_demo(&first_sim.url())
        .await
        .unwrap()
        .expect("demo created");
    assert_eq!(engine.client(client).await.unwrap().name, DEMO_CLIENT);
    let sources = engine.sources(Some(client)).await.unwrap();
    let mut providers: Vec<Provider> = sources.iter().map(|s| s.provider).collect();
    providers.sort();
    assert_eq!(providers, Provider::ALL.to_vec());
    for source in &sources {
        assert!(
            engine.schedule(source.id).await.unwrap().is_some(),
            "the demo has schedules"
        );
    }
    let config_all = WorkerConfig {
        workers: 8,
        per_connection: 8,
        ..WorkerConfig::default()
    };
    let outcomes = engine.run_due_jobs(&config_all).await.unwrap();
    assert_eq!(
        outcomes.len(),
        sources.len(),
        "the first start syncs the demo at once"
    );
    assert!(outcomes.iter().all(|o| o.state == "succeeded"), "{outcomes:?}");
    // The person's own Google app settings stay untouched (no developer token, no address).
    let google = engine.oauth_settings(AccountProvider::Google).await.unwrap();
    assert!(!google.has_app_token && google.api_base_url.is_none() && google.client_id.is_none());
    let board = engine.find_dashboard(client, None).await.unwrap();
    let view = engine.get_dashboard(board.id).await.unwrap();
    for provider in [Provider::Ga4, Provider::SearchConsole, Provider::GoogleAds] {
        assert!(
            view.widgets
                .iter()
                .any(|w| w.metric.provider == provider && w.empty.is_none()),
            "the demo dashboard shows {provider:?} numbers"
        );
    }

    // Next start: a new simulator on a new port; nothing is created twice.
    first_sim.sim.shutdown().await;
    let second_sim = Sim::start(config).await;
    assert_eq!(engine.start_demo(&second_sim.url()).await.unwrap(), None);
    assert_eq!(engine.list_clients(true).await.unwrap().len(), 1);
    for source in &sources {
        let report = engine
            .sync_source(source.id, freshboard_engine::JobReason::Manual, None)
            .await
            .unwrap();
        assert!(
            report.succeeded(),
            "the demo syncs from the new address: {:?}",
            report.streams
        );
    }
}

/// The keyring of a machine where no Secret Service runs.
#[derive(Debug)]
struct NoKeyring;

impl freshboard_engine::SecretStore for NoKeyring {
    fn set(&self, _: &str, _: &str) -> Result<(), freshboard_engine::secrets::SecretError> {
        Err(no_service())
    }
    fn get(&self, _: &str) -> Result<Option<String>, freshboard_engine::secrets::SecretError> {
        Err(no_service())
    }
    fn delete(&self, _: &str) -> Result<(), freshboard_engine::secrets::SecretError> {
        Err(no_service())
    }
}

fn no_service() -> freshboard_engine::secrets::SecretError {
    freshboard_engine::secrets::SecretError::Unavailable(
        "org.freedesktop.secrets was not provided by any .service files".into(),
    )
}

#[tokio::test]
async fn without_a_keyring_the_demo_says_why_and_writes_nothing() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let options = freshboard_engine::EngineOptions {
        secrets: std::sync::Arc::new(NoKeyring),
        clock: manual_clock(),
        http: fast_http(),
        pace_requests: false,
    };
    let engine = freshboard_engine::Engine::open_with(dir.path(), options)
        .await
        .unwrap();
    let refused = engine.check_keyring().await.unwrap_err();
    assert_eq!(refused.kind(), freshboard_engine::ErrorKind::KeyringUnavailable);
    assert!(refused.to_string().contains("start or unlock it"), "{refused}");
    let demo = engine.start_demo(&sim.url()).await.unwrap_err();
    assert_eq!(demo.kind(), freshboard_engine::ErrorKind::KeyringUnavailable);
    assert!(
        engine.list_clients(true).await.unwrap().is_empty(),
        "no half-made demo client"
    );
    assert!(engine.connections().await.unwrap().is_empty());
}
