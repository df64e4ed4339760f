//! What a person chose about the app itself (not about a client's data), kept in
//! `app_settings` beside the rest so it survives restarts and restores like every setting.
//! The desktop shell reads these; the engine only keeps them.

use crate::error::Result;
use crate::Engine;

const CLOSE_TO_TRAY: &str = "close_to_tray";
const TOLD_CLOSE_TO_TRAY: &str = "close_to_tray_told";

impl Engine {
    /// Whether closing the window keeps Freshboard running in the tray (the default) rather
    /// than quitting it.
    pub async fn close_to_tray(&self) -> Result<bool> {
        Ok(self.store.setting(CLOSE_TO_TRAY).await?.as_deref() != Some("0"))
    }

    pub async fn set_close_to_tray(&self, on: bool) -> Result<()> {
        self.store
            .put_setting(CLOSE_TO_TRAY, if on { "1" } else { "0" })
            .await
    }

    /// True the first time it is asked, then never again: the first close to the tray says
    /// so in a notification, and later ones do not repeat it.
    pub async fn first_close_to_tray(&self) -> Result<bool> {
        if self.store.setting(TOLD_CLOSE_TO_TRAY).await?.is_some() {
            return Ok(false);
        }
        self.store.put_setting(TOLD_CLOSE_TO_TRAY, "1").await?;
        Ok(true)
    }
}
