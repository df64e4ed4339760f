//! Every fault kind, on both providers where the shape differs, plus
//! `after`/`count` bookkeeping and clearing.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn fault(h: &Harness, spec: Value) -> u64 {
    h.control("/_sim/faults", spec).await["id"].as_u64().unwrap()
}

#[tokio::test]
async fn after_and_count() {
    let h = start(config()).await;
    fault(
        &h,
        json!({"route": "/v1/charges", "kind": "server_error", "after": 2, "count": 2}),
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        // Prefix match: single-object routes count too.
        statuses.push(h.stripe_raw("/v1/charges?limit=1").await.status().as_u16());
        statuses.push(
            h.stripe_raw(&format!("/v1/charges/{}", id("ch_", 1)))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(
        statuses,
        [200, 200, 500, 500, 200, 200, 200, 200, 200, 200, 200, 200]
    );
    // Other routes are untouched.
    assert_eq!(h.stripe_raw("/v1/customers").await.status(), StatusCode::OK);
    let listed: Value = h
        .http
        .get(h.url("/_sim/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["fired"], 2);
    assert_eq!(listed[0]["passed"], 2);

    // No count: until cleared.
    fault(&h, json!({"route": "/v1/customers", "kind": "server_error"})).await;
    for _ in 0..3 {
        assert_eq!(
            h.stripe_raw("/v1/customers").await.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
    let cleared = h.http.delete(h.url("/_sim/faults")).send().await.unwrap();
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(h.stripe_raw("/v1/customers").await.status(), StatusCode::OK);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn error_kinds_stripe() {
    let h = start(config()).await;
    let once = |kind: &str| json!({"route": "/v1/charges", "kind": kind, "count": 1, "retry_after": 3});

    fault(&h, once("rate_limit")).await;
    let resp = h.stripe_raw("/v1/charges").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&resp, "retry-after"), "3");
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "rate_limit_error"
    );

    fault(&h, once("server_error")).await;
    let resp = h.stripe_raw("/v1/charges").await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"]["type"], "api_error");

    fault(&h, once("bad_gateway")).await;
    let resp = h.stripe_raw("/v1/charges").await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(header(&resp, "content-type").starts_with("text/html"));
    assert!(resp.text().await.unwrap().contains("502"));

    fault(&h, once("unauthorized")).await;
    let resp = h.stripe_raw("/v1/charges").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["type"],
        "authentication_error"
    );

    fault(&h, once("malformed")).await;
    let resp = h.stripe_raw("/v1/charges").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());

    fault(&h, once("truncated")).await;
    let resp = h.stripe_raw("/v1/charges").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let declared: usize = header(&resp, "content-length").parse().unwrap();
    let body = resp.bytes().await.unwrap();
    assert_eq!(body.len(), declared, "Content-Length matches the cut body");
    assert!(body.starts_with(b"{\"object\":\"list\""));
    assert!(serde_json::from_slice::<Value>(&body).is_err());

    fault(&h, once("missing_field")).await;
    let page = h.stripe("/v1/charges").await;
    assert!(page["data"][0].get("id").is_none());
    assert!(page["data"][0].get("amount").is_some());
    assert!(page["data"][1]["id"].is_string());

    // Faults are used up; the next request is normal.
    assert!(h.stripe("/v1/charges").await["data"][0]["id"].is_string());
    h.sim.shutdown().await;
}

#[tokio::test]
async fn error_kinds_github() {
    let h = start(config()).await;
    let route = "/repos/acme/website/issues";
    let once = |kind: &str| json!({"route": route, "kind": kind, "count": 1, "retry_after": 2});

    fault(&h, once("rate_limit")).await;
    let resp = h.github_raw(route).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&resp, "retry-after"), "2");
    assert_ne!(header(&resp, "x-ratelimit-remaining"), "0");
    let msg = resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.starts_with("You have exceeded a secondary rate limit"));

    fault(&h, once("primary_exhausted")).await;
    let resp = h.github_raw(route).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&resp, "x-ratelimit-remaining"), "0");
    assert!(!header(&resp, "x-ratelimit-reset").is_empty());
    let msg = resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.starts_with("API rate limit exceeded"));

    fault(&h, once("server_error")).await;
    assert_eq!(
        h.github_raw(route).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );

    fault(&h, once("unauthorized")).await;
    let resp = h.github_raw(route).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json::<Value>().await.unwrap()["message"], "Bad credentials");

    fault(&h, once("missing_field")).await;
    let items = h.github(&format!("{route}?state=all")).await;
    assert!(items[0].get("id").is_none() && items[0]["number"].is_u64());
    assert!(items[1]["id"].is_u64());

    fault(
        &h,
        json!({"route": "/repos/acme/website/commits", "kind": "missing_field", "count": 1}),
    )
    .await;
    let commits = h.github("/repos/acme/website/commits").await;
    assert!(commits[0].get("sha").is_none() && commits[1]["sha"].is_string());

    fault(&h, once("malformed")).await;
    let resp = h.github_raw(route).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(serde_json::from_slice::<Value>(&resp.bytes().await.unwrap()).is_err());
    h.sim.shutdown().await;
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let h = start(config()).await;
    fault(
        &h,
        json!({"route": "/v1/customers", "kind": "delay", "delay_ms": 150, "count": 1}),
    )
    .await;
    let started = Instant::now();
    let page = h.stripe("/v1/customers").await;
    // Lower bound only: the answer cannot arrive before the delay.
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(page["object"], "list");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn timeout_drops_the_connection_without_answering() {
    let h = start(config()).await;
    fault(
        &h,
        json!({"route": "/v1/charges", "kind": "timeout", "delay_ms": 100, "count": 1}),
    )
    .await;
    let err = h
        .http
        .get(h.url("/v1/charges"))
        .bearer_auth(KEY)
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_status(), "{err}");
    // A client-side timeout shorter than the hold also fires.
    fault(
        &h,
        json!({"route": "/v1/charges", "kind": "timeout", "delay_ms": 5_000, "count": 1}),
    )
    .await;
    let err = h
        .http
        .get(h.url("/v1/charges"))
        .bearer_auth(KEY)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .expect_err("client timeout");
    assert!(err.is_timeout(), "{err}");
    // The fault is used up; the sim still answers.
    assert_eq!(h.stripe_raw("/v1/charges").await.status(), StatusCode::OK);
    let listed: Value = h
        .http
        .get(h.url("/_sim/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fired"].as_u64().unwrap())
            .sum::<u64>(),
        2
    );
    h.sim.shutdown().await;
}

