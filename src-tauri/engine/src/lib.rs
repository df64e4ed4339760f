//! Freshboard's engine: everything that is not UI. The desktop shell and the CLI call only
//! [`Engine`]; nothing here knows about Tauri.
//!
//! Modules follow the data flow: `clock` (time), `store` (SQLite), then the domain modules.

pub mod clients;
pub mod clock;
pub mod error;
pub mod store;

use std::path::Path;
use std::sync::Arc;

pub use clients::{Client, MAX_CLIENT_NAME_CHARS};
pub use clock::{Clock, ManualClock, Millis, SystemClock};
pub use error::{Error, ErrorKind, InputError, Result};
pub use store::DATABASE_FILE;

use clients::ClientName;
use store::Store;

/// The one facade over the engine.
#[derive(Debug, Clone)]
pub struct Engine {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl Engine {
    /// Opens the engine on `data_dir` (created if missing) with the system clock.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        Self::open_with_clock(data_dir, Arc::new(SystemClock)).await
    }

    pub async fn open_with_clock(data_dir: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        let store = Store::open(data_dir).await?;
        Ok(Self { store, clock })
    }

    pub fn database_path(&self) -> &Path {
        self.store.path()
    }

    pub async fn close(&self) {
        self.store.close().await;
    }

    // --- clients -------------------------------------------------------------------------

    /// Active clients by name, then (if asked) archived ones.
    pub async fn list_clients(&self, include_archived: bool) -> Result<Vec<Client>> {
        self.store.list_clients(include_archived).await
    }

    pub async fn client(&self, id: i64) -> Result<Client> {
        self.store.client(id).await
    }

    /// Finds an active client by name (case-insensitive), or any client by numeric id.
    /// A name wins over an id, so a client called "2024" is still found by its name.
    pub async fn find_client(&self, name_or_id: &str) -> Result<Client> {
        if let Some(client) = self.store.client_named(name_or_id).await? {
            return Ok(client);
        }
        match name_or_id.trim().parse::<i64>() {
            Ok(id) => self.store.client(id).await,
            Err(_) => Err(Error::NoClientNamed(name_or_id.trim().to_owned())),
        }
    }

    pub async fn create_client(&self, name: &str) -> Result<Client> {
        let name = ClientName::parse(name)?;
        let client = self.store.insert_client(&name, self.clock.now_millis()).await?;
        tracing::info!(client = client.id, "client created");
        Ok(client)
    }

    pub async fn rename_client(&self, id: i64, name: &str) -> Result<Client> {
        let name = ClientName::parse(name)?;
        self.store.rename_client(id, &name, self.clock.now_millis()).await
    }

    pub async fn archive_client(&self, id: i64) -> Result<Client> {
        let now = self.clock.now_millis();
        self.store.set_client_archived(id, Some(now), now).await
    }

    pub async fn unarchive_client(&self, id: i64) -> Result<Client> {
        self.store
            .set_client_archived(id, None, self.clock.now_millis())
            .await
    }
}
