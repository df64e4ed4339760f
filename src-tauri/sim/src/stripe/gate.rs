//! In front of every /v1 route: API-key check and the per-key rate limit.

use std::collections::{HashMap, HashSet};

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
    /// Requests per second for (test keys, live keys); 0 = unlimited.
    rates: (u32, u32),
    /// Requests per second per key to one API operation; 0 = unlimited.
    endpoint_rate: u32,
    requests: u64,
}

/// Token bucket holding at most one second's worth of requests, refilled
/// continuously on the sim clock: a test can empty it and then move the clock (or
/// freeze the clock so nothing refills it), and at normal speed the sim clock runs
/// at wall speed, so the limit is Stripe's per-second one.
struct Bucket {
    tokens: f64,
    last_ms: i64,
}

/// Live keys (`sk_live_`, `rk_live_`) get Stripe's live-mode limit.
fn is_live(key: &str) -> bool {
    key.starts_with("sk_live_") || key.starts_with("rk_live_")
}

impl StripeAuth {
    pub fn new(cfg: &crate::config::StripeConfig) -> StripeAuth {
        StripeAuth {
            revoked: HashSet::new(),
            buckets: HashMap::new(),
            rates: (cfg.rate_for(false), cfg.rate_for(true)),
            endpoint_rate: cfg.endpoint_rate(),
            requests: 0,
        }
    }

    pub fn revoke(&mut self, key: &str) {
        self.revoked.insert(key.to_string());
    }

    fn admit(&mut self, key: Option<&str>, endpoint: &str, now_ms: i64) -> Result<u64, StripeError> {
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
        let rate = if is_live(key) { self.rates.1 } else { self.rates.0 };
        // Both the key's bucket and its bucket for this operation must hold a token; a
        // refused request spends neither.
        let buckets = [
            (key.to_string(), rate),
            (format!("{key} {endpoint}"), self.endpoint_rate),
        ];
        let mut full = true;
        for (name, rate) in &buckets {
            if *rate > 0 {
                full &= self.refill(name, *rate, now_ms) >= 1.0;
            }
        }
        if !full {
            return Err(StripeError::rate_limited());
        }
        for (name, rate) in &buckets {
            if *rate > 0 {
                self.buckets.get_mut(name).expect("refilled").tokens -= 1.0;
            }
        }
        self.requests += 1;
        Ok(self.requests)
    }
}

impl StripeAuth {
    /// Refills a bucket holding at most one second of `rate` to `now_ms`; its tokens.
    fn refill(&mut self, name: &str, rate: u32, now_ms: i64) -> f64 {
        let rate = f64::from(rate);
        let bucket = self.buckets.entry(name.to_string()).or_insert(Bucket {
            tokens: rate,
            last_ms: now_ms,
        });
        // A clock moved backwards refills nothing (and does not stall the bucket).
        let elapsed = (now_ms - bucket.last_ms).max(0) as f64 / 1000.0;
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.last_ms = now_ms;
        bucket.tokens
    }
}

/// The API operation a request is, as Stripe counts them apart: the method and the path
/// with ids in place of `:id` (`GET /v1/charges`, `GET /v1/charges/:id`).
fn endpoint(method: &str, path: &str) -> String {
    let shape: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .enumerate()
        .map(|(i, part)| if i >= 2 && i % 2 == 0 { ":id" } else { part })
        .collect();
    format!("{method} /{}", shape.join("/"))
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
    let now_ms = state.clock.now_ms();
    let endpoint = endpoint(req.method().as_str(), req.uri().path());
    let admitted = lock(&state.stripe_auth).admit(key.as_deref(), &endpoint, now_ms);
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

    #[test]
    fn buckets_per_mode_refill_on_the_sim_clock() {
        let cfg = crate::config::StripeConfig {
            rate_limit_per_sec: 2,
            ..Default::default()
        };
        let mut auth = StripeAuth::new(&cfg);
        let admitted =
            |auth: &mut StripeAuth, key: &str, at: i64| auth.admit(Some(key), "GET /v1/charges", at).is_ok();
        // Test keys: 2 a second; live keys: 4 × that when not set.
        assert!((0..2).all(|_| admitted(&mut auth, "sk_test_a", 0)));
        assert!(!admitted(&mut auth, "sk_test_a", 0));
        assert!((0..8).all(|_| admitted(&mut auth, "sk_live_a", 0)));
        assert!(!admitted(&mut auth, "sk_live_a", 0));
        // Half a second of sim time refills one test-key request.
        assert!(admitted(&mut auth, "sk_test_a", 500));
        assert!(!admitted(&mut auth, "sk_test_a", 500));
        // A clock moved back gives nothing.
        assert!(!admitted(&mut auth, "sk_test_a", -10_000));
        let off = crate::config::StripeConfig {
            rate_limit_per_sec: 0,
            ..Default::default()
        };
        let mut auth = StripeAuth::new(&off);
        assert!((0..1_000).all(|_| admitted(&mut auth, "rk_live_x", 0)));
    }

    #[test]
    fn each_operation_has_its_own_limit_inside_the_keys() {
        let cfg = crate::config::StripeConfig {
            rate_limit_per_sec: 25,
            live_rate_limit_per_sec: Some(100),
            ..Default::default()
        };
        let mut auth = StripeAuth::new(&cfg);
        let key = Some("rk_live_a");
        // 25 a second to listing charges, then refused, though the key has 75 left.
        assert!((0..25).all(|_| auth.admit(key, "GET /v1/charges", 0).is_ok()));
        assert!(auth.admit(key, "GET /v1/charges", 0).is_err());
        assert!((0..25).all(|_| auth.admit(key, "GET /v1/charges/:id", 0).is_ok()));
        for i in 0..50 {
            assert!(auth.admit(key, &format!("GET /v1/other{i}"), 0).is_ok());
        }
        // The key's 100 are spent now: another operation is refused too.
        assert!(auth.admit(key, "GET /v1/invoices", 0).is_err());
        assert_eq!(endpoint("GET", "/v1/charges"), "GET /v1/charges");
        assert_eq!(endpoint("GET", "/v1/charges/ch_1"), "GET /v1/charges/:id");
        assert_eq!(
            endpoint("POST", "/v1/charges/ch_1/refund"),
            "POST /v1/charges/:id/refund"
        );
    }
}
