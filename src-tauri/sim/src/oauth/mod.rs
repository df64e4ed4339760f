//! A strict OAuth 2.0 authorization server that speaks like three real ones, for the app's
//! "Connect" flows: authorization code with PKCE (S256 only), loopback redirect URIs
//! (RFC 8252), single-use codes bound to their client, issuer and redirect URI, access
//! tokens that expire on the sim clock.
//!
//! Each issuer keeps its real quirks, because the app must cope with them:
//! - **GitHub** (`/login/oauth/authorize`, `/login/oauth/access_token`, device flow in
//!   `device.rs`): a public client; refresh tokens rotate and a used one is refused with
//!   `bad_refresh_token`; token-endpoint errors come back with **HTTP 200** and an `error`
//!   field, as github.com does.
//! - **Google** (`/o/oauth2/v2/auth`, `/token`): the client secret is required; a refresh
//!   token is issued only with `access_type=offline`; refresh tokens do not rotate; errors
//!   are RFC 6749 (400, `invalid_grant`).
//! - **Meta** (`/dialog/oauth`, `/oauth/access_token`): the client secret is required; the
//!   redirect URI must match a registered one exactly (a fixed port) when one is
//!   registered; no refresh tokens — a short-lived token is traded for a 60-day one with
//!   `grant_type=fb_exchange_token`; errors are Graph API documents
//!   (`{"error": {"message", "type": "OAuthException", "code"}}`).
//!
//! `POST /_sim/oauth` — `{"access_ttl", "deny", "device_interval", "meta_redirect_uri",
//! "google_granted_scopes"}`; the last (a list, or null for "every scope asked") is what the
//! person leaves ticked on Google's consent screen: Google codes issued from then on carry
//! only those scopes (plus sign-in scopes, which cannot be unticked), and so does the token
//! response's `scope`, as at Google;
//! `GET` shows settings and counters; `POST /_sim/oauth/revoke` ends every grant;
//! `POST /_sim/oauth/system_user_token` issues a Meta system-user token (never expires);
//! `POST /_sim/oauth/google_demo_token` a Google token with every product's scope that never
//! expires (the app's demo).
//!
//! Who a token belongs to: `accounts.rs` (Google's userinfo, Meta's `/me`); GitHub's `/user`
//! lives with the GitHub API, which learns each access token's expiry from here.

mod accounts;
mod device;

pub(crate) use accounts::meta_me;

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

/// The client id the simulator knows, for every issuer.
pub const CLIENT_ID: &str = "freshboard-sim";
/// The client secret Google and Meta require (GitHub's flows here are public clients).
pub const CLIENT_SECRET: &str = "freshboard-sim-secret";
/// Codes are good for this long (GitHub: 10 minutes).
const CODE_TTL_SECS: i64 = 600;
const DEFAULT_ACCESS_TTL_SECS: i64 = 8 * 3600;
/// A Meta long-lived user token: 60 days.
const META_LONG_TTL_SECS: i64 = 60 * 86_400;

/// Google's consent screen always grants these; only API scopes have a tick box.
const SIGN_IN_SCOPES: [&str; 5] = [
    "openid",
    "email",
    "profile",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
];

/// A Google access token as the Google APIs see it.
pub(crate) enum GoogleToken {
    Unknown,
    Expired,
    /// Live, with its space-separated granted scopes.
    Live(String),
}

/// A Meta access token as the Graph API sees it.
pub(crate) enum MetaToken {
    /// Never issued, or ended (`/_sim/oauth/revoke`).
    Unknown,
    /// Expired at this Unix second.
    Expired(i64),
    /// Good (a system-user token never expires).
    Live,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Issuer {
    Github,
    Google,
    Meta,
}

impl Issuer {
    fn token_prefix(self) -> (&'static str, &'static str) {
        match self {
            Issuer::Github => ("gho_", "ghr_"),
            Issuer::Google => ("ya29.", "1//"),
            Issuer::Meta => ("EAAB", ""),
        }
    }

    fn needs_secret(self) -> bool {
        self != Issuer::Github
    }

    /// An OAuth error in the issuer's own shape.
    fn error(self, error: &str, description: &str) -> Response {
        match self {
            // github.com answers token errors with 200.
            Issuer::Github => (
                StatusCode::OK,
                Json(json!({"error": error, "error_description": description})),
            )
                .into_response(),
            Issuer::Google => {
                let status = if error == "invalid_client" {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::BAD_REQUEST
                };
                (
                    status,
                    Json(json!({"error": error, "error_description": description})),
                )
                    .into_response()
            }
            Issuer::Meta => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {
                    "message": description,
                    "type": "OAuthException",
                    "code": if error == "invalid_client" { 101 } else { 100 },
                    "fbtrace_id": "sim",
                }})),
            )
                .into_response(),
        }
    }
}

