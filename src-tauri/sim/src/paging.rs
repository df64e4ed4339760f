//! Stripe-style cursor pagination over "base objects + objects added later"
//! without materialising the base. Lists are ordered by the key
//! (created, index) descending — index order equals id order, so this is
//! "newest first, ties by id desc". Base keys are monotonic in the index, so
//! every bound (created range, cursor) is a binary search and a page costs
//! O(log n + limit) however large the table is.

/// (created, index). Unique per object because indexes are.
pub type Key = (i64, u64);

/// A sorted view of one table.
pub struct Source<'a> {
    pub base_len: u64,
    pub base_created: &'a dyn Fn(u64) -> i64,
    /// Keys of objects added after start, sorted ascending. Kept separate
    /// because a clock moved backwards can give them any `created`.
    pub added: &'a [Key],
}

/// Inclusive bounds on `created` (`created[gt]=5` arrives here as `gte: 6`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Window {
    pub gte: Option<i64>,
    pub lte: Option<i64>,
}

#[derive(Clone, Copy, Debug)]
pub enum Cursor {
    Start,
    /// `starting_after`: objects strictly older than this key.
    After(Key),
    /// `ending_before`: the objects just newer than this key.
    Before(Key),
}

/// First `i` in `0..n` for which `pred` is false; `pred` must hold on a prefix.
fn partition(n: u64, pred: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (0u64, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// One page, newest first, plus Stripe's `has_more`. `fetch` turns an index
/// into an object, or None when a filter (status, type…) rejects it.
pub fn page<T>(
    src: &Source,
    win: Window,
    cursor: Cursor,
    limit: usize,
    mut fetch: impl FnMut(u64) -> Option<T>,
) -> (Vec<T>, bool) {
    let n = src.base_len;
    let created = src.base_created;
    let key = |j: u64| (created(j), j);
    let added = src.added;
    // Half-open ranges [lo, hi) of base indexes and added positions in the window.
    let (mut b_lo, mut b_hi) = (0u64, n);
    let (mut a_lo, mut a_hi) = (0usize, added.len());
    if let Some(g) = win.gte {
        b_lo = partition(n, |j| created(j) < g);
        a_lo = added.partition_point(|k| k.0 < g);
    }
    if let Some(l) = win.lte {
        b_hi = partition(n, |j| created(j) <= l);
        a_hi = added.partition_point(|k| k.0 <= l);
    }
    match cursor {
        Cursor::Start => {}
        Cursor::After(c) => {
            b_hi = b_hi.min(partition(n, |j| key(j) < c));
            a_hi = a_hi.min(added.partition_point(|k| *k < c));
        }
        Cursor::Before(c) => {
            b_lo = b_lo.max(partition(n, |j| key(j) <= c));
            a_lo = a_lo.max(added.partition_point(|k| *k <= c));
        }
    }
    let ascending = matches!(cursor, Cursor::Before(_));
    let mut out = Vec::with_capacity(limit.min(128) + 1);
    if b_lo < b_hi || a_lo < a_hi {
        // Merge the two sorted streams, one step at a time, until limit+1 hits
        // (the extra one only tells us has_more).
        loop {
            let next = if ascending {
                let b = (b_lo < b_hi).then(|| key(b_lo));
                let a = (a_lo < a_hi).then(|| added[a_lo]);
                match (b, a) {
                    (None, None) => break,
                    (Some(x), Some(y)) if x < y => {
                        b_lo += 1;
                        x
                    }
                    (Some(x), None) => {
                        b_lo += 1;
                        x
                    }
                    (_, Some(y)) => {
                        a_lo += 1;
                        y
                    }
                }
            } else {
                let b = (b_lo < b_hi).then(|| key(b_hi - 1));
                let a = (a_lo < a_hi).then(|| added[a_hi - 1]);
                match (b, a) {
                    (None, None) => break,
                    (Some(x), Some(y)) if x > y => {
                        b_hi -= 1;
                        x
                    }
                    (Some(x), None) => {
                        b_hi -= 1;
                        x
                    }
                    (_, Some(y)) => {
                        a_hi -= 1;
                        y
                    }
                }
            };
            if let Some(obj) = fetch(next.1) {
                out.push(obj);
                if out.len() > limit {
                    break;
                }
            }
        }
    }
    let has_more = out.len() > limit;
    out.truncate(limit);
    if ascending {
        // ending_before collected the nearest-newer objects first; pages are
        // always shown newest first.
        out.reverse();
    }
    (out, has_more)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &Source, win: Window, cursor: Cursor, limit: usize) -> (Vec<u64>, bool) {
        page(src, win, cursor, limit, Some)
    }

    #[test]
    fn walks_base_and_added_in_key_order() {
        // Base created: 0,0,10,10,20 ; added (clock moved back) at 5 and 30.
        let created = |j: u64| [0, 0, 10, 10, 20][j as usize];
        let added = [(5, 6), (30, 5)];
        let src = Source {
            base_len: 5,
            base_created: &created,
            added: &added,
        };
        let all = ids(&src, Window::default(), Cursor::Start, 100).0;
        assert_eq!(all, vec![5, 4, 3, 2, 6, 1, 0]);
        let (p, more) = ids(&src, Window::default(), Cursor::After((10, 3)), 2);
        assert_eq!((p, more), (vec![2, 6], true));
        let (p, more) = ids(&src, Window::default(), Cursor::Before((5, 6)), 2);
        assert_eq!((p, more), (vec![3, 2], true));
        let win = Window {
            gte: Some(5),
            lte: Some(10),
        };
        assert_eq!(ids(&src, win, Cursor::Start, 10).0, vec![3, 2, 6]);
    }
}
