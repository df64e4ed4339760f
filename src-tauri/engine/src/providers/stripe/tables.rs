//! Stripe's tables and how its objects map to rows. Timestamps become UTC milliseconds;
//! money stays in the currency's minor unit, as Stripe sends it.

use serde::Deserialize;

use crate::connector::{fields, Cell, ConnectorError, Day, Table};

fn ms(seconds: i64) -> i64 {
    seconds * 1000
}

fn ms_opt(seconds: Option<i64>) -> Option<i64> {
    seconds.map(ms)
}

/// Stripe fields that may be an id or an expanded object.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdOrObject {
    Id(String),
    Object { id: String },
}

impl IdOrObject {
    fn id(self) -> String {
        match self {
            IdOrObject::Id(id) | IdOrObject::Object { id } => id,
        }
    }
}

fn id_of(v: Option<IdOrObject>) -> Option<String> {
    v.map(IdOrObject::id)
}

pub(super) static CUSTOMERS: Table = Table {
    name: "stripe_customers",
    key: &["id"],
    columns: &["id", "created", "email", "name", "currency", "delinquent", "raw"],
    days: &[Day::Millis("created")],
    watch: &["created"],
};

pub(super) fn customer_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        id: String,
        created: i64,
        email: Option<String>,
        name: Option<String>,
        currency: Option<String>,
        #[serde(default)]
        delinquent: Option<bool>,
    }
    let f: F = fields(raw, "customer")?;
    Ok(vec![
        f.id.into(),
        ms(f.created).into(),
        f.email.into(),
        f.name.into(),
        f.currency.into(),
        f.delinquent.unwrap_or(false).into(),
        raw.into(),
    ])
}

pub(super) static CHARGES: Table = Table {
    name: "stripe_charges",
    key: &["id"],
    columns: &[
        "id",
        "created",
        "customer_id",
        "amount",
        "amount_refunded",
        "currency",
        "status",
        "paid",
        "refunded",
        "invoice_id",
        "raw",
    ],
    days: &[Day::Millis("created")],
    watch: &["created", "status", "amount", "amount_refunded", "currency"],
};

pub(super) fn charge_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        id: String,
        created: i64,
        customer: Option<IdOrObject>,
        amount: i64,
        #[serde(default)]
        amount_refunded: i64,
        currency: String,
        status: String,
        #[serde(default)]
        paid: bool,
        #[serde(default)]
        refunded: bool,
        invoice: Option<IdOrObject>,
    }
    let f: F = fields(raw, "charge")?;
    Ok(vec![
        f.id.into(),
        ms(f.created).into(),
        id_of(f.customer).into(),
        f.amount.into(),
        f.amount_refunded.into(),
        f.currency.into(),
        f.status.into(),
        f.paid.into(),
        f.refunded.into(),
        id_of(f.invoice).into(),
        raw.into(),
    ])
}

pub(super) static INVOICES: Table = Table {
    name: "stripe_invoices",
    key: &["id"],
    columns: &[
        "id",
        "created",
        "customer_id",
        "subscription_id",
        "status",
        "amount_due",
        "amount_paid",
        "currency",
        "period_start",
        "period_end",
        "raw",
    ],
    days: &[],
    watch: &[],
};

pub(super) fn invoice_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        id: String,
        created: i64,
        customer: Option<IdOrObject>,
        subscription: Option<IdOrObject>,
        status: Option<String>,
        #[serde(default)]
        amount_due: i64,
        #[serde(default)]
        amount_paid: i64,
        currency: String,
        period_start: Option<i64>,
        period_end: Option<i64>,
    }
    let f: F = fields(raw, "invoice")?;
    Ok(vec![
        f.id.into(),
        ms(f.created).into(),
        id_of(f.customer).into(),
        id_of(f.subscription).into(),
        f.status.into(),
        f.amount_due.into(),
        f.amount_paid.into(),
        f.currency.into(),
        ms_opt(f.period_start).into(),
        ms_opt(f.period_end).into(),
        raw.into(),
    ])
}

