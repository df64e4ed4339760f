//! Keeping an OAuth connection's access token valid: refreshed a minute ahead of expiry,
//! or once after a 401, by one task per connection at a time. Providers that rotate
//! refresh tokens (GitHub, Stripe) refuse a second refresh with the old one, so a second
//! caller waits for the first and then uses what it stored. The new bundle is written to
//! the keyring before anyone uses it: a crash after a refresh never loses the only valid
//! refresh token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{refresh, AuthError, OAuthApp};
use crate::clock::Millis;
use crate::error::{Error, Result};
use crate::secrets::Secrets;

/// Refresh this long before the access token expires.
const EARLY_MS: Millis = 60_000;

#[derive(Debug, Default)]
pub struct TokenKeeper {
    /// One lock per keyring entry (= per connection).
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl TokenKeeper {
    fn lock_for(&self, keyring_ref: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().expect("token locks");
        Arc::clone(locks.entry(keyring_ref.to_owned()).or_default())
    }

    /// An access token that is good for at least another minute. `rejected` is the token a
    /// provider just refused with a 401: it is refreshed unless another caller already did.
    pub async fn access_token(
        &self,
        secrets: &Secrets,
        keyring_ref: &str,
        app: &OAuthApp,
        http: &reqwest::Client,
        now: Millis,
        rejected: Option<&str>,
    ) -> Result<String> {
        let lock = self.lock_for(keyring_ref);
        let _held = lock.lock().await;
        let stored = secrets
            .get(keyring_ref)
            .await?
            .ok_or_else(|| Error::MissingSecret(app.provider.clone()))?;
        let expiring = stored.expires_at.is_some_and(|at| at - now <= EARLY_MS);
        let refused = rejected.is_some_and(|r| r == stored.access);
        if !expiring && !refused {
            return Ok(stored.access);
        }
        let refresh_token = stored
            .refresh
            .as_deref()
            .ok_or(Error::Auth(AuthError::NoRefreshToken))?;
        let renewed = refresh(app, http, refresh_token, now).await?;
        secrets.set(keyring_ref, &renewed).await?;
        tracing::info!(provider = %app.provider, "access token refreshed");
        Ok(renewed.access)
    }
}
