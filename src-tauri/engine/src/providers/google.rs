//! What GA4, Search Console and Google Ads share: one grant (its scopes say which products a
//! person allowed), Google's JSON error shape, and quotas that are waits rather than failures.
//! Each product lives on its own host; a connection's API address override (the simulator, a
//! proxy) serves all of them by their documented paths under that one base.

use std::time::Duration;

use chrono::{DateTime, Datelike, Days, TimeZone, Timelike, Utc};
use serde_json::Value;

use crate::connector::Context;
use crate::http::{self, Answer, PauseScope, Verdict};

/// Scopes of the one Google grant, per product.
pub const ANALYTICS_SCOPE: &str = "https://www.googleapis.com/auth/analytics.readonly";
pub const SEARCH_CONSOLE_SCOPE: &str = "https://www.googleapis.com/auth/webmasters.readonly";
pub const ADS_SCOPE: &str = "https://www.googleapis.com/auth/adwords";

/// `path` on the product's own host — or under the connection's override, which serves every
/// product. The product's host is `default_host`; the connector's base (`ctx.base_url`) is one
/// of the Google hosts unless overridden.
pub fn url(ctx: &Context<'_>, default_host: &str, path: &str, query: &[(&str, String)]) -> reqwest::Url {
    let mut url = ctx.url(path, query);
    if url.host_str().is_some_and(|h| h.ends_with(".googleapis.com")) {
        let _ = url.set_host(Some(default_host));
    }
    url
}

/// Google's error document: `{"error": {"code", "message", "status", "details": [...]}}`.
fn error(body: &[u8]) -> Value {
    serde_json::from_slice::<Value>(body)
        .ok()
        .map(|v| match v {
            // Ads' searchStream can answer an array whose element carries the error.
            Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
            v => v,
        })
        .map(|v| v["error"].clone())
        .unwrap_or_default()
}

/// Reads Google's quota and error signals. A quota is a wait, never a failure:
/// - GA4's exhausted property tokens stop that property (the source) until the hour (or the
///   Pacific day) refills; other properties go on.
/// - Google Ads names the scope and the delay: `rateScope` DEVELOPER holds every Ads account
///   of the developer token, ACCOUNT only this one, for `retryDelay`.
/// - Search Console's per-minute limits are waited out on the connection.
pub fn classify(answer: &Answer<'_>) -> Verdict {
    if answer.status.is_success() {
        return Verdict::Ok { hold: None };
    }
    let error = error(answer.body);
    let status = error["status"].as_str().unwrap_or("");
    let message = error["message"].as_str().unwrap_or("");
    if answer.status.as_u16() == 429 || status == "RESOURCE_EXHAUSTED" {
        if let Some((scope, delay)) = ads_quota(&error) {
            return Verdict::RateLimited {
                wait: Some(delay),
                scope,
            };
        }
        let lower = message.to_ascii_lowercase();
        if lower.contains("property tokens") {
            return Verdict::RateLimited {
                wait: Some(refill_wait(answer.now, lower.contains("per day"))),
                scope: PauseScope::Source,
            };
        }
        return Verdict::RateLimited {
            wait: http::retry_after(answer).or(Some(Duration::from_secs(60))),
            scope: PauseScope::Connection,
        };
    }
    match status {
        "UNAVAILABLE" | "INTERNAL" | "DEADLINE_EXCEEDED" | "ABORTED" => Verdict::Retry {
            after: http::retry_after(answer),
        },
        _ => http::classify_status(answer),
    }
}

/// Google Ads' `QuotaErrorDetails`: which limit, and how long until it lifts.
fn ads_quota(error: &Value) -> Option<(PauseScope, Duration)> {
    let details = error["details"].as_array()?;
    let quota = details
        .iter()
        .flat_map(|d| d["errors"].as_array().into_iter().flatten())
        .find_map(|e| e["details"]["quotaErrorDetails"].as_object())?;
    let delay = quota
        .get("retryDelay")
        .and_then(Value::as_str)
        .and_then(|d| d.trim_end_matches('s').parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(60));
    let scope = match quota.get("rateScope").and_then(Value::as_str) {
        Some("DEVELOPER") => PauseScope::Provider,
        _ => PauseScope::Source,
    };
    Some((scope, delay))
}

/// How long until a GA4 property's spent tokens refill: hourly ones within the hour, daily ones
/// at midnight Pacific Time.
pub fn refill_wait(now: i64, daily: bool) -> Duration {
    if daily {
        next_pacific_midnight(now)
    } else {
        next_hour(now)
    }
}

fn at(now: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(now).single().unwrap_or_default()
}

