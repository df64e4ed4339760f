//! The commands the webview may call. Each is a few lines over `Engine`: no logic here.

use freshboard_engine::connections::{
    AccountProvider, Connection, OAuthSettings, PendingConnect, SignInMethod,
};
use freshboard_engine::health::{Alert, AlertSettings, HealthOverview, HealthQuery, HealthReport};
use freshboard_engine::schedule::system_time_zone;
use freshboard_engine::{
    Account, Client, ClientFreshness, Dashboard, DashboardView, JobReason, MetricInfo, NewSource, NewWidget,
    Provider, ProviderInfo, Schedule, SchedulePreview, ScheduleSpec, Source, Widget, WidgetChange,
};
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

use crate::background::DemoProblem;
use crate::error::CommandError;
use crate::preferences::{self, Preferences};
use crate::startup::{AppState, StartupProblem};

/// Every IANA zone, for the schedule editor's picker, and the one this computer uses.
#[derive(Serialize, TS)]
#[ts(export)]
pub struct TimeZones {
    pub zones: Vec<String>,
    pub system: String,
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

// --- sources ---------------------------------------------------------------------------

#[tauri::command]
pub async fn list_sources(state: State<'_, AppState>, client_id: i64) -> Reply<Vec<Source>> {
    Ok(state.engine()?.sources(Some(client_id)).await?)
}

/// Every provider a source can come from, and how each is added.
#[tauri::command]
pub fn list_providers(state: State<'_, AppState>) -> Reply<Vec<ProviderInfo>> {
    Ok(state.engine()?.providers())
}

/// Checks the account with the provider, then adds it (a key or token goes to the keyring).
#[tauri::command]
pub async fn add_source(state: State<'_, AppState>, source: NewSource) -> Reply<Source> {
    Ok(state.engine()?.add_source(source).await?)
}

/// The days a source re-reads every sync and its first sync's history (`null`: the default).
#[tauri::command]
pub async fn set_source_window(
    state: State<'_, AppState>,
    source_id: i64,
    lookback_days: Option<u32>,
    history_days: Option<u32>,
) -> Reply<Source> {
    Ok(state
        .engine()?
        .set_source_window(source_id, lookback_days, history_days)
        .await?)
}

/// A person's request rate for a connection, shared by its sources (`None`: the provider's
/// documented rate).
#[tauri::command]
pub async fn set_connection_rate(
    state: State<'_, AppState>,
    connection_id: i64,
    rate_per_sec: Option<u32>,
) -> Reply<Connection> {
    Ok(state
        .engine()?
        .set_connection_rate(connection_id, rate_per_sec)
        .await?)
}

#[tauri::command]
pub async fn remove_source(state: State<'_, AppState>, source_id: i64) -> Reply<()> {
    Ok(state.engine()?.remove_source(source_id).await?)
}

/// Queues a sync now; `None` when one is already queued or running.
#[tauri::command]
pub async fn refresh_source(state: State<'_, AppState>, source_id: i64) -> Reply<Option<i64>> {
    Ok(state.engine()?.enqueue(source_id, JobReason::Manual).await?)
}

// --- attention and freshness ------------------------------------------------------------

#[tauri::command]
pub async fn client_seen(state: State<'_, AppState>, client_id: i64) -> Reply<()> {
    state.engine()?.client_seen(client_id).await?;
    Ok(())
}

#[tauri::command]
pub async fn client_freshness(state: State<'_, AppState>, client_id: i64) -> Reply<ClientFreshness> {
    Ok(state.engine()?.client_freshness(client_id).await?)
}

// --- connections -----------------------------------------------------------------------

#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> Reply<Vec<Connection>> {
    Ok(state.engine()?.connections().await?)
}

#[tauri::command]
pub async fn get_oauth_settings(
    state: State<'_, AppState>,
    provider: AccountProvider,
) -> Reply<OAuthSettings> {
    Ok(state.engine()?.oauth_settings(provider).await?)
}

#[tauri::command]
pub async fn set_oauth_settings(
    state: State<'_, AppState>,
    provider: AccountProvider,
    settings: OAuthSettings,
) -> Reply<()> {
    Ok(state.engine()?.set_oauth_settings(provider, &settings).await?)
}

