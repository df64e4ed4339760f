//! Google's error documents: the REST form of `google.rpc.Status`,
//! `{"error":{"code","message","status","details":[…]}}`. Search Console still adds the
//! older `errors:[{message, domain, reason}]`; Google Ads puts a `GoogleAdsFailure` in
//! `details`, naming the error by its enum (`{"queryError":"UNRECOGNIZED_FIELD"}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::Product;

pub const ADS_FAILURE_TYPE: &str = "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure";
const ERROR_INFO_TYPE: &str = "type.googleapis.com/google.rpc.ErrorInfo";

pub const MISSING_CREDENTIALS: &str =
    "Request is missing required authentication credential. Expected OAuth 2 \
     access token, login cookie or other valid authentication credential. See \
     https://developers.google.com/identity/sign-in/web/devconsole-project.";
pub const INVALID_CREDENTIALS: &str =
    "Request had invalid authentication credentials. Expected OAuth 2 access \
     token, login cookie or other valid authentication credential. See \
     https://developers.google.com/identity/sign-in/web/devconsole-project.";
pub const INSUFFICIENT_SCOPES: &str = "Request had insufficient authentication scopes.";

/// One error of a `GoogleAdsFailure`: `{"errorCode": {kind: code}, "message", "details"?}`.
#[derive(Clone, Debug)]
pub struct AdsError {
    pub kind: &'static str,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

#[derive(Clone, Debug)]
pub struct GoogleError {
    pub status: StatusCode,
    pub message: String,
    pub product: Product,
    /// Search Console's `errors[].reason` (and `domain`), when not the default for the status.
    pub reason: Option<(&'static str, &'static str)>,
    /// A `google.rpc.ErrorInfo` detail: (reason, service).
    pub info: Option<(&'static str, &'static str)>,
    /// Ads: the failure inside `details`, and its request id (boxed: errors stay small).
    pub ads: Option<Box<(AdsError, String)>>,
}

/// The canonical code name Google pairs with an HTTP status.
pub fn status_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    }
}

/// Search Console's legacy (domain, reason) for a status.
fn legacy_reason(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("global", "badRequest"),
        401 => ("global", "authError"),
        403 => ("global", "forbidden"),
        404 => ("global", "notFound"),
        429 => ("usageLimits", "rateLimitExceeded"),
        _ => ("global", "backendError"),
    }
}

impl GoogleError {
    pub fn new(product: Product, status: u16, message: impl Into<String>) -> GoogleError {
        GoogleError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            message: message.into(),
            product,
            reason: None,
            info: None,
            ads: None,
        }
    }

    pub fn invalid(product: Product, message: impl Into<String>) -> GoogleError {
        GoogleError::new(product, 400, message)
    }

    pub fn with_reason(mut self, domain: &'static str, reason: &'static str) -> GoogleError {
        self.reason = Some((domain, reason));
        self
    }

    pub fn with_info(mut self, reason: &'static str, service: &'static str) -> GoogleError {
        self.info = Some((reason, service));
        self
    }

    /// A Google Ads error: the top-level message is the generic one for the status and the
    /// specific text goes in the failure, as the Ads API does.
    pub fn ads(
        status: u16,
        kind: &'static str,
        code: &'static str,
        message: impl Into<String>,
        request_id: String,
    ) -> GoogleError {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let top = match status.as_u16() {
            400 => "Request contains an invalid argument.",
            401 => INVALID_CREDENTIALS,
            403 => "The caller does not have permission",
            429 => "Resource has been exhausted (e.g. check quota).",
            503 => "The service is currently unavailable.",
            _ => "Internal error encountered.",
        };
        GoogleError {
            status,
            message: top.to_string(),
            product: Product::Ads,
            reason: None,
            info: None,
            ads: Some(Box::new((
                AdsError {
                    kind,
                    code,
                    message: message.into(),
                    details: None,
                },
                request_id,
            ))),
        }
    }

    pub fn with_ads_details(mut self, details: Value) -> GoogleError {
        if let Some(ads) = &mut self.ads {
            ads.0.details = Some(details);
        }
        self
    }

    pub fn body(&self) -> Value {
        let mut error = json!({
            "code": self.status.as_u16(),
            "message": self.message,
            "status": status_name(self.status),
        });
        let mut details = Vec::new();
        if let Some((reason, service)) = self.info {
            details.push(json!({
                "@type": ERROR_INFO_TYPE,
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {"service": service},
            }));
        }
        if let Some(ads) = &self.ads {
            let (e, request_id) = &**ads;
            let mut one = json!({"errorCode": {e.kind: e.code}, "message": e.message});
            if let Some(d) = &e.details {
                one["details"] = d.clone();
            }
            details.push(json!({"@type": ADS_FAILURE_TYPE, "errors": [one], "requestId": request_id}));
        }
        if !details.is_empty() {
            error["details"] = Value::Array(details);
        }
        if self.product == Product::SearchConsole {
            let (domain, reason) = self.reason.unwrap_or_else(|| legacy_reason(self.status));
            error["errors"] = json!([{"message": self.message, "domain": domain, "reason": reason}]);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for GoogleError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}
