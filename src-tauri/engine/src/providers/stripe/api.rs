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

use super::tables::*;
use crate::clock::Millis;
use crate::connector::{
    cursor_from, fields, header, to_value, Account, Cell, ConnectorError, Context, Page, Rows, Table,
};
use crate::http::{Fetched, HttpError, Request};

const PAGE_SIZE: &str = "100";
const EVENTS_RETENTION_MARGIN_MS: Millis = 29 * 24 * 3600 * 1000;

struct Walk {
    name: &'static str,
    path: &'static str,
    /// Extra list parameters (subscriptions hide canceled ones without `status=all`).
    list_params: &'static [(&'static str, &'static str)],
    /// Event types that mean an object of this stream changed; empty = no events.
    event_types: &'static [&'static str],
    table: &'static Table,
    row: fn(&str) -> Result<Vec<Cell>, ConnectorError>,
}

const WALKS: &[Walk] = &[
    Walk {
        name: "customers",
        path: "/v1/customers",
        list_params: &[],
        event_types: &["customer.created", "customer.updated"],
        table: &CUSTOMERS,
        row: customer_row,
    },
    Walk {
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
    Walk {
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
    Walk {
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
    Walk {
        name: "balance_transactions",
        path: "/v1/balance_transactions",
        list_params: &[],
        event_types: &[],
        table: &BALANCE_TRANSACTIONS,
        row: balance_transaction_row,
    },
];

fn walk(name: &str) -> Option<&'static Walk> {
    WALKS.iter().find(|s| s.name == name)
}

/// The API version the row mapping reads. Pinned, so an account whose default version is
/// older or newer still answers in this shape.
const STRIPE_VERSION: &str = "2024-06-20";

/// A GET with the pinned version.
fn get<'a>(ctx: &'a Context<'a>, path: &str, query: &[(&str, String)]) -> Request<'a> {
    let mut request = ctx.get(ctx.url(path, query));
    request.headers.extend(header("stripe-version", STRIPE_VERSION));
    request
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

pub(super) async fn validate(ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    // The call syncing needs first: a key that cannot list charges is of no use.
    list(ctx, "/v1/charges", vec![("limit", "1".into())]).await?;
    // A restricted key may not read the account; then the source is simply named "Stripe".
    let account = ctx.json::<Value>(&get(ctx, "/v1/account", &[])).await.ok();
    let id = account.as_ref().and_then(|a| a["id"].as_str()).map(str::to_owned);
    let name = account.as_ref().and_then(|a| {
        a["settings"]["dashboard"]["display_name"]
            .as_str()
            .or(a["business_profile"]["name"].as_str())
            .map(str::to_owned)
    });
    Ok(Account {
        id: id.unwrap_or_else(|| "account".to_owned()),
        label: name.unwrap_or_else(|| "Stripe account".to_owned()),
        parent: None,
        time_zone: None,
        currency: None,
    })
}

pub(super) async fn next_page(
    ctx: &Context<'_>,
    stream_name: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    let def = walk(stream_name)
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
async fn start_sync(ctx: &Context<'_>, def: &Walk, cursor: Cursor) -> Result<Cursor, ConnectorError> {
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

async fn newest_event(ctx: &Context<'_>, def: &Walk) -> Result<Option<i64>, ConnectorError> {
    let mut query = vec![("limit", "1".to_owned())];
    query.extend(def.event_types.iter().map(|t| ("types[]", (*t).to_owned())));
    let page = list(ctx, "/v1/events", query).await?;
    page.data
        .first()
        .map(|e| fields::<Event>(e.get(), "event").map(|e| e.created))
        .transpose()
}

async fn list_page(ctx: &Context<'_>, def: &Walk, mut cursor: Cursor) -> Result<Page, ConnectorError> {
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
        return Ok(Page::more(rows, to_value(&cursor)));
    }
    // The walk is over: the next one lists from the newest object seen (inclusive, so an
    // object created in the same second is not missed).
    cursor.created_gte = cursor.walk_newest.max(cursor.created_gte).or(Some(0));
    cursor.starting_after = None;
    cursor.walk_newest = None;
    // After a backfill, the same job lists what was created while it ran (newest first, it
    // started from the newest then) and reads the events since its start: the sync ends as
    // fresh as its end, not its start.
    let (phase, done) = match cursor.phase {
        Phase::Backfill => (Phase::New, false),
        _ if def.event_types.is_empty() => (Phase::Idle, true),
        _ => (Phase::Events, false),
    };
    cursor.phase = phase;
    Ok(Page {
        done,
        ..Page::more(rows, to_value(&cursor))
    })
}

async fn events_page(ctx: &Context<'_>, def: &Walk, mut cursor: Cursor) -> Result<Page, ConnectorError> {
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
        let request = get(ctx, &format!("{}/{id}", def.path), &[]);
        match ctx.http.send_json::<Box<RawValue>>(&request).await {
            Ok(Fetched::Body { body, .. }) => rows.rows.push((def.row)(body.get())?),
            Ok(Fetched::NotModified) => {}
            // Deleted since the event: nothing to re-read.
            Err(HttpError::Rejected { status: 404, .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if page.has_more && !page.data.is_empty() {
        return Ok(Page::more(rows, to_value(&cursor)));
    }
    cursor.events_since = cursor.walk_newest.max(cursor.events_since);
    cursor.events_read_at = Some(ctx.now);
    cursor.phase = Phase::Idle;
    cursor.starting_after = None;
    cursor.walk_newest = None;
    Ok(Page::last(rows, to_value(&cursor)))
}

async fn list(ctx: &Context<'_>, path: &str, query: Vec<(&str, String)>) -> Result<List, ConnectorError> {
    ctx.json(&get(ctx, path, &query)).await
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
