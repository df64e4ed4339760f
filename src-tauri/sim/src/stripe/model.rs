//! Stripe objects, stored compactly (ids as indexes, enums as static strings)
//! and rendered in Stripe's JSON shape. Derived fields (`paid`, `net`,
//! `amount_remaining`…) are computed on output so they can never disagree with
//! the stored ones.

use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use serde::Serialize;

use crate::ids::Id;

pub const CUSTOMER: &str = "cus_";
pub const CHARGE: &str = "ch_";
pub const INVOICE: &str = "in_";
pub const SUBSCRIPTION: &str = "sub_";
pub const SUB_ITEM: &str = "si_";
pub const PRICE: &str = "price_";
pub const PRODUCT: &str = "prod_";
pub const TXN: &str = "txn_";
pub const REFUND: &str = "re_";
pub const PAYOUT: &str = "po_";
pub const EVENT: &str = "evt_";

fn id_opt(prefix: &'static str, index: Option<u64>) -> Option<Id> {
    index.map(|i| Id(prefix, i))
}

/// `metadata: {}` without allocating a map.
struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub index: u64,
    pub created: i64,
    /// Null when created through the control API without one, as in Stripe.
    pub name: Option<String>,
    pub email: Option<String>,
    /// Null until the customer is first charged, as in Stripe.
    pub currency: Option<&'static str>,
    pub delinquent: bool,
}

impl Serialize for Customer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Customer", 11)?;
        m.serialize_field("id", &Id(CUSTOMER, self.index))?;
        m.serialize_field("object", "customer")?;
        m.serialize_field("balance", &0)?;
        m.serialize_field("created", &self.created)?;
        m.serialize_field("currency", &self.currency)?;
        m.serialize_field("delinquent", &self.delinquent)?;
        m.serialize_field("description", &None::<&str>)?;
        m.serialize_field("email", &self.email)?;
        m.serialize_field("livemode", &false)?;
        m.serialize_field("metadata", &Empty)?;
        m.serialize_field("name", &self.name)?;
        m.end()
    }
}

#[derive(Clone, Debug)]
pub struct Charge {
    pub index: u64,
    pub created: i64,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: &'static str,
    pub customer: Option<u64>,
    /// succeeded | failed | pending
    pub status: &'static str,
    pub balance_transaction: Option<u64>,
    pub invoice: Option<u64>,
    pub description: String,
}

impl Charge {
    pub fn succeeded(&self) -> bool {
        self.status == "succeeded"
    }
}

impl Serialize for Charge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let failed = self.status == "failed";
        let mut m = s.serialize_struct("Charge", 20)?;
        m.serialize_field("id", &Id(CHARGE, self.index))?;
        m.serialize_field("object", "charge")?;
        m.serialize_field("amount", &self.amount)?;
        m.serialize_field("amount_captured", &if self.succeeded() { self.amount } else { 0 })?;
        m.serialize_field("amount_refunded", &self.amount_refunded)?;
        m.serialize_field("balance_transaction", &id_opt(TXN, self.balance_transaction))?;
        m.serialize_field("captured", &!failed)?;
        m.serialize_field("created", &self.created)?;
        m.serialize_field("currency", self.currency)?;
        m.serialize_field("customer", &id_opt(CUSTOMER, self.customer))?;
        m.serialize_field("description", &self.description)?;
        m.serialize_field("failure_code", &failed.then_some("card_declined"))?;
        m.serialize_field("failure_message", &failed.then_some("Your card was declined."))?;
        m.serialize_field("invoice", &id_opt(INVOICE, self.invoice))?;
        m.serialize_field("livemode", &false)?;
        m.serialize_field("metadata", &Empty)?;
        m.serialize_field("paid", &self.succeeded())?;
        m.serialize_field(
            "refunded",
            &(self.amount > 0 && self.amount_refunded >= self.amount),
        )?;
        m.serialize_field("status", self.status)?;
        m.end()
    }
}

#[derive(Clone, Debug)]
pub struct Invoice {
    pub index: u64,
    pub created: i64,
    pub customer: Option<u64>,
    pub subscription: Option<u64>,
    /// draft | open | paid | void | uncollectible
    pub status: &'static str,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub currency: &'static str,
    pub period_start: i64,
    pub period_end: i64,
}

