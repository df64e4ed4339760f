//! Stripe: lists are newest first, paged with `starting_after` (limit 100, `has_more`).
//!
//! A stream first backfills the whole list: its first page (the newest objects), then the
//! rest as slices of `created` the engine walks at once and halves whenever a hand is free
//! (`split`), so the walk runs at the rate limit rather than one page after another. Later syncs list what was created since the
//! newest object seen (`created[gte]`), then read `/v1/events` since the last one seen and
//! re-fetch the objects they name, so refunds, cancellations and payments are caught.
//! Stripe keeps events 30 days: if the last event walk is older than 29, the stream re-lists
//! everything instead (upserts make that safe).

use std::collections::BTreeSet;

use futures_util::StreamExt;
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
    /// One slice of a backfill (`slice`), newest first.
    Slice,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    slice: Option<Slice>,
}

/// A slice of a backfill: the objects created in `[gte, lt)` (Stripe seconds), walked newest
/// first from `starting_after`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Slice {
    gte: i64,
    lt: i64,
    /// The oldest `created` the walk has passed: what is left is in `[gte, passed]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passed: Option<i64>,
    /// Objects a second in what this slice has walked (a fresh half: in the slice it came
    /// from; 0: not known), to split only what holds several pages.
    #[serde(default)]
    density: f64,
    /// Objects this slice has walked, and the newest `created` among them.
    #[serde(default)]
    seen: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seen_from: Option<i64>,
}

impl Slice {
    fn new(gte: i64, lt: i64, density: f64) -> Slice {
        Slice {
            gte,
            lt,
            passed: None,
            density,
            seen: 0,
            seen_from: None,
        }
    }

    /// A page of `count` objects walked, created from `newest` down to `oldest`.
    fn walked(&mut self, count: usize, newest: i64, oldest: i64) {
        self.seen += count as u64;
        let from = *self.seen_from.get_or_insert(newest);
        self.passed = Some(oldest);
        self.density = self.seen as f64 / (from - oldest + 1) as f64;
    }
}

/// Fewer objects than this left (by the density walked so far), a slice is not split: each
/// half still holds several pages, so a split costs at most one short page in five.
const MIN_SPLIT_OBJECTS: f64 = 1_000.0;

/// Halves what is left of a slice by time: the newer half keeps the walk's position, the
/// older half starts fresh. Ranges are half-open and meet at `mid`, so an object is in
/// exactly one; objects of one second are never split (they share a page walk).
pub(super) fn split(slice: &Value) -> Option<(Value, Value)> {
    let cursor: Cursor = serde_json::from_value(slice.clone()).ok()?;
    let range = cursor.slice.filter(|_| cursor.phase == Phase::Slice)?;
    let top = range.passed.unwrap_or(range.lt - 1);
    let left = range.density * (top - range.gte + 1) as f64;
    if top - range.gte < 1 || range.density > 0.0 && left < MIN_SPLIT_OBJECTS {
        return None;
    }
    let mid = range.gte + (top - range.gte + 1) / 2;
    let newer = Cursor {
        slice: Some(Slice { gte: mid, ..range }),
        ..cursor.clone()
    };
    let older = Cursor {
        phase: Phase::Slice,
        slice: Some(Slice::new(range.gte, mid, range.density)),
        ..Cursor::default()
    };
    Some((to_value(&newer), to_value(&older)))
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
        Phase::Backfill | Phase::New | Phase::Slice => list_page(ctx, def, cursor).await,
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
        events_since: events_since.or(Some(0)),
        events_read_at: Some(ctx.now),
        ..Cursor::default()
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
    if let Some(range) = cursor.slice.filter(|_| cursor.phase == Phase::Slice) {
        query.push(("created[gte]", range.gte.to_string()));
        query.push(("created[lt]", range.lt.to_string()));
    }
    if let Some(after) = &cursor.starting_after {
        query.push(("starting_after", after.clone()));
    }
    let page = list(ctx, def.path, query).await?;
    let mut rows = Rows::new(def.table);
    // The newest and oldest `created` on the page (newest first, so its first and last).
    let mut span: Option<(i64, i64)> = None;
    for object in &page.data {
        let row = (def.row)(object.get())?;
        // Every Stripe row starts with `id` and `created` (ms): the walk's position.
        if let [Cell::Text(id), Cell::Int(created_ms), ..] = row.as_slice() {
            let created = created_ms / 1000;
            span = Some(span.map_or((created, created), |(n, o)| (n.max(created), o.min(created))));
            cursor.starting_after = Some(id.clone());
        }
        rows.rows.push(row);
    }
    let more = page.has_more && !page.data.is_empty();
    if cursor.phase == Phase::Slice {
        if let (Some(range), Some((newest, oldest))) = (cursor.slice.as_mut(), span) {
            range.walked(rows.len(), newest, oldest);
        }
        return Ok(Page {
            done: !more,
            ..Page::more(rows, to_value(&cursor))
        });
    }
    cursor.walk_newest = cursor.walk_newest.max(span.map(|(newest, _)| newest));
    if more && cursor.phase == Phase::Backfill {
        // The rest of the backfill is everything created up to the oldest object seen, from
        // its position: a slice the engine walks and halves as hands are free.
        let (newest, oldest) = span.expect("a page with objects");
        let mut slice = Slice::new(0, oldest + 1, 0.0);
        slice.walked(rows.len(), newest, oldest);
        let rest = Cursor {
            phase: Phase::Slice,
            starting_after: cursor.starting_after.take(),
            slice: Some(slice),
            ..Cursor::default()
        };
        let mut page = list_done(def, cursor, rows);
        page.slices = vec![to_value(&rest)];
        return Ok(page);
    }
    if more {
        return Ok(Page::more(rows, to_value(&cursor)));
    }
    Ok(list_done(def, cursor, rows))
}

