//! The commands the webview may call. Each is a few lines over `Engine`: no logic here.

use freshboard_engine::{Client, Engine};
use tauri::State;

use crate::error::CommandError;

/// The engine, or why it could not start (e.g. a database from a newer Freshboard); the
/// UI shows that reason instead of a dead window.
pub struct AppState(pub Result<Engine, CommandError>);

impl AppState {
    fn engine(&self) -> Result<&Engine, CommandError> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

type Reply<T> = Result<T, CommandError>;

#[tauri::command]
pub async fn list_clients(state: State<'_, AppState>, include_archived: bool) -> Reply<Vec<Client>> {
    Ok(state.engine()?.list_clients(include_archived).await?)
}

#[tauri::command]
pub async fn create_client(state: State<'_, AppState>, name: String) -> Reply<Client> {
    Ok(state.engine()?.create_client(&name).await?)
}

#[tauri::command]
pub async fn rename_client(state: State<'_, AppState>, id: i64, name: String) -> Reply<Client> {
    Ok(state.engine()?.rename_client(id, &name).await?)
}

#[tauri::command]
pub async fn archive_client(state: State<'_, AppState>, id: i64) -> Reply<Client> {
    Ok(state.engine()?.archive_client(id).await?)
}

#[tauri::command]
pub async fn unarchive_client(state: State<'_, AppState>, id: i64) -> Reply<Client> {
    Ok(state.engine()?.unarchive_client(id).await?)
}
