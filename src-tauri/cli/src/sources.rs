//! `source add|list|window|rate|remove`, `sync` and `status`.

use std::io::IsTerminal;

use clap::{Args, Subcommand};
use freshboard_engine::connector::Access;
use freshboard_engine::{
    Engine, Error, InputError, JobReason, NewAccess, NewSource, Provider, Result, Source, SyncProgress,
    SyncReport,
};

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Add a source: the account is checked with the provider first; a key or token is kept
    /// only in the OS keyring
    Add(AddArgs),
    /// The providers a source can come from, and how each is added
    Providers {
        #[arg(long)]
        json: bool,
    },
    /// List sources
    List {
        #[arg(long)]
        client: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change the days re-read every sync and how far back a first sync reads
    Window {
        id: i64,
        /// Days before today re-read every sync (`default` for the provider's)
        #[arg(long, value_name = "DAYS|default")]
        lookback_days: Option<String>,
        /// Days a first sync reads back (`default` for the provider's)
        #[arg(long, value_name = "DAYS|default")]
        history_days: Option<String>,
    },
    /// Set how many requests a second the source's syncs send, for its connection (shared by
    /// every source on it); `default` for the provider's documented rate
    Rate {
        id: i64,
        #[arg(long, value_name = "N|default")]
        rate: String,
    },
    /// Remove a source, its synced data and (if unused elsewhere) its keyring entry
    Remove { id: i64 },
}

/// `source add <provider>`: one form for every provider.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("access").args(["secret_env", "connection"])))]
pub struct AddArgs {
    /// stripe, github, ga4, search_console, google_ads… (see `source providers`)
    provider: String,
    #[arg(long)]
    client: String,
    /// The account: a repository (owner/name), a GA4 property id, a Search Console site, a
    /// Google Ads customer id (see `connections accounts`); Stripe's key names its own
    #[arg(long, alias = "repo", value_name = "ID")]
    account: Option<String>,
    /// A connection to use (see `connections list`)
    #[arg(long, value_name = "ID")]
    connection: Option<i64>,
    /// Name of the environment variable holding the key or token (secrets never go on a
    /// command line)
    #[arg(long, aliases = ["api-key-env", "token-env"], value_name = "VAR")]
    secret_env: Option<String>,
    /// Another API address for a key or token (GitHub Enterprise, the simulator)
    #[arg(long, value_name = "URL", conflicts_with = "connection")]
    base_url: Option<String>,
    /// Days before today re-read every sync [default: the provider's]
    #[arg(long, value_name = "DAYS")]
    lookback_days: Option<u32>,
    /// Days a first sync reads back [default: the provider's]
    #[arg(long, value_name = "DAYS")]
    history_days: Option<u32>,
}

/// A provider by its name, or a list of the names there are.
pub fn provider(engine: &Engine, name: &str) -> Result<Provider> {
    Provider::parse(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = engine.providers().iter().map(|p| p.provider.as_str()).collect();
        Error::Input(InputError::BadAccount {
            message: format!(
                "There is no provider “{}”: use one of {}.",
                name.trim(),
                names.join(", ")
            ),
        })
    })
}

fn days(value: Option<String>, current: u32) -> Result<Option<u32>> {
    match value.as_deref().map(str::trim) {
        None => Ok(Some(current)),
        Some("default") => Ok(None),
        Some(n) => n.parse().map(Some).map_err(|_| {
            Error::Input(InputError::BadAccount {
                message: format!("“{n}” is not a number of days (or `default`)."),
            })
        }),
    }
}

pub async fn run(engine: &Engine, command: SourceCommand) -> Result<()> {
    match command {
        SourceCommand::Add(args) => {
            let provider = provider(engine, &args.provider)?;
            let client = engine.find_client(&args.client).await?;
            let access = match (args.connection, args.secret_env) {
                (Some(connection_id), _) => NewAccess::Connection { connection_id },
                (None, Some(var)) => NewAccess::Secret {
                    secret: std::env::var(&var).map_err(|_| {
                        eprintln!("note: the environment variable {var} is not set");
                        Error::Input(InputError::EmptySecret)
                    })?,
                    base_url: args.base_url,
                },
                (None, None) => {
                    return Err(match provider.connector().access {
                        Access::Connection => InputError::NeedsConnection {
                            provider: provider.label(),
                            account_provider: provider.account().label(),
                        },
                        Access::Secret { .. } => InputError::EmptySecret,
                    }
                    .into())
                }
            };
            let source = engine
                .add_source(NewSource {
                    client_id: client.id,
                    provider,
                    access,
                    account: args.account,
                    lookback_days: args.lookback_days,
                    history_days: args.history_days,
                })
                .await?;
            println!("added source {} “{}” to {}", source.id, source.label, client.name);
        }
        SourceCommand::Providers { json } => {
            let providers = engine.providers();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&providers).expect("providers serialise")
                );
            } else {
                for p in providers {
                    let how = match p.access {
                        Access::Secret {
                            secret_label,
                            connections: true,
                            ..
                        } => {
                            format!(
                                "{secret_label} (--secret-env) or a {} connection",
                                p.account_provider.label()
                            )
                        }
                        Access::Secret { secret_label, .. } => format!("{secret_label} (--secret-env)"),
                        Access::Connection => {
                            format!("a {} connection (--connection)", p.account_provider.label())
                        }
                    };
                    println!(
                        "{:<16} {:<20} {}, re-reads {} days, first sync {} days",
                        p.provider.as_str(),
                        p.label,
                        how,
                        p.lookback_days,
                        p.history_days
                    );
                }
            }
        }
        SourceCommand::List { client, json } => {
            let client_id = match client {
                Some(name) => Some(engine.find_client(&name).await?.id),
                None => None,
            };
            let sources = engine.sources(client_id).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&sources).expect("sources serialize")
                );
            } else {
                print_sources(&sources);
            }
        }
        SourceCommand::Window {
            id,
            lookback_days,
            history_days,
        } => {
            let source = engine.source_status(id).await?.source;
            let source = engine
                .set_source_window(
                    id,
                    days(lookback_days, source.lookback_days)?,
                    days(history_days, source.history_days)?,
                )
                .await?;
            println!(
                "source {id} re-reads {} days every sync; a first sync reads {} days",
                source.lookback_days, source.history_days
            );
        }
        SourceCommand::Rate { id, rate } => {
            let source = engine.source_status(id).await?.source;
            let Some(connection) = source.connection_id else {
                return Err(Error::Input(InputError::BadAccount {
                    message: format!("Source {id} has no connection any more, so it does not sync."),
                }));
            };
            let rate = match rate.trim() {
                "default" => None,
                n => Some(n.parse().map_err(|_| {
                    Error::Input(InputError::BadAccount {
                        message: format!("“{n}” is not a number of requests a second (or `default`)."),
                    })
                })?),
            };
            let connection = engine.set_connection_rate(connection, rate).await?;
            let sharing = connection.clients.len();
            println!(
                "source {id}: {} (connection {}, used by {sharing} client{})",
                rate_words(engine, &source.provider, connection.rate_per_sec),
                connection.id,
                if sharing == 1 { "" } else { "s" }
            );
        }
        SourceCommand::Remove { id } => {
            engine.remove_source(id).await?;
            println!("removed source {id}");
        }
    }
    Ok(())
}

