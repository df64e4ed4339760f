//! Secrets live only in the OS keyring; SQLite keeps the entry's name (`keyring_ref`).
//!
//! The keyring API is blocking and can hang on a locked keychain, so every call runs on the
//! blocking pool under a timeout. Tests that are not about the keyring use `MemoryStore`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The keyring service every Freshboard entry is filed under, so people find them in their
/// keychain app under one name.
pub const KEYRING_SERVICE: &str = "Freshboard";
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "No keyring is available ({0}). Freshboard keeps tokens only in your system keyring \
         (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows): start or \
         unlock it and try again."
    )]
    Unavailable(String),
    #[error("The keyring did not answer within {0} seconds. Unlock it (it may be asking for a password) and try again.")]
    TimedOut(u64),
    #[error("The keyring refused the secret: {0}")]
    Rejected(String),
}

/// A blocking secret store. Implementations must be safe to call from any thread.
pub trait SecretStore: Send + Sync + std::fmt::Debug + 'static {
    fn set(&self, name: &str, secret: &str) -> Result<(), SecretError>;
    fn get(&self, name: &str) -> Result<Option<String>, SecretError>;
    fn delete(&self, name: &str) -> Result<(), SecretError>;
}

/// The OS keyring (Secret Service, Keychain, Credential Manager).
#[derive(Debug, Default)]
pub struct KeyringStore;

impl KeyringStore {
    fn entry(name: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(KEYRING_SERVICE, name).map_err(map_keyring_error)
    }
}

impl SecretStore for KeyringStore {
    fn set(&self, name: &str, secret: &str) -> Result<(), SecretError> {
        Self::entry(name)?.set_password(secret).map_err(map_keyring_error)
    }

    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        match Self::entry(name)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        match Self::entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

fn map_keyring_error(e: keyring::Error) -> SecretError {
    match e {
        // No session bus, no Secret Service, a locked collection: all "no keyring" to a person.
        keyring::Error::NoStorageAccess(inner) => SecretError::Unavailable(inner.to_string()),
        keyring::Error::PlatformFailure(inner) => SecretError::Unavailable(inner.to_string()),
        other => SecretError::Rejected(other.to_string()),
    }
}

/// Secrets in memory, for tests that are about something else.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<String, String>>);

impl MemoryStore {
    /// The entries' names, sorted: what a person would see in their keychain app.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.0.lock().expect("memory store").keys().cloned().collect();
        names.sort();
        names
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, name: &str, secret: &str) -> Result<(), SecretError> {
        self.0
            .lock()
            .expect("memory store")
            .insert(name.to_owned(), secret.to_owned());
        Ok(())
    }

    fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        Ok(self.0.lock().expect("memory store").get(name).cloned())
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        self.0.lock().expect("memory store").remove(name);
        Ok(())
    }
}

/// The async face of a `SecretStore`: blocking pool plus timeout.
#[derive(Debug, Clone)]
pub struct Secrets {
    store: Arc<dyn SecretStore>,
}

impl Secrets {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self { store }
    }

    pub async fn set(&self, name: &str, credential: &Credential) -> Result<(), SecretError> {
        let secret = serde_json::to_string(credential).expect("credential serializes");
        self.call(name, move |store, name| store.set(&name, &secret))
            .await
    }

    pub async fn get(&self, name: &str) -> Result<Option<Credential>, SecretError> {
        let secret = self.call(name, |store, name| store.get(&name)).await?;
        Ok(secret.map(|s| Credential::decode(&s)))
    }

    /// Whether the keyring answers: a read of an entry that is never written. (A locked
    /// keyring may still answer this; reading a real key then says to unlock it.)
    pub async fn probe(&self) -> Result<(), SecretError> {
        self.call("Freshboard keyring check", |store, name| store.get(&name))
            .await
            .map(|_| ())
    }

    pub async fn delete(&self, name: &str) -> Result<(), SecretError> {
        self.call(name, |store, name| store.delete(&name)).await
    }

    /// A new entry's name, one a person can recognise in their keychain app ("Stripe — Acme
    /// (…)"), that no entry has yet: writing a secret under a taken name would replace another
    /// connection's. The random part makes a clash rare; the look makes it impossible.
    pub async fn fresh_name(&self, provider: &str, account: &str) -> Result<String, SecretError> {
        loop {
            let name = format!("{provider} — {account} ({:012x})", fastrand::u64(..1 << 48));
            if self.get(&name).await?.is_none() {
                return Ok(name);
            }
        }
    }

    async fn call<T: Send + 'static>(
        &self,
        name: &str,
        f: impl FnOnce(&dyn SecretStore, String) -> Result<T, SecretError> + Send + 'static,
    ) -> Result<T, SecretError> {
        let store = self.store.clone();
        let name = name.to_owned();
        let task = tokio::task::spawn_blocking(move || f(store.as_ref(), name));
        match tokio::time::timeout(CALL_TIMEOUT, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(SecretError::Unavailable(format!("keyring call failed: {join}"))),
            Err(_) => Err(SecretError::TimedOut(CALL_TIMEOUT.as_secs())),
        }
    }
}

/// What one keyring entry holds. Short field names keep the bundle compact (Windows caps a
/// secret at ~1,280 characters).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The API key, personal token or OAuth access token.
    #[serde(rename = "a")]
    pub access: String,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
    /// Expiry of the access token, UTC milliseconds.
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The scopes the token endpoint said it granted, when it said. Not a secret and not kept
    /// here: the connection records them in SQLite.
    #[serde(skip)]
    pub granted_scopes: Option<String>,
}

impl Credential {
    pub fn token(access: impl Into<String>) -> Self {
        Self {
            access: access.into(),
            refresh: None,
            expires_at: None,
            granted_scopes: None,
        }
    }

    /// A bare string (written by hand, or by an older version) is an access token.
    fn decode(secret: &str) -> Self {
        serde_json::from_str(secret).unwrap_or_else(|_| Self::token(secret))
    }
}

/// Never prints the secret itself.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("access", &"[redacted]")
            .field("refresh", &self.refresh.as_ref().map(|_| "[redacted]"))
            .field("expires_at", &self.expires_at)
            .field("granted_scopes", &self.granted_scopes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_entry_name_is_never_one_already_taken() {
        let secrets = Secrets::new(Arc::new(MemoryStore::default()));
        // The name the generator would give first is taken by another connection's key.
        fastrand::seed(7);
        let first = secrets.fresh_name("Stripe", "Acme").await.unwrap();
        assert!(first.starts_with("Stripe — Acme ("), "{first}");
        let theirs = Credential::token("rk_live_theirs");
        secrets.set(&first, &theirs).await.unwrap();
        fastrand::seed(7);
        let second = secrets.fresh_name("Stripe", "Acme").await.unwrap();
        assert_ne!(second, first);
        assert_eq!(secrets.get(&first).await.unwrap(), Some(theirs));
    }

    #[tokio::test]
    async fn round_trips_and_never_debug_prints_the_secret() {
        let secrets = Secrets::new(Arc::new(MemoryStore::default()));
        let credential = Credential::token("rk_test_abc123");
        secrets.set("conn", &credential).await.unwrap();
        assert_eq!(secrets.get("conn").await.unwrap(), Some(credential.clone()));
        assert!(!format!("{credential:?}").contains("abc123"));
        secrets.delete("conn").await.unwrap();
        assert_eq!(secrets.get("conn").await.unwrap(), None);
    }
}
