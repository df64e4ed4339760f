//! In front of every /v1 route: API-key check and the per-key rate limit.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::StripeError;
use crate::state::{lock, AppState};

const KEY_PREFIXES: [&str; 4] = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"];

pub struct StripeAuth {
    revoked: HashSet<String>,
    buckets: HashMap<String, Bucket>,
    rate: u32,
    requests: u64,
}

/// Token bucket holding at most one second's worth of requests, refilled
/// continuously in real time (rate limits are about wall time, not the sim clock).
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl StripeAuth {
    pub fn new(rate: u32) -> StripeAuth {
        StripeAuth {
            revoked: HashSet::new(),
            buckets: HashMap::new(),
            rate,
            requests: 0,
        }
    }

    pub fn revoke(&mut self, key: &str) {
        self.revoked.insert(key.to_string());
    }

    fn admit(&mut self, key: Option<&str>) -> Result<u64, StripeError> {
        let Some(key) = key else {
            return Err(StripeError::auth(
                None,
                "You did not provide an API key. You need to provide your API key in the \
                 Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
                    .to_string(),
            ));
        };
        if self.revoked.contains(key) {
            return Err(StripeError::auth(
                Some("api_key_expired"),
                format!("Expired API Key provided: {}", mask(key)),
            ));
        }
        if !KEY_PREFIXES.iter().any(|p| key.starts_with(p)) {
            return Err(StripeError::auth(
                Some("api_key_invalid"),
                format!("Invalid API Key provided: {}", mask(key)),
            ));
        }
        if self.rate > 0 {
            let rate = self.rate as f64;
            let now = Instant::now();
            let bucket = self.buckets.entry(key.to_string()).or_insert(Bucket {
                tokens: rate,
                last: now,
            });
            bucket.tokens = (bucket.tokens + now.duration_since(bucket.last).as_secs_f64() * rate).min(rate);
            bucket.last = now;
            if bucket.tokens < 1.0 {
                return Err(StripeError::rate_limited());
            }
            bucket.tokens -= 1.0;
        }
        self.requests += 1;
        Ok(self.requests)
    }
}

/// Stripe echoes keys as `sk_test_****abcd`.
fn mask(key: &str) -> String {
    let prefix: String = key.chars().take(8).collect();
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{prefix}****{tail}")
}

/// The key from `Authorization: Bearer <key>` or Basic auth with the key as
/// user name (what `curl -u sk_test_…:` sends).
pub fn api_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("authorization")?.to_str().ok()?.trim();
    if let Some(key) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    {
        return Some(key.trim().to_string()).filter(|k| !k.is_empty());
    }
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let user = decoded.split(':').next().unwrap_or_default();
    Some(user.to_string()).filter(|k| !k.is_empty())
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes().filter(|b| *b != b'=') {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let key = api_key(req.headers());
    let admitted = lock(&state.stripe_auth).admit(key.as_deref());
    match admitted {
        Ok(n) => {
            let mut resp = next.run(req).await;
            if let Ok(v) = HeaderValue::from_str(&format!("req_sim{n:010}")) {
                resp.headers_mut().insert("request-id", v);
            }
            resp
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_and_mask() {
        let mut h = HeaderMap::new();
        // base64("sk_test_abc:")
        h.insert(
            "authorization",
            HeaderValue::from_static("Basic c2tfdGVzdF9hYmM6"),
        );
        assert_eq!(api_key(&h).as_deref(), Some("sk_test_abc"));
        assert_eq!(mask("sk_test_123456789"), "sk_test_****6789");
    }
}
