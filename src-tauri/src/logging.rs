//! Structured logs (JSON lines) to a daily-rolling file in the app's log folder, a week kept.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Starts logging; keep the guard alive for the app's life so buffered lines are flushed.
/// `FRESHBOARD_LOG` takes a `tracing` filter (default `info`).
pub fn init(log_dir: &Path) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_env("FRESHBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let appender = std::fs::create_dir_all(log_dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            Builder::new()
                .rotation(Rotation::DAILY)
                .filename_prefix("freshboard")
                .filename_suffix("log")
                .max_log_files(7)
                .build(log_dir)
                .map_err(|e| e.to_string())
        });
    let file = match appender {
        Ok(appender) => appender,
        Err(e) => {
            // Logging must never stop the app from starting.
            eprintln!(
                "freshboard: logging to stderr only; cannot write logs in {}: {e}",
                log_dir.display()
            );
            tracing_subscriber::registry()
                .with(filter)
                .with(fmt::layer())
                .init();
            return None;
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt::layer().json().with_writer(writer))
        .with(
            fmt::layer()
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(std::io::stderr),
        )
        .init();
    Some(guard)
}
