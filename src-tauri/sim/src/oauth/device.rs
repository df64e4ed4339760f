//! GitHub's device flow (RFC 8628) for people who cannot use a browser on this machine:
//! `POST /login/device/code` hands out a device code and a short user code; the person
//! types the user code at `verification_uri` (here `POST /login/device`, which the tests
//! call as that person would); meanwhile the app polls the token endpoint with
//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` and hears
//! `authorization_pending` until the person decides.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::{body_map, page, CLIENT_ID};
use crate::state::{lock, AppState};

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// GitHub: device codes live 15 minutes.
const DEVICE_TTL_SECS: i64 = 900;

struct Device {
    user_code: String,
    scope: String,
    expires_at: i64,
    /// The person's answer, once given.
    approved: Option<bool>,
}

pub struct Devices {
    /// Seconds the app must wait between polls (GitHub: 5).
    pub interval: u64,
    by_device_code: HashMap<String, Device>,
}

impl Default for Devices {
    fn default() -> Self {
        Self {
            interval: 5,
            by_device_code: HashMap::new(),
        }
    }
}

impl Devices {
    /// One poll of the token endpoint: the grant's scope once approved (the device code is
    /// spent then), or the RFC 8628 error to answer with.
    pub fn poll(&mut self, device_code: &str, now: i64) -> Result<String, (&'static str, &'static str)> {
        let Some(device) = self.by_device_code.get(device_code) else {
            return Err(("incorrect_device_code", "The device_code provided is not valid."));
        };
        if device.expires_at <= now {
            self.by_device_code.remove(device_code);
            return Err(("expired_token", "The device_code has expired."));
        }
        match device.approved {
            None => Err((
                "authorization_pending",
                "The authorization request is still pending.",
            )),
            Some(false) => {
                self.by_device_code.remove(device_code);
                Err(("access_denied", "The authorization request was denied."))
            }
            Some(true) => Ok(self
                .by_device_code
                .remove(device_code)
                .expect("found above")
                .scope),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/device/code", post(device_code))
        .route("/login/device", post(decide))
}

async fn device_code(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = body_map(&headers, &body);
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (
            StatusCode::OK,
            Json(json!({"error": "incorrect_client_credentials"})),
        )
            .into_response();
    }
    let mut oauth = lock(&s.oauth);
    let device_code = oauth.token("dc_");
    let n = oauth.next;
    let user_code = format!("{:04X}-{:04X}", (n * 7919) % 0x10000, (n * 104_729) % 0x10000);
    oauth.device.by_device_code.insert(
        device_code.clone(),
        Device {
            user_code: user_code.clone(),
            scope: form.get("scope").cloned().unwrap_or_default(),
            expires_at: s.clock.now() + DEVICE_TTL_SECS,
            approved: None,
        },
    );
    Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": format!("{}/login/device", s.base_url),
        "expires_in": DEVICE_TTL_SECS,
        "interval": oauth.device.interval,
    }))
    .into_response()
}

/// The person types the user code and authorizes (or cancels): form `user_code`,
/// `action=authorize|deny`.
async fn decide(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = body_map(&headers, &body);
    let typed = form
        .get("user_code")
        .map(|c| c.trim().to_uppercase())
        .unwrap_or_default();
    let approve = form.get("action").map(String::as_str) != Some("deny");
    let mut oauth = lock(&s.oauth);
    let now = s.clock.now();
    match oauth
        .device
        .by_device_code
        .values_mut()
        .find(|d| d.user_code == typed && d.expires_at > now && d.approved.is_none())
    {
        Some(device) => {
            device.approved = Some(approve);
            page(
                StatusCode::OK,
                if approve {
                    "Congratulations, you're all set! Your device is now connected."
                } else {
                    "Access was denied."
                },
            )
        }
        None => page(StatusCode::NOT_FOUND, "That code is not valid or has expired."),
    }
}
