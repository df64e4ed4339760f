//! `connect`, `connections list` and `disconnect`: connections made in the browser, with a
//! device code, or with a pasted token.

use std::io::BufRead;

use clap::{Args, Subcommand, ValueEnum};
use freshboard_engine::connections::{AccountProvider, Connection, OAuthSettings, SignInMethod};
use freshboard_engine::{Engine, Result};

#[derive(Args)]
pub struct ConnectArgs {
    #[arg(value_enum)]
    provider: OAuthProvider,
    /// Your OAuth app's client id (saved for next time)
    #[arg(long)]
    client_id: Option<String>,
    /// Read your OAuth app's client secret from the first line of stdin (kept in the
    /// keyring; Google and Meta need one)
    #[arg(long)]
    client_secret_stdin: bool,
    /// Read Google Ads' developer token from stdin (the line after the client secret when
    /// both are given; kept in the keyring)
    #[arg(long)]
    developer_token_stdin: bool,
    /// The fixed loopback port registered with the app (Meta; saved)
    #[arg(long, value_name = "PORT")]
    redirect_port: Option<u16>,
    /// Sign in with a code typed on the provider's site from any device (GitHub)
    #[arg(long, conflicts_with = "token_stdin")]
    device: bool,
    /// Connect with a token read from the first line of stdin instead of signing in (a
    /// Meta system-user token)
    #[arg(long, conflicts_with_all = ["client_secret_stdin", "reconnect"])]
    token_stdin: bool,
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
    Google,
    Meta,
}

#[derive(Subcommand)]
pub enum ConnectionsCommand {
    /// Connections, with their status and the clients using them (never their tokens)
    List {
        #[arg(long)]
        json: bool,
    },
    /// The accounts of a provider a connection can see, to add as sources (repositories,
    /// GA4 properties, Search Console sites, Google Ads accounts)
    Accounts {
        /// The connection (see `connections list`)
        id: i64,
        /// The provider whose accounts to list (see `source providers`)
        provider: String,
        #[arg(long)]
        json: bool,
    },
}

/// The first line of stdin: secrets never go on the command line, where `ps` shows them.
fn stdin_line() -> String {
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim().to_owned()
}

pub async fn connect(engine: &Engine, args: ConnectArgs) -> Result<()> {
    let provider = match args.provider {
        OAuthProvider::Github => AccountProvider::Github,
        OAuthProvider::Google => AccountProvider::Google,
        OAuthProvider::Meta => AccountProvider::Meta,
    };
    let given = OAuthSettings {
        client_id: args.client_id,
        client_secret: args.client_secret_stdin.then(stdin_line),
        app_token: args.developer_token_stdin.then(stdin_line),
        auth_url: args.auth_url,
        token_url: args.token_url,
        api_base_url: args.api_base_url,
        redirect_port: args.redirect_port,
        ..OAuthSettings::default()
    };
    if given != OAuthSettings::default() {
        let mut settings = engine.oauth_settings(provider).await?;
        settings.client_id = given.client_id.or(settings.client_id);
        settings.client_secret = given.client_secret;
        settings.app_token = given.app_token;
        settings.auth_url = given.auth_url.or(settings.auth_url);
        settings.token_url = given.token_url.or(settings.token_url);
        settings.api_base_url = given.api_base_url.or(settings.api_base_url);
        settings.redirect_port = given.redirect_port.or(settings.redirect_port);
        engine.set_oauth_settings(provider, &settings).await?;
    }
    let connection = if args.token_stdin {
        engine.connect_with_token(provider, &stdin_line()).await?
    } else {
        sign_in(engine, provider, args.reconnect, args.device).await?
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

/// Prints where to sign in (the address; for a device code, then the code) and waits.
async fn sign_in(
    engine: &Engine,
    provider: AccountProvider,
    reconnect: Option<i64>,
    device: bool,
) -> Result<Connection> {
    let method = if device {
        SignInMethod::DeviceCode
    } else {
        SignInMethod::Browser
    };
    let pending = engine.begin_connect(provider, reconnect, method).await?;
    match &pending.user_code {
        Some(code) => {
            eprintln!("On any device, visit the address below and enter the code:");
            println!("{}", pending.url);
            println!("{code}");
            eprintln!("Waiting for you to enter the code (Ctrl-C cancels)…");
        }
        None => {
            eprintln!(
                "Sign in to {} in your browser. If it does not open, visit:",
                provider.label()
            );
            println!("{}", pending.url);
            open_browser(&pending.url);
            eprintln!("Waiting for the browser (up to 5 minutes; Ctrl-C cancels)…");
        }
    }
    tokio::select! {
        connection = engine.finish_connect(pending.id) => connection,
        _ = tokio::signal::ctrl_c() => {
            engine.cancel_connect(pending.id);
            engine.finish_connect(pending.id).await
        }
    }
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
    let json = match command {
        ConnectionsCommand::List { json } => json,
        ConnectionsCommand::Accounts { id, provider, json } => {
            let provider = crate::sources::provider(engine, &provider)?;
            let accounts = engine.connection_accounts(id, provider).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&accounts).expect("accounts serialise")
                );
            } else if accounts.is_empty() {
                println!("connection {id} sees no {} accounts", provider.label());
            } else {
                for a in accounts {
                    let zone = a.time_zone.map(|z| format!("  ({z})")).unwrap_or_default();
                    let via = a.parent.map(|p| format!("  via {p}")).unwrap_or_default();
                    println!("{:<34} {}{zone}{via}", a.id, a.label);
                }
            }
            return Ok(());
        }
    };
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
