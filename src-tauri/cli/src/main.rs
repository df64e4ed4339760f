//! `freshboard-cli`: the engine without a window, for scripts, tests and benchmarks.

mod backups;
mod bench;
mod clients;
mod connections;
mod dashboards;
mod health;
mod sources;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use freshboard_engine::{Engine, Result};

/// The app's bundle identifier (tauri.conf.json): the CLI defaults to the app's data folder.
const APP_IDENTIFIER: &str = "dev.freshboard.desktop";

#[derive(Parser)]
#[command(name = "freshboard-cli", version, about = "Freshboard's engine, headless")]
struct Cli {
    /// Folder holding freshboard.db [default: the desktop app's data folder]
    #[arg(long, global = true, env = "FRESHBOARD_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add, list, rename and archive clients
    #[command(subcommand)]
    Client(clients::ClientCommand),
    /// Add, list and remove sources (a client's Stripe account, GitHub repository…)
    #[command(subcommand)]
    Source(sources::SourceCommand),
    /// Sync sources now; exits 0 only if every stream succeeded
    Sync {
        #[arg(long)]
        client: Option<String>,
        #[arg(long)]
        source: Option<i64>,
    },
    /// Benchmarks against the bundled simulator (use a release build)
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Connect an account in the browser (OAuth with PKCE); prints the sign-in address
    Connect(connections::ConnectArgs),
    /// List connections
    #[command(subcommand)]
    Connections(connections::ConnectionsCommand),
    /// Remove a connection and its keyring entry
    Disconnect {
        id: i64,
        /// Keep its sources and their synced data (they stop syncing)
        #[arg(long)]
        keep_data: bool,
    },
    /// A client's dashboard as the app shows it, from the local copy only
    Dashboard(dashboards::DashboardArgs),
    /// One metric's daily values and total for a client, from the local copy only
    Metric(dashboards::MetricArgs),
    /// The metrics Freshboard can show
    Metrics,
    /// How the sync work went: runs by state, durations, records, errors, over time
    Health(health::HealthArgs),
    /// Open alerts about the sync work (failure streaks, silent or slower sources, failure share)
    Alerts {
        /// Cleared alerts too (the last 200)
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Back up the database, or list the backups
    #[command(subcommand)]
    Backup(backups::BackupCommand),
    /// Put a backup (an id from `backup list`) in place of the database; the app must be
    /// closed. The database it replaces is moved aside, never deleted.
    Restore { id: String },
    /// Per source and stream: records stored, last synced, refresh status, last error
    Status {
        #[arg(long)]
        client: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// What a command achieved: all done, or ran but some work failed (a sync with errors).
enum Outcome {
    Done,
    Failed,
}

/// Exit codes: 0 done, 1 failed, 2 bad input (as clap uses for bad arguments).
#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        // Benchmarks make their own throwaway data folder.
        Command::Bench(command) => bench::run(command).await.map(|()| Outcome::Done),
        command => match cli
            .data_dir
            .or_else(|| dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)))
        {
            Some(data_dir) => match command {
                Command::Restore { id } => backups::restore(&data_dir, &id).await.map(|()| Outcome::Done),
                command => with_engine(&data_dir, command).await,
            },
            None => {
                eprintln!("error: no data folder: pass --data-dir DIR or set FRESHBOARD_DATA_DIR");
                return ExitCode::from(2);
            }
        },
    };
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.kind().is_bad_input() { 2 } else { 1 })
        }
    }
}

async fn with_engine(data_dir: &Path, command: Command) -> Result<Outcome> {
    let engine = Engine::open(data_dir).await?;
    let result = match command {
        Command::Client(command) => clients::run(&engine, command).await.map(|()| Outcome::Done),
        Command::Source(command) => sources::run(&engine, command).await.map(|()| Outcome::Done),
        Command::Sync { client, source } => {
            let selected = sources::select(&engine, client, source).await?;
            sources::sync(&engine, selected)
                .await
                .map(|ok| if ok { Outcome::Done } else { Outcome::Failed })
        }
        Command::Status { client, json } => {
            let selected = sources::select(&engine, client, None).await?;
            sources::status(&engine, selected, json)
                .await
                .map(|()| Outcome::Done)
        }
        Command::Connect(args) => connections::connect(&engine, args).await.map(|()| Outcome::Done),
        Command::Connections(command) => connections::run(&engine, command).await.map(|()| Outcome::Done),
        Command::Disconnect { id, keep_data } => connections::disconnect(&engine, id, keep_data)
            .await
            .map(|()| Outcome::Done),
        Command::Dashboard(args) => dashboards::dashboard(&engine, args).await.map(|()| Outcome::Done),
        Command::Metric(args) => dashboards::metric(&engine, args).await.map(|()| Outcome::Done),
        Command::Metrics => {
            dashboards::metrics(&engine);
            Ok(Outcome::Done)
        }
        Command::Health(args) => health::health(&engine, args).await.map(|()| Outcome::Done),
        Command::Alerts { all, json } => health::alerts(&engine, all, json).await.map(|()| Outcome::Done),
        Command::Backup(command) => backups::run(&engine, command).await.map(|()| Outcome::Done),
        Command::Bench(_) => unreachable!("benchmarks run without a data folder"),
        Command::Restore { .. } => unreachable!("a restore runs with no engine open"),
    };
    engine.close().await;
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn defaults_to_the_desktop_apps_data_folder() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
        assert_eq!(conf["identifier"], super::APP_IDENTIFIER);
    }
}
