//! Demo mode: a first start creates the demo client on the simulator; later starts only
//! re-point it at the simulator's new address.

mod common;

use common::*;
use freshboard_engine::demo::{DEMO_CLIENT, DEMO_REPO};
use freshboard_engine::schedule::WorkerConfig;

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
    assert_eq!(sources.len(), 2);
    for source in &sources {
        assert!(
            engine.schedule(source.id).await.unwrap().is_some(),
            "the demo has schedules"
        );
    }
    let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(outcomes.len(), 2, "the first start syncs the demo at once");
    assert!(outcomes.iter().all(|o| o.state == "succeeded"), "{outcomes:?}");

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
