//! All Stripe state: the generator plus one overlay table per object type, and
//! the event log (events exist only for changes made through the control API,
//! so they are always stored).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;

use super::gen::StripeGen;
use super::model::*;
use super::table::Table;
use crate::config::StripeConfig;

/// Stripe keeps events for 30 days.
pub const EVENT_RETENTION_SECS: i64 = 30 * 86_400;
pub const API_VERSION: &str = "2024-06-20";

/// Per currency: (available, pending) sums of balance-transaction `net`.
pub type Balances = BTreeMap<&'static str, (i64, i64)>;

pub struct StripeStore {
    pub gen: StripeGen,
    pub customers: Table<Customer>,
    pub charges: Table<Charge>,
    pub invoices: Table<Invoice>,
    pub subscriptions: Table<Subscription>,
    pub txns: Table<BalanceTransaction>,
    pub events: Table<Event>,
    /// Base transactions never change, so their totals are computed once,
    /// on first use (O(n) at 5M rows is fine once, not per request).
    base_balances: OnceLock<Balances>,
}

impl StripeStore {
    pub fn new(seed: u64, cfg: StripeConfig, now0: i64) -> StripeStore {
        let gen = StripeGen::new(seed, cfg.clone(), now0);
        let (start, span) = (gen.start, gen.span);
        StripeStore {
            customers: Table::new(cfg.customers, start, span),
            charges: Table::new(cfg.charges, start, span),
            invoices: Table::new(cfg.invoices, start, span),
            subscriptions: Table::new(cfg.subscriptions, start, span),
            txns: Table::new(cfg.balance_transactions, start, span),
            events: Table::new(0, start, span),
            base_balances: OnceLock::new(),
            gen,
        }
    }

    pub fn customer(&self, i: u64) -> Option<Customer> {
        self.customers.get(i, |i| self.gen.customer(i))
    }

    pub fn charge(&self, i: u64) -> Option<Charge> {
        self.charges.get(i, |i| self.gen.charge(i))
    }

    pub fn invoice(&self, i: u64) -> Option<Invoice> {
        self.invoices.get(i, |i| self.gen.invoice(i))
    }

    pub fn subscription(&self, i: u64) -> Option<Subscription> {
        self.subscriptions.get(i, |i| self.gen.subscription(i))
    }

    pub fn txn(&self, i: u64) -> Option<BalanceTransaction> {
        self.txns.get(i, |i| self.gen.balance_transaction(i))
    }

    pub fn event(&self, i: u64) -> Option<Event> {
        // The event table has no base rows, so the generator is never called.
        self.events.get(i, |_| Event {
            created: 0,
            kind: String::new(),
            json: serde_json::Value::Null,
        })
    }

    /// Records an event whose `data.object` is `object` as it is now.
    pub fn emit(&mut self, now: i64, kind: &str, object: &impl Serialize) {
        let index = self.events.next_index();
        let json = serde_json::json!({
            "id": crate::ids::Id(EVENT, index),
            "object": "event",
            "api_version": API_VERSION,
            "created": now,
            "data": { "object": object },
            "livemode": false,
            "pending_webhooks": 0,
            "request": { "id": null, "idempotency_key": null },
            "type": kind,
        });
        self.events.push(Event {
            created: now,
            kind: kind.to_string(),
            json,
        });
    }

    /// Whether an event is still retained at clock time `now`.
    pub fn retained(created: i64, now: i64) -> bool {
        created >= now - EVENT_RETENTION_SECS
    }

    pub fn balances(&self) -> Balances {
        let mut totals = self
            .base_balances
            .get_or_init(|| {
                let mut b = Balances::new();
                for i in 0..self.txns.base_len() {
                    add_txn(&mut b, &self.gen.balance_transaction(i));
                }
                b
            })
            .clone();
        for i in self.txns.base_len()..self.txns.len() {
            if let Some(t) = self.txn(i) {
                add_txn(&mut totals, &t);
            }
        }
        totals
    }
}

fn add_txn(b: &mut Balances, t: &BalanceTransaction) {
    let slot = b.entry(t.currency).or_default();
    if t.status == "available" {
        slot.0 += t.net();
    } else {
        slot.1 += t.net();
    }
}
