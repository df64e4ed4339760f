//! OAuth sign-in and token life against the simulator's strict OAuth server over loopback:
//! the test plays the browser (it follows the authorize redirect to the app's listener).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use freshboard_engine::auth::{self, AuthError, Authorization, OAuthApp, TokenKeeper, SIGN_IN_TIMEOUT};
use freshboard_engine::secrets::{Credential, Secrets};
use freshboard_engine::{Error, ErrorKind, MemoryStore};
use reqwest::{StatusCode, Url};
use serde_json::json;

fn app(sim: &Sim) -> OAuthApp {
    OAuthApp {
        provider: "GitHub".into(),
        client_id: provider_sim::OAUTH_CLIENT_ID.into(),
        client_secret: None,
        auth_url: Url::parse(&format!("{}/login/oauth/authorize", sim.url())).unwrap(),
        token_url: Url::parse(&format!("{}/login/oauth/access_token", sim.url())).unwrap(),
        scopes: vec!["repo".into(), "read:user".into()],
        extra: vec![],
        port: 0,
    }
}

fn now() -> i64 {
    // One instant for the whole test process: what the engine computes from "now" (a token's
    // expiry) is then exact, not bounded by two readings of a moving clock.
    static NOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *NOW.get_or_init(|| chrono::Utc::now().timestamp_millis())
}

/// A browser that shows each redirect instead of following it.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The provider's answer to the consent page: where it sends the browser back to.
async fn consent(url: &Url) -> Url {
    let response = browser().get(url.clone()).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "{}",
        response.text().await.unwrap()
    );
    Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

/// The browser lands on the app's listener; returns the page it shows.
async fn land(redirect: &Url) -> (StatusCode, String) {
    let response = browser().get(redirect.clone()).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn refused(redirect: &Url) -> bool {
    browser()
        .get(redirect.clone())
        .send()
        .await
        .is_err_and(|e| e.is_connect())
}

/// The app waits for the browser, in the background, as long as a sign-in may take.
fn wait_for_browser(flow: Authorization) -> tokio::task::JoinHandle<Result<Credential, AuthError>> {
    tokio::spawn(async move {
        flow.finish(
            &auth::token_http_client(),
            now,
            SIGN_IN_TIMEOUT,
            std::future::pending(),
        )
        .await
    })
}

async fn sign_in(sim: &Sim) -> Credential {
    let flow = Authorization::begin(app(sim)).await.unwrap();
    let url = flow.url.clone();
    let finish = wait_for_browser(flow);
    let redirect = consent(&url).await;
    let (status, page) = land(&redirect).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("You can close this tab"), "{page}");
    finish.await.unwrap().expect("signed in")
}

async fn repo_status(sim: &Sim, token: &str) -> StatusCode {
    sim.http
        .get(format!("{}/repos/{REPO}", sim.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn signs_in_with_pkce_in_the_browser_and_the_token_reads_the_api() {
    let sim = Sim::start(small_config()).await;
    let flow = Authorization::begin(app(&sim)).await.unwrap();
    let query: std::collections::HashMap<_, _> = flow.url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["client_id"], provider_sim::OAUTH_CLIENT_ID);
    assert!(query["state"].len() >= 16);
    assert!(
        query["redirect_uri"].starts_with("http://127.0.0.1:"),
        "loopback redirect"
    );
    assert_eq!(query["scope"], "repo read:user");
    let url = flow.url.clone();
    let finish = wait_for_browser(flow);

    // A stray request (the browser's favicon) is answered 404; the listener keeps waiting.
    let redirect = consent(&url).await;
    let mut favicon = redirect.clone();
    favicon.set_path("/favicon.ico");
    favicon.set_query(None);
    assert_eq!(land(&favicon).await.0, StatusCode::NOT_FOUND);

    assert_eq!(land(&redirect).await.0, StatusCode::OK);
    let credential = finish.await.unwrap().expect("signed in");
    assert!(credential.access.starts_with("gho_"));
    assert!(credential
        .refresh
        .as_deref()
        .is_some_and(|r| r.starts_with("ghr_")));
    let expires = credential.expires_at.unwrap();
    assert_eq!(
        expires,
        now() + 8 * 3600 * 1000,
        "GitHub's eight hours from the exchange"
    );
    assert_eq!(repo_status(&sim, &credential.access).await, StatusCode::OK);

    // One valid request, then the listener is gone.
    assert!(refused(&redirect).await, "nothing listens after the sign-in");
}

#[tokio::test]
async fn a_wrong_state_ends_the_sign_in_and_closes_the_listener() {
    let sim = Sim::start(small_config()).await;
    let flow = Authorization::begin(app(&sim)).await.unwrap();
    let url = flow.url.clone();
    let finish = wait_for_browser(flow);
    let mut redirect = consent(&url).await;
    let code: String = redirect
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    redirect
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "forged");
    let (status, page) = land(&redirect).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("does not belong"), "{page}");
    assert!(matches!(finish.await.unwrap(), Err(AuthError::StateMismatch)));
    assert!(refused(&redirect).await);
    // The code was never exchanged.
    let oauth = sim.get("/_sim/oauth").await;
    assert_eq!(oauth["codes_issued"], 1);
}

