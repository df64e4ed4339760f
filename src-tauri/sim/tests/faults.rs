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