struct Code {
    issuer: Issuer,
    redirect_uri: String,
    challenge: String,
    scope: String,
    /// Google: a refresh token only for `access_type=offline`.
    offline: bool,
    expires_at: i64,
}

struct Grant {
    issuer: Issuer,
    scope: String,
    /// The one refresh token that is still good (GitHub rotates it on every refresh).
    refresh: Option<String>,
    access: String,
    /// When `access` stops working; `None` never (a Meta system-user token).
    expires_at: Option<i64>,
}

/// What the token endpoint hands out, before the issuer shapes the answer.
struct Issued {
    access: String,
    refresh: Option<String>,
    scope: String,
    ttl: Option<i64>,
}

pub struct OAuthServer {
    access_ttl: i64,
    deny: bool,
    /// Google's granular consent: the scopes left ticked; `None` = everything asked.
    google_granted_scopes: Option<Vec<String>>,
    /// Meta's registered redirect URI; when set, nothing else is accepted.
    meta_redirect_uri: Option<String>,
    next: u64,
    codes: HashMap<String, Code>,
    /// Grants by id; refresh and access tokens point back at their grant.
    grants: HashMap<u64, Grant>,
    by_refresh: HashMap<String, u64>,
    by_access: HashMap<String, u64>,
    device: device::Devices,
    refreshes: u64,
    codes_issued: u64,
}

