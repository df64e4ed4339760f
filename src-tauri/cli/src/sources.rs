//! `source add|list|remove`, `sync` and `status`.

use std::io::IsTerminal;

use clap::Subcommand;
use freshboard_engine::{
    Engine, Error, InputError, JobReason, NewSource, Provider, Result, Source, SyncProgress, SyncReport,
};

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Add a source: the key or token is checked with one call, then kept in the OS keyring
    Add {
        #[command(subcommand)]
        provider: AddSource,
    },
    /// List sources
    List {
        #[arg(long)]
        client: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove a source, its synced data and (if unused elsewhere) its keyring entry
    Remove { id: i64 },
}

#[derive(Subcommand)]
pub enum AddSource {
    /// A Stripe account, through a restricted (read-only) API key
    Stripe {
        #[arg(long)]
        client: String,
        /// Name of the environment variable holding the key (keys never go on a command line)
        #[arg(long, value_name = "VAR")]
        api_key_env: String,
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// A GitHub repository, through a connection made with `connect github` or a token
    #[command(group(clap::ArgGroup::new("access").required(true).args(["token_env", "connection"])))]
    Github {
        #[arg(long)]
        client: String,
        #[arg(long, value_name = "OWNER/NAME")]
        repo: String,
        /// Name of the environment variable holding a token that can read the repository
        #[arg(long, value_name = "VAR")]
        token_env: Option<String>,
        /// An OAuth connection (see `connections list`)
        #[arg(long, value_name = "ID")]
        connection: Option<i64>,
        #[arg(long, value_name = "URL", conflicts_with = "connection")]
        base_url: Option<String>,
    },
}

pub async fn run(engine: &Engine, command: SourceCommand) -> Result<()> {
    match command {
        SourceCommand::Add { provider } => {
            let (client, provider, var, repo, base_url) = match provider {
                AddSource::Stripe {
                    client,
                    api_key_env,
                    base_url,
                } => (client, Provider::Stripe, api_key_env, None, base_url),
                AddSource::Github {
                    client,
                    repo,
                    connection: Some(connection),
                    ..
                } => {
                    let client = engine.find_client(&client).await?;
                    let source = engine
                        .add_source_on_connection(client.id, connection, &repo)
                        .await?;
                    println!("added source {} “{}” to {}", source.id, source.label, client.name);
                    return Ok(());
                }
                AddSource::Github {
                    client,
                    repo,
                    token_env,
                    base_url,
                    ..
                } => (
                    client,
                    Provider::Github,
                    token_env.unwrap_or_default(),
                    Some(repo),
                    base_url,
                ),
            };
            let client = engine.find_client(&client).await?;
            let secret = std::env::var(&var).map_err(|_| {
                eprintln!("note: the environment variable {var} is not set");
                Error::Input(InputError::EmptySecret)
            })?;
            let source = engine
                .add_source(NewSource {
                    client_id: client.id,
                    provider,
                    secret,
                    repo,
                    base_url,
                })
                .await?;
            println!("added source {} “{}” to {}", source.id, source.label, client.name);
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
        SourceCommand::Remove { id } => {
            engine.remove_source(id).await?;
            println!("removed source {id}");
        }
    }
    Ok(())
}

fn print_sources(sources: &[Source]) {
    if sources.is_empty() {
        println!("no sources yet: add one with `freshboard-cli source add stripe|github …`");
        return;
    }
    println!("{:>5}  {:>6}  {:<8}  LABEL", "ID", "CLIENT", "PROVIDER");
    for s in sources {
        println!(
            "{:>5}  {:>6}  {:<8}  {}",
            s.id,
            s.client_id,
            s.provider.as_str(),
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
