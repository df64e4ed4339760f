//! Stripe's per-day truth, with the engine's metric definitions (providers/stripe/
//! metrics.rs): charges by their `created` UTC day (gross = amount of successful ones,
//! net = amount − amount_refunded of successful ones, refunded = amount_refunded of
//! charges with refunds, on the charge's day); customers by `created`; churn on the day a
//! subscription ended (`ended_at`, else `canceled_at` for canceled/incomplete_expired);
//! active subscriptions and MRR at the end of each day (started by then and not ended by
//! then; active excludes incomplete and incomplete_expired, MRR also excludes trials).
//! MRR sums every item of a subscription.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::store::StripeStore;
use super::truth::monthly_amount;
use crate::truth_daily::{Days, Stock};

/// MRR is summed in millionths of a minor unit, so adding and removing subscriptions
/// leaves no float residue and the result does not depend on walk order.
const MICRO: f64 = 1e6;

type Sums = BTreeMap<&'static str, i64>;

/// One day. Money maps hold the currencies with a qualifying charge that day; `mrr`
/// the currencies whose MRR is not zero.
#[derive(Default, Serialize)]
struct Day {
    charges_succeeded: u64,
    charges_failed: u64,
    gross: Sums,
    net: Sums,
    refunded: Sums,
    customers_created: u64,
    subscriptions_churned: u64,
    active_subscriptions: i64,
    mrr: BTreeMap<&'static str, f64>,
}

pub fn daily(st: &StripeStore, days: Days) -> Value {
    let g = &st.gen;
    let mut out: Vec<Day> = (0..days.len()).map(|_| Day::default()).collect();

    st.charges.for_each(
        |i| g.charge(i),
        |c| {
            let Some(d) = days.index(c.created).map(|i| &mut out[i]) else {
                return;
            };
            match c.status {
                "succeeded" => {
                    d.charges_succeeded += 1;
                    *d.gross.entry(c.currency).or_default() += c.amount;
                    *d.net.entry(c.currency).or_default() += c.amount - c.amount_refunded;
                }
                "failed" => d.charges_failed += 1,
                _ => {}
            }
            if c.amount_refunded > 0 {
                *d.refunded.entry(c.currency).or_default() += c.amount_refunded;
            }
        },
    );

    st.customers.for_each(
        |i| g.customer(i),
        |c| {
            if let Some(i) = days.index(c.created) {
                out[i].customers_created += 1;
            }
        },
    );

    let mut active: Stock<i64> = Stock::new(days);
    let mut mrr: BTreeMap<&'static str, Stock<i128>> = BTreeMap::new();
    st.subscriptions.for_each(
        |i| g.subscription(i),
        |s| {
            // What the API serves as `ended_at` (set once a subscription is canceled).
            let ended_at = s.canceled_at.filter(|_| s.status == "canceled");
            let cancelled = matches!(s.status, "canceled" | "incomplete_expired");
            let end = ended_at.or(s.canceled_at.filter(|_| cancelled));
            if let Some(i) = end.and_then(|e| days.index(e)) {
                out[i].subscriptions_churned += 1;
            }
            if matches!(s.status, "incomplete" | "incomplete_expired") {
                return;
            }
            active.add(s.created, end, 1);
            if s.status != "trialing" {
                let micro = (monthly_amount(s) * MICRO).round() as i128;
                mrr.entry(s.currency)
                    .or_insert_with(|| Stock::new(days))
                    .add(s.created, end, micro);
            }
        },
    );
    for (d, n) in out.iter_mut().zip(active.values()) {
        d.active_subscriptions = n;
    }
    for (currency, stock) in &mrr {
        for (d, v) in out.iter_mut().zip(stock.values()) {
            if v != 0 {
                d.mrr.insert(currency, v as f64 / MICRO);
            }
        }
    }

    let mut map = Map::new();
    for ((_, label), day) in days.labels().zip(out) {
        map.insert(label, serde_json::to_value(day).unwrap_or_default());
    }
    Value::Object(map)
}