impl Default for OAuthServer {
    fn default() -> Self {
        Self {
            access_ttl: DEFAULT_ACCESS_TTL_SECS,
            deny: false,
            google_granted_scopes: None,
            meta_redirect_uri: None,
            next: 0,
            codes: HashMap::new(),
            grants: HashMap::new(),
            by_refresh: HashMap::new(),
            by_access: HashMap::new(),
            device: device::Devices::default(),
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

    /// What a Google access token is at `now`, for the Google APIs' auth check.
    pub(crate) fn google_token(&self, access: &str, now: i64) -> GoogleToken {
        let Some(grant) = self.by_access.get(access).and_then(|g| self.grants.get(g)) else {
            return GoogleToken::Unknown;
        };
        match grant.issuer {
            Issuer::Google if grant.expires_at.is_none_or(|at| at > now) => {
                GoogleToken::Live(grant.scope.clone())
            }
            Issuer::Google => GoogleToken::Expired,
            _ => GoogleToken::Unknown,
        }
    }

    /// What a Meta access token is at `now`, for the Graph API's auth check.
    pub(crate) fn meta_token(&self, access: &str, now: i64) -> MetaToken {
        if self.grant_for(access, Issuer::Meta, now).is_some() {
            return MetaToken::Live;
        }
        match self.by_access.get(access).and_then(|g| self.grants.get(g)) {
            Some(grant) if grant.issuer == Issuer::Meta => {
                MetaToken::Expired(grant.expires_at.unwrap_or(now))
            }
            _ => MetaToken::Unknown,
        }
    }

    /// The scopes a Google consent screen grants out of `asked`.
    fn google_consent(&self, asked: &str) -> String {
        let Some(ticked) = &self.google_granted_scopes else {
            return asked.to_owned();
        };
        asked
            .split_whitespace()
            .filter(|s| SIGN_IN_SCOPES.contains(s) || ticked.iter().any(|t| t == s))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The grant an access token belongs to, while the token is good.
    fn grant_for(&self, access: &str, issuer: Issuer, now: i64) -> Option<&Grant> {
        let grant = self.grants.get(self.by_access.get(access)?)?;
        (grant.issuer == issuer && grant.expires_at.is_none_or(|at| at > now)).then_some(grant)
    }

    /// Stores a grant (new, or renewed under `grant_id`) and returns its fresh tokens.
    fn issue(
        &mut self,
        issuer: Issuer,
        grant_id: Option<u64>,
        scope: String,
        with_refresh: bool,
        ttl: Option<i64>,
        now: i64,
    ) -> Issued {
        let grant_id = grant_id.unwrap_or_else(|| {
            self.next += 1;
            self.next
        });
        let (access_prefix, refresh_prefix) = issuer.token_prefix();
        let access = self.token(access_prefix);
        let refresh = with_refresh.then(|| self.token(refresh_prefix));
        if let Some(old) = self.grants.remove(&grant_id) {
            self.by_access.remove(&old.access);
            if let Some(old) = old.refresh {
                self.by_refresh.remove(&old);
            }
        }
        self.by_access.insert(access.clone(), grant_id);
        if let Some(refresh) = &refresh {
            self.by_refresh.insert(refresh.clone(), grant_id);
        }
        self.grants.insert(
            grant_id,
            Grant {
                issuer,
                scope: scope.clone(),
                refresh: refresh.clone(),
                access: access.clone(),
                expires_at: ttl.map(|t| now + t),
            },
        );
        Issued {
            access,
            refresh,
            scope,
            ttl,
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/login/oauth/authorize",
            get(|s, q| authorize(s, q, Issuer::Github)),
        )
        .route("/o/oauth2/v2/auth", get(|s, q| authorize(s, q, Issuer::Google)))
        .route("/dialog/oauth", get(|s, q| authorize(s, q, Issuer::Meta)))
        .route(
            "/login/oauth/access_token",
            post(|s, h, b| token_endpoint(s, h, b, Issuer::Github)),
        )
        .route("/token", post(|s, h, b| token_endpoint(s, h, b, Issuer::Google)))
        .route(
            "/oauth/access_token",
            post(|s, h, b| token_endpoint(s, h, b, Issuer::Meta)),
        )
        .merge(device::router())
        .merge(accounts::router())
        .with_state(state)
}

pub fn control_router() -> Router<AppState> {
    Router::new()
        .route("/", get(settings).post(configure))
        .route("/revoke", post(revoke_all))
        .route("/system_user_token", post(accounts::system_user_token))
        .route("/google_demo_token", post(accounts::google_demo_token))
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

/// A form or JSON request body as plain strings.
fn body_map(headers: &HeaderMap, body: &Bytes) -> HashMap<String, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        serde_json::from_slice::<HashMap<String, serde_json::Value>>(body)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
            .collect()
    } else {
        form_urlencoded::parse(body).into_owned().collect()
    }
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

async fn authorize(State(s): State<AppState>, RawQuery(raw): RawQuery, issuer: Issuer) -> Response {
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
    let mut oauth = lock(&s.oauth);
    if issuer == Issuer::Meta {
        if let Some(registered) = oauth.meta_redirect_uri.as_deref().filter(|r| *r != redirect_uri) {
            return page(
                StatusCode::BAD_REQUEST,
                &format!("URL blocked: the redirect URI is not whitelisted in the app's client OAuth settings (registered: {registered})."),
            );
        }
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
    let mut target = form_urlencoded::Serializer::new(String::new());
    if oauth.deny {
        target.append_pair("error", "access_denied").append_pair(
            "error_description",
            "The user has denied your application access.",
        );
    } else {
        let code = oauth.token("code_");
        oauth.codes_issued += 1;
        let scope = if issuer == Issuer::Google {
            oauth.google_consent(get("scope"))
        } else {
            get("scope").to_owned()
        };
        oauth.codes.insert(
            code.clone(),
            Code {
                issuer,
                redirect_uri: redirect_uri.to_owned(),
                challenge: get("code_challenge").to_owned(),
                scope,
                offline: get("access_type") == "offline",
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

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn token_endpoint(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
    issuer: Issuer,
) -> Response {
    let form = body_map(&headers, &body);
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != CLIENT_ID {
        return issuer.error("invalid_client", "Unknown client_id.");
    }
    if issuer.needs_secret() && get("client_secret") != CLIENT_SECRET {
        return issuer.error("invalid_client", "The client secret is missing or wrong.");
    }
    let now = s.clock.now();
    let mut oauth = lock(&s.oauth);
    let ttl = oauth.access_ttl;
    let issued = match (issuer, get("grant_type")) {
        (_, "authorization_code") => {
            // A code is spent by the first attempt, right or wrong.
            let code = match oauth.codes.remove(get("code")) {
                Some(code) if code.issuer == issuer => code,
                _ => return issuer.error(bad_code(issuer), "The code is unknown or was already used."),
            };
            if code.expires_at <= now {
                return issuer.error(bad_code(issuer), "The code has expired.");
            }
            if code.redirect_uri != get("redirect_uri") {
                return issuer.error(
                    "redirect_uri_mismatch",
                    "redirect_uri does not match the authorization request.",
                );
            }
            if s256(get("code_verifier")) != code.challenge {
                return issuer.error(
                    bad_code(issuer),
                    "code_verifier does not match the code_challenge.",
                );
            }
            let with_refresh = match issuer {
                Issuer::Github => true,
                Issuer::Google => code.offline,
                Issuer::Meta => false,
            };
            oauth.issue(issuer, None, code.scope, with_refresh, Some(ttl), now)
        }
        (Issuer::Github | Issuer::Google, "refresh_token") => {
            let Some(&grant_id) = oauth.by_refresh.get(get("refresh_token")) else {
                let error = if issuer == Issuer::Github {
                    "bad_refresh_token"
                } else {
                    "invalid_grant"
                };
                return issuer.error(
                    error,
                    "The refresh token is invalid, expired, revoked or already used.",
                );
            };
            oauth.refreshes += 1;
            let grant = &oauth.grants[&grant_id];
            let (scope, kept) = (grant.scope.clone(), grant.refresh.clone());
            let mut issued = oauth.issue(issuer, Some(grant_id), scope, true, Some(ttl), now);
            if issuer == Issuer::Google {
                // Google keeps the refresh token and sends none back.
                let fresh = issued.refresh.take().expect("issued with a refresh token");
                oauth.by_refresh.remove(&fresh);
                let kept = kept.expect("found by its refresh token");
                oauth.by_refresh.insert(kept.clone(), grant_id);
                oauth.grants.get_mut(&grant_id).expect("just issued").refresh = Some(kept);
            }
            issued
        }
        (Issuer::Github, device::GRANT_TYPE) => match oauth.device.poll(get("device_code"), now) {
            Ok(scope) => oauth.issue(issuer, None, scope, true, Some(ttl), now),
            Err((error, description)) => return issuer.error(error, description),
        },
        (Issuer::Meta, "fb_exchange_token") => {
            let Some(grant) = oauth.grant_for(get("fb_exchange_token"), Issuer::Meta, now) else {
                return issuer.error(
                    "invalid_grant",
                    "Error validating access token: the session has expired or is invalid.",
                );
            };
            let scope = grant.scope.clone();
            let grant_id = oauth.by_access[get("fb_exchange_token")];
            oauth.issue(
                issuer,
                Some(grant_id),
                scope,
                false,
                Some(META_LONG_TTL_SECS),
                now,
            )
        }
        _ => return issuer.error("unsupported_grant_type", "This grant_type is not supported here."),
    };
    drop(oauth);
    token_answer(&s, issuer, issued, now)
}

/// GitHub calls a bad code `bad_verification_code`; the others follow RFC 6749.
fn bad_code(issuer: Issuer) -> &'static str {
    if issuer == Issuer::Github {
        "bad_verification_code"
    } else {
        "invalid_grant"
    }
}

/// The token response, and GitHub's API told when the token stops working.
fn token_answer(s: &AppState, issuer: Issuer, issued: Issued, now: i64) -> Response {
    if let Some(ttl) = issued.ttl {
        lock(&s.github_auth).expire_at(&issued.access, now + ttl);
    }
    let mut answer = json!({
        "access_token": issued.access,
        "token_type": "bearer",
    });
    if let Some(ttl) = issued.ttl {
        answer["expires_in"] = json!(ttl);
    }
    if issuer != Issuer::Meta {
        answer["scope"] = json!(issued.scope);
    }
    if let Some(refresh) = issued.refresh {
        answer["refresh_token"] = json!(refresh);
        if issuer == Issuer::Github {
            answer["refresh_token_expires_in"] = json!(15_811_200);
        }
    }
    Json(answer).into_response()
}

#[derive(Deserialize)]
struct Settings {
    access_ttl: Option<i64>,
    deny: Option<bool>,
    device_interval: Option<u64>,
    meta_redirect_uri: Option<String>,
    /// Absent: unchanged; null: every scope asked; a list: only those.
    #[serde(default, deserialize_with = "present")]
    google_granted_scopes: Option<Option<Vec<String>>>,
}

/// Tells a field sent as null (Some(None)) from one left out (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Vec<String>>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
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
        if let Some(interval) = change.device_interval {
            oauth.device.interval = interval;
        }
        if let Some(uri) = change.meta_redirect_uri {
            oauth.meta_redirect_uri = Some(uri).filter(|u| !u.is_empty());
        }
        if let Some(scopes) = change.google_granted_scopes {
            oauth.google_granted_scopes = scopes;
        }
    }
    Ok(settings(State(s)).await)
}

async fn settings(State(s): State<AppState>) -> Response {
    let oauth = lock(&s.oauth);
    Json(json!({
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "access_ttl": oauth.access_ttl,
        "deny": oauth.deny,
        "device_interval": oauth.device.interval,
        "meta_redirect_uri": oauth.meta_redirect_uri,
        "google_granted_scopes": oauth.google_granted_scopes,
        "codes_issued": oauth.codes_issued,
        "refreshes": oauth.refreshes,
        "grants": oauth.grants.len(),
    }))
    .into_response()
}
