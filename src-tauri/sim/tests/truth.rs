//! `/_sim/truth` agrees with what a full walk of the API sees, including
//! after mutations (overlay and added objects); `/_sim/truth/daily` agrees with a
//! per-day recount of the public API pages, done here by different code (a direct
//! count per day, where the sim uses difference arrays), across a midnight.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate};
use common::*;
use serde_json::{json, Map, Value};

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

fn ts(iso: &str) -> i64 {
    DateTime::parse_from_rfc3339(iso).unwrap().timestamp()
}

/// The UTC day (days since 1970-01-01) of unix seconds.
fn day(t: i64) -> i64 {
    t.div_euclid(86_400)
}

fn label(d: i64) -> String {
    (NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(d))
        .format("%Y-%m-%d")
        .to_string()
}

/// A subscription's monthly amount from its API shape, over every item.
fn monthly(sub: &Value) -> f64 {
    sub["items"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let price = &item["price"];
            let per_interval = price["unit_amount"].as_f64().unwrap() * item["quantity"].as_f64().unwrap();
            let per_month = match price["recurring"]["interval"].as_str().unwrap() {
                "day" => 365.0 / 12.0,
                "week" => 52.0 / 12.0,
                "year" => 1.0 / 12.0,
                _ => 1.0,
            };
            per_interval * per_month / price["recurring"]["interval_count"].as_f64().unwrap().max(1.0)
        })
        .sum()
}

