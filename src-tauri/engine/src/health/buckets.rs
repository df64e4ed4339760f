//! Time buckets (UTC): an hour, a day, an ISO week (from Monday), a month. Starts are computed
//! here, in Rust, so every counter of one moment lands in the same four buckets.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::Millis;

const HOUR_MS: Millis = 3_600_000;
const DAY_MS: Millis = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Granularity {
    Hour,
    Day,
    Week,
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 4] = [Self::Hour, Self::Day, Self::Week, Self::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The start of the bucket holding `at`.
    pub fn start(self, at: Millis) -> Millis {
        match self {
            Self::Hour => at.div_euclid(HOUR_MS) * HOUR_MS,
            Self::Day => at.div_euclid(DAY_MS) * DAY_MS,
            Self::Week => {
                let day = at.div_euclid(DAY_MS);
                // 1970-01-01 was a Thursday: Monday is three days before.
                (day - (day + 3).rem_euclid(7)) * DAY_MS
            }
            Self::Month => {
                let date = utc(at).date_naive();
                midnight(NaiveDate::from_ymd_opt(date.year(), date.month(), 1).expect("the 1st exists"))
            }
        }
    }

    /// The start of the bucket after the one starting at `start`.
    pub fn next(self, start: Millis) -> Millis {
        match self {
            Self::Hour => start + HOUR_MS,
            Self::Day => start + DAY_MS,
            Self::Week => start + 7 * DAY_MS,
            Self::Month => midnight(utc(start).date_naive() + Months::new(1)),
        }
    }

    /// Every bucket start from the one holding `from` to the one holding `to`, blanks included.
    pub fn starts(self, from: Millis, to: Millis) -> Vec<Millis> {
        let mut starts = Vec::new();
        let mut at = self.start(from);
        while at <= to {
            starts.push(at);
            at = self.next(at);
        }
        starts
    }

    /// How long counters of this granularity are kept (`None`: always).
    pub fn retention(self) -> Option<Millis> {
        match self {
            Self::Hour => Some(15 * DAY_MS),
            Self::Day => Some(400 * DAY_MS),
            Self::Week | Self::Month => None,
        }
    }
}

fn utc(at: Millis) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(at).single().unwrap_or_default()
}

fn midnight(day: NaiveDate) -> Millis {
    day.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Millis {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn buckets_start_where_the_calendar_says() {
        let t = at("2026-03-01T23:59:59.999Z");
        assert_eq!(Granularity::Hour.start(t), at("2026-03-01T23:00:00Z"));
        assert_eq!(Granularity::Day.start(t), at("2026-03-01T00:00:00Z"));
        // 1 March 2026 is a Sunday: its ISO week began on Monday 23 February.
        assert_eq!(Granularity::Week.start(t), at("2026-02-23T00:00:00Z"));
        assert_eq!(Granularity::Month.start(t), at("2026-03-01T00:00:00Z"));
        let midnight = at("2026-03-02T00:00:00Z");
        assert_eq!(
            Granularity::Day.start(midnight),
            midnight,
            "midnight opens the next day"
        );
        assert_eq!(
            Granularity::Week.start(midnight),
            midnight,
            "and Monday the next week"
        );
        assert_eq!(
            Granularity::Month.start(at("2026-02-28T12:00:00Z")),
            at("2026-02-01T00:00:00Z")
        );
    }

    #[test]
    fn month_ends_and_blank_buckets_are_walked_in_order() {
        let months = Granularity::Month.starts(at("2026-01-31T10:00:00Z"), at("2026-04-01T00:00:00Z"));
        assert_eq!(
            months,
            vec![
                at("2026-01-01T00:00:00Z"),
                at("2026-02-01T00:00:00Z"),
                at("2026-03-01T00:00:00Z"),
                at("2026-04-01T00:00:00Z")
            ]
        );
        let hours = Granularity::Hour.starts(at("2026-11-30T22:30:00Z"), at("2026-12-01T01:00:00Z"));
        assert_eq!(
            hours.len(),
            4,
            "22, 23, 00 and 01 o'clock, across midnight and the month"
        );
    }
}
