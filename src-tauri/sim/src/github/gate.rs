//! In front of every GitHub route: token check, primary quota, and ETag /
//! If-None-Match (a 304 does not spend quota, as on GitHub).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::auth::Caller;
use super::errors;
use crate::state::{lock, AppState};

/// Weak ETag over the body (FNV-1a; only equality matters).
pub fn etag(body: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body {
        h = (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    format!("W/\"{h:016x}{:08x}\"", body.len())
}

/// RFC 9110 weak comparison against an `If-None-Match` list.
fn matches(if_none_match: &str, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = opaque(tag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

pub async fn gate(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let now = s.clock.now();
    // Checking your quota is free on GitHub.
    let free = req.uri().path() == "/rate_limit";
    let identified = lock(&s.github_auth).identify(req.headers(), now);
    let Ok(caller) = identified else {
        let mut resp = errors::bad_credentials();
        lock(&s.github_auth)
            .peek(&Caller::Anonymous, now)
            .write_headers(resp.headers_mut());
        return resp;
    };
    // Spend before running, so concurrent requests cannot overshoot the
    // quota; a 304 gives its unit back.
    let exhausted = {
        let mut auth = lock(&s.github_auth);
        let q = auth.quota(&caller, now);
        if !free && q.used >= q.limit {
            Some(*q)
        } else {
            q.used += u32::from(!free);
            None
        }
    };
    if let Some(q) = exhausted {
        let mut resp = errors::primary_exhausted();
        q.write_headers(resp.headers_mut());
        resp.extensions_mut().insert(crate::stats::RateLimited);
        return resp;
    }
    let if_none_match = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    req.extensions_mut().insert(caller.clone());

    let (mut parts, body) = next.run(req).await.into_parts();
    let mut resp = if parts.status == StatusCode::OK {
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let tag = etag(&bytes);
        let hit = if_none_match.as_deref().is_some_and(|inm| matches(inm, &tag));
        if let Ok(v) = HeaderValue::from_str(&tag) {
            parts.headers.insert(ETAG, v);
        }
        if hit {
            if !free {
                let mut auth = lock(&s.github_auth);
                let q = auth.quota(&caller, now);
                q.used = q.used.saturating_sub(1);
            }
            parts.status = StatusCode::NOT_MODIFIED;
            parts.headers.remove(CONTENT_LENGTH);
            Response::from_parts(parts, Body::empty())
        } else {
            Response::from_parts(parts, Body::from(bytes))
        }
    } else {
        Response::from_parts(parts, body)
    };
    let quota = lock(&s.github_auth).peek(&caller, now);
    let h = resp.headers_mut();
    quota.write_headers(h);
    h.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static("2022-11-28"),
    );
    h.insert(
        "vary",
        HeaderValue::from_static("Accept, Authorization, Cookie, X-GitHub-OTP"),
    );
    h.insert(
        "cache-control",
        HeaderValue::from_static("private, max-age=60, s-maxage=60"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_matching() {
        let tag = etag(b"[]");
        assert!(matches(&tag, &tag));
        assert!(matches(&tag.replace("W/", ""), &tag));
        assert!(matches(&format!("\"x\", {tag}"), &tag));
        assert!(matches("*", &tag));
        assert!(!matches("W/\"nope\"", &tag));
        assert_ne!(etag(b"[1]"), tag);
    }
}
