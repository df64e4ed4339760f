//! What users rely on when things go wrong or change under them: a database written by every
//! earlier migration set, opened by this build; rollups a crash left half done; a key stored
//! and then refused by SQLite; the app and the CLI syncing the same source at once; and the
//! dashboard snapshot cache proven to hit, and dropped when another source of the client syncs.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use freshboard_engine::metrics::{Comparison, Visual};
use freshboard_engine::{DateRange, Error, ErrorKind, MemoryStore, NewSource, NewWidget, Provider};
use serde_json::json;

/// The migration files up to (and including) `last`, as an older Freshboard shipped them.
fn older_migrations(last: &str, into: &Path) {
    let all = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    for entry in std::fs::read_dir(all).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name.as_str() <= last {
            std::fs::copy(&path, into.join(&name)).unwrap();
        }
    }
}

#[tokio::test]
async fn a_database_from_the_previous_release_keeps_its_data_and_rolls_up_what_a_crash_left() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    // The last release: migrations 1–4, its data written by it.
    let old = tempfile::tempdir().unwrap();
    older_migrations("20261124000004_grant_renewal.sql", old.path());
    let file = dir.path().join(freshboard_engine::DATABASE_FILE);
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let script = format!(
        "INSERT INTO clients (id, name, name_key, created_at, updated_at) VALUES (1, 'Acme', 'acme', 0, 0);
         INSERT INTO connections (id, provider, account_label, auth_kind, keyring_ref, api_base_url, created_at, updated_at)
           VALUES (1, 'stripe', 'Acme Ltd', 'api_key', 'old-key', '{}', 0, 0);
         INSERT INTO sources (id, client_id, connection_id, provider, external_id, label, created_at, updated_at)
           VALUES (1, 1, 1, 'stripe', 'acct_1', 'Acme Ltd', 0, 0);
         INSERT INTO stripe_charges (source_id, id, created, amount, currency, status, raw, synced_at)
           VALUES (1, 'ch_a', 1795300000000, 1000, 'usd', 'succeeded', '{{}}', 0),
                  (1, 'ch_b', 1795300000000, 2500, 'usd', 'succeeded', '{{}}', 0);
         -- The old release crashed after writing a third charge, before rolling it up.
         INSERT INTO stripe_charges (source_id, id, created, amount, currency, status, raw, synced_at)
           VALUES (1, 'ch_c', 1795300000000, 500, 'usd', 'succeeded', '{{}}', 0);
         DELETE FROM metric_daily;
         INSERT INTO metric_daily (source_id, metric, day, dim, value, weight, updated_at)
           VALUES (1, 'stripe.gross_volume', '2026-11-21', 'usd', 3500, 0, 0);
         INSERT INTO app_settings (key, value) VALUES ('metrics.catalog_version', '1');",
        sim.url()
    );
    sqlx::raw_sql(&script).execute(&pool).await.unwrap();
    let marked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rollup_dirty")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(marked > 0, "the old release's triggers marked the crashed write");
    pool.close().await;
    use freshboard_engine::SecretStore;
    secrets
        .set("old-key", &json!({"a": STRIPE_KEY}).to_string())
        .unwrap();

    // This build opens it: the newer migrations run, the data stays, the crash's marks are
    // rolled up on open.
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let sources = engine.sources(None).await.unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].provider, Provider::Stripe);
    assert_eq!(sources[0].lookback_days, 0, "the provider's default window");
    let pool = db(&engine).await;
    assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM stripe_charges").await, 3);
    assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM rollup_dirty").await, 0);
    let gross: f64 = sqlx::query_scalar(
        "SELECT value FROM metric_daily WHERE metric = 'stripe.gross_volume' AND day = '2026-11-21'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(gross, 4000.0, "the crashed write counts");
    // The generated triggers replaced the old ones: a new write marks its day.
    assert!(
        sync(&engine, &sources[0]).await.succeeded(),
        "the old key still syncs"
    );
    assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM rollup_dirty").await, 0);
    let triggers: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ga4_daily'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(triggers.len(), 3, "the new tables got triggers too: {triggers:?}");

    // Before migrating, the old database was backed up as it was: its schema, its data.
    let backups = engine.backups().unwrap();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(backups[0].kind, freshboard_engine::BackupKind::BeforeMigration);
    let old = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", backups[0].path.display()))
        .await
        .unwrap();
    assert_eq!(scalar(&old, "SELECT COUNT(*) FROM stripe_charges").await, 3);
    assert_eq!(
        scalar(&old, "SELECT MAX(version) FROM _sqlx_migrations").await,
        20261124000004
    );
    // Opening it again migrates nothing, so backs up nothing more.
    engine.close().await;
    let engine = engine_with_secrets(dir.path(), secrets).await;
    assert_eq!(engine.backups().unwrap().len(), 1);
}

