//! GitHub: a repository per source, through an OAuth connection or a pasted token. Lists are
//! paged with `Link` headers and ETags (a 304 costs no quota); `x-ratelimit-*` on every answer
//! says how much of the hour's quota is left. See `api.rs` for the walks.

mod api;
mod metrics;
mod tables;

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use crate::connector::{
    Access, Account, AccountProvider, AuthKind, Connector, ConnectorApi, ConnectorError, Context, Page,
    Stream,
};
use crate::http::{self, Answer, Classify, PauseScope, Verdict};

pub(super) static CONNECTOR: Connector = Connector {
    key: "github",
    label: "GitHub",
    account_provider: AccountProvider::Github,
    access: Access::Secret {
        auth: AuthKind::Token,
        secret_label: "Token",
        secret_example: "github_pat_…",
        connections: true,
    },
    account_noun: "repository",
    account_example: "owner/name",
    api_base_url: "https://api.github.com",
    scope: None,
    app_token: None,
    streams: &[
        Stream {
            name: "repo",
            table: &tables::REPO_STATS,
        },
        Stream {
            name: "issues",
            table: &tables::ISSUES,
        },
        Stream {
            name: "pull_requests",
            table: &tables::PULL_REQUESTS,
        },
        Stream {
            name: "commits",
            table: &tables::COMMITS,
        },
        Stream {
            name: "stargazers",
            table: &tables::STARGAZERS,
        },
    ],
    // Changed items are re-read by their `updated_at`: no window of days stays open.
    lookback_days: 0,
    history_days: 0,
    max_history_days: 0,
    gate_per_account: false,
    fixed_zone: None,
    metrics: metrics::METRICS,
    default_widgets: metrics::DEFAULT_WIDGETS,
    quality_metrics: &[],
    attribution: None,
    api: &GithubApi,
};

struct GithubApi;

impl ConnectorApi for GithubApi {
    fn validate<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Account, ConnectorError>> {
        Box::pin(api::validate(ctx))
    }

    fn accounts<'a>(&'a self, ctx: &'a Context<'a>) -> BoxFuture<'a, Result<Vec<Account>, ConnectorError>> {
        Box::pin(api::repositories(ctx))
    }

    fn next_page<'a>(
        &'a self,
        ctx: &'a Context<'a>,
        stream: &'a str,
        cursor: Option<Value>,
    ) -> BoxFuture<'a, Result<Page, ConnectorError>> {
        Box::pin(api::next_page(ctx, stream, cursor))
    }

    fn normalize_account(&self, raw: &str) -> Result<String, String> {
        let repo = raw.trim();
        if valid_repo(repo) {
            Ok(repo.to_owned())
        } else {
            Err(format!(
                "“{repo}” is not a GitHub repository name: use owner/name, e.g. octocat/hello-world."
            ))
        }
    }

    fn classify(&self) -> Classify {
        classify
    }
}

/// GitHub's signals: a secondary limit is a 403 (or 429) with `retry-after`; a spent primary
/// quota is `x-ratelimit-remaining: 0` with the reset time — on an error, or on the success
/// that spent the last request, after which the connection waits for the reset.
fn classify(answer: &Answer<'_>) -> Verdict {
    let number = |name: &str| {
        answer
            .headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<i64>()
            .ok()
    };
    let spent = number("x-ratelimit-remaining") == Some(0);
    let until_reset = number("x-ratelimit-reset")
        .map(|reset| Duration::from_millis((reset * 1000 - answer.now).max(0) as u64 + 1000));
    if answer.status.is_success() {
        return Verdict::Ok {
            hold: spent.then_some(until_reset).flatten(),
        };
    }
    let retry_after = http::retry_after(answer);
    if answer.status.as_u16() == 403 && (retry_after.is_some() || spent) {
        return Verdict::RateLimited {
            wait: retry_after.or(until_reset),
            scope: PauseScope::Connection,
        };
    }
    http::classify_status(answer)
}

/// `owner/name`, both parts in GitHub's allowed characters.
pub fn valid_repo(repo: &str) -> bool {
    let mut parts = repo.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.len() <= 100
                && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;

    #[test]
    fn repo_names() {
        assert!(valid_repo("acme/website"));
        assert!(valid_repo("a-b/c.d_e"));
        for bad in ["acme", "acme/", "/x", "a/b/c", "a b/c", ""] {
            assert!(!valid_repo(bad), "{bad}");
        }
    }

    fn answer<'a>(status: u16, headers: &'a HeaderMap, now: i64) -> Answer<'a> {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: b"{}",
            now,
        }
    }

    #[test]
    fn a_spent_quota_waits_for_its_reset_and_a_secondary_limit_for_retry_after() {
        let now = 1_700_000_000_000;
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "0".parse().unwrap());
        headers.insert("x-ratelimit-reset", "1700000600".parse().unwrap());
        let wait = Duration::from_secs(601);
        assert_eq!(
            classify(&answer(200, &headers, now)),
            Verdict::Ok { hold: Some(wait) }
        );
        assert_eq!(
            classify(&answer(403, &headers, now)),
            Verdict::RateLimited {
                wait: Some(wait),
                scope: PauseScope::Connection
            }
        );
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "30".parse().unwrap());
        headers.insert("x-ratelimit-remaining", "4000".parse().unwrap());
        assert_eq!(
            classify(&answer(403, &headers, now)),
            Verdict::RateLimited {
                wait: Some(Duration::from_secs(30)),
                scope: PauseScope::Connection
            }
        );
        // A 403 without either signal is a refusal (no access), not a rate limit.
        assert_eq!(classify(&answer(403, &HeaderMap::new(), now)), Verdict::Rejected);
        assert_eq!(
            classify(&answer(200, &HeaderMap::new(), now)),
            Verdict::Ok { hold: None }
        );
    }
}
