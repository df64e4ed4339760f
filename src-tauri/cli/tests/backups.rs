//! `backup now`, `backup list` and `restore ID` through the real binary: a restore puts the
//! backup's data back and says where the database it replaced went; a damaged backup is
//! listed as such and refused; an unknown id is bad input.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn cli(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_freshboard-cli"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("FRESHBOARD_DATA_DIR");
    command
}

fn run(data_dir: &Path, args: &[&str]) -> Output {
    cli(data_dir).args(args).output().expect("run freshboard-cli")
}

fn ok(data_dir: &Path, args: &[&str]) -> String {
    let out = run(data_dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn clients(data_dir: &Path) -> Vec<String> {
    let listed: Value = serde_json::from_str(&ok(data_dir, &["client", "list", "--json"])).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

fn backups(data_dir: &Path) -> Vec<Value> {
    let listed: Value = serde_json::from_str(&ok(data_dir, &["backup", "list", "--json"])).unwrap();
    listed.as_array().unwrap().clone()
}

#[test]
fn backup_now_then_restore_brings_the_data_back_and_keeps_what_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(ok(d, &["backup", "list"]).contains("no backups yet"));
    ok(d, &["client", "add", "Acme"]);
    assert!(ok(d, &["backup", "now"]).starts_with("backed up: "));
    let listed = backups(d);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["intact"], true);
    assert_eq!(listed[0]["backup"]["kind"], "manual");
    let id = listed[0]["backup"]["id"].as_str().unwrap().to_owned();

    ok(d, &["client", "add", "Initech"]);
    let said = ok(d, &["restore", &id]);
    assert!(said.contains(&format!("restored {id}")), "{said}");
    let aside = said
        .lines()
        .find_map(|l| l.strip_prefix("the database it replaced was moved to "))
        .expect("where the replaced database went");
    assert!(Path::new(aside).exists());
    assert_eq!(clients(d), vec!["Acme".to_owned()]);

    let unknown = run(d, &["restore", "no-such-backup"]);
    assert_eq!(unknown.status.code(), Some(2), "an unknown id is bad input");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("backup list"));

    // A damaged backup: listed as such, and refused.
    let path = listed[0]["backup"]["path"].as_str().unwrap().to_owned();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[4096..8192].fill(0x5a);
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(backups(d)[0]["intact"], false);
    assert!(ok(d, &["backup", "list"]).contains("DAMAGED"));
    let refused = run(d, &["restore", &id]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("damaged"));
    assert_eq!(clients(d), vec!["Acme".to_owned()], "nothing changed");
}
