//! Changes made through the control API. Each one stamps the sim clock on the
//! objects it creates and emits the event(s) Stripe would, with `data.object`
//! being the object after the change.

use super::model::*;
use super::store::StripeStore;

/// Currencies accepted for new objects (model fields are `&'static str`).
pub const KNOWN_CURRENCIES: [&str; 12] = [
    "usd", "eur", "gbp", "cad", "aud", "jpy", "chf", "sek", "nok", "dkk", "nzd", "sgd",
];

pub fn currency(code: &str) -> Option<&'static str> {
    let code = code.to_ascii_lowercase();
    KNOWN_CURRENCIES.iter().copied().find(|c| *c == code)
}

/// A failed mutation: HTTP status and message.
pub type Failure = (u16, String);

fn not_found(noun: &str, id: &str) -> Failure {
    (404, format!("No such {noun}: '{id}'"))
}

pub struct NewSubscription {
    pub customer: u64,
    pub unit_amount: i64,
    pub currency: &'static str,
    pub interval: &'static str,
    pub interval_count: u32,
}

impl StripeStore {
    pub fn create_charge(
        &mut self,
        now: i64,
        amount: i64,
        currency: &'static str,
        customer: Option<u64>,
        status: &'static str,
    ) -> Charge {
        let index = self.charges.next_index();
        // A successful charge moves money, so it gets a balance transaction too.
        let balance_transaction = (status == "succeeded").then(|| {
            self.txns.push(BalanceTransaction {
                index: self.txns.next_index(),
                created: now,
                amount,
                fee: amount * 29 / 1000 + 30,
                currency,
                kind: "charge",
                available_on: now + 2 * 86_400,
                source: TxnSource::Charge(index),
                status: "pending",
            })
        });
        let charge = Charge {
            index,
            created: now,
            amount,
            amount_refunded: 0,
            currency,
            customer,
            status,
            balance_transaction,
            invoice: None,
            description: format!("Sim charge #{index}"),
        };
        self.charges.push(charge.clone());
        self.emit(now, &format!("charge.{status}"), &charge);
        charge
    }

    /// Refunds `amount` (default: everything not yet refunded).
    pub fn refund_charge(&mut self, now: i64, id: &str, amount: Option<i64>) -> Result<Charge, Failure> {
        let index = crate::ids::decode(CHARGE, id).ok_or_else(|| not_found("charge", id))?;
        let mut charge = self.charge(index).ok_or_else(|| not_found("charge", id))?;
        if !charge.succeeded() {
            return Err((
                400,
                format!("Charge {id} has not succeeded and cannot be refunded."),
            ));
        }
        let left = charge.amount - charge.amount_refunded;
        let amount = amount.unwrap_or(left);
        if amount <= 0 || amount > left {
            return Err((
                400,
                format!("Refund amount ({amount}) must be between 1 and {left}."),
            ));
        }
        charge.amount_refunded += amount;
        let txn_index = self.txns.next_index();
        self.txns.push(BalanceTransaction {
            index: txn_index,
            created: now,
            amount: -amount,
            fee: 0,
            currency: charge.currency,
            kind: "refund",
            available_on: now,
            source: TxnSource::Refund(txn_index),
            status: "available",
        });
        self.charges.put(index, charge.clone());
        self.emit(now, "charge.refunded", &charge);
        Ok(charge)
    }

    pub fn create_customer(&mut self, now: i64, name: Option<String>, email: Option<String>) -> Customer {
        let customer = Customer {
            index: self.customers.next_index(),
            created: now,
            name,
            email,
            currency: None,
            delinquent: false,
        };
        self.customers.push(customer.clone());
        self.emit(now, "customer.created", &customer);
        customer
    }

