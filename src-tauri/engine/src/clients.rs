//! Clients: the agency's customers, each with their own sources and dashboards.

use serde::Serialize;
use ts_rs::TS;

use crate::clock::Millis;
use crate::error::{Error, InputError, Result};

pub const MAX_CLIENT_NAME_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Client {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub archived: bool,
    #[ts(type = "number")]
    pub created_at: Millis,
    #[ts(type = "number")]
    pub updated_at: Millis,
}

/// A validated client name and the key that makes it unique among active clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientName {
    pub display: String,
    pub key: String,
}

impl ClientName {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let display = raw.trim();
        if display.is_empty() {
            return Err(InputError::EmptyClientName);
        }
        let len = display.chars().count();
        if len > MAX_CLIENT_NAME_CHARS {
            return Err(InputError::ClientNameTooLong {
                max: MAX_CLIENT_NAME_CHARS,
                len,
            });
        }
        Ok(Self {
            display: display.to_owned(),
            key: name_key(display),
        })
    }
}

/// Case-insensitive identity of a name, Unicode-aware ("ÉCOLE" and "école" clash).
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keys_names() {
        let name = ClientName::parse("  Acme Café  ").unwrap();
        assert_eq!(name.display, "Acme Café");
        assert_eq!(name.key, "acme café");
        assert_eq!(
            ClientName::parse("ÉCOLE").unwrap().key,
            ClientName::parse("école").unwrap().key
        );
    }

    #[test]
    fn rejects_blank_and_long_names() {
        assert_eq!(ClientName::parse(" \t\n"), Err(InputError::EmptyClientName));
        let exactly = "é".repeat(MAX_CLIENT_NAME_CHARS);
        assert!(
            ClientName::parse(&exactly).is_ok(),
            "the limit counts characters, not bytes"
        );
        assert_eq!(
            ClientName::parse(&format!("{exactly}x")),
            Err(InputError::ClientNameTooLong { max: 120, len: 121 })
        );
    }
}

impl crate::Engine {
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
