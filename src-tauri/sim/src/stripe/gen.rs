//! Base Stripe data as pure functions of (seed, index). Nothing here is stored;
//! the table overlay (see `table.rs`) shadows objects changed later.
//!
//! Cross references point "backwards in time" (a charge's customer was created
//! before the charge) by picking among the first `i * other / n` objects.

use super::model::*;
use crate::config::StripeConfig;
use crate::rng::{spread, Rng};

const E_CUSTOMER: u64 = 1;
const E_CHARGE: u64 = 2;
const E_INVOICE: u64 = 3;
const E_SUBSCRIPTION: u64 = 4;
const E_TXN: u64 = 5;

pub const CURRENCIES: [&str; 3] = ["usd", "eur", "gbp"];
const CURRENCY_MIX: [(usize, u64); 3] = [(0, 60), (1, 25), (2, 15)];

const FIRST: [&str; 24] = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "John",
    "Radia",
    "Edsger",
    "Hedy",
    "Tim",
    "Katherine",
    "Guido",
    "Sophie",
    "Yukihiro",
    "Anita",
    "Bjarne",
    "Lynn",
    "Niklaus",
    "Adele",
    "Donald",
];
const LAST: [&str; 24] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Backus",
    "Perlman",
    "Dijkstra",
    "Lamarr",
    "Berners",
    "Johnson",
    "Rossum",
    "Wilson",
    "Matsumoto",
    "Borg",
    "Stroustrup",
    "Conway",
    "Wirth",
    "Goldberg",
    "Knuth",
];

/// (unit_amount in minor units, interval, interval_count, weight): monthly,
/// quarterly and yearly plans dominate, with a few weekly/daily ones.
const PLANS: [(i64, &str, u32, u64); 8] = [
    (900, "month", 1, 20),
    (2900, "month", 1, 25),
    (9900, "month", 1, 10),
    (7900, "month", 3, 10),
    (9000, "year", 1, 10),
    (29000, "year", 1, 10),
    (300, "week", 1, 3),
    (100, "day", 1, 2),
];

/// Share of generated subscriptions with a second item, an add-on (extra seats, a
/// support plan) billed on the plan's interval at a fraction of the plan's price.
const ADDON_PERCENT: u64 = 25;
const ADDON_SHARE_PERCENT: [i64; 3] = [10, 25, 50];
/// Add-on price ids start here, clear of the plan prices (plan × currencies).
const ADDON_PRICES: u64 = 100;

/// How base objects are generated: the seed, the table sizes and the time span.
#[derive(Clone, Debug)]
pub struct StripeGen {
    pub seed: u64,
    pub cfg: StripeConfig,
    /// The clock when the sim started; base data never postdates it.
    pub now0: i64,
    pub start: i64,
    pub span: i64,
}

fn currency(r: &mut Rng) -> &'static str {
    CURRENCIES[r.weighted(&CURRENCY_MIX)]
}

/// An index among the first `i * other / n` (+1) objects of another table.
fn earlier(r: &mut Rng, i: u64, n: u64, other: u64) -> Option<u64> {
    if other == 0 {
        return None;
    }
    let bound = ((i as u128 * other as u128) / n.max(1) as u128) as u64 + 1;
    Some(r.below(bound).min(other - 1))
}

/// The object of another table created at about the same moment.
fn aligned(i: u64, n: u64, other: u64) -> Option<u64> {
    (other > 0).then(|| (((i as u128 * other as u128) / n.max(1) as u128) as u64).min(other - 1))
}

fn customer_name(first: usize, last: usize) -> String {
    format!("{} {}", FIRST[first % FIRST.len()], LAST[last % LAST.len()])
}

impl StripeGen {
    pub fn new(seed: u64, cfg: StripeConfig, now0: i64) -> StripeGen {
        let span = cfg.history_days as i64 * 86_400;
        // Base objects occupy [now0 - span, now0): strictly in the past.
        StripeGen {
            seed,
            cfg,
            now0,
            start: now0 - span,
            span,
        }
    }

    pub fn created(&self, i: u64, n: u64) -> i64 {
        spread(self.start, self.span, i, n)
    }

    pub fn customer(&self, i: u64) -> Customer {
        let mut r = Rng::new(self.seed, E_CUSTOMER, i);
        let (first, last) = (
            r.below(FIRST.len() as u64) as usize,
            r.below(LAST.len() as u64) as usize,
        );
        let email = format!("{}.{}{}@example.com", FIRST[first], LAST[last], i).to_lowercase();
        Customer {
            index: i,
            created: self.created(i, self.cfg.customers),
            name: Some(customer_name(first, last)),
            email: Some(email),
            currency: Some(currency(&mut r)),
            delinquent: r.chance(5),
        }
    }

    pub fn charge(&self, i: u64) -> Charge {
        let c = &self.cfg;
        let mut r = Rng::new(self.seed, E_CHARGE, i);
        let amount = r.range(500, 50_000);
        let currency = currency(&mut r);
        let status = r.weighted(&[("succeeded", 90), ("failed", 7), ("pending", 3)]);
        let refund_roll = r.below(100);
        let amount_refunded = match (status, refund_roll) {
            ("succeeded", 0..=4) => amount,
            ("succeeded", 5..=7) => amount / 2,
            _ => 0,
        };
        let customer = if r.chance(90) {
            earlier(&mut r, i, c.charges, c.customers)
        } else {
            None
        };
        let invoice = if r.chance(25) {
            aligned(i, c.charges, c.invoices)
        } else {
            None
        };
        let balance_transaction = if status == "succeeded" {
            aligned(i, c.charges, c.balance_transactions)
        } else {
            None
        };
        Charge {
            index: i,
            created: self.created(i, c.charges),
            amount,
            amount_refunded,
            currency,
            customer,
            status,
            balance_transaction,
            invoice,
            description: format!("Order #{}", 100_000 + i),
        }
    }

