// Declaring the app's commands makes each one a permission, so the capability file can
// grant the window exactly the commands the UI uses and nothing else.
fn main() {
    let commands = &[
        "list_clients",
        "create_client",
        "rename_client",
        "archive_client",
        "unarchive_client",
        "list_sources",
        "add_source",
        "remove_source",
        "refresh_source",
        "client_seen",
        "client_freshness",
        "get_schedule",
        "preview_schedule",
        "set_schedule",
        "remove_schedule",
        "time_zones",
        "list_connections",
        "get_oauth_settings",
        "set_oauth_settings",
        "begin_connect",
        "connect_with_token",
        "finish_connect",
        "cancel_connect",
        "disconnect",
        "list_providers",
        "connection_accounts",
        "set_source_window",
        "metrics_catalog",
        "list_dashboards",
        "create_dashboard",
        "rename_dashboard",
        "delete_dashboard",
        "get_dashboard",
        "add_widget",
        "update_widget",
        "move_widget",
        "remove_widget",
    ];
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("failed to run tauri-build");
}
