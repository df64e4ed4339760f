//! A strict OAuth 2.0 authorization server with GitHub's paths, for the app's "Connect"
//! flow: authorization code with PKCE (S256 only), loopback redirect URIs (RFC 8252),
//! single-use codes bound to their client and redirect URI, access tokens that expire on
//! the sim clock, and refresh tokens that rotate — a used one is refused with
//! `invalid_grant`, as GitHub does.
//!
//! - `GET /login/oauth/authorize` — answers 302 to the redirect URI with `code` and `state`
//!   (or `error=access_denied` when the control says the person declines).
//! - `POST /login/oauth/access_token` — form or JSON body; `grant_type` `authorization_code`
//!   (`code`, `redirect_uri`, `client_id`, `code_verifier`) or `refresh_token`.
//! - `POST /_sim/oauth` — `{"access_ttl": secs, "deny": bool}`; `GET` shows the settings
//!   and counters (codes issued, refreshes); `POST /_sim/oauth/revoke` ends every grant.
//!
//! Issued access tokens work on the GitHub API until they expire; revoking one
//! (`/_sim/github/tokens/revoke`) also kills its grant's refresh token.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::state::{lock, AppState};

/// The client id the simulator knows (a public client: PKCE, no secret).
pub const CLIENT_ID: &str = "freshboard-sim";
/// Codes are good for this long (GitHub: 10 minutes).
const CODE_TTL_SECS: i64 = 600;
const DEFAULT_ACCESS_TTL_SECS: i64 = 8 * 3600;

struct Code {
    redirect_uri: String,
    challenge: String,
    scope: String,
    expires_at: i64,
}

struct Grant {
    scope: String,
    /// The one refresh token that is still good; rotated on every refresh.
    refresh: Option<String>,
    access: String,
}

pub struct OAuthServer {
    access_ttl: i64,
    deny: bool,
    next: u64,
    codes: HashMap<String, Code>,
    /// Grants by id; refresh and access tokens point back at their grant.
    grants: HashMap<u64, Grant>,
    by_refresh: HashMap<String, u64>,
    by_access: HashMap<String, u64>,
    refreshes: u64,
    codes_issued: u64,
}

impl Default for OAuthServer {
    fn default() -> Self {
        Self {
            access_ttl: DEFAULT_ACCESS_TTL_SECS,
            deny: false,
            next: 0,
            codes: HashMap::new(),
            grants: HashMap::new(),
            by_refresh: HashMap::new(),
            by_access: HashMap::new(),
            refreshes: 0,
            codes_issued: 0,
        }
    }
}

