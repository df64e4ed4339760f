//! Tokens and the primary rate limit. Quota windows run on the sim clock so a
//! test can exhaust a quota and then move the clock past `reset`.

use std::collections::{HashMap, HashSet};

use axum::http::{HeaderMap, HeaderValue};

const TOKEN_PREFIXES: [&str; 5] = ["ghp_", "gho_", "ghu_", "ghs_", "github_pat_"];
/// GitHub's unauthenticated limit.
const ANONYMOUS_LIMIT: u32 = 60;
const WINDOW_SECS: i64 = 3600;

/// Who is calling: a token, or nobody (GitHub serves public data anonymously).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Caller {
    Token(String),
    Anonymous,
}

#[derive(Clone, Copy, Debug)]
pub struct Quota {
    pub limit: u32,
    pub used: u32,
    pub reset: i64,
}

impl Quota {
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// The `x-ratelimit-*` headers for this quota.
    pub fn write_headers(&self, h: &mut HeaderMap) {
        let mut put = |name: &'static str, v: String| {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(name, v);
            }
        };
        put("x-ratelimit-limit", self.limit.to_string());
        put("x-ratelimit-remaining", self.remaining().to_string());
        put("x-ratelimit-used", self.used.to_string());
        put("x-ratelimit-reset", self.reset.to_string());
        put("x-ratelimit-resource", "core".to_string());
    }
}

pub struct GithubAuth {
    revoked: HashSet<String>,
    /// OAuth access tokens stop working at these times (sim clock).
    expiry: HashMap<String, i64>,
    quotas: HashMap<Caller, Quota>,
    limit: u32,
}

/// Why a request was refused before reaching a handler.
pub enum Denied {
    BadCredentials,
}

impl GithubAuth {
    pub fn new(limit: u32) -> GithubAuth {
        GithubAuth {
            revoked: HashSet::new(),
            expiry: HashMap::new(),
            quotas: HashMap::new(),
            limit,
        }
    }

    pub fn revoke(&mut self, token: &str) {
        self.revoked.insert(token.to_string());
    }

    pub fn expire_at(&mut self, token: &str, at: i64) {
        self.expiry.insert(token.to_string(), at);
    }

    /// `Authorization: Bearer <t>` or `token <t>`; no header = anonymous. Revoked and expired
    /// tokens are refused.
    pub fn identify(&self, headers: &HeaderMap, now: i64) -> Result<Caller, Denied> {
        let Some(value) = headers.get("authorization") else {
            return Ok(Caller::Anonymous);
        };
        let value = value.to_str().map_err(|_| Denied::BadCredentials)?.trim();
        let (scheme, token) = value.split_once(' ').ok_or(Denied::BadCredentials)?;
        let token = token.trim();
        let scheme_ok = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
        let expired = self.expiry.get(token).is_some_and(|at| now >= *at);
        if !scheme_ok
            || !TOKEN_PREFIXES.iter().any(|p| token.starts_with(p))
            || self.revoked.contains(token)
            || expired
        {
            return Err(Denied::BadCredentials);
        }
        Ok(Caller::Token(token.to_string()))
    }

    /// The caller's quota, starting a fresh window if the old one has passed.
    pub fn quota(&mut self, caller: &Caller, now: i64) -> &mut Quota {
        let limit = if *caller == Caller::Anonymous {
            ANONYMOUS_LIMIT
        } else {
            self.limit
        };
        let q = self.quotas.entry(caller.clone()).or_insert(Quota {
            limit,
            used: 0,
            reset: now + WINDOW_SECS,
        });
        if now >= q.reset {
            *q = Quota {
                limit,
                used: 0,
                reset: now + WINDOW_SECS,
            };
        }
        q
    }

    /// A caller's quota as it stands, without starting or spending anything
    /// (for fault responses and 401s).
    pub fn peek(&self, caller: &Caller, now: i64) -> Quota {
        let limit = if *caller == Caller::Anonymous {
            ANONYMOUS_LIMIT
        } else {
            self.limit
        };
        match self.quotas.get(caller) {
            Some(q) if now < q.reset => *q,
            _ => Quota {
                limit,
                used: 0,
                reset: now + WINDOW_SECS,
            },
        }
    }
}
