//! Google, Meta and GitHub's device flow against the simulator's issuers, each with its
//! real quirks: Google's offline access and client secret, Meta's exact redirect URI and
//! 60-day tokens without refresh, pasted Meta system-user tokens, and GitHub's device codes.

mod common;

use std::sync::Arc;

use common::*;
use freshboard_engine::auth::{self, AuthError, OAuthApp};
use freshboard_engine::connections::{
    AccountProvider, AuthKind, Connection, ConnectionStatus, OAuthSettings, SignInMethod,
};
use freshboard_engine::secrets::{Credential, SecretStore};
use freshboard_engine::{Clock, Engine, EngineOptions, Error, ErrorKind, ManualClock, MemoryStore};
use serde_json::json;

struct Setup {
    engine: Engine,
    secrets: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let clock = manual_clock();
    let options = EngineOptions {
        clock: clock.clone(),
        secrets: secrets.clone(),
        http: fast_http(),
        pace_requests: false,
    };
    let engine = Engine::open_with(dir.path(), options).await.unwrap();
    Setup {
        engine,
        secrets,
        clock,
        dir,
    }
}

/// The provider's endpoints on the simulator, with the client secret unless `None`.
async fn point_at_sim(
    engine: &Engine,
    sim: &Sim,
    provider: AccountProvider,
    secret: Option<&str>,
    port: Option<u16>,
) {
    let (auth, token) = match provider {
        AccountProvider::Google => ("o/oauth2/v2/auth", "token"),
        AccountProvider::Meta => ("dialog/oauth", "oauth/access_token"),
        _ => ("login/oauth/authorize", "login/oauth/access_token"),
    };
    let settings = OAuthSettings {
        client_id: Some(provider_sim::OAUTH_CLIENT_ID.into()),
        client_secret: secret.map(str::to_owned),
        auth_url: Some(format!("{}/{auth}", sim.url())),
        token_url: Some(format!("{}/{token}", sim.url())),
        api_base_url: Some(sim.url()),
        redirect_port: port,
        ..OAuthSettings::default()
    };
    engine.set_oauth_settings(provider, &settings).await.unwrap();
}

async fn connect_in_browser(engine: &Engine, provider: AccountProvider) -> Connection {
    let pending = engine
        .begin_connect(provider, None, SignInMethod::Browser)
        .await
        .unwrap();
    let (connection, ()) = tokio::join!(engine.finish_connect(pending.id), play_browser(&pending.url));
    connection.expect("connected")
}

fn input_field(err: &Error) -> Option<&'static str> {
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    err.field()
}

/// The SQLite file (and its WAL) as bytes, to look for secrets in.
fn database_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(freshboard_engine::DATABASE_FILE)
        {
            bytes.extend(std::fs::read(entry.path()).unwrap());
        }
    }
    assert!(!bytes.is_empty(), "found the database in {}", dir.display());
    bytes
}

