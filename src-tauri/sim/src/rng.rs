//! Deterministic pseudo-randomness: every generated field is a pure function of
//! (seed, entity, index), so any object can be produced on demand without
//! storing it, and the same seed always yields the same data.

/// One splitmix64 step: a cheap, well-mixed 64-bit hash.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A tiny stream of numbers for one object. Fields are drawn in a fixed order,
/// so adding a field at the end of a generator never changes earlier fields.
pub struct Rng(u64);

impl Rng {
    /// `entity` is a per-kind constant so charge 7 and customer 7 differ.
    pub fn new(seed: u64, entity: u64, index: u64) -> Rng {
        Rng(splitmix64(
            seed ^ splitmix64(entity.wrapping_mul(0xA24B_AED4_963E_E407) ^ index),
        ))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = splitmix64(self.0);
        self.0
    }

    /// Uniform-ish in `0..n` (n > 0); the modulo bias is irrelevant for test data.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform-ish in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Picks from a weighted table of (value, weight).
    pub fn weighted<T: Copy>(&mut self, table: &[(T, u64)]) -> T {
        let total: u64 = table.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total);
        for (value, weight) in table {
            if roll < *weight {
                return *value;
            }
            roll -= weight;
        }
        table[table.len() - 1].0
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Position `i` of `n` spread evenly over `[start, start + span)`. Monotonic in
/// `i`, which is what lets created-range filters be binary searches.
pub fn spread(start: i64, span: i64, i: u64, n: u64) -> i64 {
    if n == 0 {
        return start;
    }
    start + ((i as u128 * span.max(0) as u128) / n as u128) as i64
}