#[tokio::test]
async fn a_declined_consent_ends_with_the_providers_words() {
    let sim = Sim::start(small_config()).await;
    sim.control("/_sim/oauth", json!({"deny": true})).await;
    let flow = Authorization::begin(app(&sim)).await.unwrap();
    let url = flow.url.clone();
    let finish = wait_for_browser(flow);
    let redirect = consent(&url).await;
    let (_, page) = land(&redirect).await;
    assert!(
        page.contains("did not grant access") && page.contains("denied"),
        "{page}"
    );
    let err = finish.await.unwrap().unwrap_err();
    assert!(
        matches!(&err, AuthError::Denied { error, .. } if error == "access_denied"),
        "{err}"
    );
    assert_eq!(Error::from(err).kind(), ErrorKind::SignInFailed);
    assert!(refused(&redirect).await);
}

#[tokio::test]
async fn a_timeout_or_a_cancel_ends_cleanly_with_nothing_listening() {
    let sim = Sim::start(small_config()).await;
    let flow = Authorization::begin(app(&sim)).await.unwrap();
    let redirect = Url::parse(flow.redirect_uri()).unwrap();
    let err = flow
        .finish(
            &auth::token_http_client(),
            now,
            Duration::from_millis(20),
            std::future::pending(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::TimedOut(_)), "{err}");
    assert!(refused(&redirect).await);

    let flow = Authorization::begin(app(&sim)).await.unwrap();
    let redirect = Url::parse(flow.redirect_uri()).unwrap();
    let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
    cancel.send(()).unwrap();
    let err = flow
        .finish(&auth::token_http_client(), now, SIGN_IN_TIMEOUT, async {
            let _ = cancelled.await;
        })
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Cancelled), "{err}");
    assert!(refused(&redirect).await);
}

#[tokio::test]
async fn the_token_endpoint_is_strict_about_codes_pkce_and_redirects() {
    use oauth2::PkceCodeChallenge;
    let sim = Sim::start(small_config()).await;
    let redirect_uri = "http://127.0.0.1:9/callback";
    let code_for = |challenge: String| {
        let sim_url = sim.url();
        async move {
            let mut url = Url::parse(&format!("{sim_url}/login/oauth/authorize")).unwrap();
            url.query_pairs_mut()
                .append_pair("client_id", provider_sim::OAUTH_CLIENT_ID)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("state", "s")
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            let location = consent(&url).await;
            location
                .query_pairs()
                .find(|(k, _)| k == "code")
                .unwrap()
                .1
                .into_owned()
        }
    };
    let exchange = |code: String, verifier: String, redirect: &'static str| {
        let sim_url = sim.url();
        async move {
            let response = browser()
                .post(format!("{sim_url}/login/oauth/access_token"))
                .header("accept", "application/json")
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("client_id", provider_sim::OAUTH_CLIENT_ID),
                    ("code", &code),
                    ("redirect_uri", redirect),
                    ("code_verifier", &verifier),
                ])
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Like github.com, the simulator answers token errors with 200 and an `error` field.
    let error = |(status, body): (StatusCode, serde_json::Value)| {
        assert_eq!(status, StatusCode::OK, "{body}");
        body["error"].as_str().map(str::to_owned)
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = code_for(challenge.as_str().to_owned()).await;
    let wrong_verifier = "not-the-verifier-not-the-verifier-not-the-verifier";
    let answer = exchange(code.clone(), wrong_verifier.into(), redirect_uri).await;
    assert_eq!(error(answer).as_deref(), Some("bad_verification_code"));
    // The failed attempt spent the code.
    let answer = exchange(code, verifier.secret().clone(), redirect_uri).await;
    assert_eq!(error(answer).as_deref(), Some("bad_verification_code"));

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = code_for(challenge.as_str().to_owned()).await;
    let answer = exchange(code, verifier.secret().clone(), "http://127.0.0.1:10/callback").await;
    assert_eq!(error(answer).as_deref(), Some("redirect_uri_mismatch"));

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let code = code_for(challenge.as_str().to_owned()).await;
    let (status, body) = exchange(code.clone(), verifier.secret().clone(), redirect_uri).await;
    assert!(body["access_token"].is_string(), "{status} {body}");
    let answer = exchange(code, verifier.secret().clone(), redirect_uri).await;
    assert!(error(answer).is_some(), "a code works once");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_an_old_one_is_refused() {
    let sim = Sim::start(small_config()).await;
    let first = sign_in(&sim).await;
    let old_refresh = first.refresh.clone().unwrap();
    let second = auth::refresh(&app(&sim), &auth::token_http_client(), &old_refresh, now())
        .await
        .unwrap();
    assert_ne!(second.access, first.access);
    assert_ne!(second.refresh.as_deref(), Some(old_refresh.as_str()), "rotated");
    assert_eq!(repo_status(&sim, &second.access).await, StatusCode::OK);

    let err = auth::refresh(&app(&sim), &auth::token_http_client(), &old_refresh, now())
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::InvalidGrant { .. }), "{err}");
    assert!(err.needs_reauth());
}