    pub fn subscription(&self, i: u64) -> Subscription {
        let c = &self.cfg;
        let mut r = Rng::new(self.seed, E_SUBSCRIPTION, i);
        let created = self.created(i, c.subscriptions);
        let plan_weights: Vec<(usize, u64)> = PLANS.iter().enumerate().map(|(k, p)| (k, p.3)).collect();
        let plan = r.weighted(&plan_weights);
        let cur = r.weighted(&CURRENCY_MIX);
        let (unit_amount, interval, interval_count, _) = PLANS[plan];
        let price = Price {
            index: (plan * CURRENCIES.len() + cur) as u64,
            unit_amount,
            interval,
            interval_count,
        };
        let status = r.weighted(&[("active", 60), ("trialing", 8), ("past_due", 7), ("canceled", 25)]);
        let canceled_at = (status == "canceled").then(|| r.range(created, self.now0.max(created)));
        // The current period is the one containing "now" (or the cancellation).
        let reference = canceled_at.unwrap_or(self.now0);
        let len = price.period_secs();
        let k = ((reference - created) / len).max(0);
        let current_period_start = created + k * len;
        let quantity = r.weighted(&[(1, 70), (2, 15), (3, 8), (5, 7)]);
        let mut sub = Subscription {
            index: i,
            created,
            customer: earlier(&mut r, i, c.subscriptions, c.customers),
            status,
            currency: CURRENCIES[cur],
            canceled_at,
            cancel_at_period_end: status == "active" && r.chance(8),
            current_period_start,
            current_period_end: current_period_start + len,
            quantity,
            price,
            addon: None,
        };
        // Drawn last, so every field above is what it was before add-ons existed.
        if r.chance(ADDON_PERCENT) {
            let k = r.weighted(&[(0usize, 4), (1, 4), (2, 2)]);
            let unit_amount = (unit_amount * ADDON_SHARE_PERCENT[k] / 100).max(1);
            sub.addon = Some(AddOn {
                quantity: r.weighted(&[(1, 60), (2, 25), (3, 15)]),
                price: Price {
                    index: ADDON_PRICES
                        + ((plan * ADDON_SHARE_PERCENT.len() + k) * CURRENCIES.len() + cur) as u64,
                    unit_amount,
                    interval,
                    interval_count,
                },
            });
        }
        sub
    }

    pub fn invoice(&self, i: u64) -> Invoice {
        let c = &self.cfg;
        let mut r = Rng::new(self.seed, E_INVOICE, i);
        let created = self.created(i, c.invoices);
        let from_sub = r.chance(85);
        let sub_index = earlier(&mut r, i, c.invoices, c.subscriptions).filter(|_| from_sub);
        // A subscription invoice bills that subscription's price; others are one-off.
        let (customer, currency, amount_due, period) = match sub_index {
            Some(s) => {
                let sub = self.subscription(s);
                (
                    sub.customer,
                    sub.currency,
                    sub.amount_per_period(),
                    sub.price.period_secs(),
                )
            }
            None => (
                earlier(&mut r, i, c.invoices, c.customers),
                currency(&mut r),
                r.range(1_000, 100_000),
                30 * 86_400,
            ),
        };
        let status = r.weighted(&[
            ("paid", 75),
            ("open", 10),
            ("draft", 4),
            ("void", 6),
            ("uncollectible", 5),
        ]);
        Invoice {
            index: i,
            created,
            customer,
            subscription: sub_index,
            status,
            amount_due,
            amount_paid: if status == "paid" { amount_due } else { 0 },
            currency,
            period_start: created - period,
            period_end: created,
        }
    }

    pub fn balance_transaction(&self, i: u64) -> BalanceTransaction {
        let c = &self.cfg;
        let mut r = Rng::new(self.seed, E_TXN, i);
        let created = self.created(i, c.balance_transactions);
        let kind = r.weighted(&[("charge", 75), ("refund", 8), ("payout", 12), ("adjustment", 5)]);
        // Payouts are kept smaller than inflows overall so balances stay positive.
        let (amount, source) = match kind {
            "charge" => (
                r.range(500, 50_000),
                aligned(i, c.balance_transactions, c.charges).map_or(TxnSource::None, TxnSource::Charge),
            ),
            "refund" => (-r.range(500, 20_000), TxnSource::Refund(i)),
            "payout" => (-r.range(20_000, 180_000), TxnSource::Payout(i)),
            _ => (r.range(-5_000, 5_000), TxnSource::None),
        };
        let fee = if kind == "charge" {
            amount * 29 / 1000 + 30
        } else {
            0
        };
        let available_on = if kind == "charge" {
            created + 2 * 86_400
        } else {
            created
        };
        BalanceTransaction {
            index: i,
            created,
            amount,
            fee,
            currency: currency(&mut r),
            kind,
            available_on,
            source,
            status: if available_on <= self.now0 {
                "available"
            } else {
                "pending"
            },
        }
    }
}
