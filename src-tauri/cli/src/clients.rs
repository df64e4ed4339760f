//! `client add|list|rename|archive|unarchive`.

use clap::Subcommand;
use freshboard_engine::{Client, Engine, Result};

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Add a client
    Add { name: String },
    /// List active clients
    List {
        /// Include archived clients
        #[arg(long)]
        all: bool,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Rename a client (given by name or id)
    Rename { client: String, new_name: String },
    /// Archive a client: hidden from lists, its data kept
    Archive { client: String },
    /// Bring an archived client back (given by id)
    Unarchive { client: String },
}

pub async fn run(engine: &Engine, command: ClientCommand) -> Result<()> {
    match command {
        ClientCommand::Add { name } => {
            let client = engine.create_client(&name).await?;
            println!("added client {} “{}”", client.id, client.name);
        }
        ClientCommand::List { all, json } => {
            let clients = engine.list_clients(all).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&clients).expect("clients serialize")
                );
            } else {
                print_table(&clients);
            }
        }
        ClientCommand::Rename { client, new_name } => {
            let client = engine.find_client(&client).await?;
            let renamed = engine.rename_client(client.id, &new_name).await?;
            println!("renamed client {} to “{}”", renamed.id, renamed.name);
        }
        ClientCommand::Archive { client } => {
            let client = engine.find_client(&client).await?;
            engine.archive_client(client.id).await?;
            println!("archived client {} “{}”", client.id, client.name);
        }
        ClientCommand::Unarchive { client } => {
            let client = engine.find_client(&client).await?;
            engine.unarchive_client(client.id).await?;
            println!("unarchived client {} “{}”", client.id, client.name);
        }
    }
    Ok(())
}

fn print_table(clients: &[Client]) {
    if clients.is_empty() {
        println!("no clients yet: add one with `freshboard-cli client add NAME`");
        return;
    }
    let width = clients
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    println!("{:>5}  {:<width$}  STATUS", "ID", "NAME");
    for c in clients {
        let status = if c.archived { "archived" } else { "active" };
        println!("{:>5}  {:<width$}  {status}", c.id, c.name);
    }
}