/// Starts a sign-in. In the browser: opens the provider's consent page in the system
/// browser (never a webview); the address is returned too, for when no browser opens. With
/// a device code, the window shows the code and the page to type it on.
#[tauri::command]
pub async fn begin_connect(
    app: AppHandle,
    state: State<'_, AppState>,
    provider: AccountProvider,
    reconnect: Option<i64>,
    method: Option<SignInMethod>,
) -> Reply<PendingConnect> {
    let method = method.unwrap_or_default();
    let pending = state.engine()?.begin_connect(provider, reconnect, method).await?;
    if method == SignInMethod::Browser {
        // The opener's error repeats the address, whose `state` belongs to this sign-in
        // only: it is not logged.
        if app.opener().open_url(&pending.url, None::<&str>).is_err() {
            tracing::warn!("could not open the system browser; the window shows the sign-in address");
        }
    }
    Ok(pending)
}

/// Connects with a pasted token (a Meta system-user token), checked with the provider first.
#[tauri::command]
pub async fn connect_with_token(
    state: State<'_, AppState>,
    provider: AccountProvider,
    token: String,
) -> Reply<Connection> {
    Ok(state.engine()?.connect_with_token(provider, &token).await?)
}

/// Waits for the browser to come back (up to five minutes) and stores the connection.
#[tauri::command]
pub async fn finish_connect(state: State<'_, AppState>, id: u64) -> Reply<Connection> {
    Ok(state.engine()?.finish_connect(id).await?)
}

#[tauri::command]
pub fn cancel_connect(state: State<'_, AppState>, id: u64) -> Reply<bool> {
    Ok(state.engine()?.cancel_connect(id))
}

#[tauri::command]
pub async fn disconnect(state: State<'_, AppState>, id: i64, keep_data: bool) -> Reply<()> {
    Ok(state.engine()?.disconnect(id, keep_data).await?)
}

/// What a connection can see for a provider (repositories, properties, sites, customers),
/// to pick one for a new source.
#[tauri::command]
pub async fn connection_accounts(
    state: State<'_, AppState>,
    connection_id: i64,
    provider: Provider,
) -> Reply<Vec<Account>> {
    Ok(state
        .engine()?
        .connection_accounts(connection_id, provider)
        .await?)
}

// --- dashboards ------------------------------------------------------------------------

#[tauri::command]
pub fn metrics_catalog(state: State<'_, AppState>) -> Reply<Vec<MetricInfo>> {
    Ok(state.engine()?.metrics_catalog())
}

#[tauri::command]
pub async fn list_dashboards(state: State<'_, AppState>, client_id: i64) -> Reply<Vec<Dashboard>> {
    Ok(state.engine()?.dashboards(client_id).await?)
}

#[tauri::command]
pub async fn create_dashboard(state: State<'_, AppState>, client_id: i64, name: String) -> Reply<Dashboard> {
    Ok(state.engine()?.create_dashboard(client_id, &name).await?)
}

#[tauri::command]
pub async fn rename_dashboard(state: State<'_, AppState>, id: i64, name: String) -> Reply<Dashboard> {
    Ok(state.engine()?.rename_dashboard(id, &name).await?)
}

#[tauri::command]
pub async fn delete_dashboard(state: State<'_, AppState>, id: i64) -> Reply<()> {
    Ok(state.engine()?.delete_dashboard(id).await?)
}

/// Every widget's numbers from the local copy (never a provider), with their freshness.
#[tauri::command]
pub async fn get_dashboard(state: State<'_, AppState>, id: i64) -> Reply<DashboardView> {
    Ok(state.engine()?.get_dashboard(id).await?)
}

#[tauri::command]
pub async fn add_widget(state: State<'_, AppState>, dashboard_id: i64, widget: NewWidget) -> Reply<Widget> {
    Ok(state.engine()?.add_widget(dashboard_id, widget).await?)
}

#[tauri::command]
pub async fn update_widget(state: State<'_, AppState>, id: i64, change: WidgetChange) -> Reply<Widget> {
    Ok(state.engine()?.update_widget(id, change).await?)
}

#[tauri::command]
pub async fn move_widget(state: State<'_, AppState>, id: i64, position: usize) -> Reply<()> {
    Ok(state.engine()?.move_widget(id, position).await?)
}

