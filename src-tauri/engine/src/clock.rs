//! Injectable time. Everything time-based in the engine asks a `Clock` — what time it is, how
//! long something took, and waiting — so tests can use a `ManualClock` and "sleep through" a
//! night, a rate limit's wait or a closed laptop in microseconds. Nothing else in the engine
//! reads the system time or `Instant`.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use futures_util::future::BoxFuture;

/// Milliseconds since the Unix epoch, UTC: how every timestamp is stored.
pub type Millis = i64;

pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> DateTime<Utc>;

    fn now_millis(&self) -> Millis {
        self.now().timestamp_millis()
    }

    /// Waits `duration` of this clock's time.
    fn sleep(&self, duration: StdDuration) -> BoxFuture<'static, ()>;

    /// A reading that only moves forward, for measuring how long work took.
    fn monotonic(&self) -> StdDuration;

    /// How long since a `monotonic` reading.
    fn elapsed(&self, since: StdDuration) -> StdDuration {
        self.monotonic().saturating_sub(since)
    }
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: StdDuration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn monotonic(&self) -> StdDuration {
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed()
    }
}

/// Time that moves only when a test says so — or when the engine sleeps on it: a sleep moves
/// the clock forward by its length at once, so a test "waits" out a backoff or a provider's
/// `Retry-After` without waiting, and can assert exactly when things were due.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().expect("clock lock") = at;
    }

    pub fn advance(&self, by: Duration) {
        *self.now.lock().expect("clock lock") += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().expect("clock lock")
    }

    fn sleep(&self, duration: StdDuration) -> BoxFuture<'static, ()> {
        self.advance(Duration::from_std(duration).unwrap_or(Duration::MAX));
        // Still a yield point, so a loop that sleeps lets other tasks run.
        Box::pin(tokio::task::yield_now())
    }

    fn monotonic(&self) -> StdDuration {
        let ms = self.now().timestamp_millis().max(0) as u64;
        StdDuration::from_millis(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::days(3));
        assert_eq!(clock.now(), start + Duration::days(3));
        assert_eq!(clock.now_millis(), (start + Duration::days(3)).timestamp_millis());
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[tokio::test]
    async fn sleeping_on_a_manual_clock_moves_it_by_the_sleep() {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 5, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        let before = clock.monotonic();
        clock.sleep(StdDuration::from_secs(90)).await;
        assert_eq!(clock.now(), start + Duration::seconds(90));
        assert_eq!(clock.elapsed(before), StdDuration::from_secs(90));
    }
}
