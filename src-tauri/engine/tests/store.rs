//! The engine on a real SQLite file in a temp dir.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use freshboard_engine::{Clock, Engine, Error, ErrorKind, InputError, ManualClock, DATABASE_FILE};

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
    ))
}

async fn open(dir: &std::path::Path, clock: &Arc<ManualClock>) -> Engine {
    Engine::open_with_clock(dir, clock.clone())
        .await
        .expect("open engine")
}

#[tokio::test]
async fn migrates_an_empty_folder_into_the_whole_data_model() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("not-yet-created");
    let engine = open(&data_dir, &clock()).await;
    assert!(data_dir.join(DATABASE_FILE).is_file());

    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", engine.database_path().display()))
        .await
        .unwrap();
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    for table in [
        "clients",
        "connections",
        "sources",
        "schedules",
        "stream_state",
        "jobs",
        "dashboards",
        "widgets",
        "metric_daily",
        "job_health",
        "job_health_errors",
        "source_health",
        "alerts",
    ] {
        assert!(
            tables.iter().any(|t| t == table),
            "missing table {table}: {tables:?}"
        );
    }
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    assert!(engine.list_clients(true).await.unwrap().is_empty());
}

#[tokio::test]
async fn reopening_keeps_clients_and_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let engine = open(dir.path(), &clock).await;
    let acme = engine.create_client("Acme").await.unwrap();
    clock.advance(Duration::minutes(5));
    let globex = engine.create_client("Globex").await.unwrap();
    engine.archive_client(globex.id).await.unwrap();
    engine.close().await;

    let engine = open(dir.path(), &clock).await;
    let all = engine.list_clients(true).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|c| (c.id, c.name.as_str(), c.archived))
            .collect::<Vec<_>>(),
        vec![(acme.id, "Acme", false), (globex.id, "Globex", true)]
    );
    assert_eq!(all[0].created_at, acme.created_at);
    assert_eq!(engine.list_clients(false).await.unwrap().len(), 1);
}

#[tokio::test]
async fn rename_archive_and_unarchive() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let engine = open(dir.path(), &clock).await;
    let client = engine.create_client("  Acme  ").await.unwrap();
    assert_eq!(client.name, "Acme", "names are trimmed");

    clock.advance(Duration::seconds(30));
    let renamed = engine.rename_client(client.id, "Acme Corp").await.unwrap();
    assert_eq!(renamed.name, "Acme Corp");
    assert_eq!(renamed.updated_at, clock.now_millis());
    // Changing only the case of one's own name is not a clash with oneself.
    assert_eq!(
        engine.rename_client(client.id, "ACME corp").await.unwrap().name,
        "ACME corp"
    );

    assert!(engine.archive_client(client.id).await.unwrap().archived);
    assert!(engine.list_clients(false).await.unwrap().is_empty());
    // An archived client's name is free again...
    let other = engine.create_client("acme corp").await.unwrap();
    // ...so bringing the old one back would make two; it is refused until one is renamed.
    let err = engine.unarchive_client(client.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    engine.rename_client(other.id, "Acme East").await.unwrap();
    assert!(!engine.unarchive_client(client.id).await.unwrap().archived);

    assert_eq!(engine.find_client("acme CORP").await.unwrap().id, client.id);
    assert_eq!(
        engine.find_client(&other.id.to_string()).await.unwrap().id,
        other.id
    );
}

#[tokio::test]
async fn each_bad_input_gets_a_typed_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &clock()).await;
    let acme = engine.create_client("Acme").await.unwrap();

    let err = engine.create_client("   ").await.unwrap_err();
    assert!(matches!(err, Error::Input(InputError::EmptyClientName)));
    assert_eq!((err.kind(), err.field()), (ErrorKind::InvalidInput, Some("name")));

    let err = engine.create_client(&"x".repeat(121)).await.unwrap_err();
    assert!(matches!(
        err,
        Error::Input(InputError::ClientNameTooLong { max: 120, len: 121 })
    ));
    assert!(err.to_string().contains("120"), "{err}");

    let err = engine.create_client("aCME").await.unwrap_err();
    assert!(matches!(&err, Error::Input(InputError::DuplicateClientName(n)) if n == "Acme"));
    assert_eq!(err.kind(), ErrorKind::Conflict);

    let globex = engine.create_client("Globex").await.unwrap();
    assert!(matches!(
        engine.rename_client(globex.id, "ACME").await.unwrap_err(),
        Error::Input(InputError::DuplicateClientName(_))
    ));
    assert!(matches!(
        engine.rename_client(globex.id, "").await.unwrap_err(),
        Error::Input(InputError::EmptyClientName)
    ));
    for err in [
        engine.rename_client(999, "Ghost").await.unwrap_err(),
        engine.archive_client(999).await.unwrap_err(),
        engine.unarchive_client(999).await.unwrap_err(),
        engine.find_client("Nobody").await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    let names: Vec<String> = engine
        .list_clients(true)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Acme", "Globex"]);
    assert_eq!(engine.client(acme.id).await.unwrap().name, "Acme");
}

#[tokio::test]
async fn a_database_from_a_newer_version_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path(), &clock()).await;
    engine.create_client("Acme").await.unwrap();
    let db = engine.database_path().to_owned();
    engine.close().await;

    // What a future Freshboard would leave behind: a migration this build does not know.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99991231000000, 'from the future', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let before = std::fs::read(&db).unwrap();

    let err = Engine::open(dir.path()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NewerSchema);
    assert!(err.to_string().contains("newer version of Freshboard"), "{err}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database file was modified"
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(DATABASE_FILE),
        b"these are not the bytes of a database",
    )
    .unwrap();
    let err = Engine::open(dir.path()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(err.to_string().contains("not a Freshboard database"), "{err}");
}

#[tokio::test]
async fn a_second_engine_on_the_same_folder_sees_the_first_ones_writes() {
    // The app and the CLI may have the same data folder open at once.
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let app = open(dir.path(), &clock).await;
    let cli = open(dir.path(), &clock).await;
    app.create_client("Acme").await.unwrap();
    assert_eq!(cli.list_clients(false).await.unwrap().len(), 1);
    assert_eq!(
        cli.create_client("acme").await.unwrap_err().kind(),
        ErrorKind::Conflict
    );
}
