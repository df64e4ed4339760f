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
        "set_connection_rate",
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
        "health_overview",
        "health",
        "list_alerts",
        "get_alert_settings",
        "set_alert_settings",
        "startup_problem",
        "restore_backup",
        "start_fresh",
        "keyring_problem",
        "app_info",
        "get_preferences",
        "set_preferences",
    ];
    record_build();
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("failed to run tauri-build");
}

/// The commit the app was built from, for the About dialog: `git describe` of the checkout
/// (changes not yet committed are not marked); "unknown" outside a git checkout.
fn record_build() {
    let described = std::process::Command::new("git")
        .args(["describe", "--always", "--abbrev=12"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    println!(
        "cargo:rustc-env=FRESHBOARD_BUILD={}",
        described.as_deref().unwrap_or("unknown")
    );
    // A new commit or checkout is a new build. Only paths that exist: cargo reruns a script
    // whose watched path is missing, every time.
    for watched in [
        "../.git/HEAD",
        "../.git/index",
        "../.git/refs/heads",
        "../.git/packed-refs",
    ] {
        if std::path::Path::new(watched).exists() {
            println!("cargo:rerun-if-changed={watched}");
        }
    }
}
