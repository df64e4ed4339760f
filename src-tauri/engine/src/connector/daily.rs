//! The cursor of a date-keyed report (GA4, Search Console, Google Ads, Meta Ads): each sync
//! walks from where the last one ended — reaching back over the provider's restatement window,
//! whose days are re-read and replaced — to today in the account's own zone, one slice of days
//! at a time, each slice committed with the cursor that follows it. A first sync backfills the
//! history. Days before the window, once read, are never fetched again.
//!
//! A walk longer than one request (a backfill, a sync after a long pause) is handed to the
//! engine after its first page as a slice of days (`Page::slices`), which the engine halves
//! along request boundaries while it has hands free (`split`): the days are read at once, up
//! to the provider's concurrency, and what a finished slice learnt joins the stream's cursor
//! (`join`).

use chrono::{Days, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{cursor_from, to_value, Page, Rows};
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
    /// Days per request of the walk under way (0: the provider's current `slice_days`), so
    /// its requests keep the same ranges whoever splits it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub days: u32,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
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
    /// Whether a walk is under way (the next request goes on with it).
    pub fn walking(&self) -> bool {
        self.next.is_some() && self.until.is_some()
    }

    /// The days the next request covers, starting a walk when none is under way.
    pub fn slice(&mut self, window: &Window) -> (NaiveDate, NaiveDate) {
        if !self.walking() {
            self.start(window);
        }
        let from = self.next.expect("a walk is under way");
        let until = self.until.expect("a walk is under way");
        (from, self.request_end(from, until, window.slice_days))
    }

    fn request_end(&self, from: NaiveDate, until: NaiveDate, slice_days: u32) -> NaiveDate {
        let days = if self.days > 0 {
            self.days
        } else {
            slice_days.max(1)
        };
        (from + Days::new(u64::from(days - 1))).min(until)
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
        self.days = window.slice_days.max(1);
        // What the provider says this walk is what the next walk goes by.
        self.incomplete_from = None;
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
            self.days = 0;
            true
        } else {
            self.next = Some(to + Days::new(1));
            false
        }
    }

    /// The page of a request: `walk_over` is what `finish_slice` said (false while the
    /// request's days have more pages). With `hand_over` (this request began the walk, and
    /// the provider's days may be read at once), a walk with more than one request of days
    /// left is handed to the engine as a slice (itself), and the stream ends, once the slices
    /// are done, where the whole walk would.
    pub fn page(
        self,
        rows: Rows,
        replace: Option<(NaiveDate, NaiveDate)>,
        walk_over: bool,
        hand_over: bool,
    ) -> Page {
        let mut page = Page {
            rows,
            cursor: to_value(&self),
            replace,
            done: walk_over,
            slices: Vec::new(),
        };
        if hand_over && !walk_over && self.requests_left() > 1 {
            let then = DailyCursor {
                synced_through: self.until,
                incomplete_from: self.incomplete_from,
                ..DailyCursor::default()
            };
            page.cursor = to_value(&then);
            page.slices = vec![to_value(&self)];
            page.done = true;
        }
        page
    }

    /// Requests (of whole ranges) the walk under way still has, counting the one in progress.
    fn requests_left(&self) -> u64 {
        match (self.next, self.until) {
            (Some(next), Some(until)) if self.days > 0 && next <= until => {
                let days = (until - next).num_days() as u64 + 1;
                days.div_ceil(u64::from(self.days))
            }
            _ => 0,
        }
    }
}

/// Halves what is left of a slice of days along request boundaries: the older half keeps the
/// request in progress (and its offset); the newer half starts fresh. `None` when it is one
/// request or less.
pub fn split(slice: &Value) -> Option<(Value, Value)> {
    let cursor: DailyCursor = serde_json::from_value(slice.clone()).ok()?;
    let requests = cursor.requests_left();
    if requests < 2 {
        return None;
    }
    let next = cursor.next?;
    let kept_days = requests.div_ceil(2) * u64::from(cursor.days);
    let newer_from = next + Days::new(kept_days);
    let older = DailyCursor {
        until: Some(newer_from - Days::new(1)),
        ..cursor.clone()
    };
    let newer = DailyCursor {
        next: Some(newer_from),
        offset: 0,
        incomplete_from: None,
        ..cursor
    };
    Some((to_value(&older), to_value(&newer)))
}