#[tauri::command]
pub async fn remove_widget(state: State<'_, AppState>, id: i64) -> Reply<()> {
    Ok(state.engine()?.remove_widget(id).await?)
}

// --- schedules -------------------------------------------------------------------------

#[tauri::command]
pub async fn get_schedule(state: State<'_, AppState>, source_id: i64) -> Reply<Option<Schedule>> {
    Ok(state.engine()?.schedule(source_id).await?)
}

#[tauri::command]
pub async fn preview_schedule(state: State<'_, AppState>, spec: ScheduleSpec) -> Reply<SchedulePreview> {
    Ok(state.engine()?.preview_schedule(&spec)?)
}

#[tauri::command]
pub async fn set_schedule(state: State<'_, AppState>, source_id: i64, spec: ScheduleSpec) -> Reply<Schedule> {
    Ok(state.engine()?.set_schedule(source_id, &spec).await?)
}

#[tauri::command]
pub async fn remove_schedule(state: State<'_, AppState>, source_id: i64) -> Reply<()> {
    Ok(state.engine()?.remove_schedule(source_id).await?)
}

#[tauri::command]
pub fn time_zones() -> TimeZones {
    TimeZones {
        zones: chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name().to_owned())
            .collect(),
        system: system_time_zone(),
    }
}

// --- health -----------------------------------------------------------------------------

#[tauri::command]
pub async fn health_overview(state: State<'_, AppState>) -> Reply<HealthOverview> {
    Ok(state.engine()?.health_overview().await?)
}

#[tauri::command]
pub async fn health(state: State<'_, AppState>, query: HealthQuery) -> Reply<HealthReport> {
    Ok(state.engine()?.health(query).await?)
}

#[tauri::command]
pub async fn list_alerts(state: State<'_, AppState>, open_only: bool) -> Reply<Vec<Alert>> {
    Ok(state.engine()?.alerts(open_only).await?)
}

#[tauri::command]
pub async fn get_alert_settings(state: State<'_, AppState>) -> Reply<AlertSettings> {
    Ok(state.engine()?.alert_settings().await?)
}

#[tauri::command]
pub async fn set_alert_settings(state: State<'_, AppState>, settings: AlertSettings) -> Reply<AlertSettings> {
    Ok(state.engine()?.set_alert_settings(&settings).await?)
}

/// Why the engine did not start, if it did not, and the backups that could replace a damaged
/// database.
#[tauri::command]
pub async fn startup_problem(state: State<'_, AppState>) -> Reply<Option<StartupProblem>> {
    Ok(state.problem().await)
}

#[tauri::command]
pub async fn restore_backup(app: AppHandle, state: State<'_, AppState>, id: String) -> Reply<()> {
    state.restore(&app, &id).await
}

#[tauri::command]
pub async fn start_fresh(app: AppHandle, state: State<'_, AppState>) -> Reply<()> {
    state.start_fresh(&app).await
}

/// The keyring not answering: what that means, and why the demo did not start if that is why.
#[derive(Serialize, TS)]
#[ts(export)]
pub struct KeyringProblem {
    pub message: String,
    pub demo: Option<String>,
}

#[tauri::command]
pub async fn keyring_problem(
    state: State<'_, AppState>,
    demo: State<'_, DemoProblem>,
) -> Reply<Option<KeyringProblem>> {
    Ok(state
        .engine()?
        .check_keyring()
        .await
        .err()
        .map(|e| KeyringProblem {
            message: e.to_string(),
            demo: demo.0.lock().expect("demo problem").clone(),
        }))
}

/// What the About dialog shows.
#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub version: &'static str,
    /// The commit it was built from (`git describe`).
    pub build: &'static str,
    pub data_dir: String,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        build: env!("FRESHBOARD_BUILD"),
        data_dir: state.data_dir().display().to_string(),
    }
}

#[tauri::command]
pub async fn get_preferences(app: AppHandle) -> Reply<Preferences> {
    preferences::read(&app).await
}

#[tauri::command]
pub async fn set_preferences(app: AppHandle, preferences: Preferences) -> Reply<Preferences> {
    preferences::apply(&app, preferences).await
}
