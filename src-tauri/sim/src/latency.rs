//! Provider-side waiting (`Config.latency`, `POST /_sim/latency`), off by default. An
//! answer waits base + per-object part (objects counted by the handler that built the
//! answer, see `Objects`), with jitter; the wait happens after the answer is built,
//! with no lock held, and inside the in-flight and concurrency accounting, as a slow
//! API's would. It is a real sleep: that is what a real API costs its caller.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{json, Value};

use crate::config::{LatencyConfig, ProviderLatency};
use crate::providers::{api_of, Api};
use crate::rng::splitmix64;
use crate::state::{lock, AppState};

/// How many objects an answer holds (list items, report rows); absent = none.
#[derive(Clone, Copy, Debug)]
pub struct Objects(pub u64);

pub struct Latency {
    cfg: Mutex<LatencyConfig>,
    /// Jitter draws: a counter through splitmix, so runs with the same order of
    /// requests wait the same.
    rolls: AtomicU64,
}

impl ProviderLatency {
    /// The wait for an answer of `objects`, `roll` being a uniform random u64.
    pub fn wait(&self, objects: u64, roll: u64) -> Duration {
        let micros = self
            .base_ms
            .saturating_mul(1_000)
            .saturating_add(self.per_object_us.saturating_mul(objects));
        Duration::from_micros((micros as f64 * jitter(self.jitter_pct, roll)) as u64)
    }

    /// The per-object part alone (a stream paces its batches with it).
    pub fn per_object(&self, roll: u64) -> Duration {
        Duration::from_micros((self.per_object_us as f64 * jitter(self.jitter_pct, roll)) as u64)
    }
}

/// A factor uniform in 1 ± pct/100 (pct capped at 100, so never negative).
fn jitter(pct: u32, roll: u64) -> f64 {
    let unit = (roll >> 11) as f64 / (1u64 << 53) as f64;
    1.0 + (2.0 * unit - 1.0) * f64::from(pct.min(100)) / 100.0
}

impl Latency {
    pub fn new(cfg: Option<LatencyConfig>) -> Latency {
        Latency {
            cfg: Mutex::new(cfg.unwrap_or_default()),
            rolls: AtomicU64::new(0),
        }
    }

    pub fn roll(&self) -> u64 {
        splitmix64(self.rolls.fetch_add(1, Ordering::Relaxed))
    }

    /// One provider's latency, copied out so no lock outlives this call.
    pub fn of(&self, api: Api) -> Option<ProviderLatency> {
        let cfg = lock(&self.cfg);
        match api {
            Api::Stripe => cfg.stripe,
            Api::Github => cfg.github,
            Api::Google => cfg.google,
            Api::Meta => cfg.meta,
        }
    }

    pub fn update(&self, change: impl FnOnce(&mut LatencyConfig) -> bool) -> bool {
        change(&mut lock(&self.cfg))
    }

    pub fn view(&self) -> Value {
        let cfg = *lock(&self.cfg);
        json!({"stripe": cfg.stripe, "github": cfg.github, "google": cfg.google, "meta": cfg.meta})
    }
}

pub async fn middleware(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let Some(api) = api_of(req.uri().path()) else {
        return next.run(req).await;
    };
    let resp = next.run(req).await;
    let Some(latency) = s.latency.of(api) else {
        return resp;
    };
    let objects = resp.extensions().get::<Objects>().map_or(0, |o| o.0);
    tokio::time::sleep(latency.wait(objects, s.latency.roll())).await;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_within_the_jitter() {
        let l = ProviderLatency {
            base_ms: 100,
            per_object_us: 1_000,
            jitter_pct: 20,
        };
        let lat = Latency::new(None);
        let waits: Vec<Duration> = (0..1_000).map(|_| l.wait(50, lat.roll())).collect();
        // 150 ms ± 20 %.
        assert!(waits.iter().all(|w| (120_000..=180_000).contains(&w.as_micros())));
        let lo = waits.iter().filter(|w| w.as_micros() < 140_000).count();
        let hi = waits.iter().filter(|w| w.as_micros() > 160_000).count();
        assert!(lo > 100 && hi > 100, "spread over the range: {lo} low, {hi} high");
        let flat = ProviderLatency { jitter_pct: 0, ..l };
        assert_eq!(flat.wait(0, 12345), Duration::from_millis(100));
        assert_eq!(flat.per_object(u64::MAX), Duration::from_millis(1));
        // Off by default.
        assert_eq!(lat.of(Api::Stripe), None);
    }
}
