//! What every Graph call passes before its handler, in Meta's order: the version (400 code
//! 2635 unless v26.0), the token (104 when missing; 190 when unknown, revoked or expired,
//! subcode 463 for expired), then the ad account's hourly budget (80000, not counted). The
//! usage headers go on every answer on the way out, refusals included.

use axum::extract::{Extension, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::GraphError;
use super::params::Params;
use super::{usage, version_of, GRAPH_VERSION};
use crate::config::MetaAdAccount;
use crate::oauth::MetaToken;
use crate::state::{lock, AppState};
use crate::stats::RateLimited;

/// The access token: `Authorization: Bearer …` or the `access_token` parameter.
pub fn token(req_headers: &axum::http::HeaderMap, p: &Params) -> Option<String> {
    let bearer = req_headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    bearer
        .or_else(|| p.get("access_token").map(str::to_string))
        .filter(|t| !t.is_empty())
}

fn admit(s: &AppState, req: &Request, p: &Params, account: Option<&MetaAdAccount>) -> Result<(), GraphError> {
    if let Some(v) = version_of(req.uri().path()).filter(|v| *v != GRAPH_VERSION) {
        return Err(GraphError::version(v));
    }
    let Some(token) = token(req.headers(), p) else {
        return Err(GraphError::new(
            400,
            104,
            "An access token is required to request this resource.",
        ));
    };
    let now = s.clock.now();
    match lock(&s.oauth).meta_token(&token, now) {
        MetaToken::Live => {}
        MetaToken::Expired(at) => return Err(GraphError::token(Some(at), now)),
        MetaToken::Unknown => return Err(GraphError::token(None, now)),
    }
    match account {
        Some(a) if !lock(&s.meta.usage).charge(&a.id, s.clock.now_ms()) => Err(GraphError::too_many_calls()),
        _ => Ok(()),
    }
}

pub async fn middleware(
    State(s): State<AppState>,
    Extension(p): Extension<Params>,
    req: Request,
    next: Next,
) -> Response {
    let account = s.meta.account_of_path(req.uri().path()).cloned();
    let mut resp = match admit(&s, &req, &p, account.as_ref()) {
        Ok(()) => next.run(req).await,
        Err(refused) => {
            let throttled = refused.code == 80000;
            let mut resp = refused.into_response();
            if throttled {
                resp.extensions_mut().insert(RateLimited);
            }
            resp
        }
    };
    usage::write_headers(&s, account.as_ref(), None, resp.headers_mut());
    resp
}
