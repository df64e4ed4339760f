//! Size does not cost start-up time or memory: a 1,000,000-charge sim starts
//! at once and serves any page by cursor or created range (no timing asserts).

mod common;

use common::*;
use serde_json::Value;

#[tokio::test]
async fn million_charges_serve_pages_from_the_middle() {
    let mut c = config();
    c.stripe.charges = 1_000_000;
    c.stripe.customers = 200_000;
    c.stripe.balance_transactions = 1_000_000;
    c.stripe.history_days = 365;
    let h = start(c).await;

    let cursor = id("ch_", 500_000);
    let page = h
        .stripe(&format!("/v1/charges?limit=100&starting_after={cursor}"))
        .await;
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 100);
    assert_eq!(data[0]["id"], id("ch_", 499_999));
    assert_eq!(data[99]["id"], id("ch_", 499_900));
    assert_eq!(page["has_more"], true);

    let mid = data[50]["created"].as_i64().unwrap();
    let window = h
        .stripe(&format!(
            "/v1/charges?limit=100&created[lte]={mid}&created[gte]={}",
            mid - 3600
        ))
        .await;
    let window: &Vec<Value> = window["data"].as_array().unwrap();
    assert!(!window.is_empty());
    assert!(window
        .iter()
        .all(|c| (mid - 3600..=mid).contains(&c["created"].as_i64().unwrap())));

    let customer = data[0]["customer"].as_str();
    if let Some(cus) = customer {
        assert_eq!(h.stripe(&format!("/v1/customers/{cus}")).await["id"], cus);
    }
    let oldest = h
        .stripe(&format!("/v1/charges?limit=5&ending_before={}", id("ch_", 3)))
        .await;
    assert_eq!(oldest["data"].as_array().unwrap().len(), 5);
    h.sim.shutdown().await;
}
