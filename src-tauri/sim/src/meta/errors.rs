//! Graph API error documents: `{"error":{"message","type","code","error_subcode",
//! "is_transient","error_user_title","error_user_msg","fbtrace_id"}}`, HTTP 400 for nearly
//! everything (auth and rate limits included), 500 for server trouble. The code and subcode
//! also ride on the response as `GraphCode`, so the request log records them unparsed.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use serde_json::json;

use super::GRAPH_VERSION;
use crate::rng::splitmix64;

/// A Graph error's (code, subcode), for the request log.
#[derive(Clone, Copy, Debug)]
pub struct GraphCode(pub u32, pub Option<u32>);

#[derive(Clone, Debug)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: u32,
    pub subcode: Option<u32>,
    pub message: String,
    pub transient: bool,
    /// (error_user_title, error_user_msg)
    pub user: Option<(String, String)>,
}

/// Meta's `fbtrace_id`: 11 url-safe characters, unique per answer in this process.
fn trace_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = splitmix64(NEXT.fetch_add(1, Ordering::Relaxed) + 0x6d65_7461);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n.to_be_bytes())
}

impl GraphError {
    pub fn new(status: u16, code: u32, message: impl Into<String>) -> GraphError {
        GraphError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code,
            subcode: None,
            message: message.into(),
            transient: false,
            user: None,
        }
    }

    pub fn subcode(mut self, subcode: u32) -> GraphError {
        self.subcode = Some(subcode);
        self
    }

    pub fn transient(mut self) -> GraphError {
        self.transient = true;
        self
    }

    pub fn user(mut self, title: &str, message: &str) -> GraphError {
        self.user = Some((title.to_string(), message.to_string()));
        self
    }

    /// "(#100) …": a bad parameter.
    pub fn invalid(message: impl std::fmt::Display) -> GraphError {
        GraphError::new(400, 100, format!("(#100) {message}"))
    }

    /// An object that does not exist (or that this token may not see).
    pub fn no_object(method: &str, id: &str) -> GraphError {
        GraphError::new(
            400,
            100,
            format!(
                "Unsupported {} request. Object with ID '{id}' does not exist, cannot be loaded due to \
                 missing permissions, or does not support this operation. Please read the Graph API \
                 documentation at https://developers.facebook.com/docs/graph-api",
                method.to_ascii_lowercase()
            ),
        )
        .subcode(33)
    }

    pub fn unknown_path(path: &str) -> GraphError {
        GraphError::new(400, 2500, format!("Unknown path components: {path}"))
    }

    pub fn version(version: &str) -> GraphError {
        GraphError::new(
            400,
            2635,
            format!(
                "(#2635) You are calling a deprecated or unknown version of the Graph API ({version}). \
                 Please update to the latest version: {GRAPH_VERSION}."
            ),
        )
    }

    /// The ads_insights budget of an ad account is spent.
    pub fn too_many_calls() -> GraphError {
        GraphError::new(
            400,
            80000,
            "(#80000) There have been too many calls from this ad-account. Wait a bit and try again. \
             For more info, please refer to \
             https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-insights.",
        )
        .subcode(2446079)
        .transient()
    }

    pub fn reduce_data() -> GraphError {
        GraphError::new(
            500,
            1,
            "Please reduce the amount of data you're asking for, then retry your request",
        )
    }

    /// 190: the token is expired (`expired_at` Unix seconds) or none Meta knows.
    pub fn token(expired_at: Option<i64>, now: i64) -> GraphError {
        let Some(at) = expired_at else {
            return GraphError::new(400, 190, "Invalid OAuth access token - Cannot parse access token");
        };
        let when = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .format("%A, %d-%b-%y %H:%M:%S UTC")
                .to_string()
        };
        GraphError::new(
            400,
            190,
            format!(
                "Error validating access token: Session has expired on {}. The current time is {}.",
                when(at),
                when(now)
            ),
        )
        .subcode(463)
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let mut error = json!({
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "is_transient": self.transient,
            "fbtrace_id": trace_id(),
        });
        if let Some(sub) = self.subcode {
            error["error_subcode"] = json!(sub);
        }
        if let Some((title, msg)) = &self.user {
            error["error_user_title"] = json!(title);
            error["error_user_msg"] = json!(msg);
        }
        let mut resp = (self.status, Json(json!({ "error": error }))).into_response();
        if self.code == 190 || self.code == 104 {
            resp.headers_mut().insert(
                "www-authenticate",
                HeaderValue::from_static(
                    "OAuth \"Facebook Platform\" \"invalid_token\" \"Invalid OAuth access token data.\"",
                ),
            );
        }
        resp.extensions_mut().insert(GraphCode(self.code, self.subcode));
        resp
    }
}
