//! Stripe list semantics: ordering, cursors, limits, created filters,
//! subscription status filters, single-object GETs.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn walk_sees_every_charge_once_newest_first() {
    let h = start(config()).await;
    let all = h.walk_stripe("/v1/charges", "").await;
    assert_eq!(all.len(), 500);
    // Newest first, ties by id desc.
    for pair in all.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let key = |o: &Value| {
            (
                o["created"].as_i64().unwrap(),
                o["id"].as_str().unwrap().to_string(),
            )
        };
        assert!(key(a) > key(b), "{} before {}", a["id"], b["id"]);
    }
    let mut seen: Vec<String> = all
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 500);
    assert_eq!(json!(seen), h.truth_ids("stripe.charges").await);
    // Shape spot check.
    let c = &all[0];
    for field in [
        "amount",
        "amount_captured",
        "amount_refunded",
        "currency",
        "created",
        "status",
        "paid",
        "refunded",
    ] {
        assert!(c.get(field).is_some(), "charge lacks {field}");
    }
    assert_eq!(c["object"], "charge");
    assert_eq!(c["livemode"], false);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn limit_bounds_and_default() {
    let h = start(config()).await;
    assert_eq!(ids(&h.stripe("/v1/charges").await).len(), 10);
    assert_eq!(ids(&h.stripe("/v1/charges?limit=1").await).len(), 1);
    assert_eq!(ids(&h.stripe("/v1/charges?limit=100").await).len(), 100);
    for bad in ["0", "101", "-1", "ten"] {
        let resp = h.stripe_raw(&format!("/v1/charges?limit={bad}")).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "limit={bad}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["type"], "invalid_request_error");
        assert_eq!(body["error"]["param"], "limit");
    }
    h.sim.shutdown().await;
}

#[tokio::test]
async fn cursors_both_ways_and_unknown_ids() {
    let h = start(config()).await;
    let first = ids(&h.stripe("/v1/charges?limit=30").await);
    let after = h
        .stripe(&format!("/v1/charges?limit=10&starting_after={}", first[9]))
        .await;
    assert_eq!(ids(&after), first[10..20].to_vec());
    assert_eq!(after["has_more"], true);
    // ending_before returns the page just newer than the cursor, newest first.
    let before = h
        .stripe(&format!("/v1/charges?limit=10&ending_before={}", first[20]))
        .await;
    assert_eq!(ids(&before), first[10..20].to_vec());
    assert_eq!(before["has_more"], true);
    let top = h
        .stripe(&format!("/v1/charges?limit=10&ending_before={}", first[5]))
        .await;
    assert_eq!(ids(&top), first[0..5].to_vec());
    assert_eq!(top["has_more"], false);

    for (param, bad) in [
        ("starting_after", "ch_zzzzzzzzzzzzzz"),
        ("ending_before", "cus_00000000000001"),
    ] {
        let resp = h.stripe_raw(&format!("/v1/charges?{param}={bad}")).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "resource_missing");
        assert_eq!(body["error"]["param"], param);
    }
    h.sim.shutdown().await;
}

