//! One Stripe table: `base_len` generated objects plus an overlay of changed
//! base objects and a Vec of objects added after start. Memory is proportional
//! to the number of mutations, not to the table size.

use std::collections::HashMap;

use super::model::Created;
use crate::paging::{Key, Source};
use crate::rng::spread;

pub struct Table<T> {
    base_len: u64,
    start: i64,
    span: i64,
    overlay: HashMap<u64, T>,
    added: Vec<T>,
    /// Keys of `added`, sorted, for merging into list order.
    added_keys: Vec<Key>,
}

impl<T: Created + Clone> Table<T> {
    /// `start`/`span` must be the ones the generator uses for `created`.
    pub fn new(base_len: u64, start: i64, span: i64) -> Table<T> {
        Table {
            base_len,
            start,
            span,
            overlay: HashMap::new(),
            added: Vec::new(),
            added_keys: Vec::new(),
        }
    }

    pub fn base_len(&self) -> u64 {
        self.base_len
    }

    pub fn len(&self) -> u64 {
        self.base_len + self.added.len() as u64
    }

    pub fn base_created(&self, i: u64) -> i64 {
        spread(self.start, self.span, i, self.base_len)
    }

    /// The list key of object `i`, if it exists (resolves pagination cursors).
    pub fn key(&self, i: u64) -> Option<Key> {
        if i < self.base_len {
            Some((self.base_created(i), i))
        } else {
            self.added
                .get((i - self.base_len) as usize)
                .map(|t| (t.created(), i))
        }
    }

    /// Object `i` as it is now: changed copy, added object, or freshly generated.
    pub fn get(&self, i: u64, generate: impl FnOnce(u64) -> T) -> Option<T> {
        if i < self.base_len {
            Some(self.overlay.get(&i).cloned().unwrap_or_else(|| generate(i)))
        } else {
            self.added.get((i - self.base_len) as usize).cloned()
        }
    }

    /// Replaces object `i` (which must exist); `created` must not change.
    pub fn put(&mut self, i: u64, value: T) {
        if i < self.base_len {
            self.overlay.insert(i, value);
        } else if let Some(slot) = self.added.get_mut((i - self.base_len) as usize) {
            *slot = value;
        }
    }

    /// The index the next added object will get.
    pub fn next_index(&self) -> u64 {
        self.len()
    }

    pub fn push(&mut self, value: T) -> u64 {
        let i = self.len();
        let key = (value.created(), i);
        let at = self.added_keys.partition_point(|k| *k < key);
        self.added_keys.insert(at, key);
        self.added.push(value);
        i
    }

    /// Runs `f` with this table's sorted view, for `paging::page`.
    pub fn with_source<R>(&self, f: impl FnOnce(&Source) -> R) -> R {
        let created = |i: u64| self.base_created(i);
        f(&Source {
            base_len: self.base_len,
            base_created: &created,
            added: &self.added_keys,
        })
    }

    /// Every object, base then added (for truth; O(n)).
    pub fn for_each(&self, generate: impl Fn(u64) -> T, mut f: impl FnMut(&T)) {
        for i in 0..self.base_len {
            match self.overlay.get(&i) {
                Some(t) => f(t),
                None => f(&generate(i)),
            }
        }
        self.added.iter().for_each(f);
    }
}
