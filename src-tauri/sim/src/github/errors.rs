//! GitHub's error bodies: `{"message", "documentation_url", "status"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

const DOCS: &str = "https://docs.github.com/rest";

fn body(status: StatusCode, message: &str) -> Response {
    let b = json!({"message": message, "documentation_url": DOCS, "status": status.as_str()});
    (status, Json(b)).into_response()
}

pub fn not_found() -> Response {
    body(StatusCode::NOT_FOUND, "Not Found")
}

pub fn bad_credentials() -> Response {
    body(StatusCode::UNAUTHORIZED, "Bad credentials")
}

/// A 401 that quotes the token back (the `echo_secret` fault).
pub fn bad_credentials_quoting(token: &str) -> Response {
    body(
        StatusCode::UNAUTHORIZED,
        &format!("Bad credentials: the token {token} is not valid or has been revoked"),
    )
}

pub fn requires_authentication() -> Response {
    body(StatusCode::UNAUTHORIZED, "Requires authentication")
}

pub fn server_error() -> Response {
    body(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
}

pub fn forbidden(message: &str) -> Response {
    body(StatusCode::FORBIDDEN, message)
}

pub fn unavailable() -> Response {
    body(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
}

pub fn primary_exhausted() -> Response {
    body(
        StatusCode::FORBIDDEN,
        "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include \
         the request ID sim.",
    )
}

pub fn secondary_limit(status: StatusCode) -> Response {
    body(
        status,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you \
         reach out to GitHub Support for help, please include the request ID sim.",
    )
}

/// 422 for a bad query parameter value.
pub fn invalid(field: &str, resource: &str) -> Response {
    let b = json!({
        "message": "Validation Failed",
        "errors": [{"resource": resource, "field": field, "code": "invalid"}],
        "documentation_url": DOCS,
        "status": "422",
    });
    (StatusCode::UNPROCESSABLE_ENTITY, Json(b)).into_response()
}