#[tokio::test]
async fn a_catalog_change_rebuilds_every_rollup_on_open() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    assert!(sync(&engine, &source).await.succeeded());
    let pool = db(&engine).await;
    let rollups = || async {
        sqlx::query_as::<_, (String, String, String, f64)>(
            "SELECT metric, day, dim, value FROM metric_daily ORDER BY 1, 2, 3",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let good = rollups().await;
    engine.close().await;
    // A rollup computed by an older definition, and the catalog version it was made with.
    let writer = sqlx::SqlitePool::connect(&format!("sqlite:{}", dir.path().join("freshboard.db").display()))
        .await
        .unwrap();
    sqlx::raw_sql(
        "UPDATE metric_daily SET value = value + 1; \
         UPDATE app_settings SET value = '0' WHERE key = 'metrics.catalog_version'",
    )
    .execute(&writer)
    .await
    .unwrap();
    writer.close().await;
    let _engine = engine_with_secrets(dir.path(), secrets).await;
    assert_eq!(rollups().await, good, "rebuilt from the rows");
}

#[tokio::test]
async fn a_key_refused_by_the_database_does_not_stay_in_the_keyring() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let source = add_stripe(&engine, &sim).await;
    assert_eq!(secrets.names().len(), 1);
    // The same account again: the key is checked and stored, then SQLite refuses the
    // duplicate — and the entry written for it goes.
    let err = engine
        .add_source(NewSource::with_secret(
            source.client_id,
            Provider::Stripe,
            STRIPE_KEY,
            None,
            Some(&sim.url()),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert_eq!(secrets.names().len(), 1, "{:?}", secrets.names());
}

#[tokio::test]
async fn the_app_and_the_cli_on_one_source_never_sync_it_twice_at_once() {
    let mut config = small_config();
    config.stripe.charges = 2_000;
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let app = engine_with_secrets(dir.path(), secrets.clone()).await;
    let cli = engine_with_secrets(dir.path(), secrets).await;
    let source = add_stripe(&app, &sim).await;
    // Slow pages, so the app is surely mid-sync when the CLI starts.
    sim.fault(json!({"route": "/v1/charges", "kind": "delay", "delay_ms": 40}))
        .await;
    let mut events = app.subscribe();
    let running = {
        let app = app.clone();
        let source = source.clone();
        tokio::spawn(async move { sync(&app, &source).await })
    };
    loop {
        if let freshboard_engine::EngineEvent::Progress(p) = events.recv().await.unwrap() {
            if p.stream == "charges" {
                break;
            }
        }
    }
    let err = cli
        .sync_source(source.id, freshboard_engine::JobReason::Manual, None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::SyncAlreadyRunning(id) if id == source.id),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::AlreadyRunning);
    assert!(err.to_string().contains("already syncing"), "{err}");
    // A start-up recovery in the CLI leaves the app's running job alone: its lock is held.
    assert_eq!(cli.recover_interrupted().await.unwrap(), 0);
    assert!(running.await.unwrap().succeeded());
    sim.clear_faults().await;
    let pool = db(&app).await;
    let jobs: Vec<(String, i64)> = sqlx::query_as("SELECT state, attempt FROM jobs")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(jobs, vec![("succeeded".to_owned(), 1)], "one job, run once");
    let stored = ids(&pool, "SELECT id FROM stripe_charges").await;
    let mut truth = sim.ids("stripe.charges").await;
    truth.sort();
    assert_eq!(stored, truth);
}

fn widget(metric: &str) -> NewWidget {
    NewWidget {
        metric: metric.into(),
        range: DateRange::LastDays { days: 30 },
        comparison: Comparison::PreviousPeriod,
        visual: Visual::Number,
        width: 1,
        height: 1,
    }
}

#[tokio::test]
async fn the_snapshot_cache_serves_repeated_reads_and_drops_a_client_when_any_of_its_sources_syncs() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let client = engine.create_client("Acme").await.unwrap();
    let stripe = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    let github = add_source(&engine, &sim, client.id, Provider::Github).await;
    let board = engine.create_dashboard(client.id, "Mixed").await.unwrap();
    engine
        .add_widget(board.id, widget("stripe.successful_charges"))
        .await
        .unwrap();
    engine
        .add_widget(board.id, widget("github.issues_closed"))
        .await
        .unwrap();
    assert!(sync(&engine, &stripe).await.succeeded());
    assert!(sync(&engine, &github).await.succeeded());
    let total = |view: &freshboard_engine::DashboardView, i: usize| view.widgets[i].series[0].total;
    let first = engine.get_dashboard(board.id).await.unwrap();
    assert!(total(&first, 0).unwrap() > 0.0);

    // Behind the engine's back, the rollups vanish: a read served from the snapshot does not
    // notice — that is the hit — while a read computed afresh would.
    let writer = sqlx::SqlitePool::connect(&format!("sqlite:{}", engine.database_path().display()))
        .await
        .unwrap();
    sqlx::query("DELETE FROM metric_daily WHERE metric = 'stripe.successful_charges'")
        .execute(&writer)
        .await
        .unwrap();
    assert_eq!(
        total(&engine.get_dashboard(board.id).await.unwrap(), 0),
        total(&first, 0),
        "served from the cache"
    );
    engine.forget_snapshots();
    assert_eq!(
        total(&engine.get_dashboard(board.id).await.unwrap(), 0),
        Some(0.0),
        "computed afresh"
    );
    engine.rebuild_rollups(stripe.id).await.unwrap();

    // GitHub changes and syncs: the client's snapshot is dropped, Stripe's numbers stay.
    let cached = engine.get_dashboard(board.id).await.unwrap();
    for title in ["One", "Two", "Three"] {
        let issue = sim
            .control(&format!("/_sim/github/{REPO}/issues"), json!({"title": title}))
            .await;
        let number = issue["number"].as_i64().unwrap();
        sim.control(
            &format!("/_sim/github/{REPO}/issues/{number}"),
            json!({"state": "closed"}),
        )
        .await;
    }
    assert!(sync(&engine, &github).await.succeeded());
    let after = engine.get_dashboard(board.id).await.unwrap();
    assert_eq!(total(&after, 0), total(&cached, 0));
    let closed_before = total(&cached, 1).unwrap();
    let closed_after = total(&after, 1).unwrap();
    assert_eq!(closed_after, closed_before + 3.0, "the snapshot was dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_racing_syncs_never_leave_a_stale_snapshot_behind() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let client = engine.create_client("Acme").await.unwrap();
    let stripe = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    let board = engine.create_dashboard(client.id, "Volume").await.unwrap();
    engine
        .add_widget(board.id, widget("stripe.successful_charges"))
        .await
        .unwrap();
    assert!(sync(&engine, &stripe).await.succeeded());
    let count = |view: &freshboard_engine::DashboardView| view.widgets[0].series[0].total.unwrap();
    let mut expected = count(&engine.get_dashboard(board.id).await.unwrap());

    // Readers hammer the dashboard while charges arrive and syncs land: a read computed from
    // the rollups before a sync must never be stored after the sync dropped the snapshot.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (engine, stop, id) = (engine.clone(), stop.clone(), board.id);
            tokio::spawn(async move {
                let mut reads = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    engine.get_dashboard(id).await.unwrap();
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for round in 0..15 {
        sim.control(
            "/_sim/stripe/charges",
            json!({"amount": 500 + round, "currency": "usd"}),
        )
        .await;
        assert!(sync(&engine, &stripe).await.succeeded());
        expected += 1.0;
        let seen = count(&engine.get_dashboard(board.id).await.unwrap());
        assert_eq!(seen, expected, "round {round}: a read after the sync sees it");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut reads = 0;
    for reader in readers {
        reads += reader.await.unwrap();
    }
    assert!(reads > 15, "the readers really raced the syncs ({reads} reads)");
}
