//! `backup now`, `backup list` and `restore ID`.

use std::path::Path;

use clap::Subcommand;
use freshboard_engine::store::backup;
use freshboard_engine::{Backup, Engine, Result};

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Back up the database now (a consistent copy, taken beside a running app)
    Now,
    /// The backups in the data folder's backups/, newest first, each checked for damage
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(engine: &Engine, command: BackupCommand) -> Result<()> {
    match command {
        BackupCommand::Now => {
            let taken = engine.backup_now().await?;
            println!("backed up: {} ({})", taken.id, megabytes(&taken));
            println!("{}", taken.path.display());
        }
        BackupCommand::List { json } => {
            let mut listed = Vec::new();
            for b in engine.backups()? {
                let intact = backup::is_intact(&b.path).await;
                listed.push((b, intact));
            }
            if json {
                let rows: Vec<_> = listed
                    .iter()
                    .map(|(b, intact)| serde_json::json!({"backup": b, "intact": intact}))
                    .collect();
                println!("{}", serde_json::Value::from(rows));
            } else if listed.is_empty() {
                println!("no backups yet: the app takes one a day, or run `backup now`");
            } else {
                println!("{:<42} {:>10}  check", "id", "size");
                for (b, intact) in &listed {
                    let check = if *intact {
                        "ok"
                    } else {
                        "DAMAGED: cannot be restored"
                    };
                    println!("{:<42} {:>10}  {check}", b.id, megabytes(b));
                }
            }
        }
    }
    Ok(())
}

/// Restores with no engine open: the database is about to be replaced.
pub async fn restore(data_dir: &Path, id: &str) -> Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    let restored = backup::restore(data_dir, id, now).await?;
    println!("restored {}", restored.backup.id);
    if let Some(aside) = restored.moved_aside {
        println!("the database it replaced was moved to {}", aside.display());
    }
    Ok(())
}

fn megabytes(b: &Backup) -> String {
    format!("{:.1} MB", b.bytes as f64 / 1e6)
}