/// Same currencies, amounts equal to a millionth of a minor unit.
fn assert_close(got: &Value, want: &BTreeMap<String, f64>, what: &str) {
    let got = got.as_object().unwrap_or_else(|| panic!("{what}: {got}"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}: currencies"
    );
    for (currency, amount) in want {
        let g = got[currency].as_f64().unwrap();
        assert!((g - amount).abs() < 1e-5, "{what} {currency}: {g} vs {amount}");
    }
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
    for status in ["active", "trialing", "past_due", "canceled"] {
        assert_eq!(
            t["subscriptions"][status],
            subs.iter().filter(|s| s["status"] == status).count(),
            "{status}"
        );
    }
    assert!(t["subscriptions"]["trialing"].as_u64().unwrap() > 0);
    assert!(t["subscriptions"]["past_due"].as_u64().unwrap() > 0);
    // MRR: paying subscriptions (active, past due), every item, normalised to a month.
    let mut mrr: BTreeMap<String, f64> = BTreeMap::new();
    for sub in subs
        .iter()
        .filter(|s| matches!(s["status"].as_str(), Some("active" | "past_due")))
    {
        *mrr.entry(sub["currency"].as_str().unwrap().to_string())
            .or_default() += monthly(sub);
    }
    assert!(
        subs.iter()
            .any(|s| s["status"] == "active" && s["items"]["data"].as_array().unwrap().len() == 2),
        "some paying subscriptions have two items"
    );
    assert_close(&t["subscriptions"]["mrr_by_currency"], &mrr, "mrr_by_currency");

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
        assert_eq!(
            t["pulls"]["closed"],
            prs.iter().filter(|i| i["state"] == "closed").count()
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
        let mut merge_secs: Vec<i64> = pulls
            .iter()
            .filter_map(|p| Some(ts(p["merged_at"].as_str()?) - ts(p["created_at"].as_str()?)))
            .collect();
        merge_secs.sort_unstable();
        let n = merge_secs.len();
        assert!(n > 0);
        let median = if n.is_multiple_of(2) {
            (merge_secs[n / 2 - 1] + merge_secs[n / 2]) as f64 / 2.0
        } else {
            merge_secs[n / 2] as f64
        };
        assert_eq!(t["pulls"]["merge_seconds_median"], json!(median));
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
        let mut star_ids: Vec<u64> = stars.iter().map(|u| u["id"].as_u64().unwrap()).collect();
        star_ids.sort_unstable();
        assert_eq!(
            h.truth_ids(&format!("github.{repo}.stargazers")).await,
            json!(star_ids)
        );
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

/// When a subscription ended, from its API shape: `ended_at`, else `canceled_at` for a
/// canceled or incomplete_expired one (the engine's definition).
fn sub_end(s: &Value) -> Option<i64> {
    let cancelled = matches!(s["status"].as_str(), Some("canceled" | "incomplete_expired"));
    s["ended_at"]
        .as_i64()
        .or_else(|| s["canceled_at"].as_i64().filter(|_| cancelled))
}

/// Alive at the end of day `d`: started on or before it, not ended by its end.
fn alive(start: i64, end: Option<i64>, d: i64) -> bool {
    day(start) <= d && end.is_none_or(|e| day(e) > d)
}

/// Stripe's days recounted from the API pages, one day at a time. MRR comes apart
/// (it is compared with a tolerance).
fn stripe_days(
    charges: &[Value],
    customers: &[Value],
    subs: &[Value],
    days: std::ops::RangeInclusive<i64>,
) -> (Map<String, Value>, BTreeMap<String, BTreeMap<String, f64>>) {
    let (mut out, mut mrr_by_day) = (Map::new(), BTreeMap::new());
    for d in days {
        let on = |o: &Value| day(o["created"].as_i64().unwrap()) == d;
        let (mut gross, mut net, mut refunded) = (Map::new(), Map::new(), Map::new());
        let add = |m: &mut Map<String, Value>, c: &Value, v: i64| {
            let slot = m.entry(c["currency"].as_str().unwrap()).or_insert(json!(0));
            *slot = json!(slot.as_i64().unwrap() + v);
        };
        let (mut succeeded, mut failed) = (0, 0);
        for c in charges.iter().filter(|c| on(c)) {
            let (amount, back) = (
                c["amount"].as_i64().unwrap(),
                c["amount_refunded"].as_i64().unwrap(),
            );
            if c["status"] == "succeeded" {
                succeeded += 1;
                add(&mut gross, c, amount);
                add(&mut net, c, amount - back);
            }
            if c["status"] == "failed" {
                failed += 1;
            }
            if back > 0 {
                add(&mut refunded, c, back);
            }
        }
        let counted = subs
            .iter()
            .filter(|s| !matches!(s["status"].as_str(), Some("incomplete" | "incomplete_expired")));
        let alive_at_end = |s: &&Value| alive(s["created"].as_i64().unwrap(), sub_end(s), d);
        let mut mrr: BTreeMap<String, f64> = BTreeMap::new();
        for s in counted
            .clone()
            .filter(alive_at_end)
            .filter(|s| s["status"] != "trialing")
        {
            *mrr.entry(s["currency"].as_str().unwrap().to_string())
                .or_default() += monthly(s);
        }
        mrr.retain(|_, v| v.abs() > 1e-9);
        mrr_by_day.insert(label(d), mrr);
        out.insert(
            label(d),
            json!({
                "charges_succeeded": succeeded,
                "charges_failed": failed,
                "gross": gross,
                "net": net,
                "refunded": refunded,
                "customers_created": customers.iter().filter(|c| on(c)).count(),
                "subscriptions_churned": subs.iter().filter(|s| sub_end(s).is_some_and(|e| day(e) == d)).count(),
                "active_subscriptions": counted.filter(alive_at_end).count(),
            }),
        );
    }
    (out, mrr_by_day)
}

/// One repository's days recounted from its API pages.
async fn github_days(h: &Harness, repo: &str, days: std::ops::RangeInclusive<i64>) -> Value {
    let issues: Vec<Value> = h
        .walk_github(&format!("/repos/{repo}/issues?state=all&per_page=100"))
        .await
        .into_iter()
        .filter(|i| i.get("pull_request").is_none())
        .collect();
    let pulls = h
        .walk_github(&format!("/repos/{repo}/pulls?state=all&per_page=100"))
        .await;
    let commits = h
        .walk_github(&format!("/repos/{repo}/commits?per_page=100"))
        .await;
    let stars = h
        .walk_github_as(
            &format!("/repos/{repo}/stargazers?per_page=100"),
            "application/vnd.github.star+json",
        )
        .await;
    let at = |v: &Value| v.as_str().map(ts);
    let committed = |c: &Value| ts(c["commit"]["committer"]["date"].as_str().unwrap());
    let mut out = Map::new();
    let mut by_author: BTreeMap<String, u64> = BTreeMap::new();
    for d in days {
        let on = |t: Option<i64>| t.is_some_and(|t| day(t) == d);
        let mut merge_seconds: Vec<i64> = pulls
            .iter()
            .filter(|p| on(at(&p["merged_at"])))
            .map(|p| at(&p["merged_at"]).unwrap() - at(&p["created_at"]).unwrap())
            .collect();
        merge_seconds.sort_unstable();
        for c in commits.iter().filter(|c| on(Some(committed(c)))) {
            let who = c["author"]["login"]
                .as_str()
                .or(c["commit"]["author"]["name"].as_str())
                .unwrap_or("unknown");
            *by_author.entry(who.to_string()).or_default() += 1;
        }
        out.insert(
            label(d),
            json!({
                "stars": stars.iter().filter(|s| on(at(&s["starred_at"]))).count(),
                "commits": commits.iter().filter(|c| on(Some(committed(c)))).count(),
                "prs_opened": pulls.iter().filter(|p| on(at(&p["created_at"]))).count(),
                "prs_merged": merge_seconds.len(),
                "issues_opened": issues.iter().filter(|i| on(at(&i["created_at"]))).count(),
                "issues_closed": issues.iter().filter(|i| on(at(&i["closed_at"]))).count(),
                "open_issues": issues
                    .iter()
                    .filter(|i| alive(at(&i["created_at"]).unwrap(), at(&i["closed_at"]), d))
                    .count(),
                "merge_seconds": merge_seconds,
            }),
        );
    }
    out.insert("commits_by_author".into(), json!(by_author));
    Value::Object(out)
}

#[tokio::test]
async fn daily_truth_matches_a_recount_of_the_api_pages() {
    let mut c = config();
    c.github.repos = vec!["acme/website".into(), "acme/api".into()];
    let h = start(c).await;
    let jan1 = NOW; // 2026-01-01T00:00:00Z
                    // Frozen just before midnight, so changes land on either side of it.
    h.clock(json!({"freeze": true, "now": jan1 + 86_399})).await;
    let a = h
        .control("/_sim/stripe/charges", json!({"amount": 4200, "currency": "usd"}))
        .await;
    let cus = h
        .control(
            "/_sim/stripe/customers",
            json!({"name": "Midnight", "email": "m@example.com"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let new_sub = |currency: &str, amount: i64, interval: &str| json!({"customer": cus, "unit_amount": amount, "currency": currency, "interval": interval});
    let s1 = h
        .control("/_sim/stripe/subscriptions", new_sub("usd", 1500, "month"))
        .await;
    let s2 = h
        .control("/_sim/stripe/subscriptions", new_sub("eur", 9000, "year"))
        .await;
    // Started and ended the same day: churned, never alive at a day's end.
    h.control(
        &format!("/_sim/stripe/subscriptions/{}/cancel", s2["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    let issue = h
        .control("/_sim/github/acme/website/issues", json!({"title": "Late bug"}))
        .await["number"]
        .as_u64()
        .unwrap();
    let pr = h
        .control(
            "/_sim/github/acme/website/issues",
            json!({"title": "Late fix", "pull_request": true}),
        )
        .await["number"]
        .as_u64()
        .unwrap();
    h.control("/_sim/github/acme/website/commits", json!({"message": "late"}))
        .await;
    h.control("/_sim/github/acme/website/stargazers", json!({"login": "newfan"}))
        .await;

    h.clock(json!({"advance": 1})).await; // 2026-01-02T00:00:00Z
    h.control(
        "/_sim/stripe/charges",
        json!({"amount": 700, "currency": "usd", "status": "failed"}),
    )
    .await;
    h.control("/_sim/stripe/charges", json!({"amount": 1000, "currency": "gbp"}))
        .await;
    // A refund counts on the charge's day, not the refund's.
    h.control(
        &format!("/_sim/stripe/charges/{}/refund", a["id"].as_str().unwrap()),
        json!({"amount": 200}),
    )
    .await;
    h.control(
        &format!("/_sim/stripe/subscriptions/{}/cancel", s1["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    let base_sub = h.walk_stripe("/v1/subscriptions", "").await;
    let base_sub = base_sub
        .iter()
        .find(|s| s["status"] == "active" && s["items"]["data"].as_array().unwrap().len() == 2)
        .expect("an active two-item subscription")["id"]
        .as_str()
        .unwrap()
        .to_string();
    h.control(
        &format!("/_sim/stripe/subscriptions/{base_sub}/cancel"),
        json!({}),
    )
    .await;
    h.control(
        &format!("/_sim/github/acme/website/issues/{issue}"),
        json!({"state": "closed"}),
    )
    .await;
    h.control(
        &format!("/_sim/github/acme/website/issues/{pr}"),
        json!({"merged": true}),
    )
    .await;
    h.control("/_sim/github/acme/api/commits", json!({"message": "new day"}))
        .await;

    let days = day(jan1) - 100..=day(jan1) + 2;
    let url = format!(
        "/_sim/truth/daily?from={}&to={}",
        label(*days.start()),
        label(*days.end())
    );
    let truth: Value = h
        .http
        .get(h.url(&url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // The edges, spelled out: Jan 1 holds only the late charge (base data is all before
    // it), with its later refund; Jan 2 the next day's changes.
    let t = &truth["stripe"];
    let (d1, d2) = (&t["2026-01-01"], &t["2026-01-02"]);
    assert_eq!(d1["charges_succeeded"], 1);
    assert_eq!(d1["gross"], json!({"usd": 4200}));
    assert_eq!(d1["net"], json!({"usd": 4000}));
    assert_eq!(d1["refunded"], json!({"usd": 200}));
    assert_eq!(
        (d2["charges_succeeded"].as_u64(), d2["charges_failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(d2["gross"], json!({"gbp": 1000}));
    assert_eq!(d1["customers_created"], 1);
    assert_eq!(d1["subscriptions_churned"], 1, "the same-day one");
    assert_eq!(d2["subscriptions_churned"], 2);
    let active = |d: &Value| d["active_subscriptions"].as_i64().unwrap();
    assert_eq!(
        active(d1),
        active(&t["2025-12-31"]) + 1,
        "S1 alive at the end of Jan 1"
    );
    assert_eq!(active(d2), active(d1) - 2, "S1 and the base one ended on Jan 2");
    let g = &truth["github"]["acme/website"];
    assert_eq!(g["2026-01-01"]["issues_opened"], 1);
    assert_eq!(g["2026-01-01"]["prs_opened"], 1);
    assert_eq!(g["2026-01-01"]["stars"], 1);
    assert_eq!(g["2026-01-02"]["issues_closed"], 1);
    assert_eq!(g["2026-01-02"]["merge_seconds"], json!([1]));
    assert_eq!(truth["github"]["acme/api"]["2026-01-02"]["commits"], 1);

    // Every day, every field, against the recount.
    let charges = h.walk_stripe("/v1/charges", "").await;
    let customers = h.walk_stripe("/v1/customers", "").await;
    let subs = h.walk_stripe("/v1/subscriptions", "&status=all").await;
    let (want, want_mrr) = stripe_days(&charges, &customers, &subs, days.clone());
    let got = t.as_object().unwrap();
    assert_eq!(got.len(), want.len());
    assert!(want_mrr.values().any(|m| !m.is_empty()));
    for (label, want_day) in &want {
        let mut got_day = got[label].clone();
        let mrr = got_day.as_object_mut().unwrap().remove("mrr").unwrap();
        assert_eq!(&got_day, want_day, "stripe {label}");
        assert_close(&mrr, &want_mrr[label], &format!("mrr {label}"));
    }
    for repo in ["acme/website", "acme/api"] {
        let want = github_days(&h, repo, days.clone()).await;
        assert_eq!(truth["github"][repo], want, "github {repo}");
    }
    h.sim.shutdown().await;
}

#[tokio::test]
async fn daily_truth_refuses_bad_ranges() {
    let h = start(config()).await;
    for q in [
        "",
        "?from=2026-01-02&to=2026-01-01",
        "?from=2026-01-01&to=tomorrow",
        "?from=1900-01-01&to=2026-01-01",
    ] {
        let resp = h
            .http
            .get(h.url(&format!("/_sim/truth/daily{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), reqwest::StatusCode::BAD_REQUEST, "{q}");
    }
    h.sim.shutdown().await;
}
