//! `/_sim/faults` on Google paths, answered in Google's shapes: `rate_limit` (429
//! RESOURCE_EXHAUSTED; for Ads a QuotaError with `quotaErrorDetails.retryDelay` and the
//! spec's `scope`, ACCOUNT or DEVELOPER), `server_error` (500), `unauthorized` (401),
//! `permission_denied` (403), `unavailable` (503), `malformed`, `bad_gateway`; the
//! pass-through kinds (`delay`, `truncated`, `stream_cut`) run the request. `stream_cut`
//! ends an Ads searchStream after `batches` complete batches (default 1); elsewhere it
//! cuts the body like `truncated`. `missing_field` is not applied on Google paths.
//! `echo_secret` answers 401 quoting the bearer token (Ads: in its failure message) and
//! `redirect_secret` a 302 carrying it, as the Stripe/GitHub ones do.
//! Faulted requests are logged like any other Google request.

use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ads::CutAfter;
use super::errors::{GoogleError, INVALID_CREDENTIALS};
use super::log::{self, FaultMark};
use super::Product;
use crate::faults::{FaultKind, FaultSpec};
use crate::state::{lock, AppState};

/// The request as a fault sees it: its account, credential and path.
struct Seen<'a> {
    account: Option<&'a str>,
    credential: &'a str,
    path: &'a str,
}

/// The answer a fault gives instead of running the request.
fn answer(s: &AppState, f: &FaultSpec, product: Product, seen: Seen) -> Response {
    let account = seen.account;
    let ads = |status: u16, kind: &'static str, code: &'static str, message: String| {
        GoogleError::ads(status, kind, code, message, s.google.request_id())
    };
    let retry = f.retry_after.unwrap_or(1);
    let e = match (f.kind, product) {
        (FaultKind::RateLimit | FaultKind::PrimaryExhausted, Product::Ads) => {
            let scope = f.scope.as_deref().unwrap_or("ACCOUNT").to_ascii_uppercase();
            let name = if scope == "DEVELOPER" {
                "Number of operations for basic access"
            } else {
                "Requests per customer per minute"
            };
            ads(
                429,
                "quotaError",
                "RESOURCE_EXHAUSTED",
                format!("Too many requests. Retry in {retry} seconds."),
            )
            .with_ads_details(json!({"quotaErrorDetails": {
                "rateScope": scope, "rateName": name, "retryDelay": format!("{retry}s"),
            }}))
        }
        (FaultKind::RateLimit | FaultKind::PrimaryExhausted, Product::SearchConsole) => {
            GoogleError::new(product, 429, super::search_console::QPS_MESSAGE)
        }
        (FaultKind::RateLimit | FaultKind::PrimaryExhausted, _) => {
            GoogleError::new(product, 429, "Resource has been exhausted (e.g. check quota).")
        }
        (FaultKind::ServerError | FaultKind::ReduceData, Product::Ads) => ads(
            500,
            "internalError",
            "INTERNAL_ERROR",
            "An internal error has occurred.".into(),
        ),
        (FaultKind::ServerError | FaultKind::ReduceData, _) => {
            GoogleError::new(product, 500, "Internal error encountered.")
        }
        (FaultKind::Unavailable, Product::Ads) => ads(
            503,
            "internalError",
            "TRANSIENT_ERROR",
            "The request failed due to a transient error. Retry it.".into(),
        ),
        (FaultKind::Unavailable, _) => {
            GoogleError::new(product, 503, "The service is currently unavailable.")
        }
        (FaultKind::Unauthorized, Product::Ads) => ads(
            401,
            "authenticationError",
            "OAUTH_TOKEN_EXPIRED",
            "Oauth token is expired.".into(),
        ),
        (FaultKind::Unauthorized, _) => GoogleError::new(product, 401, INVALID_CREDENTIALS)
            .with_info("ACCESS_TOKEN_EXPIRED", "googleapis.com"),
        (FaultKind::PermissionDenied, Product::Ads) => ads(
            403,
            "authorizationError",
            "USER_PERMISSION_DENIED",
            "User doesn't have permission to access customer.".into(),
        ),
        (FaultKind::PermissionDenied, Product::SearchConsole) => GoogleError::new(
            product,
            403,
            format!(
                "User does not have sufficient permission for site '{}'. See also: \
                 https://support.google.com/webmasters/answer/2451999.",
                account.unwrap_or_default()
            ),
        ),
        (FaultKind::PermissionDenied, _) => GoogleError::new(
            product,
            403,
            "User does not have sufficient permissions for this property.",
        ),
        (FaultKind::EchoSecret, Product::Ads) => ads(
            401,
            "authenticationError",
            "OAUTH_TOKEN_INVALID",
            format!("Oauth token {} is invalid.", seen.credential),
        ),
        (FaultKind::EchoSecret, _) => GoogleError::new(
            product,
            401,
            format!(
                "Request had invalid authentication credentials: access token {} is invalid or expired.",
                seen.credential
            ),
        )
        .with_info("ACCESS_TOKEN_EXPIRED", "googleapis.com"),
        (FaultKind::RedirectSecret, _) => {
            return crate::faults::redirect_with_secret(seen.credential, seen.path);
        }
        (FaultKind::BadGateway, _) => {
            let html = "<html><head><title>502 Bad Gateway</title></head>\
                        <body><h1>502 Bad Gateway</h1></body></html>";
            return (StatusCode::BAD_GATEWAY, [(CONTENT_TYPE, "text/html")], html).into_response();
        }
        (_, _) => {
            // Malformed: the start of a real answer, then garbage.
            let start = match product {
                Product::Ga4 => {
                    "{\"dimensionHeaders\": [{\"name\": \"date\"}], \"rows\": [{\"dimensionValues\": "
                }
                Product::SearchConsole => "{\"rows\": [{\"keys\": [\"",
                Product::Ads => "[{\"results\": [{\"campaign\": ",
            };
            return (
                StatusCode::OK,
                [(CONTENT_TYPE, "application/json")],
                format!("{start}<html>oops"),
            )
                .into_response();
        }
    };
    e.into_response()
}

pub async fn apply(s: AppState, mut req: Request, f: FaultSpec, product: Product, next: Next) -> Response {
    let name = f.kind.name();
    if f.kind == FaultKind::StreamCut && req.uri().path().ends_with("googleAds:searchStream") {
        req.extensions_mut().insert(FaultMark(name));
        req.extensions_mut().insert(CutAfter(f.batches.unwrap_or(1)));
        return next.run(req).await;
    }
    let req = match crate::faults::pass_through(req, &f, next).await {
        Ok(resp) => return resp,
        Err((req, _)) => req,
    };
    // Answered here: log it as the Google layer would have.
    let (parts, bytes) = log::buffer(req).await;
    let credential = crate::faults::credential(&parts.headers);
    let entry = log::entry(&parts, &bytes, Some(name));
    let account = entry.as_ref().and_then(|e| e.account.clone());
    let seq = entry.map(|e| lock(&s.google.log).push(e));
    if f.kind == FaultKind::Timeout {
        return crate::faults::dropped(&f).await;
    }
    let seen = Seen {
        account: account.as_deref(),
        credential: &credential,
        path: parts.uri.path(),
    };
    let resp = answer(&s, &f, product, seen);
    if let Some(seq) = seq {
        lock(&s.google.log).finish(seq, resp.status().as_u16());
    }
    resp
}