impl OAuthServer {
    fn token(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}{:036}", self.next)
    }

    /// Ends a grant: its refresh token stops working (its access token is revoked by the
    /// caller, which owns the API's revocation list).
    pub fn revoke_access(&mut self, access: &str) {
        if let Some(grant) = self.by_access.remove(access).and_then(|g| self.grants.remove(&g)) {
            if let Some(refresh) = grant.refresh {
                self.by_refresh.remove(&refresh);
            }
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/login/oauth/authorize", get(authorize))
        .route("/login/oauth/access_token", post(access_token))
        .with_state(state)
}

pub fn control_router() -> Router<AppState> {
    Router::new()
        .route("/", get(settings).post(configure))
        .route("/revoke", post(revoke_all))
}

/// The person removes the app's access in their provider settings: every grant ends.
async fn revoke_all(State(s): State<AppState>) -> Response {
    let access: Vec<String> = {
        let mut oauth = lock(&s.oauth);
        let access = oauth.by_access.keys().cloned().collect();
        oauth.grants.clear();
        oauth.by_access.clear();
        oauth.by_refresh.clear();
        access
    };
    let mut auth = lock(&s.github_auth);
    for token in &access {
        auth.revoke(token);
    }
    Json(json!({"revoked_grants": access.len()})).into_response()
}

fn query_map(raw: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// What a browser shows when the request itself is bad (no redirect is safe then).
fn page(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text.to_owned(),
    )
        .into_response()
}

fn loopback(redirect_uri: &str) -> bool {
    redirect_uri.starts_with("http://127.0.0.1:") || redirect_uri.starts_with("http://[::1]:")
}

async fn authorize(State(s): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let q = query_map(raw.as_deref());
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != CLIENT_ID {
        return page(StatusCode::BAD_REQUEST, "Unknown client_id.");
    }
    let redirect_uri = get("redirect_uri");
    if !loopback(redirect_uri) {
        return page(
            StatusCode::BAD_REQUEST,
            "redirect_uri must be a loopback address (RFC 8252).",
        );
    }
    if get("response_type") != "code" {
        return page(StatusCode::BAD_REQUEST, "response_type must be code.");
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return page(
            StatusCode::BAD_REQUEST,
            "PKCE is required: code_challenge with code_challenge_method=S256.",
        );
    }
    let state = get("state");
    let mut oauth = lock(&s.oauth);
    let mut target = form_urlencoded::Serializer::new(String::new());
    if oauth.deny {
        target.append_pair("error", "access_denied").append_pair(
            "error_description",
            "The user has denied your application access.",
        );
    } else {
        let code = oauth.token("code_");
        oauth.codes_issued += 1;
        oauth.codes.insert(
            code.clone(),
            Code {
                redirect_uri: redirect_uri.to_owned(),
                challenge: get("code_challenge").to_owned(),
                scope: get("scope").to_owned(),
                expires_at: s.clock.now() + CODE_TTL_SECS,
            },
        );
        target.append_pair("code", &code);
    }
    if !state.is_empty() {
        target.append_pair("state", state);
    }
    let location = format!(
        "{redirect_uri}{}{}",
        if redirect_uri.contains('?') { '&' } else { '?' },
        target.finish()
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn access_token(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let form: HashMap<String, String> = if json {
        serde_json::from_slice::<HashMap<String, serde_json::Value>>(&body)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
            .collect()
    } else {
        form_urlencoded::parse(&body).into_owned().collect()
    };
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != CLIENT_ID {
        return oauth_error("invalid_client", "Unknown client_id.");
    }
    let now = s.clock.now();
    let mut oauth = lock(&s.oauth);
    let (grant_id, scope) = match get("grant_type") {
        "authorization_code" => {
            // A code is spent by the first attempt, right or wrong.
            let Some(code) = oauth.codes.remove(get("code")) else {
                return oauth_error("invalid_grant", "The code is unknown or was already used.");
            };
            if code.expires_at <= now {
                return oauth_error("invalid_grant", "The code has expired.");
            }
            if code.redirect_uri != get("redirect_uri") {
                return oauth_error(
                    "invalid_grant",
                    "redirect_uri does not match the authorization request.",
                );
            }
            if s256(get("code_verifier")) != code.challenge {
                return oauth_error(
                    "invalid_grant",
                    "code_verifier does not match the code_challenge.",
                );
            }
            oauth.next += 1;
            (oauth.next, code.scope)
        }
        "refresh_token" => {
            let Some(grant_id) = oauth.by_refresh.remove(get("refresh_token")) else {
                return oauth_error(
                    "invalid_grant",
                    "The refresh token is invalid, expired, revoked or already used.",
                );
            };
            oauth.refreshes += 1;
            let scope = oauth
                .grants
                .get(&grant_id)
                .map(|g| g.scope.clone())
                .unwrap_or_default();
            (grant_id, scope)
        }
        _ => {
            return oauth_error(
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token.",
            )
        }
    };
    let access = oauth.token("gho_");
    let refresh = oauth.token("ghr_");
    if let Some(old) = oauth.grants.get(&grant_id).map(|g| g.access.clone()) {
        oauth.by_access.remove(&old);
    }
    oauth.by_refresh.insert(refresh.clone(), grant_id);
    oauth.by_access.insert(access.clone(), grant_id);
    oauth.grants.insert(
        grant_id,
        Grant {
            scope: scope.clone(),
            refresh: Some(refresh.clone()),
            access: access.clone(),
        },
    );
    let ttl = oauth.access_ttl;
    drop(oauth);
    lock(&s.github_auth).expire_at(&access, now + ttl);
    Json(json!({
        "access_token": access,
        "token_type": "bearer",
        "scope": scope,
        "expires_in": ttl,
        "refresh_token": refresh,
        "refresh_token_expires_in": 15_811_200,
    }))
    .into_response()
}

#[derive(Deserialize)]
struct Settings {
    access_ttl: Option<i64>,
    deny: Option<bool>,
}

async fn configure(State(s): State<AppState>, body: Bytes) -> Result<Response, crate::control::ControlError> {
    let change: Settings = crate::control::parse_body(&body)?;
    {
        let mut oauth = lock(&s.oauth);
        if let Some(ttl) = change.access_ttl {
            if ttl < 1 {
                return Err(crate::control::ControlError::new(
                    400,
                    "access_ttl must be at least 1 second",
                ));
            }
            oauth.access_ttl = ttl;
        }
        if let Some(deny) = change.deny {
            oauth.deny = deny;
        }
    }
    Ok(settings(State(s)).await)
}

async fn settings(State(s): State<AppState>) -> Response {
    let oauth = lock(&s.oauth);
    Json(json!({
        "client_id": CLIENT_ID,
        "access_ttl": oauth.access_ttl,
        "deny": oauth.deny,
        "codes_issued": oauth.codes_issued,
        "refreshes": oauth.refreshes,
    }))
    .into_response()
}
