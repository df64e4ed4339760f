//! `/_sim/faults` on Graph paths, answered in Graph's shape with the usage headers (a
//! faulted request spends no budget; a rate-limit fault's `regain_minutes` goes into
//! `estimated_time_to_regain_access`). The JSON to create each is in `mod.rs`. Pass-through
//! kinds (`delay`, `truncated`, `stream_cut` = `truncated`, `missing_field` = none) run the
//! request; every other kind answers here and is logged like any Graph request.

use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::GraphError;
use super::{gate, log, usage};
use crate::faults::{FaultKind, FaultSpec};
use crate::state::{lock, AppState};
use crate::stats::RateLimited;

/// A rate-limit error: Graph `code` 4, 17, 32 or 613 (anything else is 80000), with an
/// `error_subcode` when given (80000's defaults to 2446079). 17 with 2446079 is the
/// per-ad-account "Ad Account Has Too Many API Calls"; 17 alone is the user's limit.
fn rate_limit(code: u32, subcode: Option<u32>) -> GraphError {
    let e = match code {
        4 => GraphError::new(400, 4, "(#4) Application request limit reached"),
        17 => GraphError::new(400, 17, "(#17) User request limit reached"),
        32 => GraphError::new(400, 32, "(#32) Page request limit reached"),
        613 => GraphError::new(400, 613, "(#613) Calls to this api have exceeded the rate limit."),
        _ => return GraphError::too_many_calls().subcode(subcode.unwrap_or(2446079)),
    };
    let e = e.transient();
    match subcode {
        Some(2446079) => e.subcode(2446079).user(
            "Ad Account Has Too Many API Calls",
            "There have been too many calls from this ad-account. Please wait a bit and try again.",
        ),
        Some(sub) => e.subcode(sub),
        None => e,
    }
}

fn answer(s: &AppState, f: &FaultSpec, credential: &str, path: &str) -> Response {
    let now = s.clock.now();
    let e = match f.kind {
        FaultKind::RateLimit | FaultKind::PrimaryExhausted => {
            let mut resp = rate_limit(f.code.unwrap_or(80000), f.subcode).into_response();
            resp.extensions_mut().insert(RateLimited);
            return resp;
        }
        FaultKind::Unauthorized => GraphError::token(Some(now - 3600), now),
        FaultKind::EchoSecret => GraphError::new(400, 190, format!("Malformed access token {credential}")),
        FaultKind::ReduceData => GraphError::reduce_data(),
        FaultKind::ServerError => GraphError::new(
            500,
            2,
            "An unexpected error has occurred. Please retry your request later.",
        )
        .transient(),
        FaultKind::Unavailable => GraphError::new(503, 2, "Service temporarily unavailable").transient(),
        FaultKind::PermissionDenied => GraphError::new(
            400,
            200,
            "(#200) Ad account owner has NOT grant ads_management or ads_read permission",
        ),
        FaultKind::RedirectSecret => return crate::faults::redirect_with_secret(credential, path),
        FaultKind::BadGateway => {
            let html = "<html><head><title>502 Bad Gateway</title></head>\
                        <body><h1>502 Bad Gateway</h1></body></html>";
            return (StatusCode::BAD_GATEWAY, [(CONTENT_TYPE, "text/html")], html).into_response();
        }
        // Malformed (the pass-through kinds never get here): a real start, then garbage.
        _ => {
            let body = "{\"data\": [{\"account_id\": \"<html>oops";
            return (StatusCode::OK, [(CONTENT_TYPE, "application/json")], body).into_response();
        }
    };
    e.into_response()
}

pub async fn apply(s: AppState, req: Request, f: FaultSpec, next: Next) -> Response {
    let req = match crate::faults::pass_through(req, &f, next).await {
        Ok(resp) => return resp,
        Err((req, _)) => req,
    };
    let (parts, _, params) = log::buffer(req).await;
    let seq = lock(&s.meta.log).push(log::entry(&s, &parts, &params, Some(f.kind.name())));
    if f.kind == FaultKind::Timeout {
        return crate::faults::dropped(&f).await;
    }
    let credential = gate::token(&parts.headers, &params).unwrap_or_default();
    let mut resp = answer(&s, &f, &credential, parts.uri.path());
    let limited = matches!(f.kind, FaultKind::RateLimit | FaultKind::PrimaryExhausted);
    let account = s.meta.account_of_path(parts.uri.path());
    let regain = limited.then(|| f.regain_minutes.unwrap_or(0));
    usage::write_headers(&s, account, regain, resp.headers_mut());
    lock(&s.meta.log).finish(seq, &resp);
    resp
}
