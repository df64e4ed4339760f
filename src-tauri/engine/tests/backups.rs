//! Backups: consistent copies taken beside a live database, never holding a token; restored
//! in place of the database, which is moved aside, never deleted; refused while the database
//! is open or when the backup is damaged; one a day from the planner's tick.

mod common;

use std::path::Path;

use common::*;
use freshboard_engine::store::backup;
use freshboard_engine::{BackupKind, Error, ErrorKind};

async fn client_names(engine: &freshboard_engine::Engine) -> Vec<String> {
    let mut names: Vec<String> = engine
        .list_clients(true)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    names.sort();
    names
}

async fn charges(engine: &freshboard_engine::Engine) -> i64 {
    scalar(&db(engine).await, "SELECT COUNT(*) FROM stripe_charges").await
}

#[tokio::test]
async fn a_backup_holds_the_data_but_no_token_and_a_restore_brings_it_back_moving_the_database_aside() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let stripe = add_stripe(&engine, &sim).await;
    let github = add_github(&engine, &sim).await;
    assert!(sync(&engine, &stripe).await.succeeded());
    assert!(sync(&engine, &github).await.succeeded());
    let (names, synced) = (client_names(&engine).await, charges(&engine).await);
    assert!(synced > 0);

    let taken = engine.backup_now().await.unwrap();
    assert_eq!(taken.kind, BackupKind::Manual);
    let bytes = std::fs::read(&taken.path).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    for secret in [STRIPE_KEY, GITHUB_TOKEN] {
        assert!(!contains(&bytes, secret), "a token is in the backup");
    }
    assert!(backup::is_intact(&taken.path).await);

    // Life goes on after the backup: a client added, then the database open elsewhere.
    engine.create_client("Initech").await.unwrap();
    let refused = backup::restore(dir.path(), &taken.id, 0).await.unwrap_err();
    assert!(matches!(refused, Error::DatabaseInUse(_)), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::DatabaseBusy);
    engine.close().await;

    let restored = backup::restore(dir.path(), &taken.id, 1).await.unwrap();
    let aside = restored.moved_aside.expect("the replaced database moved aside");
    assert!(aside.exists(), "never deleted");

    let engine = common::engine(dir.path()).await;
    assert_eq!(
        client_names(&engine).await,
        names,
        "the backup's clients, not Initech"
    );
    assert_eq!(charges(&engine).await, synced);
    assert_eq!(
        engine
            .backups()
            .unwrap()
            .iter()
            .map(|b| &b.id)
            .collect::<Vec<_>>(),
        vec![&taken.id],
        "the backup is still there"
    );
    engine.close().await;
    // The replaced database is whole where it was moved: Initech is in it.
    let replaced = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", aside.display()))
        .await
        .unwrap();
    let initech = scalar(&replaced, "SELECT COUNT(*) FROM clients WHERE name = 'Initech'").await;
    assert_eq!(initech, 1);
}

#[tokio::test]
async fn a_damaged_backup_is_never_restored_and_an_unknown_id_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    engine.create_client("Acme").await.unwrap();
    let taken = engine.backup_now().await.unwrap();
    engine.close().await;
    damage(&taken.path);
    assert!(!backup::is_intact(&taken.path).await);
    let refused = backup::restore(dir.path(), &taken.id, 0).await.unwrap_err();
    assert!(matches!(refused, Error::DamagedBackup(_)), "{refused}");
    let unknown = backup::restore(dir.path(), "2026-01-01T00-00-00.000Z-daily", 0)
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    // Nothing was moved: the database opens with its data.
    let engine = common::engine(dir.path()).await;
    assert_eq!(client_names(&engine).await, vec!["Acme".to_owned()]);
}

/// Overwrites the middle of a database file, as a bad disk sector would.
fn damage(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let page = 4096;
    assert!(bytes.len() >= 3 * page, "a database of a few pages");
    for b in &mut bytes[page..2 * page] {
        *b = 0x5a;
    }
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn the_planner_backs_up_once_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let clock = manual_clock();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let daily = |engine: &freshboard_engine::Engine| {
        engine
            .backups()
            .unwrap()
            .into_iter()
            .filter(|b| b.kind == BackupKind::Daily)
            .count()
    };
    assert_eq!(daily(&engine), 0);
    engine.plan().await.unwrap();
    assert_eq!(daily(&engine), 1, "the first tick backs up");
    clock.advance(chrono::Duration::hours(23));
    engine.plan().await.unwrap();
    assert_eq!(daily(&engine), 1, "not again within the day");
    clock.advance(chrono::Duration::hours(2));
    engine.plan().await.unwrap();
    assert_eq!(daily(&engine), 2);
    // Three more weeks of days: the newest 7 are kept and, before them, one a week.
    for _ in 0..21 {
        clock.advance(chrono::Duration::days(1));
        engine.plan().await.unwrap();
    }
    let kept = daily(&engine);
    assert!((8..=7 + 4).contains(&kept), "{kept} daily backups kept");
}