/// The list walk is over: the next one lists from the newest object seen (inclusive, so an
/// object created in the same second is not missed). After a backfill the same job lists
/// what was created while it ran (newest first, it started from the newest then) and reads
/// the events since its start: the sync ends as fresh as its end, not its start.
fn list_done(def: &Walk, mut cursor: Cursor, rows: Rows) -> Page {
    cursor.created_gte = cursor.walk_newest.max(cursor.created_gte).or(Some(0));
    cursor.starting_after = None;
    cursor.walk_newest = None;
    let (phase, done) = match cursor.phase {
        Phase::Backfill => (Phase::New, false),
        _ if def.event_types.is_empty() => (Phase::Idle, true),
        _ => (Phase::Events, false),
    };
    cursor.phase = phase;
    Page {
        done,
        ..Page::more(rows, to_value(&cursor))
    }
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
    // Re-fetch each changed object (the event's copy may be older than the object now),
    // several at once like the slices of a backfill, kept in order.
    let endpoint = format!("{}/:id", def.path);
    let fetched: Vec<Result<Option<Vec<Cell>>, ConnectorError>> = futures_util::stream::iter(changed)
        .map(|id| {
            let endpoint = endpoint.as_str();
            async move {
                let mut request = get(ctx, &format!("{}/{id}", def.path), &[]);
                request.endpoint = Some(endpoint);
                match ctx.http.send_json::<Box<RawValue>>(&request).await {
                    Ok(Fetched::Body { body, .. }) => (def.row)(body.get()).map(Some),
                    Ok(Fetched::NotModified) => Ok(None),
                    // Deleted since the event: nothing to re-read.
                    Err(HttpError::Rejected { status: 404, .. }) => Ok(None),
                    Err(e) => Err(e.into()),
                }
            }
        })
        .buffered(ctx.http.in_flight(ctx.pacing))
        .collect()
        .await;
    let mut rows = Rows::new(def.table);
    for row in fetched {
        rows.rows.extend(row?);
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

/// A list page; the path is the endpoint Stripe limits it under.
async fn list(
    ctx: &Context<'_>,
    path: &'static str,
    query: Vec<(&str, String)>,
) -> Result<List, ConnectorError> {
    let mut request = get(ctx, path, &query);
    request.endpoint = Some(path);
    ctx.json(&request).await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn walking(gte: i64) -> Value {
        // 100 objects walked over the 100 seconds down to 9,901: one a second.
        let mut slice = Slice::new(gte, 10_001, 0.0);
        slice.walked(100, 10_000, 9_901);
        to_value(&Cursor {
            phase: Phase::Slice,
            starting_after: Some("ch_at".into()),
            slice: Some(slice),
            ..Cursor::default()
        })
    }

    #[test]
    fn a_slice_is_halved_by_time_while_each_half_holds_several_pages() {
        let (newer, older) = split(&walking(0)).unwrap();
        // What is left is [0, 9,901]: the newer half keeps the walk's position.
        assert_eq!(newer["slice"]["gte"], 4_951);
        assert_eq!(newer["slice"]["lt"], 10_001);
        assert_eq!(newer["starting_after"], "ch_at");
        assert_eq!(older["slice"]["gte"], 0);
        assert_eq!(older["slice"]["lt"], 4_951);
        assert!(older.get("starting_after").is_none());
        assert_eq!(
            older["slice"]["density"], 1.0,
            "the fresh half expects its parent's density"
        );
        // About 900 objects left: a split would make short pages for little.
        assert!(split(&walking(9_000)).is_none());
        // A range of one second is one walk.
        let one_second = to_value(&Cursor {
            phase: Phase::Slice,
            slice: Some(Slice::new(7, 8, 0.0)),
            ..Cursor::default()
        });
        assert!(split(&one_second).is_none());
        // Not a slice: nothing to split.
        assert!(split(&to_value(&Cursor::default())).is_none());
    }
}
