//! The cursor of a date-keyed report (GA4, Search Console, Google Ads, Meta Ads): each sync
//! walks from where the last one ended — reaching back over the provider's restatement window,
//! whose days are re-read and replaced — to today in the account's own zone, one slice of days
//! at a time, each slice committed with the cursor that follows it. A first sync backfills the
//! history. Days before the window, once read, are never fetched again.

use chrono::{Days, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::Millis;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCursor {
    /// The last day the last complete walk read (that sync's today).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_through: Option<NaiveDate>,
    /// The walk under way: its next slice starts at `next`; it ends at `until`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// Rows of the current slice already read (offset paging).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offset: u64,
    /// The first day the provider said may still change (Search Console's
    /// `firstIncompleteDate`): the next walk re-reads from there at the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_from: Option<NaiveDate>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What bounds a walk.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Today in the account's zone.
    pub today: NaiveDate,
    /// Days before today that may still change: re-read every sync.
    pub lookback_days: u32,
    /// How far back a first sync reads, today included.
    pub history_days: u32,
    /// The provider's own retention (0: none): nothing older is asked for.
    pub max_history_days: u32,
    /// Days per request.
    pub slice_days: u32,
}

impl Window {
    /// Today in `zone` (an IANA name; UTC when unknown) at engine time `now`.
    pub fn today_in(zone: Option<&str>, now: Millis) -> NaiveDate {
        let utc = Utc.timestamp_millis_opt(now).single().unwrap_or_default();
        match zone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
            Some(tz) => utc.with_timezone(&tz).date_naive(),
            None => utc.date_naive(),
        }
    }

    fn back(&self, days: u32) -> NaiveDate {
        self.today - Days::new(u64::from(days))
    }
}

impl DailyCursor {
    /// The days the next request covers, starting a walk when none is under way.
    pub fn slice(&mut self, window: &Window) -> (NaiveDate, NaiveDate) {
        if self.next.is_none() || self.until.is_none() {
            self.start(window);
        }
        let from = self.next.expect("a walk is under way");
        let until = self.until.expect("a walk is under way");
        let to = (from + Days::new(u64::from(window.slice_days.max(1) - 1))).min(until);
        (from, to)
    }

    fn start(&mut self, window: &Window) {
        let oldest = match window.max_history_days {
            0 => NaiveDate::MIN,
            days => window.back(days - 1),
        };
        let from = match self.synced_through {
            None => window.back(window.history_days.max(1) - 1),
            Some(last) => {
                let reread = window.back(window.lookback_days);
                let reread = self.incomplete_from.map_or(reread, |d| d.min(reread));
                (last + Days::new(1)).min(reread)
            }
        };
        self.next = Some(from.max(oldest).min(window.today));
        self.until = Some(window.today);
        self.offset = 0;
    }

    /// Whether the slice starting at `from` is the first page of its days: its rows replace
    /// the stored ones.
    pub fn at_slice_start(&self) -> bool {
        self.offset == 0
    }

    /// The slice ending at `to` is read whole: the walk moves on, or ends. Returns whether the
    /// walk is over.
    pub fn finish_slice(&mut self, to: NaiveDate) -> bool {
        self.offset = 0;
        let until = self.until.unwrap_or(to);
        if to >= until {
            self.synced_through = Some(until);
            self.next = None;
            self.until = None;
            true
        } else {
            self.next = Some(to + Days::new(1));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn window(today: &str) -> Window {
        Window {
            today: d(today),
            lookback_days: 3,
            history_days: 30,
            max_history_days: 0,
            slice_days: 10,
        }
    }

    #[test]
    fn a_first_walk_backfills_the_history_in_slices_then_rereads_the_window() {
        let mut c = DailyCursor::default();
        let w = window("2026-11-30");
        assert_eq!(c.slice(&w), (d("2026-11-01"), d("2026-11-10")));
        assert!(!c.finish_slice(d("2026-11-10")));
        assert_eq!(c.slice(&w), (d("2026-11-11"), d("2026-11-20")));
        assert!(!c.finish_slice(d("2026-11-20")));
        assert_eq!(c.slice(&w), (d("2026-11-21"), d("2026-11-30")));
        assert!(c.finish_slice(d("2026-11-30")));
        assert_eq!(c.synced_through, Some(d("2026-11-30")));

        // The next day: the last three days and today, nothing older.
        let w = window("2026-12-01");
        assert_eq!(c.slice(&w), (d("2026-11-28"), d("2026-12-01")));
        assert!(c.finish_slice(d("2026-12-01")));
    }

    #[test]
    fn a_walk_after_a_long_pause_fills_the_gap_and_the_provider_can_reach_further_back() {
        let mut c = DailyCursor {
            synced_through: Some(d("2026-11-10")),
            ..DailyCursor::default()
        };
        assert_eq!(c.slice(&window("2026-11-30")).0, d("2026-11-11"));
        let mut c = DailyCursor {
            synced_through: Some(d("2026-11-30")),
            incomplete_from: Some(d("2026-11-20")),
            ..DailyCursor::default()
        };
        assert_eq!(c.slice(&window("2026-11-30")).0, d("2026-11-20"));
    }

    #[test]
    fn retention_clamps_the_first_walk() {
        let mut c = DailyCursor::default();
        let w = Window {
            history_days: 400,
            max_history_days: 100,
            ..window("2026-11-30")
        };
        assert_eq!(c.slice(&w).0, d("2026-08-23"));
    }

    #[test]
    fn today_is_the_accounts_own() {
        // 2026-11-30 20:00 in New York is already 1 December in Tokyo and in UTC.
        let now = Utc
            .with_ymd_and_hms(2026, 12, 1, 1, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(Window::today_in(Some("America/New_York"), now), d("2026-11-30"));
        assert_eq!(Window::today_in(Some("Asia/Tokyo"), now), d("2026-12-01"));
        assert_eq!(Window::today_in(None, now), d("2026-12-01"));
    }
}
