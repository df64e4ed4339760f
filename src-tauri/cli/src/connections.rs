//! `connect`, `connections list` and `disconnect`: OAuth connections made in the browser.

use clap::{Args, Subcommand, ValueEnum};
use freshboard_engine::connections::{Connection, OAuthSettings};
use freshboard_engine::{Engine, Provider, Result};

#[derive(Args)]
pub struct ConnectArgs {
    #[arg(value_enum)]
    provider: OAuthProvider,
    /// Your OAuth app's client id (saved for next time)
    #[arg(long)]
    client_id: Option<String>,
    /// The authorization endpoint, for GitHub Enterprise or a test server (saved)
    #[arg(long, value_name = "URL")]
    auth_url: Option<String>,
    /// The token endpoint (saved)
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    /// The API behind the grant (saved)
    #[arg(long, value_name = "URL")]
    api_base_url: Option<String>,
    /// Renew this connection's grant instead of making a new connection
    #[arg(long, value_name = "ID")]
    reconnect: Option<i64>,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum OAuthProvider {
    Github,
}

#[derive(Subcommand)]
pub enum ConnectionsCommand {
    /// Connections, with their status and the clients using them (never their tokens)
    List {
        #[arg(long)]
        json: bool,
    },
}

pub async fn connect(engine: &Engine, args: ConnectArgs) -> Result<()> {
    let provider = match args.provider {
        OAuthProvider::Github => Provider::Github,
    };
    let mut settings = engine.oauth_settings(provider).await?;
    let given = OAuthSettings {
        client_id: args.client_id,
        auth_url: args.auth_url,
        token_url: args.token_url,
        api_base_url: args.api_base_url,
    };
    if given != OAuthSettings::default() {
        settings.client_id = given.client_id.or(settings.client_id);
        settings.auth_url = given.auth_url.or(settings.auth_url);
        settings.token_url = given.token_url.or(settings.token_url);
        settings.api_base_url = given.api_base_url.or(settings.api_base_url);
        engine.set_oauth_settings(provider, &settings).await?;
    }
    let pending = engine.begin_connect(provider, args.reconnect).await?;
    eprintln!(
        "Sign in to {} in your browser. If it does not open, visit:",
        provider.label()
    );
    println!("{}", pending.url);
    open_browser(&pending.url);
    eprintln!("Waiting for the browser (up to 5 minutes; Ctrl-C cancels)…");
    let connection = tokio::select! {
        connection = engine.finish_connect(pending.id) => connection?,
        _ = tokio::signal::ctrl_c() => {
            engine.cancel_connect(pending.id);
            return engine.finish_connect(pending.id).await.map(|_| ());
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&connection).expect("a connection serialises")
        );
    } else {
        println!(
            "connected {} — {} as connection {}",
            connection.provider.label(),
            connection.account_label,
            connection.id
        );
    }
    Ok(())
}

/// Best effort: a desktop session opens the page; elsewhere the printed address does.
fn open_browser(url: &str) {
    let desktop = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let opener = if cfg!(target_os = "macos") {
        Some("open")
    } else if cfg!(target_os = "linux") && desktop {
        Some("xdg-open")
    } else {
        None
    };
    if let Some(opener) = opener {
        let _ = std::process::Command::new(opener)
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

pub async fn run(engine: &Engine, command: ConnectionsCommand) -> Result<()> {
    let ConnectionsCommand::List { json } = command;
    let connections = engine.connections().await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&connections).expect("connections serialise")
        );
        return Ok(());
    }
    for c in &connections {
        print_connection(c);
    }
    Ok(())
}

fn print_connection(c: &Connection) {
    let clients = if c.clients.is_empty() {
        "no clients".to_owned()
    } else {
        c.clients.join(", ")
    };
    println!(
        "{:>4}  {:<7} {:<24} {:<13} {}",
        c.id,
        c.provider.label(),
        c.account_label,
        c.status.as_str(),
        clients
    );
}

pub async fn disconnect(engine: &Engine, id: i64, keep_data: bool) -> Result<()> {
    engine.disconnect(id, keep_data).await?;
    println!(
        "disconnected connection {id}{}",
        if keep_data {
            "; its sources and their data were kept (they no longer sync)"
        } else {
            " and removed its sources"
        }
    );
    Ok(())
}
