//! Stripe events (emission on every mutation, 30-day retention, type
//! filters), API keys and the per-key rate limit.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn types(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn base_data_has_no_events_and_mutations_emit_them() {
    let h = start(config()).await;
    assert_eq!(h.stripe("/v1/events").await["data"], json!([]));

    let customer = h
        .control(
            "/_sim/stripe/customers",
            json!({"name": "Ada", "email": "ada@example.com"}),
        )
        .await;
    let cus = customer["id"].as_str().unwrap();
    // Stamped with the sim clock (which keeps ticking from NOW).
    let created = customer["created"].as_i64().unwrap();
    assert!(created >= NOW && created <= h.truth().await["now"].as_i64().unwrap());
    h.control(
        &format!("/_sim/stripe/customers/{cus}"),
        json!({"name": "Ada L."}),
    )
    .await;
    let charge = h
        .control(
            "/_sim/stripe/charges",
            json!({"amount": 5000, "currency": "eur", "customer": cus}),
        )
        .await;
    let ch = charge["id"].as_str().unwrap();
    h.control(
        "/_sim/stripe/charges",
        json!({"amount": 700, "currency": "usd", "status": "failed"}),
    )
    .await;
    let refunded = h
        .control(
            &format!("/_sim/stripe/charges/{ch}/refund"),
            json!({"amount": 1000}),
        )
        .await;
    assert_eq!(refunded["amount_refunded"], 1000);
    assert_eq!(refunded["refunded"], false);
    let full = h
        .control(&format!("/_sim/stripe/charges/{ch}/refund"), json!({}))
        .await;
    assert_eq!(full["refunded"], true);
    // Nothing left to refund.
    assert_eq!(
        h.control_status(&format!("/_sim/stripe/charges/{ch}/refund"), json!({}))
            .await,
        StatusCode::BAD_REQUEST
    );
    let sub = h
        .control(
            "/_sim/stripe/subscriptions",
            json!({
                "customer": cus, "unit_amount": 1500, "currency": "usd",
                "interval": "month", "interval_count": 3,
            }),
        )
        .await;
    let sub_id = sub["id"].as_str().unwrap();
    h.control(
        &format!("/_sim/stripe/subscriptions/{sub_id}"),
        json!({"quantity": 2}),
    )
    .await;
    let invoices = h.stripe(&format!("/v1/invoices?subscription={sub_id}")).await;
    let inv = invoices["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(invoices["data"][0]["status"], "open");
    let paid = h
        .control(&format!("/_sim/stripe/invoices/{inv}/pay"), json!({}))
        .await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["amount_remaining"], 0);
    let canceled = h
        .control(&format!("/_sim/stripe/subscriptions/{sub_id}/cancel"), json!({}))
        .await;
    assert_eq!(canceled["status"], "canceled");
    assert!(canceled["canceled_at"].is_i64());

    let events = h.stripe("/v1/events?limit=100").await;
    assert_eq!(
        types(&events),
        [
            "customer.subscription.deleted",
            "invoice.paid",
            "customer.subscription.updated",
            "invoice.created",
            "customer.subscription.created",
            "charge.refunded",
            "charge.refunded",
            "charge.failed",
            "charge.succeeded",
            "customer.updated",
            "customer.created",
        ]
    );
    // data.object is the object after the change.
    let e = &events["data"][9];
    assert_eq!(e["object"], "event");
    assert_eq!(e["data"]["object"]["name"], "Ada L.");
    assert!(e["api_version"].is_string());
    assert_eq!(events["data"][5]["data"]["object"]["amount_refunded"], 5000);

    let charges_only = h.stripe("/v1/events?type=charge.*").await;
    assert_eq!(
        types(&charges_only),
        [
            "charge.refunded",
            "charge.refunded",
            "charge.failed",
            "charge.succeeded"
        ]
    );
    let picked = h
        .stripe("/v1/events?types[]=invoice.paid&types[]=customer.created")
        .await;
    assert_eq!(types(&picked), ["invoice.paid", "customer.created"]);
    // Same cursor pagination as other lists.
    let page1 = h.stripe("/v1/events?limit=4").await;
    assert_eq!(page1["has_more"], true);
    let last = page1["data"][3]["id"].as_str().unwrap();
    let page2 = h
        .stripe(&format!("/v1/events?limit=100&starting_after={last}"))
        .await;
    assert_eq!(types(&page2).len(), 7);
    assert_eq!(h.truth().await["stripe"]["events"]["count"], 11);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn events_expire_after_30_days_of_sim_time() {
    let h = start(config()).await;
    h.control(
        "/_sim/stripe/customers",
        json!({"name": "Old", "email": "old@example.com"}),
    )
    .await;
    h.control("/_sim/clock", json!({"advance": 20 * 86_400})).await;
    h.control(
        "/_sim/stripe/customers",
        json!({"name": "New", "email": "new@example.com"}),
    )
    .await;
    assert_eq!(
        types(&h.stripe("/v1/events").await),
        ["customer.created", "customer.created"]
    );
    let now = h.control("/_sim/clock", json!({"advance": 11 * 86_400})).await["now"]
        .as_i64()
        .unwrap();
    let clock: Value = h
        .http
        .get(h.url("/_sim/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(clock["now"].as_i64().unwrap() >= now);
    let left = h.stripe("/v1/events").await;
    assert_eq!(left["data"].as_array().unwrap().len(), 1);
    assert_eq!(left["data"][0]["data"]["object"]["name"], "New");
    assert_eq!(h.truth().await["stripe"]["events"]["count"], 1);
    assert_eq!(h.truth_ids("stripe.events").await.as_array().unwrap().len(), 1);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn api_keys() {
    let h = start(config()).await;
    let get = |auth: Option<String>| {
        let mut req = h.http.get(h.url("/v1/charges?limit=1"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.send()
    };
    for good in ["sk_test_1", "sk_live_1", "rk_test_1", "rk_live_1"] {
        assert_eq!(
            get(Some(format!("Bearer {good}"))).await.unwrap().status(),
            StatusCode::OK,
            "{good}"
        );
    }
    for bad in [
        None,
        Some("Bearer pk_test_1".to_string()),
        Some("Bearer nope".to_string()),
    ] {
        let resp = get(bad.clone()).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
        let body: Value = resp.json().await.unwrap();
        assert!(body["error"]["message"].is_string());
        assert!(body["error"]["type"].is_string());
    }
    h.control("/_sim/stripe/keys/revoke", json!({"key": "sk_test_1"}))
        .await;
    let resp = get(Some("Bearer sk_test_1".to_string())).await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(Some("Bearer sk_test_2".to_string())).await.unwrap().status(),
        StatusCode::OK
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_per_key_on_the_sim_clock() {
    let mut c = config();
    c.stripe.rate_limit_per_sec = 3;
    let h = start(c).await;
    // Frozen, the clock refills nothing until the test moves it: exactly 3 fit.
    h.clock(json!({"freeze": true})).await;
    let burst = |key: &'static str, n: usize| {
        let h = &h;
        async move {
            let mut statuses = Vec::new();
            for _ in 0..n {
                let resp = h
                    .http
                    .get(h.url("/v1/customers?limit=1"))
                    .bearer_auth(key)
                    .send()
                    .await
                    .unwrap();
                statuses.push(resp.status().as_u16());
            }
            statuses
        }
    };
    assert_eq!(burst(KEY, 4).await, [200, 200, 200, 429]);
    let resp = h.stripe_raw("/v1/customers?limit=1").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&resp, "retry-after"), "1");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert_eq!(body["error"]["code"], "rate_limit");
    // Buckets are per key, and live keys get 4 × the test-mode rate (Stripe: 25 and 100).
    assert_eq!(burst("sk_test_other", 4).await, [200, 200, 200, 429]);
    let live = burst("rk_live_other", 13).await;
    assert_eq!(live.iter().filter(|s| **s == 200).count(), 12);
    assert_eq!(live[12], 429);
    // One sim second refills a second's worth.
    h.clock(json!({"advance": 1})).await;
    assert_eq!(burst(KEY, 4).await, [200, 200, 200, 429]);
    // Every refusal is counted, on its route.
    let requests = h.requests().await;
    assert_eq!(requests["rate_limited"], 5);
    assert_eq!(requests["rate_limited_by_route"]["/v1/customers"], 5);
    h.sim.shutdown().await;
}