/// The credential a request carried comes back in the answer: quoted in a 401 in the
/// provider's shape (`echo_secret`), or in a redirect's Location and body
/// (`redirect_secret`). Removing it is the client's job; this shows it is there.
#[tokio::test]
async fn faults_that_hand_the_credential_back() {
    let h = start(config()).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    const STRIPE_KEY: &str = "rk_test_51EchoedSecretKey0000000001";
    const GH_TOKEN: &str = "ghp_EchoedSecretToken000000000000001";
    const GOOGLE_TOKEN: &str = "ya29.EchoedSecretAccessToken-0001";
    let ga4 = "/v1beta/properties/412345678:runReport";
    let gsc = "/webmasters/v3/sites/sc-domain%3Anorthwind.example/searchAnalytics/query";
    let ads = "/v26/customers/7778889999/googleAds:searchStream";
    // (path, method, Authorization header, the credential in it)
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{STRIPE_KEY}:")
        )
    );
    let cases = [
        ("/v1/charges", "GET", format!("Bearer {STRIPE_KEY}"), STRIPE_KEY),
        ("/v1/customers", "GET", basic, STRIPE_KEY),
        (
            "/repos/acme/website/issues",
            "GET",
            format!("token {GH_TOKEN}"),
            GH_TOKEN,
        ),
        (ga4, "POST", format!("Bearer {GOOGLE_TOKEN}"), GOOGLE_TOKEN),
        (gsc, "POST", format!("Bearer {GOOGLE_TOKEN}"), GOOGLE_TOKEN),
        (ads, "POST", format!("Bearer {GOOGLE_TOKEN}"), GOOGLE_TOKEN),
    ];
    let send = |path: &str, method: &str, auth: &str| {
        let url = h.url(path);
        let req = if method == "GET" {
            http.get(url)
        } else {
            http.post(url).json(&json!({}))
        };
        req.header("authorization", auth).send()
    };
    for (path, method, auth, secret) in &cases {
        fault(&h, json!({"route": path, "kind": "echo_secret", "count": 1})).await;
        let resp = send(path, method, auth).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{path}");
        let github_quota = header(&resp, "x-ratelimit-limit");
        let body: Value = resp.json().await.unwrap();
        assert!(body.to_string().contains(secret), "{path}: {body}");
        // In each provider's own error shape.
        match *path {
            p if p.starts_with("/v1/") => {
                assert_eq!(body["error"]["type"], "authentication_error");
                assert_eq!(
                    body["error"]["message"],
                    format!("Invalid API Key provided: {secret}")
                );
            }
            p if p.starts_with("/repos/") => {
                assert!(body["message"].as_str().unwrap().contains(secret));
                assert_eq!(github_quota, "5000", "GitHub answers carry quota headers");
            }
            p if p == ads => {
                assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
                let failure = &body["error"]["details"][0]["errors"][0];
                assert_eq!(failure["errorCode"]["authenticationError"], "OAUTH_TOKEN_INVALID");
                assert!(failure["message"].as_str().unwrap().contains(secret));
            }
            _ => {
                assert_eq!(body["error"]["code"], 401);
                assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
                assert!(body["error"]["message"].as_str().unwrap().contains(secret));
            }
        }

        fault(&h, json!({"route": path, "kind": "redirect_secret", "count": 1})).await;
        let resp = send(path, method, auth).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND, "{path}");
        assert_eq!(
            header(&resp, "location"),
            format!("http://127.0.0.1:1/elsewhere?key={secret}&from={path}")
        );
        assert!(resp.text().await.unwrap().contains(secret), "{path}: body");
    }
    // Google's faulted requests are logged with their kind.
    let log: Vec<Value> = h
        .http
        .get(h.url("/_sim/google/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = log.iter().filter_map(|e| e["fault"].as_str()).collect();
    assert_eq!(
        kinds,
        ["echo_secret", "redirect_secret"].repeat(3),
        "three Google products, two faults each"
    );
    h.sim.shutdown().await;
}
