//! A stream walked as slices at once. The connector hands the rest of a walk over as slices
//! (`Page::slices`), each a cursor of its own; while they run, the stream's stored cursor is
//! every slice's position plus where the stream goes on after them (`Sliced`), committed
//! with the rows like any cursor, so a crash or cancel resumes every slice where it stopped.
//! Whenever fewer slices are left than may be in flight, an idle one is split in two
//! (`ConnectorApi::split`): the walk keeps the budget busy however the objects are spread.
//! What a finished slice learnt joins the cursor after them (`ConnectorApi::join`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::connector::{ConnectorApi, Page};

/// A stream's cursor while it is walked as slices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Sliced {
    pub slices: Vec<Value>,
    /// The connector's cursor once every slice is done.
    pub then: Value,
    /// The stream ends at `then` in this sync (a date-keyed walk) rather than going on from
    /// it (Stripe's events).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub done: bool,
}

impl Sliced {
    /// A stored cursor that is a sliced walk (a connector's own cursor never has these keys).
    pub fn read(cursor: &Value) -> Option<Sliced> {
        let object = cursor.as_object()?;
        let known = |k: &String| matches!(k.as_str(), "slices" | "then" | "done");
        if !object.contains_key("slices") || !object.contains_key("then") || !object.keys().all(known) {
            return None;
        }
        serde_json::from_value(cursor.clone()).ok()
    }
}

/// The slices of one walk, each idle or with a page in flight.
pub(super) struct Slices {
    slots: BTreeMap<u64, Slot>,
    next_id: u64,
    then: Value,
    done: bool,
}

struct Slot {
    cursor: Value,
    busy: bool,
}

impl Slices {
    pub fn new(sliced: Sliced) -> Slices {
        let mut slices = Slices {
            slots: BTreeMap::new(),
            next_id: 0,
            then: sliced.then,
            done: sliced.done,
        };
        for cursor in sliced.slices {
            slices.insert(cursor);
        }
        slices
    }

    fn insert(&mut self, cursor: Value) {
        self.slots.insert(self.next_id, Slot { cursor, busy: false });
        self.next_id += 1;
    }

    /// The cursor to store with what has landed so far: a slice with a page in flight is
    /// stored at the position that page was asked from; once every slice is done, `then`.
    pub fn cursor(&self) -> Value {
        if self.slots.is_empty() {
            return self.then.clone();
        }
        serde_json::to_value(Sliced {
            slices: self.slots.values().map(|s| s.cursor.clone()).collect(),
            then: self.then.clone(),
            done: self.done,
        })
        .expect("cursor serializes")
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Where the stream goes on once every slice is done, and whether it ends there.
    pub fn then(self) -> (Value, bool) {
        (self.then, self.done)
    }

    /// A slice's page arrived: it moves on, or is done and what it learnt joins `then`.
    pub fn landed(&mut self, api: &dyn ConnectorApi, stream: &str, id: u64, page: &Page) {
        if page.done {
            self.slots.remove(&id);
            self.then = api.join(stream, &self.then, &page.cursor);
        } else if let Some(slot) = self.slots.get_mut(&id) {
            slot.cursor = page.cursor.clone();
            slot.busy = false;
        }
    }

    /// The slices to fetch a page of now, marked busy: idle ones, split first while fewer
    /// slices are left than `width` (each idle slice once a round, so they halve evenly).
    pub fn dispatch(&mut self, api: &dyn ConnectorApi, stream: &str, width: usize) -> Vec<(u64, Value)> {
        loop {
            let idle: Vec<u64> = self.idle().collect();
            let mut split_any = false;
            for id in idle {
                if self.slots.len() >= width {
                    break;
                }
                if let Some((kept, new)) = api.split(stream, &self.slots[&id].cursor) {
                    self.slots.get_mut(&id).expect("an idle slice").cursor = kept;
                    self.insert(new);
                    split_any = true;
                }
            }
            if !split_any || self.slots.len() >= width {
                break;
            }
        }
        let busy = self.slots.values().filter(|s| s.busy).count();
        let ready: Vec<u64> = self.idle().take(width.saturating_sub(busy)).collect();
        ready
            .into_iter()
            .map(|id| {
                let slot = self.slots.get_mut(&id).expect("an idle slice");
                slot.busy = true;
                (id, slot.cursor.clone())
            })
            .collect()
    }

    fn idle(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots.iter().filter(|(_, s)| !s.busy).map(|(id, _)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{ConnectorError, Context, Rows};
    use futures_util::future::BoxFuture;
    use serde_json::json;

    /// Slices are integer ranges `[lo, hi)`; a split halves one.
    struct Ranges;

    impl ConnectorApi for Ranges {
        fn validate<'a>(
            &'a self,
            _: &'a Context<'a>,
        ) -> BoxFuture<'a, Result<crate::connector::Account, ConnectorError>> {
            unreachable!()
        }

        fn next_page<'a>(
            &'a self,
            _: &'a Context<'a>,
            _: &'a str,
            _: Option<Value>,
        ) -> BoxFuture<'a, Result<Page, ConnectorError>> {
            unreachable!()
        }

