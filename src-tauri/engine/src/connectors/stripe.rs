//! Stripe: lists are newest first, paged with `starting_after` (limit 100, `has_more`).
//!
//! A stream first backfills the whole list. Later syncs list what was created since the
//! newest object seen (`created[gte]`), then read `/v1/events` since the last one seen and
//! re-fetch the objects they name, so refunds, cancellations and payments are caught.
//! Stripe keeps events 30 days: if the last event walk is older than 29, the stream re-lists
//! everything instead (upserts make that safe).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::{cursor_from, fields, to_value, Account, ConnectorError, Context, Page};
use crate::clock::Millis;
use crate::http::Fetched;
use crate::store::{Cell, Rows, Table};

pub const STREAMS: &[&str] = &[
    "customers",
    "charges",
    "invoices",
    "subscriptions",
    "balance_transactions",
];
const PAGE_SIZE: &str = "100";
const EVENTS_RETENTION_MARGIN_MS: Millis = 29 * 24 * 3600 * 1000;

struct Stream {
    name: &'static str,
    path: &'static str,
    /// Extra list parameters (subscriptions hide canceled ones without `status=all`).
    list_params: &'static [(&'static str, &'static str)],
    /// Event types that mean an object of this stream changed; empty = no events.
    event_types: &'static [&'static str],
    table: &'static Table,
    row: fn(&str) -> Result<Vec<Cell>, ConnectorError>,
}

const STREAM_DEFS: &[Stream] = &[
    Stream {
        name: "customers",
        path: "/v1/customers",
        list_params: &[],
        event_types: &["customer.created", "customer.updated"],
        table: &CUSTOMERS,
        row: customer_row,
    },
    Stream {
        name: "charges",
        path: "/v1/charges",
        list_params: &[],
        event_types: &[
            "charge.succeeded",
            "charge.failed",
            "charge.captured",
            "charge.refunded",
            "charge.updated",
        ],
        table: &CHARGES,
        row: charge_row,
    },
    Stream {
        name: "invoices",
        path: "/v1/invoices",
        list_params: &[],
        event_types: &[
            "invoice.created",
            "invoice.finalized",
            "invoice.paid",
            "invoice.payment_failed",
            "invoice.updated",
            "invoice.voided",
        ],
        table: &INVOICES,
        row: invoice_row,
    },
    Stream {
        name: "subscriptions",
        path: "/v1/subscriptions",
        list_params: &[("status", "all")],
        event_types: &[
            "customer.subscription.created",
            "customer.subscription.updated",
            "customer.subscription.deleted",
        ],
        table: &SUBSCRIPTIONS,
        row: subscription_row,
    },
    Stream {
        name: "balance_transactions",
        path: "/v1/balance_transactions",
        list_params: &[],
        event_types: &[],
        table: &BALANCE_TRANSACTIONS,
        row: balance_transaction_row,
    },
];

fn stream(name: &str) -> Option<&'static Stream> {
    STREAM_DEFS.iter().find(|s| s.name == name)
}

pub fn table(stream_name: &str) -> Option<&'static Table> {
    stream(stream_name).map(|s| s.table)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    /// Between syncs.
    #[default]
    Idle,
    /// Listing everything, newest first.
    Backfill,
    /// Listing what was created since `created_gte`.
    New,
    /// Reading events since `events_since` and re-fetching the objects they name.
    Events,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Cursor {
    phase: Phase,
    /// Position inside the current walk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    starting_after: Option<String>,
    /// The next "new objects" walk lists `created >= this` (Stripe seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_gte: Option<i64>,
    /// The newest `created` seen by the current walk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    walk_newest: Option<i64>,
    /// The next events walk reads `created >= this`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    events_since: Option<i64>,
    /// When events were last read to the end (engine time): older than 29 days and some
    /// may have expired, so the stream re-lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    events_read_at: Option<Millis>,
}

#[derive(Deserialize)]
struct List {
    data: Vec<Box<RawValue>>,
    has_more: bool,
}

