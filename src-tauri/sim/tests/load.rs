//! What a client meets under load: requests in flight and their arrival times (with a
//! reset), a listener handed over after a spell of refused connections, latency per
//! provider, and the limits GitHub and GA4 enforce. Nothing waits on time to
//! synchronise: held requests are awaited through the sim's own in-flight counter,
//! and the sim clock is frozen and moved by the test.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn fault(h: &Harness, spec: Value) {
    h.control("/_sim/faults", spec).await;
}

/// A GET in the background, with its status.
fn spawn_get(h: &Harness, path: &str, auth: &str) -> tokio::task::JoinHandle<u16> {
    let (http, url, auth) = (h.http.clone(), h.url(path), auth.to_string());
    tokio::spawn(async move {
        let resp = http.get(url).header("authorization", auth).send().await;
        resp.map_or(0, |r| r.status().as_u16())
    })
}

#[tokio::test]
async fn in_flight_arrivals_and_reset() {
    let h = start(config()).await;
    let frozen = h.clock(json!({"freeze": true})).await;
    assert_eq!(frozen["frozen"], true);
    let t0 = frozen["now_ms"].as_i64().unwrap();
    // Three requests held by a delay fault are in flight together.
    fault(
        &h,
        json!({"route": "/v1/customers", "kind": "delay", "delay_ms": 1_500, "count": 3}),
    )
    .await;
    let bearer = format!("Bearer {KEY}");
    let held: Vec<_> = (0..3).map(|_| spawn_get(&h, "/v1/customers", &bearer)).collect();
    let seen = h.wait_for("3 in flight", |r| r["in_flight"] == 3).await;
    assert_eq!(seen["in_flight_max"], 3);
    assert_eq!(seen["in_flight_max_by_route"]["/v1/customers"], 3);
    // Meanwhile another route is served at once, and counts on its own.
    assert_eq!(h.stripe_raw("/v1/charges?limit=1").await.status(), StatusCode::OK);
    for task in held {
        assert_eq!(task.await.unwrap(), 200);
    }
    let after = h.requests().await;
    assert_eq!(after["in_flight"], 0);
    assert_eq!(after["in_flight_max"], 4);
    assert_eq!(after["in_flight_max_by_route"]["/v1/charges"], 1);

    // Arrival times are sim-clock milliseconds: frozen, then one second later.
    h.clock(json!({"advance": 1})).await;
    assert_eq!(h.stripe_raw("/v1/customers").await.status(), StatusCode::OK);
    let arrivals = h.requests().await["arrivals"]["/v1/customers"].clone();
    assert_eq!(arrivals, json!([t0, t0, t0, t0 + 1_000]));

    // A held `timeout` counts as in flight until the connection is dropped.
    fault(
        &h,
        json!({"route": "/v1/invoices", "kind": "timeout", "delay_ms": 1_000, "count": 1}),
    )
    .await;
    let dropped = spawn_get(&h, "/v1/invoices", &bearer);
    h.wait_for("the timeout held", |r| r["in_flight"] == 1).await;
    assert_eq!(dropped.await.unwrap(), 0, "no answer");
    assert_eq!(h.requests().await["in_flight"], 0);

    let reset = h.http.post(h.url("/_sim/stats/reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    let cleared = h.requests().await;
    for key in [
        "total",
        "not_modified",
        "rate_limited",
        "in_flight",
        "in_flight_max",
    ] {
        assert_eq!(cleared[key], 0, "{key}");
    }
    for key in [
        "by_route",
        "rate_limited_by_route",
        "in_flight_max_by_route",
        "arrivals",
    ] {
        assert_eq!(cleared[key], json!({}), "{key}");
    }
    h.sim.shutdown().await;
}

/// A port reserved while "offline" (bound, not listening: connections are refused)
/// is handed to the sim when "the network is back", and was never free in between.
#[tokio::test]
async fn a_listener_handed_over_after_refusing_connections() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let url = format!("http://{addr}/v1/charges?limit=1");
    let http = reqwest::Client::new();
    let offline = http.get(&url).bearer_auth(KEY).send().await.expect_err("refused");
    assert!(offline.is_connect(), "{offline}");

    let listener = socket.listen(1024).unwrap();
    let sim = provider_sim::start_with_listener(config(), listener)
        .await
        .unwrap();
    assert_eq!(sim.base_url(), format!("http://{addr}"));
    let resp = http.get(&url).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap()["object"], "list");
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_per_provider_from_config_and_control() {
    let mut c = config();
    c.latency = Some(provider_sim::LatencyConfig {
        google: Some(provider_sim::ProviderLatency::GOOGLE),
        ..Default::default()
    });
    let h = start(c).await;
    let view = |h: &Harness| {
        let (http, url) = (h.http.clone(), h.url("/_sim/latency"));
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(
        view(&h).await,
        json!({"stripe": null, "github": null, "meta": null,
               "google": {"base_ms": 200, "per_object_us": 5, "jitter_pct": 20}})
    );
    let set = h
        .control(
            "/_sim/latency",
            json!({"provider": "stripe", "base_ms": 100, "per_object_us": 2_000, "jitter_pct": 0}),
        )
        .await;
    assert_eq!(
        set["stripe"],
        json!({"base_ms": 100, "per_object_us": 2_000, "jitter_pct": 0})
    );
    // Lower bounds only: 100 ms + 50 objects × 2 ms; one object: 102 ms.
    let started = Instant::now();
    let page = h.stripe("/v1/charges?limit=50").await;
    assert_eq!(page["data"].as_array().unwrap().len(), 50);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    h.stripe(&format!("/v1/charges/{}", id("ch_", 1))).await;
    assert!(started.elapsed() >= Duration::from_millis(102));
    // The wait is part of the time in flight.
    h.control("/_sim/latency", json!({"provider": "stripe", "base_ms": 1_000}))
        .await;
    let started = Instant::now();
    let bearer = format!("Bearer {KEY}");
    let slow: Vec<_> = (0..2).map(|_| spawn_get(&h, "/v1/balance", &bearer)).collect();
    h.wait_for("2 waiting", |r| r["in_flight_max_by_route"]["/v1/balance"] == 2)
        .await;
    for s in slow {
        assert_eq!(s.await.unwrap(), 200);
    }
    assert!(started.elapsed() >= Duration::from_millis(1_000));

    // Only the fields given change; the others keep their value.
    let set = h
        .control("/_sim/latency", json!({"provider": "stripe", "base_ms": 5}))
        .await;
    assert_eq!(
        set["stripe"],
        json!({"base_ms": 5, "per_object_us": 2_000, "jitter_pct": 0})
    );
    let off = h
        .control("/_sim/latency", json!({"off": true, "provider": "google"}))
        .await;
    assert_eq!(off["google"], Value::Null);
    assert!(off["stripe"].is_object());
    let all = h.control("/_sim/latency", json!({"realistic": true})).await;
    assert_eq!(
        all["stripe"],
        json!({"base_ms": 120, "per_object_us": 1_500, "jitter_pct": 20})
    );
    assert_eq!(
        all["github"],
        json!({"base_ms": 150, "per_object_us": 1_000, "jitter_pct": 20})
    );
    assert_eq!(
        all["meta"],
        json!({"base_ms": 250, "per_object_us": 20, "jitter_pct": 20})
    );
    let none = h.control("/_sim/latency", json!({"off": true})).await;
    assert_eq!(
        none,
        json!({"stripe": null, "github": null, "google": null, "meta": null})
    );
    for bad in [
        json!({"provider": "linkedin"}),
        json!({}),
        json!({"off": true, "realistic": true}),
    ] {
        assert_eq!(
            h.control_status("/_sim/latency", bad.clone()).await,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    h.sim.shutdown().await;
}

#[tokio::test]
async fn github_secondary_limits_per_token() {
    let mut c = config();
    c.github.secondary_points_per_minute = 5;
    c.github.secondary_concurrency = 2;
    let h = start(c).await;
    h.clock(json!({"freeze": true})).await;
    let issues = "/repos/acme/website/issues";
    for _ in 0..5 {
        assert_eq!(h.github_raw(issues).await.status(), StatusCode::OK);
    }
    let resp = h.github_raw(issues).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // All 5 points were spent at the same frozen instant: free again in 60 s.
    assert_eq!(header(&resp, "retry-after"), "60");
    assert_eq!(
        header(&resp, "x-ratelimit-remaining"),
        "4995",
        "primary quota untouched"
    );
    let body: Value = resp.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("You have exceeded a secondary rate limit"));
    // Checking the quota is free; other endpoints and other tokens have their own budget.
    assert_eq!(h.github_raw("/rate_limit").await.status(), StatusCode::OK);
    assert_eq!(
        h.github_raw("/repos/acme/website/pulls").await.status(),
        StatusCode::OK
    );
    let other = spawn_get(&h, issues, "Bearer ghp_another").await.unwrap();
    assert_eq!(other, 200);
    h.clock(json!({"advance": 60})).await;
    assert_eq!(h.github_raw(issues).await.status(), StatusCode::OK);
    let requests = h.requests().await;
    assert_eq!(requests["rate_limited"], 1);
    assert_eq!(requests["rate_limited_by_route"][issues], 1);

    // Two requests of one token in flight (held by latency) leave no room for a third.
    h.control(
        "/_sim/latency",
        json!({"provider": "github", "base_ms": 1_500, "per_object_us": 0, "jitter_pct": 0}),
    )
    .await;
    let held: Vec<_> = (0..2)
        .map(|_| spawn_get(&h, "/repos/acme/website", "token ghp_busy"))
        .collect();
    h.wait_for("2 in flight", |r| r["in_flight"] == 2).await;
    let third = spawn_get(&h, "/repos/acme/website", "token ghp_busy");
    assert_eq!(third.await.unwrap(), 403);
    for task in held {
        assert_eq!(task.await.unwrap(), 200);
    }
    h.control("/_sim/latency", json!({"off": true})).await;
    assert_eq!(
        spawn_get(&h, "/repos/acme/website", "token ghp_busy")
            .await
            .unwrap(),
        200,
        "the slots are free again"
    );
    assert_eq!(h.requests().await["rate_limited"], 2);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn ga4_concurrent_requests_per_property() {
    let mut c = config();
    c.google.properties[0].concurrent_requests = 1;
    let h = start(c).await;
    let busy = "/v1beta/properties/412345678:runReport";
    let post = |path: &str| {
        let (http, url) = (h.http.clone(), h.url(path));
        tokio::spawn(async move {
            let resp = http
                .post(url)
                .bearer_auth("ya29.any")
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        })
    };
    fault(
        &h,
        json!({"route": busy, "kind": "delay", "delay_ms": 1_500, "count": 1}),
    )
    .await;
    let held = post(busy);
    h.wait_for("the report in flight", |r| r["in_flight"] == 1).await;
    let (status, body) = post(busy).await.unwrap();
    assert_eq!(status, 429);
    assert_eq!(body["error"]["status"], "RESOURCE_EXHAUSTED");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("concurrent requests"));
    // Another property is not limited (it answers 401 here: the token is not the sim's).
    assert_eq!(
        post("/v1beta/properties/498765432:runReport").await.unwrap().0,
        401
    );
    assert_eq!(held.await.unwrap().0, 401, "the held one ran");
    let log: Vec<Value> = h
        .http
        .get(h.url("/_sim/google/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(log.iter().any(|e| e["status"] == 429 && e["path"] == busy));
    assert_eq!(h.requests().await["rate_limited"], 1);
    h.sim.shutdown().await;
}
