//! Meta's Marketing API (Graph v26.0) over real HTTP: ad accounts, sync insights followed by
//! `paging.next`, async report runs, the hourly budget and its headers, Graph's refusals and
//! injected errors, held against `/_sim/meta/truth`. Time moves only through `/_sim/clock`
//! (or, in one test, the caller's own clock).

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use common::*;
use provider_sim::Config;
use reqwest::header::HeaderMap;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const SHOP: &str = "act_1010000000001";
const TOKYO: &str = "act_1010000000002";
const BUSINESS: &str = "2020000000001";
/// 2026-11-20T17:00:00Z: noon in New York (EST), 02:00 on the 21st in Tokyo.
const NOV_20: i64 = 1_795_194_000;
const FIELDS: &str = "account_id,account_currency,campaign_id,campaign_name,spend,impressions,reach,clicks,\
                      inline_link_clicks,actions,action_values";

fn meta_config() -> Config {
    Config {
        now: Some(NOV_20),
        ..Config::default()
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header_json(&self, name: &str) -> Value {
        let text = self
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("null");
        serde_json::from_str(text).unwrap_or_else(|_| panic!("{name} is not JSON: {text}"))
    }

    /// The ads_insights entry of the BUC header for the default business.
    fn buc(&self) -> Value {
        self.header_json("x-business-use-case-usage")[BUSINESS][0].clone()
    }

    fn code(&self) -> (u64, Option<u64>) {
        let e = &self.body["error"];
        (e["code"].as_u64().unwrap_or(0), e["error_subcode"].as_u64())
    }
}

async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(h: &Harness, token: &str, path_and_query: &str) -> Answer {
    let url = if path_and_query.starts_with("http") {
        path_and_query.to_string()
    } else {
        h.url(path_and_query)
    };
    answer(h.http.get(url).bearer_auth(token).send().await.unwrap()).await
}

async fn ok(h: &Harness, token: &str, path_and_query: &str) -> Value {
    let a = get(h, token, path_and_query).await;
    assert_eq!(a.status, StatusCode::OK, "{path_and_query}: {}", a.body);
    a.body
}

async fn control_get(h: &Harness, path: &str) -> Value {
    h.http
        .get(h.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn system_token(h: &Harness) -> String {
    h.control("/_sim/oauth/system_user_token", json!({})).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Facebook Login as the app plays it: PKCE in a "browser", then the code at
/// `/oauth/access_token` with the app secret. A user token (8 hours here).
async fn user_token(h: &Harness) -> String {
    let verifier = "a-long-enough-pkce-verifier-for-the-sim-0123456789";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect_uri = "http://127.0.0.1:9/callback";
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", provider_sim::OAUTH_CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", "ads_read")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let browser = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser
        .get(h.url(&format!("/dialog/oauth?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = header(&resp, "location");
    let code = form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let resp = h
        .http
        .post(h.url("/oauth/access_token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect_uri),
            ("client_id", provider_sim::OAUTH_CLIENT_ID),
            ("client_secret", provider_sim::OAUTH_CLIENT_SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

fn time_range(since: &str, until: &str) -> String {
    json!({"since": since, "until": until}).to_string()
}

/// An insights query string: level=campaign, daily, the given range, plus `extra` pairs.
fn insights(fields: &str, since: &str, until: &str, extra: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("level", "campaign")
        .append_pair("fields", fields)
        .append_pair("time_range", &time_range(since, until))
        .append_pair("time_increment", "1");
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    q.finish()
}

/// Every row of a paged answer, following `paging.next`; also the number of pages.
async fn walk(h: &Harness, token: &str, first: &str) -> (Vec<Value>, usize) {
    let (mut rows, mut pages) = (Vec::new(), 0);
    let mut next = Some(first.to_string());
    while let Some(url) = next {
        let page = ok(h, token, &url).await;
        pages += 1;
        rows.extend(page["data"].as_array().unwrap().iter().cloned());
        next = page["paging"]["next"].as_str().map(str::to_string);
    }
    (rows, pages)
}

async fn truth(h: &Harness, account: &str, since: &str, until: &str) -> Value {
    control_get(
        h,
        &format!("/_sim/meta/truth?account={account}&since={since}&until={until}"),
    )
    .await
}

/// A decimal string in minor units: "12.5" → 1250 (2 digits).
fn minor(decimal: &str, digits: u32) -> u64 {
    let (whole, frac) = decimal.split_once('.').unwrap_or((decimal, ""));
    assert!(frac.len() <= digits as usize && !frac.ends_with('0'), "{decimal}");
    let frac = format!("{frac:0<width$}", width = digits as usize);
    whole.parse::<u64>().unwrap() * 10u64.pow(digits) + frac.parse::<u64>().unwrap_or(0)
}

/// The `value` of one action type in an AdsActionStats list, "0" when left out.
fn action(row: &Value, field: &str, kind: &str) -> String {
    row[field]
        .as_array()
        .and_then(|list| list.iter().find(|a| a["action_type"] == kind))
        .map_or("0".to_string(), |a| a["value"].as_str().unwrap().to_string())
}

fn by_day_and_campaign(rows: &[Value]) -> BTreeMap<(String, String), Value> {
    rows.iter()
        .map(|r| {
            let date = r
                .get("date")
                .or(r.get("date_start"))
                .unwrap()
                .as_str()
                .unwrap()
                .to_string();
            ((date, r["campaign_id"].as_str().unwrap().to_string()), r.clone())
        })
        .collect()
}

#[tokio::test]
async fn paging_next_covers_the_truth_exactly_once_to_the_cent() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    for (account, digits, campaigns, until) in [(SHOP, 2, 5, "2026-11-20"), (TOKYO, 0, 3, "2026-11-21")] {
        let windows = json!(["7d_click", "1d_view"]).to_string();
        let q = insights(
            FIELDS,
            "2026-10-01",
            until,
            &[("limit", "7"), ("action_attribution_windows", &windows)],
        );
        let (rows, pages) = walk(&h, &token, &format!("/v26.0/{account}/insights?{q}")).await;
        let days = if account == SHOP { 51 } else { 52 };
        assert_eq!(rows.len(), days * campaigns, "{account}");
        assert_eq!(pages, (days * campaigns).div_ceil(7));
        // By date, then campaign.
        let keys: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r["date_start"].as_str().unwrap().into(),
                    r["campaign_id"].as_str().unwrap().into(),
                )
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);

        let t = truth(&h, account, "2026-10-01", until).await;
        let truth_rows = t["rows"].as_array().unwrap();
        assert_eq!(truth_rows.len(), rows.len());
        let served = by_day_and_campaign(&rows);
        assert_eq!(served.len(), rows.len(), "no row twice");
        let mut spend_sum = 0;
        for tr in truth_rows {
            let key = (
                tr["date"].as_str().unwrap().to_string(),
                tr["campaign_id"].as_str().unwrap().to_string(),
            );
            let r = &served[&key];
            assert_eq!(r["date_stop"], r["date_start"]);
            assert_eq!(r["campaign_name"], tr["campaign_name"]);
            assert_eq!(r["account_id"], account.trim_start_matches("act_"));
            assert_eq!(r["spend"], tr["spend"], "{key:?}");
            for (api, ours) in [
                ("impressions", "impressions"),
                ("reach", "reach"),
                ("clicks", "clicks"),
                ("inline_link_clicks", "link_clicks"),
            ] {
                assert_eq!(
                    r[api],
                    json!(tr[ours].to_string()),
                    "{api} is a string equal to the truth"
                );
            }
            assert_eq!(action(r, "actions", "purchase"), tr["purchases"].to_string());
            assert_eq!(
                action(r, "actions", "offsite_conversion.fb_pixel_purchase"),
                tr["purchases"].to_string(),
                "the alias repeats purchase"
            );
            assert_eq!(action(r, "actions", "lead"), tr["leads"].to_string());
            assert_eq!(action(r, "actions", "link_click"), tr["link_clicks"].to_string());
            assert_eq!(
                action(r, "action_values", "purchase"),
                tr["purchase_value"].as_str().unwrap()
            );
            // Window keys split each value; zero entries are left out.
            for stat in r["actions"].as_array().into_iter().flatten() {
                let parts: u64 = ["7d_click", "1d_view"]
                    .iter()
                    .map(|w| stat[*w].as_str().unwrap().parse::<u64>().unwrap())
                    .sum();
                assert_eq!(parts.to_string(), stat["value"].as_str().unwrap());
                assert_ne!(stat["value"], "0");
            }
            if digits == 0 {
                assert!(
                    !r["spend"].as_str().unwrap().contains('.'),
                    "yen have no decimals"
                );
            }
            spend_sum += minor(r["spend"].as_str().unwrap(), digits);
        }
        // The page spends, added as decimals, are the truth's exact total.
        assert_eq!(spend_sum, minor(t["totals"]["spend"].as_str().unwrap(), digits));
        assert_eq!(t["currency"], if digits == 0 { "JPY" } else { "USD" });
    }
}

#[tokio::test]
async fn ad_accounts_for_user_and_system_user_tokens() {
    let h = start(meta_config()).await;
    for token in [system_token(&h).await, user_token(&h).await] {
        let q = "fields=id,account_id,name,currency,timezone_name,timezone_offset_hours_utc,account_status,business&limit=1";
        let (accounts, pages) = walk(&h, &token, &format!("/v26.0/me/adaccounts?{q}")).await;
        assert_eq!(pages, 2);
        assert_eq!(
            accounts[0],
            json!({"id": SHOP, "account_id": "1010000000001", "name": "Northwind Shop", "currency": "USD",
                   "timezone_name": "America/New_York", "timezone_offset_hours_utc": -5, "account_status": 1,
                   "business": {"id": BUSINESS, "name": "Sim Agency"}})
        );
        assert_eq!(accounts[1]["timezone_offset_hours_utc"], 9);
        assert_eq!(accounts[1]["currency"], "JPY");
    }
    let token = system_token(&h).await;
    // Only what was asked, and the id always.
    let a = ok(&h, &token, &format!("/v26.0/{TOKYO}?fields=currency")).await;
    assert_eq!(a, json!({"id": TOKYO, "currency": "JPY"}));
    let me = ok(&h, &token, "/v26.0/me").await;
    assert!(me["id"].is_string());
    let bad = get(&h, &token, "/v26.0/me/adaccounts?fields=id,owner_name").await;
    assert_eq!((bad.status, bad.code().0), (StatusCode::BAD_REQUEST, 100));
    let missing = get(&h, &token, "/v26.0/act_999?fields=name").await;
    assert_eq!(missing.code(), (100, Some(33)));
    assert!(missing.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("act_999"));
    assert_eq!(missing.body["error"]["type"], "OAuthException");
    assert!(missing.body["error"]["fbtrace_id"].is_string());
    // The token as a parameter works too.
    let resp = h
        .http
        .get(h.url(&format!("/v26.0/{SHOP}?fields=name&access_token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn graph_refusals() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    let path = |q: String| format!("/v26.0/{SHOP}/insights?{q}");
    let refused = |a: &Answer| (a.status, a.code().0);
    for windows in [json!(["7d_view"]), json!(["1d_click", "28d_view"])] {
        let q = insights(
            "spend",
            "2026-11-01",
            "2026-11-10",
            &[("action_attribution_windows", &windows.to_string())],
        );
        let a = get(&h, &token, &path(q)).await;
        assert_eq!(
            refused(&a),
            (StatusCode::BAD_REQUEST, 100),
            "{windows}: removed in January 2026"
        );
    }
    let q = insights(
        "spend,actions",
        "2026-11-01",
        "2026-11-10",
        &[(
            "action_attribution_windows",
            r#"["1d_click","7d_click","28d_click","1d_view","1d_ev","default"]"#,
        )],
    );
    assert_eq!(get(&h, &token, &path(q)).await.status, StatusCode::OK);
    let a = get(
        &h,
        &token,
        &path(insights("spend,cpc", "2026-11-01", "2026-11-02", &[])),
    )
    .await;
    assert_eq!(refused(&a), (StatusCode::BAD_REQUEST, 100));
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("(#100) cpc is not valid for fields param"));
    let a = get(
        &h,
        &token,
        &path(insights("spend", "2026-11-03", "2026-11-02", &[])),
    )
    .await;
    assert_eq!(refused(&a), (StatusCode::BAD_REQUEST, 100), "since after until");
    let q = insights("spend", "2026-11-01", "2026-11-02", &[]).replace("level=campaign", "level=ad");
    assert_eq!(
        refused(&get(&h, &token, &path(q)).await),
        (StatusCode::BAD_REQUEST, 100)
    );
    // Other versions.
    for old in [
        "/v25.0/act_1010000000001/insights",
        "/v20.0/me",
        "/v2.8/me/adaccounts",
    ] {
        let a = get(&h, &token, old).await;
        assert_eq!(refused(&a), (StatusCode::BAD_REQUEST, 2635), "{old}");
        assert!(a.headers.contains_key("x-business-use-case-usage"));
    }
    let a = get(&h, &token, &format!("/v26.0/{SHOP}/ads")).await;
    assert_eq!(a.code().0, 2500);
    // Too much for a synchronous read: 1,001 days × 5 campaigns > 5,000 rows.
    let a = get(
        &h,
        &token,
        &path(insights("spend", "2024-02-24", "2026-11-20", &[])),
    )
    .await;
    assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(a.code(), (1, None));
    assert_eq!(
        a.body["error"]["message"],
        "Please reduce the amount of data you're asking for, then retry your request"
    );
    assert_eq!(a.body["error"]["is_transient"], false);
    let q = insights("spend", "2024-02-25", "2026-11-20", &[("limit", "1")]);
    assert_eq!(
        get(&h, &token, &path(q)).await.status,
        StatusCode::OK,
        "5,000 rows is fine"
    );
}

#[tokio::test]
async fn the_37_month_limit_is_in_the_account_zone() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    // Today is 2026-11-20 in New York and 2026-11-21 in Tokyo.
    for (account, too_old, oldest) in [
        (SHOP, "2023-10-19", "2023-10-20"),
        (TOKYO, "2023-10-20", "2023-10-21"),
    ] {
        let a = get(
            &h,
            &token,
            &format!(
                "/v26.0/{account}/insights?{}",
                insights("spend", too_old, "2023-11-01", &[])
            ),
        )
        .await;
        assert_eq!(
            (a.status, a.code().0),
            (StatusCode::BAD_REQUEST, 3018),
            "{account}"
        );
        assert!(a.body["error"]["message"].as_str().unwrap().contains("37 months"));
        let a = get(
            &h,
            &token,
            &format!(
                "/v26.0/{account}/insights?{}",
                insights("spend", oldest, "2023-11-01", &[])
            ),
        )
        .await;
        assert_eq!(a.status, StatusCode::OK, "{account}");
        // Older than the default three years of history: no rows, still an answer.
        assert_eq!(a.body["data"], json!([]));
    }
}

#[tokio::test]
async fn async_runs_report_100_percent_while_running_then_complete_with_the_snapshot() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    let params = [
        ("level", "campaign"),
        ("fields", FIELDS),
        ("time_range", &time_range("2026-10-01", "2026-11-20")),
        ("time_increment", "1"),
        ("access_token", &token),
    ];
    let resp = h
        .http
        .post(h.url(&format!("/v26.0/{SHOP}/insights")))
        .form(&params)
        .send()
        .await
        .unwrap();
    let created = answer(resp).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let run = created.body["report_run_id"].as_str().unwrap().to_string();
    assert!(run.bytes().all(|b| b.is_ascii_digit()));
    // What the sync endpoint serves now is what the run will hand back after a restatement.
    let q = insights(FIELDS, "2026-10-01", "2026-11-20", &[("limit", "500")]);
    let (before, _) = walk(&h, &token, &format!("/v26.0/{SHOP}/insights?{q}")).await;
    h.control(
        "/_sim/meta/restate",
        json!({"account": SHOP, "date": "2026-11-10", "percent": 50}),
    )
    .await;

    let results = format!("/v26.0/{run}/insights?limit=100");
    let early = get(&h, &token, &results).await;
    assert_eq!(
        (early.status, early.code()),
        (StatusCode::BAD_REQUEST, (2601, Some(1815107)))
    );
    let poll = format!("/v26.0/{run}?fields=async_status,async_percent_completion");
    let mut seen = Vec::new();
    for _ in 0..4 {
        let p = ok(&h, &token, &poll).await;
        assert_eq!(
            (p["id"].as_str(), p["account_id"].as_str()),
            (Some(run.as_str()), Some("1010000000001"))
        );
        assert_eq!(
            (p["date_start"].as_str(), p["date_stop"].as_str()),
            (Some("2026-10-01"), Some("2026-11-20"))
        );
        let status = (
            p["async_status"].as_str().unwrap().to_string(),
            p["async_percent_completion"].as_u64().unwrap(),
        );
        if status == ("Job Running".to_string(), 100) {
            // The documented race: 100 % is not done.
            let racing = get(&h, &token, &results).await;
            assert_eq!(racing.code(), (2601, Some(1815107)));
        }
        seen.push(status);
    }
    let seen: Vec<(&str, u64)> = seen.iter().map(|(s, p)| (s.as_str(), *p)).collect();
    assert_eq!(
        seen,
        [
            ("Job Not Started", 0),
            ("Job Started", 33),
            ("Job Running", 100),
            ("Job Completed", 100)
        ]
    );
    let (rows, pages) = walk(&h, &token, &results).await;
    assert_eq!(pages, 3);
    assert_eq!(rows, before, "the rows of the moment of the POST");
    // A new read shows the restatement.
    let (after, _) = walk(&h, &token, &format!("/v26.0/{SHOP}/insights?{q}")).await;
    assert_ne!(after, before);

    // A JSON body works too, and has no row cap: 1,001 days × 5 campaigns.
    let body = json!({"level": "campaign", "fields": ["spend", "impressions"], "time_increment": "1",
                      "time_range": {"since": "2024-02-24", "until": "2026-11-20"}});
    let resp = h
        .http
        .post(h.url(&format!("/v26.0/{SHOP}/insights")))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let big = answer(resp).await;
    assert_eq!(big.status, StatusCode::OK, "{}", big.body);
    let big = big.body["report_run_id"].as_str().unwrap().to_string();
    for _ in 0..4 {
        ok(&h, &token, &format!("/v26.0/{big}")).await;
    }
    let (rows, _) = walk(&h, &token, &format!("/v26.0/{big}/insights?limit=500")).await;
    assert_eq!(rows.len(), 1001 * 5);
    let missing = get(&h, &token, "/v26.0/999999/insights").await;
    assert_eq!(missing.code(), (100, Some(33)));
}

/// Creates a run over `since..=until` and polls it `polls` times; returns (id, last status).
async fn run_and_poll(
    h: &Harness,
    token: &str,
    since: &str,
    until: &str,
    polls: usize,
) -> (String, String, u64) {
    let resp = h
        .http
        .post(h.url(&format!(
            "/v26.0/{SHOP}/insights?{}",
            insights("spend", since, until, &[])
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let run = answer(resp).await.body["report_run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut last = Value::Null;
    for _ in 0..polls {
        last = ok(h, token, &format!("/v26.0/{run}")).await;
    }
    let status = last["async_status"].as_str().unwrap().to_string();
    (run, status, last["async_percent_completion"].as_u64().unwrap())
}

#[tokio::test]
async fn large_runs_fail_smaller_ones_complete_and_stuck_ones_never_do() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    h.control("/_sim/meta/async", json!({"fail_min_days": 31, "count": 5}))
        .await;
    let (big, status, percent) = run_and_poll(&h, &token, "2026-09-01", "2026-10-30", 4).await;
    assert_eq!(status, "Job Failed");
    assert!(percent < 100);
    let failed = get(&h, &token, &format!("/v26.0/{big}/insights")).await;
    assert_eq!(failed.code(), (2601, None));
    // Split in halves of 30 days: each completes.
    let mut rows = Vec::new();
    for (since, until) in [("2026-09-01", "2026-09-30"), ("2026-10-01", "2026-10-30")] {
        let (run, status, _) = run_and_poll(&h, &token, since, until, 4).await;
        assert_eq!(status, "Job Completed", "{since}");
        rows.extend(
            walk(&h, &token, &format!("/v26.0/{run}/insights?limit=500"))
                .await
                .0,
        );
    }
    assert_eq!(rows.len(), 60 * 5);
    let runs = control_get(&h, "/_sim/meta/async").await;
    assert_eq!(runs["fail_left"], 4);
    assert_eq!(runs["runs"][0]["fate"], "fail");

    h.control("/_sim/meta/async", json!({"stuck": 1})).await;
    let (stuck, status, percent) = run_and_poll(&h, &token, "2026-11-01", "2026-11-02", 12).await;
    assert_eq!((status.as_str(), percent), ("Job Running", 100));
    assert_eq!(
        get(&h, &token, &format!("/v26.0/{stuck}/insights")).await.code(),
        (2601, Some(1815107))
    );
    let (_, status, _) = run_and_poll(&h, &token, "2026-11-01", "2026-11-02", 4).await;
    assert_eq!(status, "Job Completed", "only the next one was stuck");
}

#[tokio::test]
async fn budget_headers_grow_and_the_80000_comes_exactly_at_the_budget() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    // 17:10:00 on the sim clock, frozen: 50 minutes to the hour's end.
    h.clock(json!({"now": NOV_20 + 600, "freeze": true})).await;
    h.control("/_sim/meta/budget", json!({"account": SHOP, "calls_per_hour": 5}))
        .await;
    let idle = get(&h, &token, "/v26.0/me/adaccounts").await;
    assert!(
        idle.headers.get("x-ad-account-usage").is_none(),
        "not an ad-account path"
    );
    assert_eq!(idle.buc()["call_count"], 0);
    for n in 1..=5u64 {
        let a = get(&h, &token, &format!("/v26.0/{SHOP}?fields=name")).await;
        assert_eq!(a.status, StatusCode::OK, "call {n}");
        let usage = a.header_json("x-ad-account-usage");
        assert_eq!(usage["acc_id_util_pct"].as_f64(), Some(n as f64 * 20.0));
        assert_eq!(usage["reset_time_duration"], 3000);
        assert_eq!(usage["ads_api_access_tier"], "standard_access");
        let buc = a.buc();
        assert_eq!(buc["type"], "ads_insights");
        assert_eq!(buc["call_count"], n * 20);
        assert!(
            buc["total_cputime"].as_u64().unwrap() < n * 20 && buc["total_time"].as_u64().unwrap() < n * 20
        );
        let regain = if n == 5 { 50 } else { 0 };
        assert_eq!(buc["estimated_time_to_regain_access"], regain, "call {n}");
    }
    let throttled = get(
        &h,
        &token,
        &format!(
            "/v26.0/{SHOP}/insights?{}",
            insights("spend", "2026-11-01", "2026-11-02", &[])
        ),
    )
    .await;
    assert_eq!(
        (throttled.status, throttled.code()),
        (StatusCode::BAD_REQUEST, (80000, Some(2446079)))
    );
    assert_eq!(throttled.body["error"]["is_transient"], true);
    assert!(throttled.body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("(#80000) There have been too many calls"));
    assert_eq!(throttled.buc()["estimated_time_to_regain_access"], 50);
    assert_eq!(
        throttled.header_json("x-ad-account-usage")["acc_id_util_pct"].as_f64(),
        Some(100.0)
    );
    // The other account has its own budget; the refusal was not counted.
    assert_eq!(
        get(&h, &token, &format!("/v26.0/{TOKYO}")).await.status,
        StatusCode::OK
    );
    let usage = control_get(&h, "/_sim/meta/usage").await;
    assert_eq!(
        (usage[SHOP]["calls"].as_u64(), usage[SHOP]["throttled"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(usage[TOKYO]["calls"], 1);
    assert_eq!(h.requests().await["rate_limited"], 1);
    // The next hour starts afresh.
    h.clock(json!({"advance": 3000})).await;
    let a = get(&h, &token, &format!("/v26.0/{SHOP}")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.header_json("x-ad-account-usage")["acc_id_util_pct"].as_f64(),
        Some(20.0)
    );
    assert_eq!(a.header_json("x-ad-account-usage")["reset_time_duration"], 3600);
}

#[tokio::test]
async fn conversions_keep_changing_for_28_days_and_restatements_apply() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    // Days 10, 40 and 5 days old on 2026-11-20 (New York).
    let (d10, d40, d5) = (
        "2026-11-10".to_string(),
        "2026-10-11".to_string(),
        "2026-11-15".to_string(),
    );
    let read = |date: String| {
        let q = insights(FIELDS, &date, &date, &[]);
        let path = format!("/v26.0/{SHOP}/insights?{q}");
        let (h, token) = (&h, &token);
        async move { ok(h, token, &path).await["data"].as_array().unwrap().clone() }
    };
    let (young, old) = (read(d10.clone()).await, read(d40.clone()).await);
    h.clock(json!({"advance": 7 * 86_400})).await;
    let (young2, old2) = (read(d10.clone()).await, read(d40.clone()).await);
    assert_eq!(old2, old, "40 days old: final");
    let sum = |rows: &[Value], kind: &str| -> u64 {
        rows.iter()
            .map(|r| action(r, "actions", kind).parse::<u64>().unwrap())
            .sum()
    };
    assert!(
        sum(&young2, "purchase") > sum(&young, "purchase"),
        "10 days old: still maturing"
    );
    assert!(sum(&young2, "lead") >= sum(&young, "lead"));
    for (a, b) in young.iter().zip(&young2) {
        for f in ["spend", "impressions", "reach", "clicks", "inline_link_clicks"] {
            assert_eq!(a[f], b[f], "{f} is final at once");
        }
    }
    let t = truth(&h, SHOP, &d10, &d10).await;
    for (r, tr) in young2.iter().zip(t["rows"].as_array().unwrap()) {
        assert_eq!(action(r, "actions", "purchase"), tr["purchases"].to_string());
    }

    // +10 % on one day (digits name the account too), every metric; other days untouched.
    let before = read(d5.clone()).await;
    let neighbour = read("2026-11-14".into()).await;
    h.control(
        "/_sim/meta/restate",
        json!({"account": "1010000000001", "date": d5, "percent": 10}),
    )
    .await;
    let after = read(d5.clone()).await;
    for (a, b) in before.iter().zip(&after) {
        let imps = |r: &Value| r["impressions"].as_str().unwrap().parse::<u64>().unwrap();
        assert_eq!(imps(b), imps(a) * 11 / 10);
        assert!(minor(b["spend"].as_str().unwrap(), 2) >= minor(a["spend"].as_str().unwrap(), 2) * 109 / 100);
    }
    assert_eq!(read("2026-11-14".into()).await, neighbour);
    let t = truth(&h, SHOP, &d5, &d5).await;
    for (r, tr) in after.iter().zip(t["rows"].as_array().unwrap()) {
        assert_eq!(r["spend"], tr["spend"]);
        assert_eq!(r["impressions"], json!(tr["impressions"].to_string()));
    }
}

#[tokio::test]
async fn tokens_missing_revoked_or_expired() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    let user = user_token(&h).await;
    let path = format!("/v26.0/{SHOP}?fields=name");
    assert_eq!(get(&h, &user, &path).await.status, StatusCode::OK);
    let none = answer(h.http.get(h.url(&path)).send().await.unwrap()).await;
    assert_eq!((none.status, none.code().0), (StatusCode::BAD_REQUEST, 104));
    let wrong = get(&h, "EAABnotatoken", &path).await;
    assert_eq!(
        (wrong.status, wrong.code()),
        (StatusCode::BAD_REQUEST, (190, None))
    );
    assert!(wrong.headers.contains_key("www-authenticate"));
    assert!(
        wrong.headers.contains_key("x-ad-account-usage"),
        "headers on refusals too"
    );
    // Nine hours on, the 8-hour user token has expired; the system user's never does.
    h.clock(json!({"advance": 9 * 3600})).await;
    let expired = get(&h, &user, &path).await;
    assert_eq!(expired.code(), (190, Some(463)));
    assert!(expired.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Session has expired"));
    assert_eq!(get(&h, &token, &path).await.status, StatusCode::OK);
    // The person removes the app: every grant ends.
    h.control("/_sim/oauth/revoke", json!({})).await;
    let revoked = get(&h, &token, &path).await;
    assert_eq!((revoked.status, revoked.code().0), (StatusCode::BAD_REQUEST, 190));
    assert_eq!(revoked.body["error"]["type"], "OAuthException");
    let usage = control_get(&h, "/_sim/meta/usage").await;
    assert_eq!(usage[SHOP]["calls_total"], 2, "refused calls spend nothing");
}

#[tokio::test]
async fn injected_graph_errors_carry_meta_shapes_and_regain_times() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    let route = format!("/v26.0/{SHOP}/insights");
    let path = format!("{route}?{}", insights("spend", "2026-11-01", "2026-11-02", &[]));
    let cases = [
        (json!({"code": 80000}), (80000, Some(2446079))),
        (json!({"code": 17, "subcode": 2446079}), (17, Some(2446079))),
        (json!({"code": 17}), (17, None)),
        (json!({"code": 4}), (4, None)),
        (json!({"code": 32}), (32, None)),
        (json!({"code": 613}), (613, None)),
    ];
    for (i, (extra, want)) in cases.iter().enumerate() {
        let mut spec = json!({"route": route, "kind": "rate_limit", "regain_minutes": 7 + i, "count": 1});
        spec.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        h.control("/_sim/faults", spec).await;
        let a = get(&h, &token, &path).await;
        assert_eq!((a.status, a.code()), (StatusCode::BAD_REQUEST, *want), "{extra}");
        assert_eq!(a.body["error"]["is_transient"], true);
        assert_eq!(
            a.buc()["estimated_time_to_regain_access"],
            7 + i as u64,
            "{extra}"
        );
        if want.1 == Some(2446079) && want.0 == 17 {
            assert_eq!(
                a.body["error"]["error_user_title"],
                "Ad Account Has Too Many API Calls"
            );
        }
        assert_eq!(get(&h, &token, &path).await.status, StatusCode::OK, "count 1");
    }
    h.control(
        "/_sim/faults",
        json!({"route": "/v26.0", "kind": "unauthorized", "count": 1}),
    )
    .await;
    let a = get(&h, &token, &path).await;
    assert_eq!(a.code(), (190, Some(463)));
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Error validating access token: Session has expired on"));
    h.control(
        "/_sim/faults",
        json!({"route": route, "kind": "reduce_data", "count": 1}),
    )
    .await;
    let a = get(&h, &token, &path).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, (1, None))
    );
    assert!(a.body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Please reduce the amount of data"));
    h.control(
        "/_sim/faults",
        json!({"route": route, "kind": "server_error", "count": 1}),
    )
    .await;
    assert_eq!(get(&h, &token, &path).await.code(), (2, None));

    let faults = control_get(&h, "/_sim/faults").await;
    assert!(
        faults.as_array().unwrap().iter().all(|f| f["fired"] == 1),
        "{faults}"
    );
    // Faulted calls spend no budget; each successful one does.
    let usage = control_get(&h, "/_sim/meta/usage").await;
    assert_eq!(usage[SHOP]["calls"], cases.len() as u64);
    let log = control_get(&h, "/_sim/meta/requests").await;
    let faulted: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["fault"].is_null())
        .collect();
    assert_eq!(faulted.len(), cases.len() + 3);
    assert_eq!(faulted[0]["error_code"], 80000);
    assert_eq!(faulted.last().unwrap()["fault"], "server_error");
}

#[tokio::test]
async fn the_request_log_names_accounts_ranges_and_async_posts() {
    let h = start(meta_config()).await;
    let token = system_token(&h).await;
    ok(
        &h,
        &token,
        &format!(
            "/v26.0/{SHOP}/insights?{}",
            insights("spend", "2026-11-01", "2026-11-05", &[])
        ),
    )
    .await;
    let resp = h
        .http
        .post(h.url(&format!("/v26.0/{TOKYO}/insights")))
        .bearer_auth(&token)
        .form(&[
            ("level", "campaign"),
            ("time_range", &time_range("2026-10-01", "2026-10-31")),
        ])
        .send()
        .await
        .unwrap();
    let run = answer(resp).await.body["report_run_id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&h, &token, &format!("/v26.0/{run}")).await;
    get(
        &h,
        &token,
        &format!("/v26.0/{SHOP}/insights?fields=nope&level=campaign"),
    )
    .await;
    let log = control_get(&h, "/_sim/meta/requests").await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(
        (
            log[0]["account"].as_str(),
            log[0]["since"].as_str(),
            log[0]["until"].as_str(),
            log[0]["async"].as_bool()
        ),
        (Some(SHOP), Some("2026-11-01"), Some("2026-11-05"), Some(false))
    );
    assert_eq!(
        (
            log[1]["async"].as_bool(),
            log[1]["since"].as_str(),
            log[1]["method"].as_str()
        ),
        (Some(true), Some("2026-10-01"), Some("POST"))
    );
    assert_eq!(log[2]["account"], TOKYO, "a run's account");
    assert_eq!(
        (log[3]["status"].as_u64(), log[3]["error_code"].as_u64()),
        (Some(400), Some(100))
    );
    assert_eq!(log[0]["at"], NOV_20);
    h.http.delete(h.url("/_sim/meta/requests")).send().await.unwrap();
    assert_eq!(control_get(&h, "/_sim/meta/requests").await, json!([]));
}

#[tokio::test]
async fn a_callers_clock_drives_the_budget_hour_and_the_clock_api_refuses_to_move_it() {
    let now = Arc::new(AtomicI64::new((NOV_20 + 600) * 1000));
    let read = now.clone();
    let mut config = meta_config();
    config.meta.calls_per_hour = 2;
    let sim = provider_sim::start_with_clock(config, Arc::new(move || read.load(Ordering::SeqCst)))
        .await
        .unwrap();
    let h = Harness {
        base: sim.base_url(),
        sim,
        http: Client::new(),
    };
    let token = system_token(&h).await;
    let path = format!("/v26.0/{SHOP}");
    for _ in 0..2 {
        assert_eq!(get(&h, &token, &path).await.status, StatusCode::OK);
    }
    let refused = get(&h, &token, &path).await;
    assert_eq!(refused.code().0, 80000);
    assert_eq!(refused.buc()["estimated_time_to_regain_access"], 50);
    // The caller "sleeps" 50 minutes: a new hour at once.
    now.fetch_add(50 * 60_000, Ordering::SeqCst);
    assert_eq!(get(&h, &token, &path).await.status, StatusCode::OK);
    let clock = control_get(&h, "/_sim/clock").await;
    assert_eq!(
        (clock["now"].as_i64(), clock["external"].as_bool()),
        (Some(NOV_20 + 3600), Some(true))
    );
    for change in [
        json!({"advance": 60}),
        json!({"freeze": true}),
        json!({"now": NOV_20}),
    ] {
        assert_eq!(
            h.control_status("/_sim/clock", change).await,
            StatusCode::CONFLICT
        );
    }
    // Dates follow it too: a day on, "today" in New York is the 21st.
    now.fetch_add(86_400_000, Ordering::SeqCst);
    let t = truth(&h, SHOP, "2026-11-21", "2026-11-30").await;
    assert_eq!(t["today"], "2026-11-21");
}