impl Serialize for Invoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Invoice", 17)?;
        m.serialize_field("id", &Id(INVOICE, self.index))?;
        m.serialize_field("object", "invoice")?;
        m.serialize_field("amount_due", &self.amount_due)?;
        m.serialize_field("amount_paid", &self.amount_paid)?;
        m.serialize_field("amount_remaining", &(self.amount_due - self.amount_paid))?;
        m.serialize_field("created", &self.created)?;
        m.serialize_field("currency", self.currency)?;
        m.serialize_field("customer", &id_opt(CUSTOMER, self.customer))?;
        m.serialize_field("livemode", &false)?;
        m.serialize_field("metadata", &Empty)?;
        m.serialize_field("number", &format!("SIM-{:06}", self.index + 1))?;
        m.serialize_field("paid", &(self.status == "paid"))?;
        m.serialize_field("period_end", &self.period_end)?;
        m.serialize_field("period_start", &self.period_start)?;
        m.serialize_field("status", self.status)?;
        m.serialize_field("subscription", &id_opt(SUBSCRIPTION, self.subscription))?;
        m.end()
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Price {
    pub index: u64,
    pub unit_amount: i64,
    /// day | week | month | year
    pub interval: &'static str,
    pub interval_count: u32,
}

impl Price {
    /// Approximate period length; real Stripe uses calendar months, which
    /// nothing downstream depends on.
    pub fn period_secs(&self) -> i64 {
        let unit = match self.interval {
            "day" => 86_400,
            "week" => 7 * 86_400,
            "year" => 365 * 86_400,
            _ => 30 * 86_400,
        };
        unit * self.interval_count.max(1) as i64
    }
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub index: u64,
    pub created: i64,
    pub customer: Option<u64>,
    /// active | trialing | past_due | canceled
    pub status: &'static str,
    pub currency: &'static str,
    pub canceled_at: Option<i64>,
    pub cancel_at_period_end: bool,
    pub current_period_start: i64,
    pub current_period_end: i64,
    /// The first item's quantity and price (the plan).
    pub quantity: u32,
    pub price: Price,
    /// A second item (an add-on on the same billing interval), as some real
    /// subscriptions have; MRR counts every item.
    pub addon: Option<AddOn>,
}

#[derive(Clone, Copy, Debug)]
pub struct AddOn {
    pub quantity: u32,
    pub price: Price,
}

/// Add-on items' ids sit far above any subscription index's own item id.
const ADDON_ITEM: u64 = 1 << 48;

impl Subscription {
    /// Every item as (item id index, price, quantity), the plan first.
    pub fn items(&self) -> impl Iterator<Item = (u64, Price, u32)> + '_ {
        let plan = (self.index, self.price, self.quantity);
        let addon = self.addon.map(|a| (ADDON_ITEM + self.index, a.price, a.quantity));
        std::iter::once(plan).chain(addon)
    }

    /// What one billing period costs, all items together.
    pub fn amount_per_period(&self) -> i64 {
        self.items().map(|(_, p, q)| p.unit_amount * i64::from(q)).sum()
    }
}

struct SubItem<'a> {
    sub: &'a Subscription,
    id: u64,
    price: Price,
    quantity: u32,
}

impl Serialize for SubItem<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sub = self.sub;
        let mut m = s.serialize_struct("SubscriptionItem", 6)?;
        m.serialize_field("id", &Id(SUB_ITEM, self.id))?;
        m.serialize_field("object", "subscription_item")?;
        m.serialize_field("created", &sub.created)?;
        m.serialize_field("price", &PriceView(&self.price, sub.currency))?;
        m.serialize_field("quantity", &self.quantity)?;
        m.serialize_field("subscription", &Id(SUBSCRIPTION, sub.index))?;
        m.end()
    }
}

struct PriceView<'a>(&'a Price, &'static str);

impl Serialize for PriceView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_struct("Price", 8)?;
        m.serialize_field("id", &Id(PRICE, p.index))?;
        m.serialize_field("object", "price")?;
        m.serialize_field("active", &true)?;
        m.serialize_field("currency", self.1)?;
        m.serialize_field("product", &Id(PRODUCT, p.index))?;
        m.serialize_field("recurring", &Recurring(p))?;
        m.serialize_field("type", "recurring")?;
        m.serialize_field("unit_amount", &p.unit_amount)?;
        m.end()
    }
}

struct Recurring<'a>(&'a Price);

