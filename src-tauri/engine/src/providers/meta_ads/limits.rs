//! Meta's rate-limit and error signals. Every answer carries usage headers — the ad account's
//! (`X-Ad-Account-Usage`), the business's per use case (`X-Business-Use-Case-Usage`) and the
//! app's (`X-App-Usage`), each a percentage of a budget — and Meta throttles at 100% of any of
//! them. So requests slow down from 75% (the closer to 100%, the longer the hold, up to the
//! time the counter resets) and a sync never earns the throttle it could see coming. When it
//! comes anyway, each code is a wait of the right scope until the time Meta names
//! (`estimated_time_to_regain_access`), never a failure; 190 is a token Meta no longer accepts.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::http::{self, Answer, PauseScope, Verdict};

/// From this share of any budget, requests are held back.
const SLOW_FROM_PCT: f64 = 75.0;
/// When Meta names no reset or regain time.
const DEFAULT_WAIT: Duration = Duration::from_secs(5 * 60);

/// What the usage headers of one answer say.
#[derive(Debug, Default, PartialEq)]
struct Usage {
    /// The highest counter, in percent of its budget.
    pct: f64,
    /// When the ad account's counter resets.
    reset: Option<Duration>,
    /// How long until Meta lets calls through again (only while throttled).
    regain: Option<Duration>,
}

fn header_json(headers: &HeaderMap, name: &str) -> Option<Value> {
    serde_json::from_str(headers.get(name)?.to_str().ok()?).ok()
}

fn pct_of(counters: &Value, names: &[&str]) -> f64 {
    names
        .iter()
        .filter_map(|n| counters[n].as_f64())
        .fold(0.0, f64::max)
}

const COUNTERS: [&str; 3] = ["call_count", "total_cputime", "total_time"];

impl Usage {
    fn read(headers: &HeaderMap) -> Usage {
        let mut usage = Usage::default();
        if let Some(account) = header_json(headers, "x-ad-account-usage") {
            usage.pct = usage.pct.max(pct_of(&account, &["acc_id_util_pct"]));
            usage.reset = account["reset_time_duration"]
                .as_f64()
                .filter(|s| *s > 0.0)
                .map(Duration::from_secs_f64);
        }
        if let Some(app) = header_json(headers, "x-app-usage") {
            usage.pct = usage.pct.max(pct_of(&app, &COUNTERS));
        }
        if let Some(Value::Object(businesses)) = header_json(headers, "x-business-use-case-usage") {
            for entry in businesses.values().filter_map(Value::as_array).flatten() {
                usage.pct = usage.pct.max(pct_of(entry, &COUNTERS));
                let minutes = entry["estimated_time_to_regain_access"].as_f64().unwrap_or(0.0);
                if minutes > 0.0 {
                    let regain = Duration::from_secs_f64(minutes * 60.0);
                    usage.regain = Some(usage.regain.map_or(regain, |r| r.max(regain)));
                }
            }
        }
        usage
    }

    /// How long to hold the next request: nothing below 75%, then a growing share of the time
    /// until the counter resets, all of it (and a second) at 100%.
    fn hold(&self) -> Option<Duration> {
        if let Some(regain) = self.regain {
            return Some(regain);
        }
        if self.pct < SLOW_FROM_PCT {
            return None;
        }
        let reset = self.reset.unwrap_or(DEFAULT_WAIT);
        if self.pct >= 100.0 {
            return Some(reset + Duration::from_secs(1));
        }
        Some(reset.mul_f64((self.pct - SLOW_FROM_PCT) / (100.0 - SLOW_FROM_PCT)))
    }
}

/// Who a rate-limit code holds back: the app's limit (4) every Meta source; a user's (17,
/// 32) the connection; an ad account's (17/2446079, 613, the 80000 family of business use
/// cases) only that source.
fn rate_limit_scope(code: i64, subcode: Option<i64>) -> Option<PauseScope> {
    match (code, subcode) {
        (17, Some(2_446_079)) => Some(PauseScope::Source),
        (4, _) => Some(PauseScope::Provider),
        (17 | 32, _) => Some(PauseScope::Connection),
        (613, _) | (80_000..=80_014, _) => Some(PauseScope::Source),
        _ => None,
    }
}