#[tokio::test]
async fn one_google_sign_in_covers_analytics_search_console_and_ads_offline() {
    let sim = Sim::start(small_config()).await;
    let s = setup().await;

    // Google wants the app's client secret: without it, nothing starts.
    point_at_sim(&s.engine, &sim, AccountProvider::Google, None, None).await;
    let err = s
        .engine
        .begin_connect(AccountProvider::Google, None, SignInMethod::Browser)
        .await
        .unwrap_err();
    assert_eq!(input_field(&err), Some("clientSecret"));

    // A wrong secret fails at the token exchange and points at the secret's field.
    point_at_sim(
        &s.engine,
        &sim,
        AccountProvider::Google,
        Some("not-the-secret"),
        None,
    )
    .await;
    let pending = s
        .engine
        .begin_connect(AccountProvider::Google, None, SignInMethod::Browser)
        .await
        .unwrap();
    let (outcome, ()) = tokio::join!(s.engine.finish_connect(pending.id), play_browser(&pending.url));
    let err = outcome.unwrap_err();
    assert_eq!(input_field(&err), Some("clientSecret"));
    assert!(err.to_string().contains("Settings → OAuth apps"), "{err}");
    assert!(s.engine.connections().await.unwrap().is_empty());

    point_at_sim(
        &s.engine,
        &sim,
        AccountProvider::Google,
        Some(provider_sim::OAUTH_CLIENT_SECRET),
        None,
    )
    .await;
    let settings = s.engine.oauth_settings(AccountProvider::Google).await.unwrap();
    assert!(settings.has_client_secret);
    assert_eq!(settings.client_secret, None, "a secret is never read back");

    let connection = connect_in_browser(&s.engine, AccountProvider::Google).await;
    assert_eq!(connection.provider, AccountProvider::Google);
    assert_eq!(connection.account_label, "reports@sim-agency.example");
    assert_eq!(connection.auth_kind, AuthKind::Oauth);
    for scope in ["analytics.readonly", "webmasters.readonly", "adwords"] {
        assert!(
            connection.scopes.iter().any(|s| s.ends_with(scope)),
            "{scope} in {:?}",
            connection.scopes
        );
    }
    // The simulator grants a refresh token only for `access_type=offline`: the grant renews
    // itself, so nobody has to sign in again.
    assert_eq!(connection.renew_by, None);
    assert_eq!(connection.status, ConnectionStatus::Ok);

    let names = s.secrets.names();
    let token_entry = names
        .iter()
        .find(|n| n.starts_with("Google — reports@sim-agency.example"))
        .expect("the token's keyring entry is named for a person");
    let credential: Credential = serde_json::from_str(&s.secrets.get(token_entry).unwrap().unwrap()).unwrap();
    let refresh = credential
        .refresh
        .clone()
        .expect("offline access brings a refresh token");

    // Google keeps its refresh token: refreshing twice with it works, and it stays stored.
    let app = OAuthApp {
        provider: "Google".into(),
        client_id: provider_sim::OAUTH_CLIENT_ID.into(),
        client_secret: Some(provider_sim::OAUTH_CLIENT_SECRET.into()),
        auth_url: format!("{}/o/oauth2/v2/auth", sim.url()).parse().unwrap(),
        token_url: format!("{}/token", sim.url()).parse().unwrap(),
        scopes: Vec::new(),
        extra: Vec::new(),
        port: 0,
    };
    let http = auth::token_http_client();
    let first = auth::refresh(&app, &http, &refresh, 0).await.unwrap();
    let second = auth::refresh(&app, &http, &refresh, 0).await.unwrap();
    assert_eq!(first.refresh.as_deref(), Some(refresh.as_str()));
    assert_ne!(first.access, second.access);
    let wrong_secret = OAuthApp {
        client_secret: Some("not-the-secret".into()),
        ..app
    };
    let err = auth::refresh(&wrong_secret, &http, &refresh, 0)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::BadClient { .. }), "{err}");

    // Neither the client secret nor a token is in SQLite.
    let bytes = database_bytes(s.dir.path());
    for secret in [provider_sim::OAUTH_CLIENT_SECRET, &credential.access, &refresh] {
        assert!(!contains(&bytes, secret), "{secret} leaked into SQLite");
    }

    // Removing the client secret takes it out of the keyring.
    let remove = OAuthSettings {
        client_secret: Some(String::new()),
        ..s.engine.oauth_settings(AccountProvider::Google).await.unwrap()
    };
    s.engine
        .set_oauth_settings(AccountProvider::Google, &remove)
        .await
        .unwrap();
    assert!(
        !s.engine
            .oauth_settings(AccountProvider::Google)
            .await
            .unwrap()
            .has_client_secret
    );
    assert!(!s.secrets.names().iter().any(|n| n.contains("client secret")));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn meta_signs_in_on_its_registered_port_and_its_sixty_day_grant_shows_when_it_ends() {
    let sim = Sim::start(small_config()).await;
    let s = setup().await;
    let port = free_port();
    sim.control(
        "/_sim/oauth",
        json!({"meta_redirect_uri": format!("http://127.0.0.1:{port}/callback")}),
    )
    .await;

    // Settings show Meta's fixed port before anything is saved.
    assert_eq!(
        s.engine
            .oauth_settings(AccountProvider::Meta)
            .await
            .unwrap()
            .redirect_port,
        Some(freshboard_engine::connections::META_DEFAULT_PORT)
    );

    // On another port Meta refuses the redirect: the person sees why; cancelling stores nothing.
    point_at_sim(
        &s.engine,
        &sim,
        AccountProvider::Meta,
        Some(provider_sim::OAUTH_CLIENT_SECRET),
        Some(free_port()),
    )
    .await;
    let pending = s
        .engine
        .begin_connect(AccountProvider::Meta, None, SignInMethod::Browser)
        .await
        .unwrap();
    let consent = reqwest::get(&pending.url).await.unwrap();
    assert_eq!(consent.status(), reqwest::StatusCode::BAD_REQUEST);
    assert!(consent.text().await.unwrap().contains("not whitelisted"));
    assert!(s.engine.cancel_connect(pending.id));
    let err = s.engine.finish_connect(pending.id).await.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::Cancelled)), "{err}");
    assert!(s.secrets.names().iter().all(|n| n.contains("client secret")));

    // With the registered port taken by another program, the person is told which and why.
    point_at_sim(&s.engine, &sim, AccountProvider::Meta, None, Some(port)).await;
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let err = s
        .engine
        .begin_connect(AccountProvider::Meta, None, SignInMethod::Browser)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::Listen { port: p, .. }) if p == port),
        "{err}"
    );
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
    drop(squatter);

    // On the registered port it works, and the short-lived token is traded for a 60-day one.
    let connection = connect_in_browser(&s.engine, AccountProvider::Meta).await;
    assert_eq!(connection.provider, AccountProvider::Meta);
    assert_eq!(connection.account_label, "Sim Agency Ads");
    assert_eq!(connection.status, ConnectionStatus::Ok);
    let now = s.clock.now_millis();
    let renew_by = connection.renew_by.expect("a Meta grant cannot renew itself");
    let days = (renew_by - now) / 86_400_000;
    assert!((59..=60).contains(&days), "the grant lasts {days} days");

    // A week before it ends, the connection says so.
    s.clock
        .advance(chrono::Duration::milliseconds(renew_by - now - 6 * 86_400_000));
    let listed = s.engine.connections().await.unwrap();
    assert_eq!(listed[0].status, ConnectionStatus::Expiring);
}