/// A source's request rate in words: the one a person set, or the provider's documented one.
fn rate_words(engine: &Engine, provider: &Provider, rate: Option<u32>) -> String {
    match rate {
        Some(rate) => format!("{rate} requests a second, set by you"),
        None => engine
            .providers()
            .into_iter()
            .find(|p| p.provider == *provider)
            .map(|p| p.documented_rate)
            .unwrap_or_default(),
    }
}

fn print_sources(sources: &[Source]) {
    if sources.is_empty() {
        println!(
            "no sources yet: add one with `freshboard-cli source add <provider> …` (see `source providers`)"
        );
        return;
    }
    println!(
        "{:>5}  {:>6}  {:<14}  {:<10}  LABEL",
        "ID", "CLIENT", "PROVIDER", "RATE"
    );
    for s in sources {
        let rate = s
            .rate_per_sec
            .map_or("documented".to_owned(), |r| format!("{r}/s"));
        println!(
            "{:>5}  {:>6}  {:<14}  {:<10}  {}",
            s.id,
            s.client_id,
            s.provider.as_str(),
            rate,
            s.label
        );
    }
}

/// Which sources a `sync` or `status` covers.
pub async fn select(engine: &Engine, client: Option<String>, source: Option<i64>) -> Result<Vec<Source>> {
    if let Some(id) = source {
        return Ok(vec![engine.source_status(id).await?.source]);
    }
    let client_id = match client {
        Some(name) => Some(engine.find_client(&name).await?.id),
        None => None,
    };
    engine.sources(client_id).await
}

/// Syncs each source in turn; returns whether every stream of every source succeeded.
pub async fn sync(engine: &Engine, sources: Vec<Source>) -> Result<bool> {
    let mut all_ok = true;
    for source in sources {
        let report = sync_one(engine, &source).await?;
        for stream in &report.streams {
            if let Some(error) = &stream.error {
                eprintln!("error: {error}");
            }
        }
        let secs = report.duration_ms as f64 / 1000.0;
        println!(
            "{} “{}”: {} records in {} pages, {} requests, {:.1} s{}",
            source.provider.label(),
            report.label,
            report.records,
            report.pages,
            report.requests,
            secs,
            if report.succeeded() {
                ""
            } else {
                " — with errors"
            }
        );
        all_ok &= report.succeeded();
    }
    Ok(all_ok)
}

async fn sync_one(engine: &Engine, source: &Source) -> Result<SyncReport> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<SyncProgress>();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let label = format!("{} “{}”", source.provider.label(), source.label);
    let printer = {
        let bar = bar.clone();
        let label = label.clone();
        tokio::spawn(async move {
            let mut last_stream = String::new();
            while let Some(p) = rx.recv().await {
                match &bar {
                    Some(bar) => bar.set_message(format!(
                        "{label}: {} — {} records, {} pages",
                        p.stream, p.records, p.pages
                    )),
                    // Plain lines when not on a terminal: one per stream started.
                    None if p.stream != last_stream => {
                        eprintln!("{label}: syncing {} ({} records so far)", p.stream, p.records)
                    }
                    None => {}
                }
                last_stream = p.stream;
            }
        })
    };
    let report = engine.sync_source(source.id, JobReason::Manual, Some(tx)).await;
    let _ = printer.await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report
}

pub async fn status(engine: &Engine, sources: Vec<Source>, json: bool) -> Result<()> {
    let mut statuses = Vec::new();
    for source in sources {
        statuses.push(engine.source_status(source.id).await?);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&statuses).expect("status serializes")
        );
        return Ok(());
    }
    for s in statuses {
        println!(
            "{} {} “{}”",
            s.source.id,
            s.source.provider.label(),
            s.source.label
        );
        for st in s.streams {
            let error = st.last_error.map(|e| format!("  error: {e}")).unwrap_or_default();
            println!(
                "    {:<22} {:>10} records  {:<10}{error}",
                st.stream, st.records, st.refresh_status
            );
        }
    }
    Ok(())
}