pub(super) fn classify(answer: &Answer<'_>) -> Verdict {
    let usage = Usage::read(answer.headers);
    if answer.status.is_success() {
        return Verdict::Ok { hold: usage.hold() };
    }
    let error = serde_json::from_slice::<Value>(answer.body)
        .map(|v| v["error"].clone())
        .unwrap_or_default();
    let Some(code) = error["code"].as_i64() else {
        return http::classify_status(answer);
    };
    let subcode = error["error_subcode"].as_i64();
    if let Some(scope) = rate_limit_scope(code, subcode) {
        return Verdict::RateLimited {
            wait: Some(usage.regain.or(usage.reset).unwrap_or(DEFAULT_WAIT)),
            scope,
        };
    }
    let message = error["message"].as_str().unwrap_or("").to_ascii_lowercase();
    match code {
        // The token expired, was revoked, or its password changed: only a new sign-in helps.
        190 | 102 => Verdict::Unauthorized,
        // Too large a read is not worth repeating as it was: the connector asks for less.
        _ if message.contains("reduce the amount of data") => Verdict::Rejected,
        _ if error["is_transient"].as_bool() == Some(true) => Verdict::Retry { after: None },
        // Unknown or temporary server errors.
        1 | 2 => Verdict::Retry { after: None },
        _ => http::classify_status(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use reqwest::StatusCode;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn verdict(status: u16, headers: &HeaderMap, body: &str) -> Verdict {
        classify(&Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes(),
            now: 0,
        })
    }

    fn buc(call_count: u32, cputime: u32, regain_minutes: u32) -> String {
        format!(
            r#"{{"2020000000001":[{{"type":"ads_insights","call_count":{call_count},"total_cputime":{cputime},"total_time":3,"estimated_time_to_regain_access":{regain_minutes}}}]}}"#
        )
    }

    #[test]
    fn usage_holds_nothing_below_three_quarters_and_more_as_it_nears_the_budget() {
        let account =
            r#"{"acc_id_util_pct":40.5,"reset_time_duration":1200,"ads_api_access_tier":"standard_access"}"#;
        let calm = headers(&[
            ("x-ad-account-usage", account),
            ("x-business-use-case-usage", &buc(20, 12, 0)),
        ]);
        assert_eq!(verdict(200, &calm, "{}"), Verdict::Ok { hold: None });
        // The busiest counter counts: CPU time at 87.5% holds half the time to the reset.
        let busy = headers(&[
            ("x-ad-account-usage", account),
            ("x-business-use-case-usage", &buc(20, 87, 0)),
        ]);
        let Verdict::Ok { hold: Some(hold) } = verdict(200, &busy, "{}") else {
            panic!("held")
        };
        assert_eq!(hold, Duration::from_secs(1200).mul_f64(12.0 / 25.0));
        let full = r#"{"acc_id_util_pct":100,"reset_time_duration":1200}"#;
        assert_eq!(
            verdict(200, &headers(&[("x-ad-account-usage", full)]), "{}"),
            Verdict::Ok {
                hold: Some(Duration::from_secs(1201))
            }
        );
    }

    #[test]
    fn each_rate_limit_code_waits_the_named_time_in_its_scope() {
        let throttled = headers(&[("x-business-use-case-usage", &buc(100, 40, 7))]);
        let body = |code: i64, subcode: &str| {
            format!(
                r#"{{"error":{{"message":"limit","type":"OAuthException","code":{code}{subcode},"is_transient":true,"fbtrace_id":"A"}}}}"#
            )
        };
        let seven = Some(Duration::from_secs(7 * 60));
        for (code, subcode, scope) in [
            (4, "", PauseScope::Provider),
            (17, r#","error_subcode":2446079"#, PauseScope::Source),
            (17, "", PauseScope::Connection),
            (32, "", PauseScope::Connection),
            (613, "", PauseScope::Source),
            (80_000, "", PauseScope::Source),
        ] {
            assert_eq!(
                verdict(400, &throttled, &body(code, subcode)),
                Verdict::RateLimited { wait: seven, scope },
                "code {code}{subcode}"
            );
        }
        // No time named: a default wait, still not a failure.
        assert_eq!(
            verdict(400, &HeaderMap::new(), &body(80_000, "")),
            Verdict::RateLimited {
                wait: Some(DEFAULT_WAIT),
                scope: PauseScope::Source
            }
        );
    }

    #[test]
    fn other_errors_read_as_meta_means_them() {
        let none = HeaderMap::new();
        let expired = r#"{"error":{"message":"Error validating access token: Session has expired","type":"OAuthException","code":190,"error_subcode":463}}"#;
        assert_eq!(verdict(400, &none, expired), Verdict::Unauthorized);
        let too_much = r#"{"error":{"message":"Please reduce the amount of data you're asking for, then retry your request","code":1}}"#;
        assert_eq!(verdict(500, &none, too_much), Verdict::Rejected);
        let unknown = r#"{"error":{"message":"An unknown error occurred","code":1,"is_transient":true}}"#;
        assert_eq!(verdict(500, &none, unknown), Verdict::Retry { after: None });
        let bad_field = r#"{"error":{"message":"(#100) foo is not valid for fields param","code":100}}"#;
        assert_eq!(verdict(400, &none, bad_field), Verdict::Rejected);
    }
}
