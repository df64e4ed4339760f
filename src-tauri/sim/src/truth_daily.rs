//! `GET /_sim/truth/daily?from=YYYY-MM-DD&to=YYYY-MM-DD`: per UTC day (inclusive), the
//! numbers the engine's metrics define (see `stripe/daily.rs`, `github/daily.rs`).
//! Computed by walking the stores with this module's own bucketing: not through the
//! API handlers, their paging, or the all-time sums of `/_sim/truth`, so a test can hold
//! both against a recomputation from the public API pages.

use chrono::{Duration, NaiveDate};

/// Longest range served at once (about 27 years).
const MAX_DAYS: i64 = 10_000;
const DAY_SECS: i64 = 86_400;

/// The UTC day (days since 1970-01-01) of unix seconds `ts`.
pub fn day_of(ts: i64) -> i64 {
    ts.div_euclid(DAY_SECS)
}

/// An inclusive range of UTC days.
#[derive(Clone, Copy, Debug)]
pub struct Days {
    from: i64,
    to: i64,
}

impl Days {
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Days, String> {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        let day = |name: &str, v: Option<&str>| {
            let v = v.ok_or_else(|| format!("{name}=YYYY-MM-DD is required"))?;
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| (d - epoch).num_days())
                .map_err(|_| format!("{name}: not a date (YYYY-MM-DD): {v}"))
        };
        let (from, to) = (day("from", from)?, day("to", to)?);
        if to < from {
            return Err("to is before from".into());
        }
        if to - from >= MAX_DAYS {
            return Err(format!("at most {MAX_DAYS} days at once"));
        }
        Ok(Days { from, to })
    }

    pub fn len(&self) -> usize {
        (self.to - self.from + 1) as usize
    }

    /// Position in the range of the day holding `ts`, if it is in the range.
    pub fn index(&self, ts: i64) -> Option<usize> {
        let d = day_of(ts);
        (self.from..=self.to)
            .contains(&d)
            .then(|| (d - self.from) as usize)
    }

    pub fn label(&self, i: usize) -> String {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        (epoch + Duration::days(self.from + i as i64))
            .format("%Y-%m-%d")
            .to_string()
    }

    /// Every day of the range, with its position.
    pub fn labels(&self) -> impl Iterator<Item = (usize, String)> + '_ {
        (0..self.len()).map(|i| (i, self.label(i)))
    }
}

/// A stock over the range: what is alive at the end of each day. Something started at
/// `start` and ended at `end` is alive at the end of day D when it started on or before
/// D and had not ended by the end of D (it ends on a later day, or never). Kept as a
/// difference array, so n items over d days cost O(n + d).
pub struct Stock<T> {
    days: Days,
    diff: Vec<T>,
}

impl<T> Stock<T>
where
    T: Copy + Default + std::ops::AddAssign + std::ops::SubAssign,
{
    pub fn new(days: Days) -> Stock<T> {
        Stock {
            days,
            diff: vec![T::default(); days.len() + 1],
        }
    }

    pub fn add(&mut self, start: i64, end: Option<i64>, value: T) {
        let first = day_of(start).max(self.days.from);
        // The first day it is no longer alive at the end of.
        let gone = end.map_or(self.days.to + 1, day_of).min(self.days.to + 1);
        if first < gone {
            self.diff[(first - self.days.from) as usize] += value;
            self.diff[(gone - self.days.from) as usize] -= value;
        }
    }

    /// The value at the end of each day of the range.
    pub fn values(&self) -> Vec<T> {
        let mut running = T::default();
        self.diff[..self.days.len()]
            .iter()
            .map(|d| {
                running += *d;
                running
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_stocks() {
        let days = Days::parse(Some("2026-01-01"), Some("2026-01-03")).unwrap();
        assert_eq!(days.len(), 3);
        let jan1 = 1_767_225_600;
        assert_eq!(days.index(jan1), Some(0));
        assert_eq!(days.index(jan1 - 1), None);
        assert_eq!(days.index(jan1 + 3 * DAY_SECS - 1), Some(2));
        assert_eq!(days.label(2), "2026-01-03");
        let mut s: Stock<i64> = Stock::new(days);
        s.add(jan1 - 10 * DAY_SECS, None, 1); // alive throughout
        s.add(jan1 + 10, Some(jan1 + DAY_SECS), 10); // ends at the start of Jan 2: alive on Jan 1 only
        s.add(jan1 + DAY_SECS + 5, Some(jan1 + DAY_SECS + 9), 100); // same day: never at a day's end
        s.add(jan1 + 2 * DAY_SECS, Some(jan1 + 9 * DAY_SECS), 1_000);
        assert_eq!(s.values(), vec![11, 1, 1_001]);
        assert!(Days::parse(Some("2026-01-02"), Some("2026-01-01")).is_err());
        assert!(Days::parse(Some("2026-13-01"), Some("2026-01-01")).is_err());
        assert!(Days::parse(None, Some("2026-01-01")).is_err());
    }
}
