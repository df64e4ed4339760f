//! The sim's clock: wall time shifted by an offset. It keeps ticking (demo mode
//! shows "2 minutes ago"), and tests move it with `/_sim/clock` to age events
//! out or reset GitHub quota windows without waiting. It can also be frozen, so a
//! test can fill a rate-limit bucket and know that nothing refills it until the
//! test moves the clock.
//!
//! Milliseconds are kept because rate limits (Stripe's requests per second) and
//! arrival statistics need finer steps than the seconds every API shows.
//!
//! **An external clock.** An in-process caller whose own clock is a manual one (the engine's
//! tests: a "sleep" of 10 minutes moves that clock at once) can hand the sim that clock, so
//! every window the sim keeps (Meta's hourly budgets, GitHub's quota hour, maturity of
//! reporting days) follows it: `provider_sim::start_with_clock(config, clock)` or
//! `Config::with_clock(clock)` with any start function, `clock` being an
//! `Arc<dyn Fn() -> i64 + Send + Sync>` that returns Unix **milliseconds**. Such a sim reads
//! only that function: `Config::now` is ignored, and `POST /_sim/clock` (advance, set,
//! freeze) answers 409, since moving the sim's time is the caller's clock's job; `GET
//! /_sim/clock` still reports the reading (with `"external": true`). Everyone else keeps the
//! wall-clock-plus-offset behaviour above.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::state::lock;

pub struct Clock {
    state: Mutex<State>,
    /// The caller's clock (Unix ms), read instead of `state` when set.
    external: Option<Arc<dyn Fn() -> i64 + Send + Sync>>,
}

/// Two fields that must change together, hence one small lock (never held across an await).
struct State {
    /// sim ms − wall ms while running.
    offset_ms: i64,
    /// The reading while frozen.
    frozen_ms: Option<i64>,
}

pub fn wall_now() -> i64 {
    wall_ms().div_euclid(1000)
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// A clock reading `start` (unix seconds) right now.
    pub fn starting_at(start: i64) -> Clock {
        Clock {
            state: Mutex::new(State {
                offset_ms: start.saturating_mul(1000) - wall_ms(),
                frozen_ms: None,
            }),
            external: None,
        }
    }

    /// A clock that reads `now_ms` (Unix milliseconds) and cannot be moved from here.
    pub fn external(now_ms: Arc<dyn Fn() -> i64 + Send + Sync>) -> Clock {
        Clock {
            state: Mutex::new(State {
                offset_ms: 0,
                frozen_ms: None,
            }),
            external: Some(now_ms),
        }
    }

    /// True when the caller owns the time (`Clock::external`): set, advance and freeze
    /// must not be used then.
    pub fn is_external(&self) -> bool {
        self.external.is_some()
    }

    /// Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        if let Some(read) = &self.external {
            return read();
        }
        let st = lock(&self.state);
        st.frozen_ms.unwrap_or_else(|| wall_ms() + st.offset_ms)
    }

    pub fn set(&self, now: i64) -> i64 {
        let mut st = lock(&self.state);
        let ms = now.saturating_mul(1000);
        match &mut st.frozen_ms {
            Some(f) => *f = ms,
            None => st.offset_ms = ms - wall_ms(),
        }
        now
    }

    pub fn advance(&self, seconds: i64) -> i64 {
        {
            let mut st = lock(&self.state);
            let by = seconds.saturating_mul(1000);
            match &mut st.frozen_ms {
                Some(f) => *f += by,
                None => st.offset_ms += by,
            }
        }
        self.now()
    }

    /// Stops (true) or restarts (false) the clock at its current reading.
    pub fn freeze(&self, frozen: bool) {
        let mut st = lock(&self.state);
        match (frozen, st.frozen_ms) {
            (true, None) => st.frozen_ms = Some(wall_ms() + st.offset_ms),
            (false, Some(at)) => {
                st.offset_ms = at - wall_ms();
                st.frozen_ms = None;
            }
            _ => {}
        }
    }

    pub fn frozen(&self) -> bool {
        lock(&self.state).frozen_ms.is_some()
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

    #[test]
    fn frozen_clock_moves_only_when_told() {
        let c = Clock::starting_at(1_000);
        c.freeze(true);
        let at = c.now_ms();
        assert_eq!(c.now_ms(), at);
        c.advance(2);
        assert_eq!(c.now_ms(), at + 2_000);
        c.set(5_000);
        assert_eq!(c.now_ms(), 5_000_000);
        assert!(c.frozen());
        c.freeze(false);
        assert!(c.now_ms() >= 5_000_000 && !c.frozen());
    }

    #[test]
    fn external_clock_is_read_as_is() {
        let t = Arc::new(std::sync::atomic::AtomicI64::new(1_000_500));
        let read = t.clone();
        let c = Clock::external(Arc::new(move || read.load(std::sync::atomic::Ordering::SeqCst)));
        assert!(c.is_external() && !c.frozen());
        assert_eq!((c.now_ms(), c.now()), (1_000_500, 1_000));
        t.store(4_600_000, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(c.now(), 4_600);
    }
}
