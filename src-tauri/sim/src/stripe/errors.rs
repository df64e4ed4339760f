//! Stripe's error envelope: `{"error":{"type","code","message","param"}}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug)]
pub struct StripeError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub code: Option<&'static str>,
    pub message: String,
    pub param: Option<String>,
}

impl StripeError {
    pub fn invalid(param: &str, code: &'static str, message: String) -> StripeError {
        StripeError {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            code: Some(code),
            message,
            param: Some(param.to_string()),
        }
    }

    /// An id that names no object: 400 for list cursors, 404 for GETs by id.
    pub fn missing(status: StatusCode, noun: &str, id: &str, param: &str) -> StripeError {
        StripeError {
            status,
            kind: "invalid_request_error",
            code: Some("resource_missing"),
            message: format!("No such {noun}: '{id}'"),
            param: Some(param.to_string()),
        }
    }

    pub fn auth(code: Option<&'static str>, message: String) -> StripeError {
        StripeError {
            status: StatusCode::UNAUTHORIZED,
            kind: "authentication_error",
            code,
            message,
            param: None,
        }
    }

    pub fn rate_limited() -> StripeError {
        StripeError {
            status: StatusCode::TOO_MANY_REQUESTS,
            kind: "rate_limit_error",
            code: Some("rate_limit"),
            message: "Request rate limit exceeded. Learn more about rate limits here \
                      https://stripe.com/docs/rate-limits."
                .to_string(),
            param: None,
        }
    }

    pub fn server_error() -> StripeError {
        StripeError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "api_error",
            code: None,
            message: "An unknown error occurred".to_string(),
            param: None,
        }
    }

    pub fn not_found_route(method: &str, path: &str) -> StripeError {
        StripeError {
            status: StatusCode::NOT_FOUND,
            kind: "invalid_request_error",
            code: None,
            message: format!("Unrecognized request URL ({method}: {path})."),
            param: None,
        }
    }
}

impl IntoResponse for StripeError {
    fn into_response(self) -> Response {
        let body = json!({"error": {
            "type": self.kind, "code": self.code, "message": self.message, "param": self.param,
        }});
        let is_rate_limit = self.status == StatusCode::TOO_MANY_REQUESTS;
        let mut resp = (self.status, Json(body)).into_response();
        if is_rate_limit {
            // Real Stripe sends none; clients are expected to honour one if present.
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from_static("1"));
        }
        resp
    }
}