pub async fn validate(ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    // The call syncing needs first: a key that cannot list charges is of no use.
    list(ctx, "/v1/charges", vec![("limit", "1".into())]).await?;
    // A restricted key may not read the account; then the source is simply named "Stripe".
    let url = ctx.url("/v1/account", &[]);
    let account = match ctx.http.get_json::<Value>(&ctx.get(url, vec![], None)).await {
        Ok(Fetched::Body { body, .. }) => Some(body),
        _ => None,
    };
    let id = account.as_ref().and_then(|a| a["id"].as_str()).map(str::to_owned);
    let name = account.as_ref().and_then(|a| {
        a["settings"]["dashboard"]["display_name"]
            .as_str()
            .or(a["business_profile"]["name"].as_str())
            .map(str::to_owned)
    });
    Ok(Account {
        external_id: id.unwrap_or_else(|| "account".to_owned()),
        label: name.unwrap_or_else(|| "Stripe account".to_owned()),
    })
}

pub async fn next_page(
    ctx: &Context<'_>,
    stream_name: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    let def = stream(stream_name)
        .ok_or_else(|| ConnectorError::BadData(format!("no Stripe stream {stream_name}")))?;
    let mut cursor: Cursor = cursor_from(cursor);
    if cursor.phase == Phase::Idle {
        cursor = start_sync(ctx, def, cursor).await?;
    }
    match cursor.phase {
        Phase::Backfill | Phase::New => list_page(ctx, def, cursor).await,
        Phase::Events => events_page(ctx, def, cursor).await,
        Phase::Idle => unreachable!("start_sync leaves Idle"),
    }
}

/// Decides what this sync of the stream walks.
async fn start_sync(ctx: &Context<'_>, def: &Stream, cursor: Cursor) -> Result<Cursor, ConnectorError> {
    let events_expired = cursor
        .events_read_at
        .is_some_and(|at| ctx.now - at > EVENTS_RETENTION_MARGIN_MS);
    if cursor.created_gte.is_some() && !events_expired {
        return Ok(Cursor {
            phase: Phase::New,
            starting_after: None,
            walk_newest: None,
            ..cursor
        });
    }
    // A full list. Events from now on are read afterwards, so changes made while the
    // backfill runs are not missed: remember where the event log stands before starting.
    let events_since = if def.event_types.is_empty() {
        None
    } else {
        newest_event(ctx, def).await?
    };
    Ok(Cursor {
        phase: Phase::Backfill,
        starting_after: None,
        created_gte: None,
        walk_newest: None,
        events_since: events_since.or(Some(0)),
        events_read_at: Some(ctx.now),
    })
}

async fn newest_event(ctx: &Context<'_>, def: &Stream) -> Result<Option<i64>, ConnectorError> {
    let mut query = vec![("limit", "1".to_owned())];
    query.extend(def.event_types.iter().map(|t| ("types[]", (*t).to_owned())));
    let page = list(ctx, "/v1/events", query).await?;
    page.data
        .first()
        .map(|e| fields::<Event>(e.get(), "event").map(|e| e.created))
        .transpose()
}

async fn list_page(ctx: &Context<'_>, def: &Stream, mut cursor: Cursor) -> Result<Page, ConnectorError> {
    let mut query: Vec<(&str, String)> = vec![("limit", PAGE_SIZE.to_owned())];
    query.extend(def.list_params.iter().map(|(k, v)| (*k, (*v).to_owned())));
    if cursor.phase == Phase::New {
        query.push(("created[gte]", cursor.created_gte.unwrap_or(0).to_string()));
    }
    if let Some(after) = &cursor.starting_after {
        query.push(("starting_after", after.clone()));
    }
    let page = list(ctx, def.path, query).await?;
    let mut rows = Rows::new(def.table);
    for object in &page.data {
        let row = (def.row)(object.get())?;
        // Every Stripe row starts with `id` and `created` (ms): the walk's position.
        if let [Cell::Text(id), Cell::Int(created_ms), ..] = row.as_slice() {
            cursor.walk_newest = cursor.walk_newest.max(Some(created_ms / 1000));
            cursor.starting_after = Some(id.clone());
        }
        rows.rows.push(row);
    }
    if page.has_more && !page.data.is_empty() {
        return Ok(Page {
            rows,
            cursor: to_value(&cursor),
            done: false,
        });
    }
    // The walk is over: the next one lists from the newest object seen (inclusive, so an
    // object created in the same second is not missed).
    cursor.created_gte = cursor.walk_newest.max(cursor.created_gte).or(Some(0));
    cursor.starting_after = None;
    cursor.walk_newest = None;
    let done = cursor.phase == Phase::Backfill || def.event_types.is_empty();
    cursor.phase = if done { Phase::Idle } else { Phase::Events };
    Ok(Page {
        rows,
        cursor: to_value(&cursor),
        done,
    })
}

