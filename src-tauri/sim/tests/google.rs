//! Google's APIs over real HTTP: sign in with the sim's Google issuer like a browser
//! would, then call GA4, Search Console and Google Ads, and hold the answers against
//! `/_sim/google/truth`. Time moves only through `/_sim/clock`.

mod common;

use std::collections::BTreeSet;

use base64::Engine as _;
use common::*;
use provider_sim::Config;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const GA4: &str = "https://www.googleapis.com/auth/analytics.readonly";
const GSC: &str = "https://www.googleapis.com/auth/webmasters.readonly";
const ADS: &str = "https://www.googleapis.com/auth/adwords";
const NORTHWIND: &str = "412345678";
const TOKYO: &str = "498765432";
const DOMAIN_SITE: &str = "sc-domain:northwind.example";
const MANAGER: &str = "1112223333";
const CLIENT: &str = "4445556666";
const DIRECT: &str = "7778889999";
const DEV_TOKEN: &str = "sim-developer-token";
/// 2026-11-20T17:00:00Z: noon in New York, 02:00 next day in Tokyo, 09:00 in Los Angeles.
const NOV_20: i64 = 1_795_194_000;

fn google_config() -> Config {
    Config {
        now: Some(NOV_20),
        ..Config::default()
    }
}

/// Plays the browser and the app: authorize with PKCE, take the code off the redirect,
/// trade it at `/token`. Returns the token response.
async fn sign_in(h: &Harness, scopes: &[&str]) -> Value {
    let verifier = "a-long-enough-pkce-verifier-for-the-sim-0123456789";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let redirect_uri = "http://127.0.0.1:9/callback";
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", provider_sim::OAUTH_CLIENT_ID)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", &scopes.join(" "))
        .append_pair("state", "xyz")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("access_type", "offline")
        .finish();
    let browser = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = browser
        .get(h.url(&format!("/o/oauth2/v2/auth?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = header(&resp, "location");
    let code = location
        .split_once('?')
        .map(|(_, q)| {
            form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect::<Vec<_>>()
        })
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "code")
        .expect("a code on the redirect")
        .1;
    let resp = h
        .http
        .post(h.url("/token"))
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
    resp.json().await.unwrap()
}

async fn token(h: &Harness) -> String {
    sign_in(h, &["openid", "email", GA4, GSC, ADS]).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn send(h: &Harness, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    let _ = h;
    (status, body)
}

async fn report(h: &Harness, token: &str, property: &str, body: Value) -> (StatusCode, Value) {
    let url = h.url(&format!("/v1beta/properties/{property}:runReport"));
    send(h, h.http.post(url).bearer_auth(token).json(&body)).await
}

fn encoded(site: &str) -> String {
    form_urlencoded::byte_serialize(site.as_bytes()).collect()
}

async fn gsc(h: &Harness, token: &str, site: &str, body: Value) -> (StatusCode, Value) {
    let url = h.url(&format!(
        "/webmasters/v3/sites/{}/searchAnalytics/query",
        encoded(site)
    ));
    send(h, h.http.post(url).bearer_auth(token).json(&body)).await
}

fn ads_request(
    h: &Harness,
    token: &str,
    customer: &str,
    query: &str,
    login: Option<&str>,
) -> reqwest::RequestBuilder {
    let url = h.url(&format!("/v26/customers/{customer}/googleAds:searchStream"));
    let mut req = h
        .http
        .post(url)
        .bearer_auth(token)
        .header("developer-token", DEV_TOKEN)
        .json(&json!({ "query": query }));
    if let Some(login) = login {
        req = req.header("login-customer-id", login);
    }
    req
}

async fn ads(
    h: &Harness,
    token: &str,
    customer: &str,
    query: &str,
    login: Option<&str>,
) -> (StatusCode, Value) {
    send(h, ads_request(h, token, customer, query, login)).await
}

async fn get(h: &Harness, path: &str) -> Value {
    h.http
        .get(h.url(path))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn truth(h: &Harness, product: &str, account: &str, from: &str, to: &str) -> Value {
    get(
        h,
        &format!(
            "/_sim/google/truth?product={product}&account={}&from={from}&to={to}",
            encoded(account)
        ),
    )
    .await
}

async fn requests(h: &Harness) -> Vec<Value> {
    get(h, "/_sim/google/requests").await.as_array().unwrap().clone()
}

fn ads_code(body: &Value) -> (String, String) {
    let detail = &body["error"]["details"][0];
    assert_eq!(
        detail["@type"],
        "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure"
    );
    let code = detail["errors"][0]["errorCode"].as_object().unwrap();
    let (kind, value) = code.iter().next().unwrap();
    (kind.clone(), value.as_str().unwrap().to_string())
}

fn report_body(start: &str, end: &str, dims: &[&str], metrics: &[&str]) -> Value {
    json!({
        "dateRanges": [{"startDate": start, "endDate": end}],
        "dimensions": dims.iter().map(|d| json!({"name": d})).collect::<Vec<_>>(),
        "metrics": metrics.iter().map(|m| json!({"name": m})).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn sign_in_then_every_product_answers() {
    let h = start(google_config()).await;
    let answer = sign_in(&h, &["openid", GA4, GSC, ADS]).await;
    assert!(
        answer["refresh_token"].is_string(),
        "offline access gives a refresh token"
    );
    let t = answer["access_token"].as_str().unwrap().to_string();

    let (status, summaries) = send(&h, h.http.get(h.url("/v1beta/accountSummaries")).bearer_auth(&t)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(summaries["accountSummaries"][0]["account"], "accounts/100200300");
    assert_eq!(
        summaries["accountSummaries"][1]["propertySummaries"][0]["property"],
        format!("properties/{TOKYO}")
    );
    // Admin paging: one account a page.
    let (_, first) = send(
        &h,
        h.http
            .get(h.url("/v1beta/accountSummaries?pageSize=1"))
            .bearer_auth(&t),
    )
    .await;
    let next = first["nextPageToken"].as_str().unwrap();
    let (_, second) = send(
        &h,
        h.http
            .get(h.url(&format!("/v1beta/accountSummaries?pageSize=1&pageToken={next}")))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(second["accountSummaries"][0]["account"], "accounts/100200400");
    assert!(second.get("nextPageToken").is_none());

    let (status, prop) = send(
        &h,
        h.http
            .get(h.url(&format!("/v1beta/properties/{TOKYO}")))
            .bearer_auth(&t),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(prop["timeZone"], "Asia/Tokyo");
    assert_eq!(prop["currencyCode"], "JPY");
    assert_eq!(prop["serviceLevel"], "GOOGLE_ANALYTICS_STANDARD");

    let (status, r) = report(
        &h,
        &t,
        NORTHWIND,
        report_body("7daysAgo", "yesterday", &["date"], &["sessions"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["rowCount"], 7);
    assert_eq!(r["kind"], "analyticsData#runReport");

    let (status, sites) = send(&h, h.http.get(h.url("/webmasters/v3/sites")).bearer_auth(&t)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sites["siteEntry"][0]["siteUrl"], DOMAIN_SITE);
    assert_eq!(sites["siteEntry"][2]["permissionLevel"], "siteUnverifiedUser");
    let (status, q) = gsc(
        &h,
        &t,
        DOMAIN_SITE,
        json!({"startDate": "2026-11-01", "endDate": "2026-11-10", "dimensions": ["date"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(q["rows"].as_array().unwrap().len(), 10);

    let (status, list) = send(
        &h,
        h.http
            .get(h.url("/v26/customers:listAccessibleCustomers"))
            .bearer_auth(&t)
            .header("developer-token", DEV_TOKEN),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list["resourceNames"],
        json!([format!("customers/{MANAGER}"), format!("customers/{DIRECT}")])
    );
    let (status, batches) = ads(
        &h,
        &t,
        DIRECT,
        "SELECT customer.id, customer.currency_code FROM customer",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{batches}");
    assert_eq!(batches[0]["results"][0]["customer"]["currencyCode"], "EUR");
    assert_eq!(batches[0]["results"][0]["customer"]["id"], DIRECT);

    // No token, a made-up token, an expired one: 401 UNAUTHENTICATED everywhere.
    let (status, e) = send(&h, h.http.get(h.url("/webmasters/v3/sites"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"]["status"], "UNAUTHENTICATED");
    assert!(
        e["error"]["errors"][0]["reason"].is_string(),
        "Search Console's legacy errors[]"
    );
    let (status, _) = report(
        &h,
        "ya29.nope",
        NORTHWIND,
        report_body("today", "today", &[], &["sessions"]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    h.control("/_sim/clock", json!({"advance": 9 * 3600})).await;
    let (status, e) = report(
        &h,
        &t,
        NORTHWIND,
        report_body("today", "today", &[], &["sessions"]),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"]["details"][0]["reason"], "ACCESS_TOKEN_EXPIRED");
    let (status, e) = ads(&h, &t, DIRECT, "SELECT customer.id FROM customer", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        ads_code(&e),
        ("authenticationError".into(), "OAUTH_TOKEN_EXPIRED".into())
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn an_unticked_scope_refuses_only_that_product() {
    let h = start(google_config()).await;
    let settings = h
        .control("/_sim/oauth", json!({"google_granted_scopes": [GA4, ADS]}))
        .await;
    assert_eq!(settings["google_granted_scopes"], json!([GA4, ADS]));
    let answer = sign_in(&h, &["openid", "email", GA4, GSC, ADS]).await;
    // Google's token response lists only what was granted.
    assert_eq!(answer["scope"], format!("openid email {GA4} {ADS}"));
    let t = answer["access_token"].as_str().unwrap();

    let (status, e) = send(&h, h.http.get(h.url("/webmasters/v3/sites")).bearer_auth(t)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["status"], "PERMISSION_DENIED");
    assert_eq!(
        e["error"]["message"],
        "Request had insufficient authentication scopes."
    );
    assert_eq!(
        e["error"]["details"][0]["reason"],
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    );
    let (status, _) = report(
        &h,
        t,
        NORTHWIND,
        report_body("yesterday", "yesterday", &[], &["sessions"]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = ads(&h, t, DIRECT, "SELECT customer.id FROM customer", None).await;
    assert_eq!(status, StatusCode::OK);

    // null: the person ticks everything again; new grants carry every scope asked.
    h.control("/_sim/oauth", json!({"google_granted_scopes": null}))
        .await;
    let answer = sign_in(&h, &[GA4, GSC]).await;
    assert_eq!(answer["scope"], format!("{GA4} {GSC}"));
    let t = answer["access_token"].as_str().unwrap();
    let (status, _) = send(&h, h.http.get(h.url("/webmasters/v3/sites")).bearer_auth(t)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, e) = ads(&h, t, DIRECT, "SELECT customer.id FROM customer", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        e["error"]["details"][0]["reason"],
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn ga4_offset_paging_is_stable_and_matches_truth() {
    let mut config = google_config();
    config.google.properties[0].landing_pages = 500;
    let h = start(config).await;
    let t = token(&h).await;
    // 30 final days (older than 3 days) × 500 landing pages.
    let (from, to) = ("2026-10-18", "2026-11-16");
    let mut body = report_body(
        from,
        to,
        &["date", "landingPage"],
        &["sessions", "totalUsers", "newUsers", "keyEvents", "totalRevenue"],
    );
    h.http
        .delete(h.url("/_sim/google/requests"))
        .send()
        .await
        .unwrap();
    let limit = 10_000u64;
    body["limit"] = json!(limit.to_string());
    let mut rows: Vec<Value> = Vec::new();
    let mut offset = 0u64;
    let row_count = loop {
        body["offset"] = json!(offset);
        let (status, page) = report(&h, &t, NORTHWIND, body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.get("offset").is_none() && page.get("nextPageToken").is_none());
        let count = page["rowCount"].as_u64().unwrap();
        rows.extend(page["rows"].as_array().unwrap().iter().cloned());
        offset += limit;
        if offset >= count {
            break count;
        }
    };
    assert_eq!(row_count, 30 * 500);
    assert_eq!(rows.len() as u64, row_count);
    let asked = requests(&h).await;
    assert_eq!(
        asked.len() as u64,
        row_count.div_ceil(limit),
        "⌈rowCount/limit⌉ requests"
    );
    assert_eq!(asked[1]["body"]["offset"], 10_000);
    assert_eq!(asked[1]["account"], NORTHWIND);

    // Every value is a string; order is by date then landing page, with no repeats.
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            for v in r["dimensionValues"]
                .as_array()
                .unwrap()
                .iter()
                .chain(r["metricValues"].as_array().unwrap())
            {
                assert!(v["value"].is_string(), "{v}");
            }
            (
                r["dimensionValues"][0]["value"].as_str().unwrap().to_string(),
                r["dimensionValues"][1]["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "strictly ordered, so no row twice"
    );
    assert_eq!(keys[0].0, "20261018");

    // The same page twice is the same rows.
    body["offset"] = json!(0);
    let (_, again) = report(&h, &t, NORTHWIND, body.clone()).await;
    assert_eq!(again["rows"].as_array().unwrap()[..], rows[..10_000]);

    let truth = truth(&h, "ga4", NORTHWIND, from, to).await;
    let expected: BTreeSet<Vec<String>> = truth["landingPages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                r["date"].as_str().unwrap().replace('-', ""),
                r["landingPage"].as_str().unwrap().to_string(),
                r["sessions"].to_string(),
                r["totalUsers"].to_string(),
                r["newUsers"].to_string(),
                r["keyEvents"].as_f64().unwrap().to_string(),
                r["totalRevenue"].as_str().unwrap().to_string(),
            ]
        })
        .collect();
    let served: BTreeSet<Vec<String>> = rows
        .iter()
        .map(|r| {
            let d = |i: usize| r["dimensionValues"][i]["value"].as_str().unwrap().to_string();
            let m = |i: usize| r["metricValues"][i]["value"].as_str().unwrap().to_string();
            vec![
                d(0),
                d(1),
                m(0),
                m(1),
                m(2),
                m(3).parse::<f64>().unwrap().to_string(),
                m(4),
            ]
        })
        .collect();
    assert_eq!(served.len(), rows.len());
    assert_eq!(served, expected);

    // Landing pages of a day add up to the day; channels too.
    let daily = &truth["daily"][0];
    let day_pages: u64 = truth["landingPages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["date"] == daily["date"])
        .map(|r| r["sessions"].as_u64().unwrap())
        .sum();
    assert_eq!(day_pages, daily["sessions"].as_u64().unwrap());
    let day_channels: u64 = truth["channels"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["date"] == daily["date"])
        .map(|r| r["sessions"].as_u64().unwrap())
        .sum();
    assert_eq!(day_channels, daily["sessions"].as_u64().unwrap());
    assert!(daily["newUsers"].as_u64() <= daily["totalUsers"].as_u64());
    assert!(daily["totalUsers"].as_u64() <= daily["sessions"].as_u64());

    // Bad requests are Google's 400s.
    let (status, e) = report(&h, &t, NORTHWIND, report_body(from, to, &["date"], &["bounces"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Field bounces is not a valid metric."));
    body["limit"] = json!(250_001);
    let (status, e) = report(&h, &t, NORTHWIND, body.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["status"], "INVALID_ARGUMENT");
    let (status, e) = report(&h, &t, NORTHWIND, json!({"dateRanges": [], "bogus": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Unknown name \"bogus\""));
    let (status, _) = report(&h, &t, "999", report_body(from, to, &["date"], &["sessions"])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn ga4_metadata_flags_and_folding() {
    let mut config = google_config();
    let p = &mut config.google.properties[0];
    p.other_after = Some(10);
    p.sampled = true;
    p.thresholded = true;
    let h = start(config).await;
    let t = token(&h).await;
    let mut body = report_body(
        "2026-11-01",
        "2026-11-02",
        &["date", "landingPage"],
        &["sessions"],
    );
    body["returnPropertyQuota"] = json!(true);
    body["keepEmptyRows"] = json!(true);
    body["orderBys"] = json!([{"dimension": {"dimensionName": "date"}}]);
    let (status, r) = report(&h, &t, NORTHWIND, body).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["rowCount"], 2 * 11, "ten pages and (other), each day");
    let meta = &r["metadata"];
    assert_eq!(meta["dataLossFromOtherRow"], true);
    assert_eq!(meta["subjectToThresholding"], true);
    assert!(meta["samplingMetadatas"][0]["samplesReadCount"].is_string());
    assert!(meta["samplingMetadatas"][0]["samplingSpaceSize"].is_string());
    assert_eq!(meta["currencyCode"], "USD");
    assert!(r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|row| row["dimensionValues"][1]["value"] == "(other)"));
    let quota = &r["propertyQuota"];
    assert_eq!(quota["tokensPerHour"]["consumed"], 1);
    assert_eq!(quota["tokensPerHour"]["remaining"], 40_000 - 1);
    assert_eq!(quota["tokensPerDay"]["remaining"], 200_000 - 1);
    // Types follow the metric: currency, float, integer.
    let (_, r) = report(
        &h,
        &t,
        NORTHWIND,
        report_body(
            "2026-11-01",
            "2026-11-01",
            &[],
            &["totalRevenue", "keyEvents", "sessions"],
        ),
    )
    .await;
    let types: Vec<&str> = r["metricHeaders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["TYPE_CURRENCY", "TYPE_FLOAT", "TYPE_INTEGER"]);
    let revenue = r["rows"][0]["metricValues"][0]["value"].as_str().unwrap();
    assert_eq!(revenue.split('.').nth(1).map(str::len), Some(2), "{revenue}");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn tokyo_dates_are_tokyo_dates() {
    let h = start(google_config()).await;
    let t = token(&h).await;
    let day_of = |r: &Value| {
        r["rows"][0]["dimensionValues"][0]["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // 17:00Z on Nov 20 is already Nov 21 in Tokyo, still Nov 20 in New York.
    let (_, tokyo) = report(
        &h,
        &t,
        TOKYO,
        report_body("today", "today", &["date"], &["sessions", "totalRevenue"]),
    )
    .await;
    assert_eq!(day_of(&tokyo), "20261121");
    assert_eq!(tokyo["metadata"]["timeZone"], "Asia/Tokyo");
    let yen = tokyo["rows"][0]["metricValues"][1]["value"].as_str().unwrap();
    assert!(!yen.contains('.'), "JPY has no decimals: {yen}");
    let (_, ny) = report(
        &h,
        &t,
        NORTHWIND,
        report_body("today", "today", &["date"], &["sessions"]),
    )
    .await;
    assert_eq!(day_of(&ny), "20261120");
    let truth = truth(&h, "ga4", TOKYO, "", "").await;
    assert_eq!(truth["today"], "2026-11-21");
    assert_eq!(
        truth["daily"].as_array().unwrap().last().unwrap()["date"],
        "2026-11-21"
    );
    assert_eq!(
        truth["daily"].as_array().unwrap().len(),
        801,
        "800 days of history and today"
    );
    h.sim.shutdown().await;
}

fn sessions_by_date(truth: &Value) -> std::collections::BTreeMap<String, u64> {
    truth["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["date"].as_str().unwrap().to_string(),
                r["sessions"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn recent_days_restate_as_they_age_and_on_request() {
    let h = start(google_config()).await;
    let before = sessions_by_date(&truth(&h, "ga4", NORTHWIND, "2026-11-10", "2026-11-20").await);
    h.control("/_sim/clock", json!({"advance": 86_400})).await;
    let after = sessions_by_date(&truth(&h, "ga4", NORTHWIND, "2026-11-10", "2026-11-21").await);
    for (day, old) in &before {
        let new = after[day];
        if day.as_str() >= "2026-11-18" {
            assert!(new > *old, "{day}: still maturing, {old} → {new}");
        } else {
            assert_eq!(new, *old, "{day} was final");
        }
    }
    assert!(after.contains_key("2026-11-21") && !before.contains_key("2026-11-21"));

    // An explicit restatement of a final day: +10 % on every metric of that day only.
    let truth_before = truth(&h, "ga4", NORTHWIND, "2026-11-12", "2026-11-13").await;
    h.control(
        "/_sim/google/restate",
        json!({"product": "ga4", "account": NORTHWIND, "date": "2026-11-12", "percent": 10}),
    )
    .await;
    let truth_after = truth(&h, "ga4", NORTHWIND, "2026-11-12", "2026-11-13").await;
    let (b, a) = (&truth_before["daily"], &truth_after["daily"]);
    assert_eq!(
        a[0]["sessions"].as_u64().unwrap(),
        b[0]["sessions"].as_u64().unwrap() * 110 / 100
    );
    assert_eq!(
        a[0]["engagedSessions"].as_u64().unwrap(),
        b[0]["engagedSessions"].as_u64().unwrap() * 110 / 100
    );
    assert_eq!(a[1], b[1], "the next day is untouched");
    // The API serves the restated day (a fresh sign-in: a day outlives the access token).
    let t = token(&h).await;
    let (_, r) = report(
        &h,
        &t,
        NORTHWIND,
        report_body("2026-11-12", "2026-11-12", &["date"], &["sessions"]),
    )
    .await;
    assert_eq!(
        r["rows"][0]["metricValues"][0]["value"],
        a[0]["sessions"].to_string()
    );

    // Ads: conversions of a 20-day-old day grow with the clock, and restate on request.
    let day = "2026-11-01";
    let conv = |t: &Value| t["campaigns"][0]["conversions"].as_f64().unwrap();
    let cost = |t: &Value| t["campaigns"][0]["costMicros"].as_str().unwrap().to_string();
    let t1 = truth(&h, "google_ads", DIRECT, day, day).await;
    h.control("/_sim/clock", json!({"advance": 5 * 86_400})).await;
    let t2 = truth(&h, "google_ads", DIRECT, day, day).await;
    assert!(conv(&t2) > conv(&t1), "late conversions arrive");
    assert_eq!(cost(&t2), cost(&t1), "cost is final after 3 days");
    h.control(
        "/_sim/google/restate",
        json!({"product": "google_ads", "account": DIRECT, "date": day, "percent": 20}),
    )
    .await;
    let t3 = truth(&h, "google_ads", DIRECT, day, day).await;
    assert!(conv(&t3) > conv(&t2));
    let bad = h
        .control_status(
            "/_sim/google/restate",
            json!({"product": "ga5", "account": NORTHWIND, "date": day, "percent": 1}),
        )
        .await;
    assert_eq!(bad, StatusCode::BAD_REQUEST);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn spent_tokens_pause_one_property_until_the_hour_turns() {
    // On the hour, so an hour's advance lands in the next bucket.
    let h = start(Config {
        now: Some(NOV_20),
        ..Config::default()
    })
    .await;
    let t = token(&h).await;
    let view = h
        .control(
            "/_sim/google/ga4/quota",
            json!({"property": NORTHWIND, "tokens_per_hour": 3}),
        )
        .await;
    assert_eq!(view["tokens_per_hour"], 3);
    let body = report_body("yesterday", "yesterday", &["date"], &["sessions"]);
    for _ in 0..3 {
        let (status, _) = report(&h, &t, NORTHWIND, body.clone()).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, e) = report(&h, &t, NORTHWIND, body.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(e["error"]["status"], "RESOURCE_EXHAUSTED");
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Exhausted property tokens per hour"));
    let (status, _) = report(&h, &t, TOKYO, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "another property is unaffected");
    h.control("/_sim/clock", json!({"advance": 1800})).await;
    let (status, _) = report(&h, &t, NORTHWIND, body.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "still the same hour");
    h.control("/_sim/clock", json!({"advance": 1800})).await;
    let (status, r) = report(&h, &t, NORTHWIND, body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{r}");

    // A daily limit says so.
    h.control(
        "/_sim/google/ga4/quota",
        json!({"property": NORTHWIND, "tokens_per_hour": 100, "tokens_per_day": 1}),
    )
    .await;
    report(&h, &t, NORTHWIND, body.clone()).await;
    let (status, e) = report(&h, &t, NORTHWIND, body).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(e["error"]["message"].as_str().unwrap().contains("per day"));
    h.sim.shutdown().await;
}

#[tokio::test]
async fn search_console_totals_pages_freshness_and_limits() {
    let mut config = google_config();
    config.google.sites[1].queries_per_minute = 2;
    let h = start(config).await;
    let t = token(&h).await;
    // Today in PT is Nov 20, so Nov 18 is the first incomplete day.
    let (status, by_date) = gsc(
        &h,
        &t,
        DOMAIN_SITE,
        json!({"startDate": "2026-11-10", "endDate": "2026-11-25", "dimensions": ["date"], "dataState": "ALL"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_date}");
    assert_eq!(by_date["metadata"]["firstIncompleteDate"], "2026-11-18");
    assert_eq!(by_date["responseAggregationType"], "byProperty");
    let dates: Vec<&str> = by_date["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["keys"][0].as_str().unwrap())
        .collect();
    assert_eq!(dates.first(), Some(&"2026-11-10"));
    assert_eq!(dates.last(), Some(&"2026-11-20"), "no days after today");
    let (_, final_only) = gsc(
        &h,
        &t,
        DOMAIN_SITE,
        json!({"startDate": "2026-11-10", "endDate": "2026-11-25", "dimensions": ["date"]}),
    )
    .await;
    assert!(
        final_only.get("metadata").is_none(),
        "metadata only with dataState all"
    );
    let rows = final_only["rows"].as_array().unwrap();
    assert_eq!(rows.last().unwrap()["keys"][0], "2026-11-17");
    assert!(rows[0]["clicks"].is_number() && rows[0]["ctr"].is_f64() && rows[0]["position"].is_f64());

    // Query rows of a day add up to less than the day's total (anonymised queries).
    let day_total = &rows[0];
    let mut queries: Vec<Value> = Vec::new();
    let mut start_row = 0;
    let mut calls = 0;
    loop {
        let (status, page) = gsc(
            &h,
            &t,
            DOMAIN_SITE,
            json!({"startDate": "2026-11-10", "endDate": "2026-11-10", "dimensions": ["query"],
                   "rowLimit": 50, "startRow": start_row, "type": "web"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        calls += 1;
        let got = page["rows"].as_array().cloned().unwrap_or_default();
        let n = got.len();
        queries.extend(got);
        if n < 50 {
            break;
        }
        start_row += 50;
    }
    assert_eq!(queries.len(), 120);
    assert_eq!(calls, 3, "a short page is the last");
    let summed: u64 = queries.iter().map(|r| r["impressions"].as_u64().unwrap()).sum();
    let total = day_total["impressions"].as_u64().unwrap();
    assert!(
        summed < total && summed * 100 >= total * 69,
        "{summed} vs {total}"
    );
    let truth = truth(&h, "search_console", DOMAIN_SITE, "2026-11-10", "2026-11-10").await;
    assert_eq!(truth["firstIncompleteDate"], "2026-11-18");
    assert_eq!(truth["daily"][0]["impressions"], day_total["impressions"]);
    assert_eq!(truth["daily"][0]["position"], day_total["position"]);
    let served: BTreeSet<(String, u64, u64)> = queries
        .iter()
        .map(|r| {
            (
                r["keys"][0].as_str().unwrap().to_string(),
                r["clicks"].as_u64().unwrap(),
                r["impressions"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, u64, u64)> = truth["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["query"].as_str().unwrap().to_string(),
                r["clicks"].as_u64().unwrap(),
                r["impressions"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(served, expected);
    let pages: u64 = truth["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["clicks"].as_u64().unwrap())
        .sum();
    assert_eq!(
        pages,
        day_total["clicks"].as_u64().unwrap(),
        "pages share out the whole total"
    );

    let (status, e) = gsc(
        &h,
        &t,
        DOMAIN_SITE,
        json!({"startDate": "2026-11-10", "endDate": "2026-11-10", "rowLimit": 25_001}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["status"], "INVALID_ARGUMENT");
    let (status, _) = gsc(
        &h,
        &t,
        DOMAIN_SITE,
        json!({"startDate": "2026-11-10", "endDate": "2026-11-10", "dimensions": ["country"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, e) = gsc(
        &h,
        &t,
        "https://pending.example/",
        json!({"startDate": "2026-11-10", "endDate": "2026-11-10"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["errors"][0]["reason"], "forbidden");

    // Two queries a minute for the Globex site (from the start of a sim-clock minute).
    h.control("/_sim/clock", json!({"now": NOV_20 + 600})).await;
    let globex = "https://www.globex.example/";
    let one = json!({"startDate": "2026-11-10", "endDate": "2026-11-10"});
    for _ in 0..2 {
        assert_eq!(gsc(&h, &t, globex, one.clone()).await.0, StatusCode::OK);
    }
    let (status, e) = gsc(&h, &t, globex, one.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Search Analytics QPS quota exceeded"));
    assert_eq!(e["error"]["errors"][0]["reason"], "rateLimitExceeded");
    assert_eq!(e["error"]["errors"][0]["domain"], "usageLimits");
    // The refusal is counted, on its route.
    let requests = h.truth().await["requests"].clone();
    assert_eq!(requests["rate_limited"], 1);
    let limited: Vec<(&String, &Value)> = requests["rate_limited_by_route"]
        .as_object()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(limited.len(), 1);
    assert!(limited[0].0.ends_with("/searchAnalytics/query") && limited[0].1 == 1);
    h.control("/_sim/clock", json!({"advance": 60})).await;
    assert_eq!(gsc(&h, &t, globex, one).await.0, StatusCode::OK);
    h.sim.shutdown().await;
}

const CAMPAIGN_QUERY: &str =
    "SELECT segments.date, customer.currency_code, customer.time_zone, campaign.id, \
     campaign.name, metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, \
     metrics.conversions_value FROM campaign WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-20' \
     ORDER BY segments.date";

#[tokio::test]
async fn ads_access_rules_and_rows_equal_truth() {
    let h = start(google_config()).await;
    let t = token(&h).await;
    let url = h.url(&format!("/v26/customers/{CLIENT}/googleAds:searchStream"));
    let q = json!({ "query": CAMPAIGN_QUERY });
    let (status, e) = send(
        &h,
        h.http
            .post(&url)
            .bearer_auth(&t)
            .header("login-customer-id", MANAGER)
            .json(&q),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        ads_code(&e),
        ("requestError".into(), "DEVELOPER_TOKEN_PARAMETER_MISSING".into())
    );
    let (status, e) = send(
        &h,
        h.http
            .post(&url)
            .bearer_auth(&t)
            .header("developer-token", "not-ours")
            .header("login-customer-id", MANAGER)
            .json(&q),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        ads_code(&e),
        ("authenticationError".into(), "DEVELOPER_TOKEN_INVALID".into())
    );
    let (status, e) = ads(&h, &t, CLIENT, CAMPAIGN_QUERY, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        ads_code(&e),
        ("authorizationError".into(), "USER_PERMISSION_DENIED".into())
    );
    assert!(e["error"]["details"][0]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("login-customer-id"));
    let (status, _) = ads(&h, &t, CLIENT, CAMPAIGN_QUERY, Some(DIRECT)).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only its own manager opens a client"
    );

    h.http
        .delete(h.url("/_sim/google/requests"))
        .send()
        .await
        .unwrap();
    let (status, batches) = ads(&h, &t, CLIENT, CAMPAIGN_QUERY, Some(MANAGER)).await;
    assert_eq!(status, StatusCode::OK, "{batches}");
    let logged = requests(&h).await;
    assert_eq!(logged[0]["loginCustomerId"], MANAGER);
    assert_eq!(logged[0]["developerToken"], true);
    assert_eq!(logged[0]["account"], CLIENT);
    assert_eq!(logged[0]["body"]["query"], CAMPAIGN_QUERY);

    let results: Vec<&Value> = batches
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["results"].as_array().unwrap())
        .collect();
    let first = results[0];
    assert_eq!(first["customer"]["resourceName"], format!("customers/{CLIENT}"));
    assert_eq!(first["customer"]["timeZone"], "America/Chicago");
    assert!(first["campaign"]["resourceName"]
        .as_str()
        .unwrap()
        .starts_with(&format!("customers/{CLIENT}/campaigns/")));
    assert!(first["campaign"]["id"].is_string(), "int64 as a string");
    assert!(first["metrics"]["costMicros"].is_string());
    assert!(first["metrics"]["impressions"].is_string());
    assert!(first["metrics"]["conversions"].is_number());
    assert!(first["metrics"].get("ctr").is_none(), "only what was selected");
    assert_eq!(
        batches[0]["fieldMask"],
        "segments.date,customer.currencyCode,customer.timeZone,campaign.id,campaign.name,metrics.impressions,\
         metrics.clicks,metrics.costMicros,metrics.conversions,metrics.conversionsValue"
    );
    let cost: u64 = first["metrics"]["costMicros"].as_str().unwrap().parse().unwrap();
    assert_eq!(cost % 10_000, 0, "USD cost is whole cents");

    let truth = truth(&h, "google_ads", CLIENT, "2026-11-01", "2026-11-20").await;
    let expected: Vec<Value> = truth["campaigns"].as_array().unwrap().clone();
    let served: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "date": r["segments"]["date"],
                "campaignId": r["campaign"]["id"],
                "campaignName": r["campaign"]["name"],
                "costMicros": r["metrics"]["costMicros"],
                "impressions": r["metrics"]["impressions"].as_str().unwrap().parse::<u64>().unwrap(),
                "clicks": r["metrics"]["clicks"].as_str().unwrap().parse::<u64>().unwrap(),
                "conversions": r["metrics"]["conversions"],
                "conversionsValue": r["metrics"]["conversionsValue"],
            })
        })
        .collect();
    assert_eq!(served, expected);
    assert_eq!(
        served.len(),
        20 * 7,
        "seven of eight campaigns run (one is paused)"
    );

    // Who the user reaches directly, and what the manager reaches.
    let (_, list) = send(
        &h,
        h.http
            .get(h.url("/v26/customers:listAccessibleCustomers"))
            .bearer_auth(&t)
            .header("developer-token", DEV_TOKEN),
    )
    .await;
    assert!(!list["resourceNames"]
        .as_array()
        .unwrap()
        .contains(&json!(format!("customers/{CLIENT}"))));
    let (status, tree) = ads(
        &h,
        &t,
        MANAGER,
        "SELECT customer_client.client_customer, customer_client.level, customer_client.manager, \
         customer_client.descriptive_name, customer_client.currency_code, customer_client.time_zone, \
         customer_client.status, customer_client.id FROM customer_client",
        Some(MANAGER),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tree}");
    let clients: Vec<&Value> = tree[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["customerClient"])
        .collect();
    assert_eq!(clients.len(), 2);
    assert_eq!(clients[0]["level"], "0");
    assert_eq!(clients[0]["manager"], true);
    assert_eq!(clients[1]["clientCustomer"], format!("customers/{CLIENT}"));
    assert_eq!(clients[1]["level"], "1");
    assert_eq!(clients[1]["timeZone"], "America/Chicago");
    assert_eq!(clients[1]["status"], "ENABLED");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn gaql_errors_name_the_query_error() {
    let h = start(google_config()).await;
    let t = token(&h).await;
    let cases = [
        ("SELECT campaign.foo FROM campaign", "UNRECOGNIZED_FIELD"),
        (
            "SELECT segments.date, metrics.clicks FROM campaign",
            "EXPECTED_FILTERS_ON_DATE_RANGE",
        ),
        (
            "SELECT segments.date, metrics.clicks FROM campaign WHERE segments.date >= '2026-11-01'",
            "EXPECTED_FILTERS_ON_DATE_RANGE",
        ),
        ("SELECT campaign.id campaign", "EXPECTED_FROM"),
        (
            "SELECT campaign.id FROM campaign WHERE segments.date BETWEEN '2026/11/01' AND '2026-11-02'",
            "INVALID_DATE_FORMAT",
        ),
        (
            "SELECT campaign.id FROM customer",
            "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
        ),
        (
            "SELECT customer_client.id, metrics.clicks FROM customer_client",
            "PROHIBITED_METRIC_IN_SELECT_OR_WHERE_CLAUSE",
        ),
    ];
    for (query, code) in cases {
        let (status, e) = ads(&h, &t, DIRECT, query, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(ads_code(&e), ("queryError".into(), code.into()), "{query}");
    }
    let (status, e) = ads(
        &h,
        &t,
        MANAGER,
        "SELECT metrics.clicks FROM customer",
        Some(MANAGER),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(ads_code(&e).1, "REQUESTED_METRICS_FOR_MANAGER");
    // Filters on other fields, DURING, LIMIT.
    let (status, b) = ads(
        &h,
        &t,
        DIRECT,
        "SELECT campaign.id, campaign.status FROM campaign WHERE campaign.status = 'PAUSED'",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b[0]["results"].as_array().unwrap().len(), 1);
    let (_, b) = ads(
        &h,
        &t,
        DIRECT,
        "SELECT segments.date, campaign.id, metrics.clicks FROM campaign WHERE segments.date DURING LAST_7_DAYS LIMIT 10",
        None,
    )
    .await;
    let results = b[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 10);
    assert_eq!(
        results[0]["segments"]["date"], "2026-11-13",
        "Berlin's last seven days"
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn search_stream_batches_of_ten_thousand() {
    let mut config = google_config();
    config.google.customers[2].campaigns = 500;
    let h = start(config).await;
    let t = token(&h).await;
    let (status, batches) = ads(
        &h,
        &t,
        DIRECT,
        "SELECT segments.date, campaign.id, metrics.cost_micros FROM campaign \
         WHERE segments.date >= '2026-10-01' AND segments.date <= '2026-10-30'",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let batches = batches.as_array().unwrap();
    let sizes: Vec<usize> = batches
        .iter()
        .map(|b| b["results"].as_array().unwrap().len())
        .collect();
    // 500 campaigns, 62 of them paused, over 30 days.
    assert_eq!(sizes, [10_000, 438 * 30 - 10_000]);
    assert!(batches[0].get("queryResourceConsumption").is_none());
    assert!(batches[1]["queryResourceConsumption"].is_string());
    assert!(batches.iter().all(|b| b["requestId"] == batches[0]["requestId"]));
    let cost = &batches[1]["results"][0]["metrics"]["costMicros"];
    assert!(cost.as_str().unwrap().parse::<u64>().is_ok(), "{cost}");
    // EUR cents.
    assert!(cost.as_str().unwrap().ends_with("0000"));
    h.sim.shutdown().await;
}

#[tokio::test]
async fn google_faults_speak_google() {
    let mut config = google_config();
    config.google.customers[2].campaigns = 500;
    let h = start(config).await;
    let t = token(&h).await;
    let route = format!("/v26/customers/{DIRECT}/googleAds:searchStream");
    let query = "SELECT segments.date, campaign.id, metrics.clicks FROM campaign \
                 WHERE segments.date BETWEEN '2026-10-01' AND '2026-10-30'";

    // stream_cut: one whole batch, then the body ends inside the array.
    h.control(
        "/_sim/faults",
        json!({"route": route, "kind": "stream_cut", "batches": 1, "count": 1}),
    )
    .await;
    let mut resp = ads_request(&h, &t, DIRECT, query, None).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut got: Vec<u8> = Vec::new();
    let ended = loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => got.extend_from_slice(&chunk),
            Ok(None) => break "clean end",
            Err(_) => break "cut",
        }
    };
    assert_eq!(ended, "cut", "the connection ends without the last chunk");
    let text = String::from_utf8(got).unwrap();
    assert!(
        text.starts_with("[{\"fieldMask\"") || text.starts_with("[{"),
        "{}",
        &text[..40]
    );
    assert!(serde_json::from_str::<Value>(&text).is_err(), "mid-array");
    assert_eq!(
        text.matches("\"requestId\"").count(),
        1,
        "exactly one complete batch"
    );
    let complete = text.rsplit_once(",{").unwrap().0;
    let one: Value = serde_json::from_str(&format!("{}]", complete)).unwrap();
    assert_eq!(one[0]["results"].as_array().unwrap().len(), 10_000);
    // The next call is whole again.
    let (status, _) = ads(&h, &t, DIRECT, query, None).await;
    assert_eq!(status, StatusCode::OK);

    // rate_limit on Ads: a QuotaError with the scope and Google's retryDelay.
    h.control(
        "/_sim/faults",
        json!({"route": route, "kind": "rate_limit", "scope": "DEVELOPER", "retry_after": 30, "count": 1}),
    )
    .await;
    let (status, e) = ads(&h, &t, DIRECT, query, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(e["error"]["status"], "RESOURCE_EXHAUSTED");
    assert_eq!(ads_code(&e), ("quotaError".into(), "RESOURCE_EXHAUSTED".into()));
    let details = &e["error"]["details"][0]["errors"][0]["details"]["quotaErrorDetails"];
    assert_eq!(details["rateScope"], "DEVELOPER");
    assert_eq!(details["retryDelay"], "30s");
    assert!(!e.to_string().contains(&t), "no token echoed");

    // GA4 and Search Console faults in the rpc Status shape; the :runReport suffix matches
    // a route given without it.
    let ga4_route = format!("/v1beta/properties/{NORTHWIND}");
    for (kind, status, name) in [
        ("rate_limit", 429, "RESOURCE_EXHAUSTED"),
        ("server_error", 500, "INTERNAL"),
        ("unauthorized", 401, "UNAUTHENTICATED"),
        ("permission_denied", 403, "PERMISSION_DENIED"),
        ("unavailable", 503, "UNAVAILABLE"),
    ] {
        h.control(
            "/_sim/faults",
            json!({"route": ga4_route, "kind": kind, "count": 1}),
        )
        .await;
        let (got, e) = report(
            &h,
            &t,
            NORTHWIND,
            report_body("yesterday", "yesterday", &[], &["sessions"]),
        )
        .await;
        assert_eq!(got.as_u16(), status, "{kind}");
        assert_eq!(e["error"]["code"], status);
        assert_eq!(e["error"]["status"], name);
    }
    let site_route = format!("/webmasters/v3/sites/{}", encoded(DOMAIN_SITE));
    h.control(
        "/_sim/faults",
        json!({"route": site_route, "kind": "rate_limit", "count": 1}),
    )
    .await;
    let (status, e) = gsc(
        &h,
        &t,
        DOMAIN_SITE,
        json!({"startDate": "2026-11-01", "endDate": "2026-11-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(e["error"]["errors"][0]["reason"], "rateLimitExceeded");
    let logged = requests(&h).await;
    let last = logged.last().unwrap();
    assert_eq!(last["fault"], "rate_limit");
    assert_eq!(last["status"], 429);
    assert_eq!(last["account"], DOMAIN_SITE);

    h.control(
        "/_sim/faults",
        json!({"route": ga4_route, "kind": "malformed", "count": 1}),
    )
    .await;
    let resp = h
        .http
        .post(h.url(&format!("/v1beta/properties/{NORTHWIND}:runReport")))
        .bearer_auth(&t)
        .json(&report_body("yesterday", "yesterday", &[], &["sessions"]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());
    h.sim.shutdown().await;
}

#[tokio::test]
async fn an_unknown_zone_refuses_to_start() {
    let mut config = google_config();
    config.google.customers[0].time_zone = "Mars/Olympus".into();
    let err = provider_sim::start(config).await.err().expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}
