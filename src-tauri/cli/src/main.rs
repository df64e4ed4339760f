//! `freshboard-cli`: the engine without a window, for scripts, tests and benchmarks.

mod clients;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use freshboard_engine::Engine;

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
}

/// Exit codes: 0 done, 1 failed, 2 bad input (as clap uses for bad arguments).
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(data_dir) = cli
        .data_dir
        .or_else(|| dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)))
    else {
        eprintln!("error: no data folder: pass --data-dir DIR or set FRESHBOARD_DATA_DIR");
        return ExitCode::from(2);
    };
    let result = match Engine::open(&data_dir).await {
        Ok(engine) => {
            let result = match cli.command {
                Command::Client(command) => clients::run(&engine, command).await,
            };
            engine.close().await;
            result
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(if e.kind().is_bad_input() { 2 } else { 1 })
        }
    }
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
