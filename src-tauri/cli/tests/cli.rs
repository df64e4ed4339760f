//! The real `freshboard-cli` binary on a real data folder.

use std::path::Path;
use std::process::{Command, Output};

fn cli(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_freshboard-cli"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("FRESHBOARD_DATA_DIR")
        .output()
        .expect("run freshboard-cli")
}

fn ok(data_dir: &Path, args: &[&str]) -> String {
    let out = cli(data_dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn names(data_dir: &Path, extra: &[&str]) -> Vec<(String, bool)> {
    let mut args = vec!["client", "list", "--json"];
    args.extend_from_slice(extra);
    let list: serde_json::Value = serde_json::from_str(&ok(data_dir, &args)).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["archived"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn add_list_rename_archive_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(ok(d, &["client", "list"]).contains("no clients yet"));
    assert!(ok(d, &["client", "add", "Acme"]).contains("Acme"));
    ok(d, &["client", "add", "Globex"]);
    ok(d, &["client", "rename", "acme", "Acme Corp"]);
    ok(d, &["client", "archive", "Globex"]);

    assert_eq!(names(d, &[]), [("Acme Corp".to_owned(), false)]);
    assert_eq!(
        names(d, &["--all"]),
        [("Acme Corp".to_owned(), false), ("Globex".to_owned(), true)]
    );
    let table = ok(d, &["client", "list", "--all"]);
    assert!(table.contains("Globex") && table.contains("archived"), "{table}");

    let globex_id = {
        let list: serde_json::Value =
            serde_json::from_str(&ok(d, &["client", "list", "--all", "--json"])).unwrap();
        list[1]["id"].as_i64().unwrap()
    };
    ok(d, &["client", "unarchive", &globex_id.to_string()]);
    assert_eq!(names(d, &[]).len(), 2);
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["client", "add", "Acme"]);
    for args in [
        &["client", "add", "  "][..],
        &["client", "add", &"x".repeat(121)],
        &["client", "add", "ACME"],
        &["client", "rename", "Nobody", "New"],
        &["client", "archive", "42"],
    ] {
        let out = cli(d, args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
    assert_eq!(
        names(d, &["--all"]),
        [("Acme".to_owned(), false)],
        "nothing changed"
    );
}

#[test]
fn a_newer_database_is_refused_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["client", "add", "Acme"]);
    // Leave behind what a future Freshboard would: a migration this build does not know.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let url = format!("sqlite:{}", d.join("freshboard.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (99991231000000, 'future', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let out = cli(d, &["client", "list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer version of Freshboard"));
}