/// Until the next full hour, and a minute more: hourly quotas refill within the hour.
fn next_hour(now: i64) -> Duration {
    let t = at(now);
    let into = Duration::from_secs(u64::from(t.minute() * 60 + t.second()));
    Duration::from_secs(3600 + 60).saturating_sub(into)
}

/// Until midnight Pacific Time, when daily quotas refill, and a minute more.
fn next_pacific_midnight(now: i64) -> Duration {
    let pacific = at(now).with_timezone(&chrono_tz::America::Los_Angeles);
    let tomorrow = pacific.date_naive() + Days::new(1);
    let midnight = chrono_tz::America::Los_Angeles
        .with_ymd_and_hms(tomorrow.year(), tomorrow.month(), tomorrow.day(), 0, 0, 0)
        .earliest()
        .map_or(now + 86_400_000, |m| m.timestamp_millis());
    Duration::from_millis((midnight - now).max(0) as u64 + 60_000)
}

/// Google sends int64 as strings; a number where a string is due is a malformed answer.
pub fn int64(text: &str, what: &str) -> Result<i64, crate::connector::ConnectorError> {
    text.parse()
        .map_err(|_| crate::connector::ConnectorError::BadData(format!("{what}: {text:?} is not an integer")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;

    fn classify_body(status: u16, body: &str, now: DateTime<Utc>) -> Verdict {
        classify(&Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: &HeaderMap::new(),
            body: body.as_bytes(),
            now: now.timestamp_millis(),
        })
    }

    #[test]
    fn exhausted_property_tokens_pause_the_property_until_the_quota_refills() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 45, 0).unwrap();
        let body = r#"{"error":{"code":429,"message":"Exhausted property tokens per hour for a project per hour. These quota tokens will return in under an hour.","status":"RESOURCE_EXHAUSTED"}}"#;
        assert_eq!(
            classify_body(429, body, now),
            Verdict::RateLimited {
                wait: Some(Duration::from_secs(16 * 60)),
                scope: PauseScope::Source
            }
        );
        // Daily tokens come back at midnight Pacific: 10:45 UTC is 02:45 PST.
        let body = body.replace("per hour for a project per hour", "per day");
        let Verdict::RateLimited { wait: Some(wait), .. } = classify_body(429, &body, now) else {
            panic!("a rate limit")
        };
        assert_eq!(wait, Duration::from_secs((21 * 3600 + 15 * 60) + 60));
    }

    #[test]
    fn ads_quota_errors_name_their_scope_and_delay() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let body = |scope: &str| {
            format!(
                r#"{{"error":{{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{{"@type":"type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure","errors":[{{"errorCode":{{"quotaError":"RESOURCE_EXHAUSTED"}},"message":"Too many requests. Retry in 5603 seconds.","details":{{"quotaErrorDetails":{{"rateScope":"{scope}","rateName":"Number of operations for basic access","retryDelay":"5603s"}}}}}}],"requestId":"r"}}]}}}}"#
            )
        };
        assert_eq!(
            classify_body(429, &body("DEVELOPER"), now),
            Verdict::RateLimited {
                wait: Some(Duration::from_secs(5603)),
                scope: PauseScope::Provider
            }
        );
        assert_eq!(
            classify_body(429, &body("ACCOUNT"), now),
            Verdict::RateLimited {
                wait: Some(Duration::from_secs(5603)),
                scope: PauseScope::Source
            }
        );
    }

    #[test]
    fn other_errors_read_as_google_means_them() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let unavailable = r#"{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}"#;
        assert_eq!(
            classify_body(503, unavailable, now),
            Verdict::Retry { after: None }
        );
        let denied = r#"{"error":{"code":403,"message":"User does not have sufficient permissions for this property.","status":"PERMISSION_DENIED"}}"#;
        assert_eq!(classify_body(403, denied, now), Verdict::Rejected);
        let expired = r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#;
        assert_eq!(classify_body(401, expired, now), Verdict::Unauthorized);
        let qps = r#"{"error":{"code":429,"message":"Search Analytics QPS quota exceeded.","status":"RESOURCE_EXHAUSTED","errors":[{"reason":"rateLimitExceeded"}]}}"#;
        assert_eq!(
            classify_body(429, qps, now),
            Verdict::RateLimited {
                wait: Some(Duration::from_secs(60)),
                scope: PauseScope::Connection
            }
        );
    }

    #[test]
    fn int64_strings_are_required() {
        assert_eq!(int64("1230000", "cost").unwrap(), 1_230_000);
        assert!(int64("12.5", "cost").is_err());
    }
}