pub(super) static SUBSCRIPTIONS: Table = Table {
    name: "stripe_subscriptions",
    key: &["id"],
    columns: &[
        "id",
        "created",
        "customer_id",
        "status",
        "currency",
        "canceled_at",
        "ended_at",
        "current_period_start",
        "current_period_end",
        "raw",
    ],
    days: &[
        Day::Millis("created"),
        Day::Millis("canceled_at"),
        Day::Millis("ended_at"),
    ],
    watch: &["created", "canceled_at", "ended_at", "status", "currency", "raw"],
};

pub(super) fn subscription_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        id: String,
        created: i64,
        customer: Option<IdOrObject>,
        status: String,
        // Older API shapes leave it out; Stripe also puts it on the plan and the price.
        currency: Option<String>,
        #[serde(default)]
        plan: Option<Currency>,
        #[serde(default)]
        items: Option<Items>,
        canceled_at: Option<i64>,
        ended_at: Option<i64>,
        current_period_start: Option<i64>,
        current_period_end: Option<i64>,
    }
    #[derive(Deserialize)]
    struct Currency {
        currency: Option<String>,
    }
    #[derive(Deserialize)]
    struct Items {
        data: Vec<Item>,
    }
    #[derive(Deserialize)]
    struct Item {
        price: Option<Currency>,
    }
    let f: F = fields(raw, "subscription")?;
    let currency = f
        .currency
        .or_else(|| {
            f.items
                .and_then(|i| i.data.into_iter().find_map(|i| i.price?.currency))
        })
        .or_else(|| f.plan.and_then(|p| p.currency))
        .ok_or_else(|| ConnectorError::BadData(format!("subscription {} has no currency", f.id)))?;
    Ok(vec![
        f.id.into(),
        ms(f.created).into(),
        id_of(f.customer).into(),
        f.status.into(),
        currency.into(),
        ms_opt(f.canceled_at).into(),
        ms_opt(f.ended_at).into(),
        ms_opt(f.current_period_start).into(),
        ms_opt(f.current_period_end).into(),
        raw.into(),
    ])
}

pub(super) static BALANCE_TRANSACTIONS: Table = Table {
    name: "stripe_balance_transactions",
    key: &["id"],
    columns: &[
        "id",
        "created",
        "type",
        "amount",
        "fee",
        "net",
        "currency",
        "status",
        "source_object",
        "available_on",
        "raw",
    ],
    days: &[],
    watch: &[],
};

pub(super) fn balance_transaction_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        id: String,
        created: i64,
        #[serde(rename = "type")]
        kind: String,
        amount: i64,
        #[serde(default)]
        fee: i64,
        net: i64,
        currency: String,
        status: Option<String>,
        source: Option<IdOrObject>,
        available_on: Option<i64>,
    }
    let f: F = fields(raw, "balance transaction")?;
    Ok(vec![
        f.id.into(),
        ms(f.created).into(),
        f.kind.into(),
        f.amount.into(),
        f.fee.into(),
        f.net.into(),
        f.currency.into(),
        f.status.into(),
        id_of(f.source).into(),
        ms_opt(f.available_on).into(),
        raw.into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency_of(raw: &str) -> Result<Cell, ConnectorError> {
        Ok(subscription_row(raw)?.swap_remove(4))
    }

    #[test]
    fn a_subscription_without_its_own_currency_takes_its_price_s_or_plan_s() {
        let base = r#""id": "sub_1", "created": 1700000000, "customer": "cus_1", "status": "active""#;
        let own = format!(r#"{{{base}, "currency": "eur", "plan": {{"currency": "usd"}}}}"#);
        let price = format!(r#"{{{base}, "items": {{"data": [{{"price": {{"currency": "gbp"}}}}]}}}}"#);
        let plan = format!(r#"{{{base}, "plan": {{"currency": "jpy"}}}}"#);
        assert_eq!(currency_of(&own).unwrap(), Cell::Text("eur".into()));
        assert_eq!(currency_of(&price).unwrap(), Cell::Text("gbp".into()));
        assert_eq!(currency_of(&plan).unwrap(), Cell::Text("jpy".into()));
        // Nowhere at all: refused, naming the subscription.
        let none = format!("{{{base}}}");
        let err = currency_of(&none).unwrap_err();
        assert!(err.to_string().contains("sub_1"), "{err}");
    }
}