#[tokio::test]
async fn a_pasted_meta_system_user_token_is_checked_and_never_stored_when_refused() {
    let sim = Sim::start(small_config()).await;
    let s = setup().await;
    // A pasted token needs no OAuth app, only the API's address.
    let settings = OAuthSettings {
        api_base_url: Some(sim.url()),
        ..OAuthSettings::default()
    };
    s.engine
        .set_oauth_settings(AccountProvider::Meta, &settings)
        .await
        .unwrap();

    let err = s
        .engine
        .connect_with_token(AccountProvider::Meta, "  ")
        .await
        .unwrap_err();
    assert_eq!(input_field(&err), Some("token"));
    let err = s
        .engine
        .connect_with_token(AccountProvider::Meta, "EAABnot-a-real-token")
        .await
        .unwrap_err();
    assert_eq!(input_field(&err), Some("token"));
    assert!(err.to_string().contains("nothing was saved"), "{err}");
    assert!(
        !err.to_string().contains("EAABnot"),
        "the token is not repeated: {err}"
    );
    assert!(s.secrets.names().is_empty());
    assert!(s.engine.connections().await.unwrap().is_empty());

    let err = s
        .engine
        .connect_with_token(AccountProvider::Github, "ghp_x")
        .await
        .unwrap_err();
    assert_eq!(input_field(&err), Some("provider"));

    let token = sim.control("/_sim/oauth/system_user_token", json!({})).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let connection = s
        .engine
        .connect_with_token(AccountProvider::Meta, &format!(" {token}\n"))
        .await
        .unwrap();
    assert_eq!(connection.account_label, "Sim Agency Reporting (system user)");
    assert_eq!(connection.auth_kind, AuthKind::Token);
    assert_eq!(connection.renew_by, None, "system-user tokens do not end");
    // A new token for the same system user replaces the old one in place.
    let token2 = sim.control("/_sim/oauth/system_user_token", json!({})).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = s
        .engine
        .connect_with_token(AccountProvider::Meta, &token2)
        .await
        .unwrap();
    assert_eq!(again.id, connection.id);
    assert_eq!(s.secrets.names().len(), 1);
    assert!(!contains(&database_bytes(s.dir.path()), &token));
}