async fn keeper_with(credential: &Credential) -> (TokenKeeper, Secrets) {
    let secrets = Secrets::new(Arc::new(MemoryStore::default()));
    secrets.set("GitHub — octocat (test)", credential).await.unwrap();
    (TokenKeeper::default(), secrets)
}

#[tokio::test]
async fn concurrent_callers_with_an_expiring_token_refresh_once() {
    let sim = Sim::start(small_config()).await;
    let mut credential = sign_in(&sim).await;
    credential.expires_at = Some(now() + 10_000); // inside the one-minute margin
    let (keeper, secrets) = keeper_with(&credential).await;
    let (keeper, secrets) = (Arc::new(keeper), Arc::new(secrets));
    let http = auth::token_http_client();
    let calls = (0..4).map(|_| {
        let (keeper, secrets, app, http) = (keeper.clone(), secrets.clone(), app(&sim), http.clone());
        tokio::spawn(async move {
            keeper
                .access_token(&secrets, "GitHub — octocat (test)", &app, &http, now(), None)
                .await
                .unwrap()
        })
    });
    let tokens: Vec<String> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        tokens.iter().all(|t| *t == tokens[0] && *t != credential.access),
        "{tokens:?}"
    );
    assert_eq!(
        sim.get("/_sim/oauth").await["refreshes"],
        1,
        "one refresh for four callers"
    );
    // The new bundle was stored before use.
    let stored = secrets.get("GitHub — octocat (test)").await.unwrap().unwrap();
    assert_eq!(stored.access, tokens[0]);
    assert_ne!(stored.refresh, credential.refresh);
}

#[tokio::test]
async fn a_401_refreshes_once_and_a_revoked_grant_asks_for_reconnecting() {
    let sim = Sim::start(small_config()).await;
    sim.control("/_sim/oauth", json!({"access_ttl": 120})).await;
    let credential = sign_in(&sim).await;
    // The keyring still thinks the token is good; the provider's clock says otherwise.
    let (keeper, secrets) = keeper_with(&Credential {
        expires_at: None,
        ..credential.clone()
    })
    .await;
    sim.control("/_sim/clock", json!({"advance": 121})).await;
    assert_eq!(
        repo_status(&sim, &credential.access).await,
        StatusCode::UNAUTHORIZED
    );

    let http = auth::token_http_client();
    let name = "GitHub — octocat (test)";
    let fresh = keeper
        .access_token(&secrets, name, &app(&sim), &http, now(), Some(&credential.access))
        .await
        .unwrap();
    assert_eq!(repo_status(&sim, &fresh).await, StatusCode::OK);
    // A second caller that saw the same 401 gets the new token, with no second refresh.
    let again = keeper
        .access_token(&secrets, name, &app(&sim), &http, now(), Some(&credential.access))
        .await
        .unwrap();
    assert_eq!(again, fresh);
    assert_eq!(sim.get("/_sim/oauth").await["refreshes"], 1);

    // Revoked in the provider: the refresh fails for good.
    sim.control("/_sim/github/tokens/revoke", json!({"token": fresh}))
        .await;
    let err = keeper
        .access_token(&secrets, name, &app(&sim), &http, now(), Some(&fresh))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NeedsReauth, "{err}");
}