        fn split(&self, _: &str, slice: &Value) -> Option<(Value, Value)> {
            let (lo, hi) = (slice[0].as_i64()?, slice[1].as_i64()?);
            let mid = lo + (hi - lo) / 2;
            (hi - lo >= 2).then(|| (json!([mid, hi]), json!([lo, mid])))
        }
    }

    static TABLE: crate::connector::Table = crate::connector::Table {
        name: "t",
        key: &[],
        columns: &[],
        days: &[],
        watch: &[],
    };

    fn page(cursor: Value, done: bool) -> Page {
        Page {
            done,
            ..Page::more(Rows::new(&TABLE), cursor)
        }
    }

    #[test]
    fn a_stored_cursor_is_a_sliced_walk_only_with_both_keys() {
        let sliced = json!({"slices": [[0, 4]], "then": {"phase": "new"}});
        assert_eq!(Sliced::read(&sliced).unwrap().slices, [json!([0, 4])]);
        assert!(!Sliced::read(&sliced).unwrap().done);
        let ending = json!({"slices": [[0, 4]], "then": {}, "done": true});
        assert!(Sliced::read(&ending).unwrap().done);
        assert!(Sliced::read(&json!({"phase": "backfill", "starting_after": "ch_1"})).is_none());
        assert!(Sliced::read(&json!({"slices": [], "then": 1, "more": 2})).is_none());
    }

    #[test]
    fn idle_slices_are_halved_until_the_width_is_used_and_the_cursor_holds_every_one() {
        let mut slices = Slices::new(Sliced {
            slices: vec![json!([0, 64])],
            then: json!("then"),
            done: false,
        });
        let first = slices.dispatch(&Ranges, "s", 4);
        let mut ranges: Vec<Value> = first.iter().map(|(_, c)| c.clone()).collect();
        ranges.sort_by_key(|r| r[0].as_i64());
        assert_eq!(
            ranges,
            [json!([0, 16]), json!([16, 32]), json!([32, 48]), json!([48, 64])]
        );
        // All busy: nothing more to dispatch, and the stored cursor holds each at its start.
        assert!(slices.dispatch(&Ranges, "s", 4).is_empty());
        assert_eq!(slices.cursor()["slices"].as_array().unwrap().len(), 4);
        // One finishes: its hand splits a slice that is idle again (the one that moved on).
        let (done, moved) = (first[0].0, first[1].0);
        slices.landed(&Ranges, "s", done, &page(json!(null), true));
        slices.landed(&Ranges, "s", moved, &page(json!([20, 32]), false));
        let next = slices.dispatch(&Ranges, "s", 4);
        let mut ranges: Vec<Value> = next.iter().map(|(_, c)| c.clone()).collect();
        ranges.sort_by_key(|r| r[0].as_i64());
        assert_eq!(ranges, [json!([20, 26]), json!([26, 32])]);
        assert_eq!(slices.cursor()["slices"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn slices_that_cannot_split_are_walked_as_they_are_and_the_walk_ends_with_then() {
        let mut slices = Slices::new(Sliced {
            slices: vec![json!([5, 6]), json!([9, 10])],
            then: json!("then"),
            done: true,
        });
        let ready = slices.dispatch(&Ranges, "s", 8);
        assert_eq!(ready.len(), 2);
        for (id, _) in ready {
            slices.landed(&Ranges, "s", id, &page(json!(null), true));
        }
        assert!(slices.is_empty());
        assert!(slices.dispatch(&Ranges, "s", 8).is_empty());
        // With every slice done the stored cursor is the stream's own again.
        assert_eq!(slices.cursor(), json!("then"));
        assert_eq!(slices.then(), (json!("then"), true));
    }
}
