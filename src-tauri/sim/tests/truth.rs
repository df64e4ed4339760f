//! `/_sim/truth` agrees with what a full walk of the API sees, including
//! after mutations (overlay and added objects).

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::{json, Value};

fn sums(objs: &[Value], pick: impl Fn(&Value) -> Option<i64>) -> Value {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for o in objs {
        if let Some(v) = pick(o) {
            *out.entry(o["currency"].as_str().unwrap().to_string())
                .or_default() += v;
        }
    }
    json!(out)
}

fn sorted_ids(objs: &[Value]) -> Value {
    let mut ids: Vec<&str> = objs.iter().map(|o| o["id"].as_str().unwrap()).collect();
    ids.sort();
    json!(ids)
}

#[tokio::test]
async fn stripe_truth_matches_a_full_walk() {
    let h = start(config()).await;
    // Mix base, changed and added objects.
    let c = h
        .control("/_sim/stripe/charges", json!({"amount": 4200, "currency": "usd"}))
        .await;
    h.control(
        &format!("/_sim/stripe/charges/{}/refund", c["id"].as_str().unwrap()),
        json!({"amount": 200}),
    )
    .await;
    let base_charge = h.stripe("/v1/charges?limit=100").await["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "succeeded" && c["amount_refunded"] == 0)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    h.control(&format!("/_sim/stripe/charges/{base_charge}/refund"), json!({}))
        .await;
    let open_sub = h.walk_stripe("/v1/subscriptions", "").await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    h.control(
        &format!("/_sim/stripe/subscriptions/{open_sub}/cancel"),
        json!({}),
    )
    .await;

    let t = h.truth().await["stripe"].clone();
    let charges = h.walk_stripe("/v1/charges", "").await;
    assert_eq!(t["charges"]["count"], charges.len());
    assert_eq!(
        t["charges"]["succeeded"],
        charges.iter().filter(|c| c["status"] == "succeeded").count()
    );
    assert_eq!(
        t["charges"]["failed"],
        charges.iter().filter(|c| c["status"] == "failed").count()
    );
    assert_eq!(
        t["charges"]["amount_by_currency"],
        sums(&charges, |c| (c["status"] == "succeeded")
            .then(|| c["amount"].as_i64().unwrap()))
    );
    assert_eq!(
        t["charges"]["refunded_by_currency"],
        sums(&charges, |c| Some(c["amount_refunded"].as_i64().unwrap())
            .filter(|v| *v > 0))
    );
    assert_eq!(h.truth_ids("stripe.charges").await, sorted_ids(&charges));

    let invoices = h.walk_stripe("/v1/invoices", "").await;
    assert_eq!(t["invoices"]["count"], invoices.len());
    assert_eq!(
        t["invoices"]["paid"],
        invoices.iter().filter(|i| i["paid"] == true).count()
    );
    assert_eq!(
        t["invoices"]["amount_paid_by_currency"],
        sums(&invoices, |i| Some(i["amount_paid"].as_i64().unwrap())
            .filter(|v| *v > 0))
    );

    let subs = h.walk_stripe("/v1/subscriptions", "&status=all").await;
    assert_eq!(t["subscriptions"]["count"], subs.len());
    for status in ["active", "canceled"] {
        assert_eq!(
            t["subscriptions"][status],
            subs.iter().filter(|s| s["status"] == status).count()
        );
    }

    let txns = h.walk_stripe("/v1/balance_transactions", "").await;
    assert_eq!(t["balance_transactions"]["count"], txns.len());
    assert_eq!(
        t["balance_transactions"]["net_by_currency"],
        sums(&txns, |x| x["net"].as_i64())
    );

    let customers = h.walk_stripe("/v1/customers", "").await;
    assert_eq!(t["customers"]["count"], customers.len());
    assert_eq!(h.truth_ids("stripe.customers").await, sorted_ids(&customers));

    let events = h.walk_stripe("/v1/events", "").await;
    assert_eq!(t["events"]["count"], events.len());
    assert_eq!(
        events.len(),
        4,
        "charge.succeeded, 2 × charge.refunded, subscription deleted"
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn github_truth_matches_a_full_walk() {
    let mut c = config();
    c.github.repos = vec!["acme/website".into(), "acme/api".into()];
    let h = start(c).await;
    h.control("/_sim/github/acme/api/issues/2", json!({"state": "closed"}))
        .await;
    h.control(
        "/_sim/github/acme/api/issues",
        json!({"title": "PR", "pull_request": true}),
    )
    .await;
    let requests_before = h.truth().await["requests"]["total"].as_u64().unwrap();

    let truth = h.truth().await["github"].clone();
    for repo in ["acme/website", "acme/api"] {
        let t = &truth[repo];
        let items = h
            .walk_github(&format!("/repos/{repo}/issues?state=all&per_page=100"))
            .await;
        let (prs, issues): (Vec<&Value>, Vec<&Value>) =
            items.iter().partition(|i| i.get("pull_request").is_some());
        assert_eq!(t["issues"]["count"], issues.len());
        assert_eq!(
            t["issues"]["open"],
            issues.iter().filter(|i| i["state"] == "open").count()
        );
        assert_eq!(
            t["issues"]["closed"],
            issues.iter().filter(|i| i["state"] == "closed").count()
        );
        assert_eq!(t["pulls"]["count"], prs.len());
        assert_eq!(
            t["pulls"]["open"],
            prs.iter().filter(|i| i["state"] == "open").count()
        );
        assert_eq!(
            t["pulls"]["merged"],
            prs.iter()
                .filter(|i| !i["pull_request"]["merged_at"].is_null())
                .count()
        );
        // Issues and pulls are identified by number.
        let mut issue_ids: Vec<u64> = issues.iter().map(|i| i["number"].as_u64().unwrap()).collect();
        issue_ids.sort();
        assert_eq!(
            h.truth_ids(&format!("github.{repo}.issues")).await,
            json!(issue_ids)
        );

        let pulls = h
            .walk_github(&format!("/repos/{repo}/pulls?state=all&per_page=100"))
            .await;
        let mut pull_ids: Vec<u64> = pulls.iter().map(|p| p["number"].as_u64().unwrap()).collect();
        pull_ids.sort();
        assert_eq!(
            h.truth_ids(&format!("github.{repo}.pulls")).await,
            json!(pull_ids)
        );

        let commits = h
            .walk_github(&format!("/repos/{repo}/commits?per_page=100"))
            .await;
        assert_eq!(t["commits"]["count"], commits.len());
        let mut shas: Vec<&str> = commits.iter().map(|c| c["sha"].as_str().unwrap()).collect();
        shas.sort();
        assert_eq!(h.truth_ids(&format!("github.{repo}.commits")).await, json!(shas));

        let stars = h
            .walk_github(&format!("/repos/{repo}/stargazers?per_page=100"))
            .await;
        assert_eq!(t["stargazers"]["count"], stars.len());
    }
    // Requests are counted (the walks above), control calls are not.
    let requests = h.truth().await["requests"].clone();
    assert!(requests["total"].as_u64().unwrap() > requests_before);
    assert!(requests["by_route"]["/repos/acme/api/issues"].as_u64().unwrap() >= 1);
    assert!(requests["by_route"]
        .as_object()
        .unwrap()
        .keys()
        .all(|k| !k.starts_with("/_sim")));
    h.sim.shutdown().await;
}