impl Serialize for Recurring<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Recurring", 2)?;
        m.serialize_field("interval", self.0.interval)?;
        m.serialize_field("interval_count", &self.0.interval_count)?;
        m.end()
    }
}

struct Items<'a>(&'a Subscription);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("List", 4)?;
        m.serialize_field("object", "list")?;
        let items: Vec<SubItem> = self
            .0
            .items()
            .map(|(id, price, quantity)| SubItem {
                sub: self.0,
                id,
                price,
                quantity,
            })
            .collect();
        m.serialize_field("data", &items)?;
        m.serialize_field("has_more", &false)?;
        m.serialize_field(
            "url",
            &format!(
                "/v1/subscription_items?subscription={}",
                Id(SUBSCRIPTION, self.0.index)
            ),
        )?;
        m.end()
    }
}

impl Serialize for Subscription {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Subscription", 16)?;
        m.serialize_field("id", &Id(SUBSCRIPTION, self.index))?;
        m.serialize_field("object", "subscription")?;
        m.serialize_field("cancel_at_period_end", &self.cancel_at_period_end)?;
        m.serialize_field("canceled_at", &self.canceled_at)?;
        m.serialize_field("created", &self.created)?;
        m.serialize_field("currency", self.currency)?;
        m.serialize_field("current_period_end", &self.current_period_end)?;
        m.serialize_field("current_period_start", &self.current_period_start)?;
        m.serialize_field("customer", &id_opt(CUSTOMER, self.customer))?;
        m.serialize_field(
            "ended_at",
            &self.canceled_at.filter(|_| self.status == "canceled"),
        )?;
        m.serialize_field("items", &Items(self))?;
        m.serialize_field("livemode", &false)?;
        m.serialize_field("metadata", &Empty)?;
        // Stripe sets the top-level quantity only for single-item subscriptions.
        m.serialize_field("quantity", &self.addon.is_none().then_some(self.quantity))?;
        m.serialize_field("start_date", &self.created)?;
        m.serialize_field("status", self.status)?;
        m.end()
    }
}

/// Where a balance transaction came from.
#[derive(Clone, Copy, Debug)]
pub enum TxnSource {
    Charge(u64),
    Refund(u64),
    Payout(u64),
    None,
}

#[derive(Clone, Debug)]
pub struct BalanceTransaction {
    pub index: u64,
    pub created: i64,
    pub amount: i64,
    pub fee: i64,
    pub currency: &'static str,
    /// charge | refund | payout | adjustment
    pub kind: &'static str,
    pub available_on: i64,
    pub source: TxnSource,
    /// available | pending, as of when the object was generated or created.
    pub status: &'static str,
}

impl BalanceTransaction {
    pub fn net(&self) -> i64 {
        self.amount - self.fee
    }
}

impl Serialize for BalanceTransaction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let source = match self.source {
            TxnSource::Charge(i) => Some(Id(CHARGE, i)),
            TxnSource::Refund(i) => Some(Id(REFUND, i)),
            TxnSource::Payout(i) => Some(Id(PAYOUT, i)),
            TxnSource::None => None,
        };
        let mut m = s.serialize_struct("BalanceTransaction", 13)?;
        m.serialize_field("id", &Id(TXN, self.index))?;
        m.serialize_field("object", "balance_transaction")?;
        m.serialize_field("amount", &self.amount)?;
        m.serialize_field("available_on", &self.available_on)?;
        m.serialize_field("created", &self.created)?;
        m.serialize_field("currency", self.currency)?;
        m.serialize_field("description", &None::<&str>)?;
        m.serialize_field("fee", &self.fee)?;
        m.serialize_field("net", &self.net())?;
        m.serialize_field("reporting_category", self.kind)?;
        m.serialize_field("source", &source)?;
        m.serialize_field("status", self.status)?;
        m.serialize_field("type", self.kind)?;
        m.end()
    }
}

/// Events are few (only mutations make them), so they keep their rendered JSON.
#[derive(Clone, Debug)]
pub struct Event {
    pub created: i64,
    pub kind: String,
    pub json: serde_json::Value,
}

/// Anything listed by `created`.
pub trait Created {
    fn created(&self) -> i64;
}

macro_rules! created {
    ($($t:ty),*) => { $(impl Created for $t { fn created(&self) -> i64 { self.created } })* };
}
created!(Customer, Charge, Invoice, Subscription, BalanceTransaction, Event);
