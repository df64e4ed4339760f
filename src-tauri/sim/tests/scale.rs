//! Size costs no memory: a 5,000,000-charge sim materialises nothing, so the first, a
//! middle and the last page are exact (objects are generated from their index), and
//! the process stays small after creating and serving it. No timing assertions.

mod common;

use common::*;
use serde_json::{json, Value};

/// This process's resident set, from /proc/self/status (Linux), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

fn range(newest: u64, oldest: u64) -> Vec<String> {
    (oldest..=newest).rev().map(|i| id("ch_", i)).collect()
}

const CHARGES: u64 = 5_000_000;

#[tokio::test]
async fn five_million_charges_are_served_by_index() {
    let before = rss_kib();
    let mut c = config();
    c.stripe.charges = CHARGES;
    c.stripe.customers = 1_000_000;
    c.stripe.balance_transactions = CHARGES;
    c.stripe.history_days = 365;
    let h = start(c).await;

    let first = h.stripe("/v1/charges?limit=100").await;
    assert_eq!(ids(&first), range(CHARGES - 1, CHARGES - 100));
    assert_eq!(first["has_more"], true);
    let newest = &first["data"][0];
    assert!(newest["created"].as_i64().unwrap() < NOW);
    assert_eq!(
        &h.stripe(&format!("/v1/charges/{}", id("ch_", CHARGES - 1))).await,
        newest
    );

    let middle = h
        .stripe(&format!(
            "/v1/charges?limit=100&starting_after={}",
            id("ch_", 2_500_000)
        ))
        .await;
    assert_eq!(ids(&middle), range(2_499_999, 2_499_900));
    assert_eq!(middle["has_more"], true);

    let last = h
        .stripe(&format!(
            "/v1/charges?limit=100&starting_after={}",
            id("ch_", 100)
        ))
        .await;
    assert_eq!(ids(&last), range(99, 0));
    assert_eq!(last["has_more"], false);
    let oldest = h
        .stripe(&format!("/v1/charges?limit=5&ending_before={}", id("ch_", 3)))
        .await;
    assert_eq!(ids(&oldest), range(8, 4));

    // A created window from the middle holds exactly the charges in it.
    let mid = middle["data"][50]["created"].as_i64().unwrap();
    let window = h
        .stripe(&format!(
            "/v1/charges?limit=100&created[lte]={mid}&created[gte]={}",
            mid - 60
        ))
        .await;
    let window: &Vec<Value> = window["data"].as_array().unwrap();
    assert!(!window.is_empty());
    assert!(window
        .iter()
        .all(|c| (mid - 60..=mid).contains(&c["created"].as_i64().unwrap())));
    // Contiguous indexes, and the neighbours on either side fall outside the window.
    // Ids are the index in 14 base-36 digits.
    let index =
        |c: &Value| u64::from_str_radix(c["id"].as_str().unwrap().strip_prefix("ch_").unwrap(), 36).unwrap();
    let (hi, lo) = (index(&window[0]), index(&window[window.len() - 1]));
    assert_eq!(ids(&json!({"data": window})), range(hi, lo));
    let created = |i: u64| {
        let h = &h;
        async move {
            h.stripe(&format!("/v1/charges/{}", id("ch_", i))).await["created"]
                .as_i64()
                .unwrap()
        }
    };
    assert!(created(hi + 1).await > mid);
    assert!(created(lo - 1).await < mid - 60);

    // Cross references resolve: 90 % of charges have a customer, created before them.
    let charge = middle["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer"].is_string())
        .expect("a charge with a customer among 100");
    let cus = charge["customer"].as_str().unwrap();
    let customer = h.stripe(&format!("/v1/customers/{cus}")).await;
    assert_eq!(customer["id"], cus);
    assert!(customer["created"].as_i64() <= charge["created"].as_i64());

    // Materialising 5M charges would take well over 500 MB (a charge is >100 bytes);
    // generated on demand, the sim adds a few MB.
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 128 * 1024, "RSS grew by {grown} KiB");
    h.sim.shutdown().await;
}
