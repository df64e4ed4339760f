//! The sim's clock: wall time shifted by an offset. It keeps ticking (demo mode
//! shows "2 minutes ago"), and tests move it with `/_sim/clock` to age events
//! out or reset GitHub quota windows without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub struct Clock {
    offset: AtomicI64,
}

pub fn wall_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// A clock reading `start` (unix seconds) right now.
    pub fn starting_at(start: i64) -> Clock {
        Clock {
            offset: AtomicI64::new(start - wall_now()),
        }
    }

    pub fn now(&self) -> i64 {
        wall_now() + self.offset.load(Ordering::Relaxed)
    }

    pub fn set(&self, now: i64) -> i64 {
        self.offset.store(now - wall_now(), Ordering::Relaxed);
        now
    }

    pub fn advance(&self, seconds: i64) -> i64 {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
        self.now()
    }
}

/// GitHub's timestamp format: `2026-01-02T03:04:05Z`.
pub fn iso(ts: i64) -> String {
    match Utc.timestamp_opt(ts, 0).single() {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// Parses the ISO 8601 forms GitHub accepts for `since`/`until`: RFC 3339 with a
/// zone, a zone-less date-time (taken as UTC) or a bare date.
pub fn parse_iso(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    let s = s.trim_end_matches('Z');
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc().timestamp());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc().timestamp());
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trip() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        let t = parse_iso("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(iso(t), "2026-01-02T03:04:05Z");
        assert_eq!(parse_iso("2026-01-02T03:04:05+01:00"), Some(t - 3600));
        assert_eq!(parse_iso("2026-01-02"), Some(t - 3 * 3600 - 4 * 60 - 5));
        assert_eq!(parse_iso("yesterday"), None);
    }
}
