//! Ground truth for Stripe, computed from base + overlay by walking every
//! object (O(n); only tests call it).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::model::*;
use super::store::StripeStore;
use crate::ids::Id;

type Sums = BTreeMap<&'static str, i64>;

pub fn truth(st: &StripeStore, now: i64) -> Value {
    let g = &st.gen;
    let customers = st.customers.len();

    let (mut succeeded, mut failed) = (0u64, 0u64);
    let (mut amount, mut refunded) = (Sums::new(), Sums::new());
    st.charges.for_each(
        |i| g.charge(i),
        |c| {
            if c.succeeded() {
                succeeded += 1;
                *amount.entry(c.currency).or_default() += c.amount;
            }
            if c.status == "failed" {
                failed += 1;
            }
            if c.amount_refunded > 0 {
                *refunded.entry(c.currency).or_default() += c.amount_refunded;
            }
        },
    );

    let mut paid = 0u64;
    let mut amount_paid = Sums::new();
    st.invoices.for_each(
        |i| g.invoice(i),
        |v| {
            if v.status == "paid" {
                paid += 1;
            }
            if v.amount_paid > 0 {
                *amount_paid.entry(v.currency).or_default() += v.amount_paid;
            }
        },
    );

    let mut by_status: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut mrr: BTreeMap<&'static str, f64> = BTreeMap::new();
    st.subscriptions.for_each(
        |i| g.subscription(i),
        |s| {
            *by_status.entry(s.status).or_default() += 1;
            if matches!(s.status, "active" | "past_due") {
                *mrr.entry(s.currency).or_default() += monthly_amount(s);
            }
        },
    );
    let status = |k: &str| by_status.get(k).copied().unwrap_or(0);

    let mut net = Sums::new();
    st.txns.for_each(
        |i| g.balance_transaction(i),
        |t| *net.entry(t.currency).or_default() += t.net(),
    );

    let mut events = 0u64;
    let mut events_by_type: BTreeMap<String, u64> = BTreeMap::new();
    st.events.for_each(
        |_| unreachable_event(),
        |e| {
            if StripeStore::retained(e.created, now) {
                events += 1;
                *events_by_type.entry(e.kind.clone()).or_default() += 1;
            }
        },
    );

    json!({
        "customers": {"count": customers},
        "charges": {
            "count": st.charges.len(),
            "succeeded": succeeded,
            "failed": failed,
            "amount_by_currency": amount,
            "refunded_by_currency": refunded,
        },
        "invoices": {"count": st.invoices.len(), "paid": paid, "amount_paid_by_currency": amount_paid},
        "subscriptions": {
            "count": st.subscriptions.len(),
            "active": status("active"),
            "trialing": status("trialing"),
            "past_due": status("past_due"),
            "canceled": status("canceled"),
            "mrr_by_currency": mrr,
        },
        "balance_transactions": {"count": st.txns.len(), "net_by_currency": net},
        "events": {"count": events, "by_type": events_by_type},
    })
}

/// A paying subscription's price per month, in minor units, over every item: yearly
/// ÷ 12, quarterly ÷ 3, weekly × 52 ÷ 12, daily × 365 ÷ 12.
pub fn monthly_amount(s: &Subscription) -> f64 {
    s.items()
        .map(|(_, price, quantity)| item_monthly(&price, quantity))
        .sum()
}

fn item_monthly(price: &Price, quantity: u32) -> f64 {
    let per_interval = (price.unit_amount * i64::from(quantity)) as f64;
    let factor = match price.interval {
        "day" => 365.0 / 12.0,
        "week" => 52.0 / 12.0,
        "year" => 1.0 / 12.0,
        _ => 1.0,
    };
    per_interval * factor / f64::from(price.interval_count.max(1))
}

/// The event table has no base rows; this is never called.
fn unreachable_event() -> Event {
    Event {
        created: 0,
        kind: String::new(),
        json: Value::Null,
    }
}

/// Every id of one table, sorted (ids sort like indexes). Events: retained only.
pub fn ids(st: &StripeStore, table: &str, now: i64) -> Option<Vec<String>> {
    let all = |prefix: &'static str, n: u64| (0..n).map(|i| Id(prefix, i).to_string()).collect();
    Some(match table {
        "customers" => all(CUSTOMER, st.customers.len()),
        "charges" => all(CHARGE, st.charges.len()),
        "invoices" => all(INVOICE, st.invoices.len()),
        "subscriptions" => all(SUBSCRIPTION, st.subscriptions.len()),
        "balance_transactions" => all(TXN, st.txns.len()),
        "events" => (0..st.events.len())
            .filter(|i| {
                st.event(*i)
                    .is_some_and(|e| StripeStore::retained(e.created, now))
            })
            .map(|i| Id(EVENT, i).to_string())
            .collect(),
        _ => return None,
    })
}