#[tokio::test]
async fn created_filters() {
    let h = start(config()).await;
    let all = h.walk_stripe("/v1/charges", "").await;
    let created: Vec<i64> = all.iter().map(|o| o["created"].as_i64().unwrap()).collect();
    let mid = created[250];
    let count = |f: &dyn Fn(i64) -> bool| created.iter().filter(|c| f(**c)).count();
    let cases: Vec<(String, usize)> = vec![
        (format!("&created[gte]={mid}"), count(&|c| c >= mid)),
        (format!("&created[gt]={mid}"), count(&|c| c > mid)),
        (format!("&created[lte]={mid}"), count(&|c| c <= mid)),
        (format!("&created[lt]={mid}"), count(&|c| c < mid)),
        (format!("&created={mid}"), count(&|c| c == mid)),
        (
            format!("&created[gt]={}&created[lt]={}", created[400], created[100]),
            count(&|c| c > created[400] && c < created[100]),
        ),
    ];
    for (filter, expected) in cases {
        let got = h.walk_stripe("/v1/charges", &filter).await;
        assert_eq!(got.len(), expected, "{filter}");
    }
    let resp = h.stripe_raw("/v1/charges?created[gt]=soon").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn new_objects_go_to_the_front_without_disturbing_a_walk() {
    let h = start(config()).await;
    let first = h.stripe("/v1/charges?limit=100").await;
    let mut walked = ids(&first);
    let created = h
        .control("/_sim/stripe/charges", json!({"amount": 999, "currency": "gbp"}))
        .await;
    let mut cursor = walked.last().unwrap().clone();
    loop {
        let page = h
            .stripe(&format!("/v1/charges?limit=100&starting_after={cursor}"))
            .await;
        walked.extend(ids(&page));
        cursor = walked.last().unwrap().clone();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(
        walked.len(),
        500,
        "the walk under way neither loses nor repeats objects"
    );
    assert!(!walked.contains(&created["id"].as_str().unwrap().to_string()));
    // A new walk (or ending_before from the old front) finds it first.
    let front = h.stripe("/v1/charges?limit=1").await;
    assert_eq!(front["data"][0]["id"], created["id"]);
    let newer = h
        .stripe(&format!("/v1/charges?ending_before={}", walked[0]))
        .await;
    assert_eq!(ids(&newer), vec![created["id"].as_str().unwrap().to_string()]);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn subscriptions_hide_canceled_unless_asked() {
    let h = start(config()).await;
    let all = h.walk_stripe("/v1/subscriptions", "&status=all").await;
    assert_eq!(all.len(), 40);
    let canceled = all.iter().filter(|s| s["status"] == "canceled").count();
    assert!(canceled > 0, "seed 42 has canceled subscriptions");
    let default = h.walk_stripe("/v1/subscriptions", "").await;
    assert_eq!(default.len(), 40 - canceled);
    assert!(default.iter().all(|s| s["status"] != "canceled"));
    let only = h.walk_stripe("/v1/subscriptions", "&status=canceled").await;
    assert_eq!(only.len(), canceled);
    // Plans include monthly, quarterly and yearly prices.
    let recurring: Vec<(String, i64)> = all
        .iter()
        .map(|s| {
            let r = &s["items"]["data"][0]["price"]["recurring"];
            (
                r["interval"].as_str().unwrap().to_string(),
                r["interval_count"].as_i64().unwrap(),
            )
        })
        .collect();
    for plan in [("month", 1), ("month", 3), ("year", 1)] {
        assert!(
            recurring.iter().any(|(i, c)| i == plan.0 && *c == plan.1),
            "no {plan:?} plan"
        );
    }
    assert_eq!(
        h.stripe_raw("/v1/subscriptions?status=bogus").await.status(),
        StatusCode::BAD_REQUEST
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn single_objects_balance_and_account() {
    let h = start(config()).await;
    for (path, prefix) in [
        ("charges", "ch_"),
        ("customers", "cus_"),
        ("invoices", "in_"),
        ("subscriptions", "sub_"),
    ] {
        let listed = h.stripe(&format!("/v1/{path}?limit=1")).await;
        let obj = &listed["data"][0];
        let got = h
            .stripe(&format!("/v1/{path}/{}", obj["id"].as_str().unwrap()))
            .await;
        assert_eq!(&got, obj);
        let resp = h
            .stripe_raw(&format!("/v1/{path}/{}", id(prefix, 99_999_999)))
            .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "resource_missing");
    }
    let balance = h.stripe("/v1/balance").await;
    assert_eq!(balance["object"], "balance");
    assert!(balance["available"][0]["amount"].is_i64());
    let account = h.stripe("/v1/account").await;
    assert_eq!(account["settings"]["dashboard"]["display_name"], "Sim Shop");
    assert_eq!(account["default_currency"], "usd");
    let unknown = h.stripe_raw("/v1/nope").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Writes are not part of the sim's /v1: still a Stripe-shaped error.
    let post = h
        .http
        .post(h.url("/v1/charges"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
    assert!(post.json::<Value>().await.unwrap()["error"]["message"].is_string());
    h.sim.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_data() {
    let a = start(config()).await;
    let b = start(config()).await;
    assert_eq!(
        a.stripe("/v1/charges?limit=100").await,
        b.stripe("/v1/charges?limit=100").await
    );
    let mut other = config();
    other.seed = 7;
    let c = start(other).await;
    assert_ne!(
        a.stripe("/v1/charges?limit=100").await,
        c.stripe("/v1/charges?limit=100").await
    );
}