/// What a finished slice learnt joins the cursor the stream ends at: the earliest day the
/// provider said may still change.
pub fn join(then: &Value, slice: &Value) -> Value {
    let mut then: DailyCursor = cursor_from(Some(then.clone()));
    let slice: DailyCursor = cursor_from(Some(slice.clone()));
    then.incomplete_from = match (then.incomplete_from, slice.incomplete_from) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    to_value(&then)
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

    static TABLE: super::super::Table = super::super::Table {
        name: "t",
        key: &[],
        columns: &[],
        days: &[],
        watch: &[],
    };

    fn read(value: &Value) -> DailyCursor {
        serde_json::from_value(value.clone()).unwrap()
    }

    /// Every day of a walk handed over as slices, read by halving whenever possible and
    /// walking each slice to its end: each day once, in ranges of whole requests.
    #[test]
    fn a_long_walk_is_handed_over_after_its_first_request_and_halves_into_every_day_once() {
        let w = window("2026-11-30"); // 30 days in slices of 10, one request done
        let mut c = DailyCursor::default();
        assert!(!c.walking());
        let (from, to) = c.slice(&w);
        c.incomplete_from = Some(d("2026-11-28"));
        let over = c.finish_slice(to);
        let page = c.page(Rows::new(&TABLE), Some((from, to)), over, true);
        assert!(page.done, "the stream ends once its slices are done");
        assert_eq!(page.slices.len(), 1);
        let then = read(&page.cursor);
        assert_eq!(then.synced_through, Some(d("2026-11-30")));
        assert_eq!(then.incomplete_from, Some(d("2026-11-28")));
        assert!(!then.walking());

        let mut read_days = vec![(from, to)];
        let mut queue = page.slices;
        while let Some(slice) = queue.pop() {
            if let Some((older, newer)) = split(&slice) {
                queue.extend([older, newer]);
                continue;
            }
            let mut c = read(&slice);
            loop {
                let (from, to) = c.slice(&w);
                read_days.push((from, to));
                if c.finish_slice(to) {
                    break;
                }
            }
        }
        read_days.sort();
        assert_eq!(
            read_days,
            [
                (d("2026-11-01"), d("2026-11-10")),
                (d("2026-11-11"), d("2026-11-20")),
                (d("2026-11-21"), d("2026-11-30")),
            ]
        );
    }

    #[test]
    fn a_split_keeps_the_request_in_progress_whole_and_a_short_walk_is_not_handed_over() {
        let mut c = DailyCursor::default();
        let w = Window {
            history_days: 45,
            ..window("2026-11-30")
        };
        c.slice(&w);
        c.offset = 500; // the first request's days have more pages
        let (older, newer) = split(&to_value(&c)).unwrap();
        let (older, newer) = (read(&older), read(&newer));
        // Five requests: the older three (the one in progress with its offset), the newer two.
        assert_eq!(
            (older.next, older.until, older.offset),
            (Some(d("2026-10-17")), Some(d("2026-11-15")), 500)
        );
        assert_eq!(
            (newer.next, newer.until, newer.offset),
            (Some(d("2026-11-16")), Some(d("2026-11-30")), 0)
        );
        assert!(split(&to_value(&read(&split(&to_value(&newer)).unwrap().1))).is_none());

        // The daily re-read is one request: walked as it is.
        let mut c = DailyCursor {
            synced_through: Some(d("2026-11-29")),
            ..DailyCursor::default()
        };
        let (from, to) = c.slice(&w);
        let over = c.finish_slice(to);
        let page = c.page(Rows::new(&TABLE), Some((from, to)), over, true);
        assert!(page.done && page.slices.is_empty());
        assert!(
            split(&to_value(&DailyCursor::default())).is_none(),
            "no walk: nothing to split"
        );
    }

    #[test]
    fn the_earliest_incomplete_day_a_slice_learnt_joins_the_stream_and_a_new_walk_forgets_the_old_one() {
        let then = to_value(&DailyCursor {
            synced_through: Some(d("2026-11-30")),
            ..DailyCursor::default()
        });
        let learnt = to_value(&DailyCursor {
            incomplete_from: Some(d("2026-11-28")),
            ..DailyCursor::default()
        });
        let then = join(&then, &learnt);
        assert_eq!(read(&then).incomplete_from, Some(d("2026-11-28")));
        assert_eq!(
            read(&join(&then, &to_value(&DailyCursor::default()))).incomplete_from,
            Some(d("2026-11-28"))
        );

        let mut c = read(&then);
        assert_eq!(c.slice(&window("2026-12-01")).0, d("2026-11-28"));
        assert_eq!(c.incomplete_from, None, "this walk's answers say anew");
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