    pub fn update_customer(
        &mut self,
        now: i64,
        id: &str,
        name: Option<String>,
        email: Option<String>,
    ) -> Result<Customer, Failure> {
        let index = crate::ids::decode(CUSTOMER, id).ok_or_else(|| not_found("customer", id))?;
        let mut customer = self.customer(index).ok_or_else(|| not_found("customer", id))?;
        if name.is_some() {
            customer.name = name;
        }
        if email.is_some() {
            customer.email = email;
        }
        self.customers.put(index, customer.clone());
        self.emit(now, "customer.updated", &customer);
        Ok(customer)
    }

    /// Creates an active subscription and its first (open) invoice, as Stripe does.
    pub fn create_subscription(&mut self, now: i64, new: NewSubscription) -> Subscription {
        let index = self.subscriptions.next_index();
        let price = Price {
            // Clear of the generated plan prices (plan * currencies).
            index: 1_000_000 + index,
            unit_amount: new.unit_amount,
            interval: new.interval,
            interval_count: new.interval_count,
        };
        let sub = Subscription {
            index,
            created: now,
            customer: Some(new.customer),
            status: "active",
            currency: new.currency,
            canceled_at: None,
            cancel_at_period_end: false,
            current_period_start: now,
            current_period_end: now + price.period_secs(),
            quantity: 1,
            price,
            addon: None,
        };
        self.subscriptions.push(sub.clone());
        self.emit(now, "customer.subscription.created", &sub);
        let invoice = Invoice {
            index: self.invoices.next_index(),
            created: now,
            customer: Some(new.customer),
            subscription: Some(index),
            status: "open",
            amount_due: new.unit_amount,
            amount_paid: 0,
            currency: new.currency,
            period_start: now,
            period_end: now,
        };
        self.invoices.push(invoice.clone());
        self.emit(now, "invoice.created", &invoice);
        sub
    }

    pub fn update_subscription(
        &mut self,
        now: i64,
        id: &str,
        quantity: Option<u32>,
        cancel_at_period_end: Option<bool>,
    ) -> Result<Subscription, Failure> {
        let index = crate::ids::decode(SUBSCRIPTION, id).ok_or_else(|| not_found("subscription", id))?;
        let mut sub = self
            .subscription(index)
            .ok_or_else(|| not_found("subscription", id))?;
        if sub.status == "canceled" {
            return Err((
                400,
                format!("Subscription {id} is canceled and cannot be updated."),
            ));
        }
        if let Some(q) = quantity {
            sub.quantity = q.max(1);
        }
        if let Some(c) = cancel_at_period_end {
            sub.cancel_at_period_end = c;
        }
        self.subscriptions.put(index, sub.clone());
        self.emit(now, "customer.subscription.updated", &sub);
        Ok(sub)
    }

    pub fn cancel_subscription(&mut self, now: i64, id: &str) -> Result<Subscription, Failure> {
        let index = crate::ids::decode(SUBSCRIPTION, id).ok_or_else(|| not_found("subscription", id))?;
        let mut sub = self
            .subscription(index)
            .ok_or_else(|| not_found("subscription", id))?;
        if sub.status == "canceled" {
            return Err((400, format!("Subscription {id} is already canceled.")));
        }
        sub.status = "canceled";
        sub.canceled_at = Some(now);
        sub.cancel_at_period_end = false;
        self.subscriptions.put(index, sub.clone());
        self.emit(now, "customer.subscription.deleted", &sub);
        Ok(sub)
    }

    pub fn pay_invoice(&mut self, now: i64, id: &str) -> Result<Invoice, Failure> {
        let index = crate::ids::decode(INVOICE, id).ok_or_else(|| not_found("invoice", id))?;
        let mut invoice = self.invoice(index).ok_or_else(|| not_found("invoice", id))?;
        if !matches!(invoice.status, "draft" | "open" | "uncollectible") {
            return Err((
                400,
                format!("Invoice {id} is {} and cannot be paid.", invoice.status),
            ));
        }
        invoice.status = "paid";
        invoice.amount_paid = invoice.amount_due;
        self.invoices.put(index, invoice.clone());
        self.emit(now, "invoice.paid", &invoice);
        Ok(invoice)
    }
}
