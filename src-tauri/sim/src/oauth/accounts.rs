//! Who a Google or Meta token belongs to — the first call an app makes after a sign-in —
//! and Meta's system-user tokens, which a business admin creates in Business Settings and
//! pastes into the app (they never expire and have no refresh token).

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::{query_map, Issuer};
use crate::state::{lock, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth2/v3/userinfo", get(google_userinfo))
        .route("/me", get(meta_me))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn google_userinfo(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let token = bearer(&headers).unwrap_or_default();
    if lock(&s.oauth)
        .grant_for(&token, Issuer::Google, s.clock.now())
        .is_none()
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_token", "error_description": "Invalid Credentials"})),
        )
            .into_response();
    }
    Json(json!({
        "sub": "104729000000000000001",
        "email": "reports@sim-agency.example",
        "email_verified": true,
    }))
    .into_response()
}

/// Graph API `/me` (also served as `/v26.0/me` behind the Graph gate); the token comes as a
/// bearer header or an `access_token` parameter.
pub(crate) async fn meta_me(
    State(s): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let token = bearer(&headers)
        .or_else(|| query_map(raw.as_deref()).remove("access_token"))
        .unwrap_or_default();
    let oauth = lock(&s.oauth);
    let Some(grant) = oauth.grant_for(&token, Issuer::Meta, s.clock.now()) else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {
                "message": "Error validating access token: the session is invalid or has expired.",
                "type": "OAuthException",
                "code": 190,
            }})),
        )
            .into_response();
    };
    let (id, name) = if grant.expires_at.is_none() {
        ("61550000000001", "Sim Agency Reporting (system user)")
    } else {
        ("10160000000000001", "Sim Agency Ads")
    };
    Json(json!({"id": id, "name": name})).into_response()
}

/// A Meta system-user token, as Business Settings would generate it.
pub async fn system_user_token(State(s): State<AppState>) -> Response {
    let now = s.clock.now();
    let issued = lock(&s.oauth).issue(
        Issuer::Meta,
        None,
        "ads_read business_management".into(),
        false,
        None,
        now,
    );
    Json(json!({"access_token": issued.access})).into_response()
}

/// A Google token that never expires, with every product's scope: what the app's demo uses,
/// since it has no OAuth app of its own to refresh with (and must not touch the person's).
pub async fn google_demo_token(State(s): State<AppState>) -> Response {
    let now = s.clock.now();
    let scope = [
        "openid",
        "email",
        "https://www.googleapis.com/auth/analytics.readonly",
        "https://www.googleapis.com/auth/webmasters.readonly",
        "https://www.googleapis.com/auth/adwords",
    ]
    .join(" ");
    let issued = lock(&s.oauth).issue(Issuer::Google, None, scope.clone(), false, None, now);
    Json(json!({"access_token": issued.access, "scope": scope})).into_response()
}