async fn events_page(ctx: &Context<'_>, def: &Stream, mut cursor: Cursor) -> Result<Page, ConnectorError> {
    let mut query = vec![
        ("limit", PAGE_SIZE.to_owned()),
        ("created[gte]", cursor.events_since.unwrap_or(0).to_string()),
    ];
    query.extend(def.event_types.iter().map(|t| ("types[]", (*t).to_owned())));
    if let Some(after) = &cursor.starting_after {
        query.push(("starting_after", after.clone()));
    }
    let page = list(ctx, "/v1/events", query).await?;
    let mut changed = BTreeSet::new();
    for event in &page.data {
        let parsed: Event = fields(event.get(), "event")?;
        cursor.walk_newest = cursor.walk_newest.max(Some(parsed.created));
        cursor.starting_after = Some(parsed.id);
        changed.insert(parsed.data.object.id);
    }
    // Re-fetch each changed object: the event's copy may be older than the object now.
    let mut rows = Rows::new(def.table);
    for id in changed {
        let url = ctx.url(&format!("{}/{id}", def.path), &[]);
        match ctx
            .http
            .get_json::<Box<RawValue>>(&ctx.get(url, vec![], None))
            .await
        {
            Ok(Fetched::Body { body, .. }) => rows.rows.push((def.row)(body.get())?),
            Ok(Fetched::NotModified) => {}
            // Deleted since the event: nothing to re-read.
            Err(crate::http::HttpError::Rejected { status: 404, .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if page.has_more && !page.data.is_empty() {
        return Ok(Page {
            rows,
            cursor: to_value(&cursor),
            done: false,
        });
    }
    cursor.events_since = cursor.walk_newest.max(cursor.events_since);
    cursor.events_read_at = Some(ctx.now);
    cursor.phase = Phase::Idle;
    cursor.starting_after = None;
    cursor.walk_newest = None;
    Ok(Page {
        rows,
        cursor: to_value(&cursor),
        done: true,
    })
}

async fn list(ctx: &Context<'_>, path: &str, query: Vec<(&str, String)>) -> Result<List, ConnectorError> {
    let url = ctx.url(path, &query);
    match ctx.http.get_json::<List>(&ctx.get(url, vec![], None)).await? {
        Fetched::Body { body, .. } => Ok(body),
        Fetched::NotModified => Err(ConnectorError::BadData("304 to an unconditional request".into())),
    }
}

#[derive(Deserialize)]
struct Event {
    id: String,
    created: i64,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: EventObject,
}

#[derive(Deserialize)]
struct EventObject {
    id: String,
}

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

static CUSTOMERS: Table = Table {
    name: "stripe_customers",
    key: &["id"],
    columns: &["id", "created", "email", "name", "currency", "delinquent", "raw"],
};

fn customer_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
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

static CHARGES: Table = Table {
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
};

fn charge_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
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

static INVOICES: Table = Table {
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
};

fn invoice_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
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

static SUBSCRIPTIONS: Table = Table {
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
};

fn subscription_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        id: String,
        created: i64,
        customer: Option<IdOrObject>,
        status: String,
        currency: String,
        canceled_at: Option<i64>,
        ended_at: Option<i64>,
        current_period_start: Option<i64>,
        current_period_end: Option<i64>,
    }
    let f: F = fields(raw, "subscription")?;
    Ok(vec![
        f.id.into(),
        ms(f.created).into(),
        id_of(f.customer).into(),
        f.status.into(),
        f.currency.into(),
        ms_opt(f.canceled_at).into(),
        ms_opt(f.ended_at).into(),
        ms_opt(f.current_period_start).into(),
        ms_opt(f.current_period_end).into(),
        raw.into(),
    ])
}

static BALANCE_TRANSACTIONS: Table = Table {
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
};

fn balance_transaction_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
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