#[tokio::test]
async fn github_device_codes_connect_when_approved_and_end_cleanly_otherwise() {
    let sim = Sim::start(small_config()).await;
    // Poll as fast as the simulator allows; github.com asks for 5 seconds.
    sim.control("/_sim/oauth", json!({"device_interval": 0})).await;
    let s = setup().await;
    point_at_sim(&s.engine, &sim, AccountProvider::Github, None, None).await;
    let browser = reqwest::Client::new();
    let decide = |url: String, code: String, action: &'static str| {
        let browser = browser.clone();
        async move {
            let page = browser
                .post(url)
                .form(&[("user_code", code.as_str()), ("action", action)])
                .send()
                .await
                .unwrap();
            assert!(page.status().is_success());
        }
    };

    let pending = s
        .engine
        .begin_connect(AccountProvider::Github, None, SignInMethod::DeviceCode)
        .await
        .unwrap();
    assert_eq!(pending.method, SignInMethod::DeviceCode);
    assert_eq!(pending.url, format!("{}/login/device", sim.url()));
    let code = pending.user_code.clone().expect("a code to type");
    let (connection, ()) = tokio::join!(
        s.engine.finish_connect(pending.id),
        decide(pending.url.clone(), code.to_lowercase(), "authorize")
    );
    let connection = connection.unwrap();
    assert_eq!(connection.account_label, "octocat");
    assert_eq!(
        connection.renew_by, None,
        "GitHub's device grant refreshes itself"
    );
    assert_eq!(repos(&s.engine, connection.id).await, vec![REPO.to_owned()]);

    // Declined: the provider's words, nothing stored.
    let pending = s
        .engine
        .begin_connect(AccountProvider::Github, None, SignInMethod::DeviceCode)
        .await
        .unwrap();
    let code = pending.user_code.clone().unwrap();
    let (outcome, ()) = tokio::join!(
        s.engine.finish_connect(pending.id),
        decide(pending.url.clone(), code, "deny")
    );
    let err = outcome.unwrap_err();
    assert!(matches!(err, Error::Auth(AuthError::Denied { .. })), "{err}");

    // Cancelled while polling.
    let pending = s
        .engine
        .begin_connect(AccountProvider::Github, None, SignInMethod::DeviceCode)
        .await
        .unwrap();
    let (outcome, cancelled) = tokio::join!(s.engine.finish_connect(pending.id), async {
        tokio::task::yield_now().await;
        s.engine.cancel_connect(pending.id)
    });
    assert!(cancelled);
    assert!(matches!(outcome, Err(Error::Auth(AuthError::Cancelled))));
    assert_eq!(s.engine.connections().await.unwrap().len(), 1);
    assert_eq!(s.secrets.names().len(), 1);

    // Only GitHub has device codes.
    let err = s
        .engine
        .begin_connect(AccountProvider::Google, None, SignInMethod::DeviceCode)
        .await
        .unwrap_err();
    assert_eq!(input_field(&err), Some("provider"));
}
