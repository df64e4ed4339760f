//! How fast one gate sends: the provider's documented rate per credential and per endpoint,
//! how many requests may be in flight, and the slowdown each rate limit it answers earns.

use std::collections::HashMap;

use crate::clock::Millis;

/// How fast one credential may call. All zero: follow the provider's signals only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pacing {
    /// Requests a second across the credential (0: unpaced).
    pub per_second: u32,
    /// Requests a second to any one endpoint, on top (Stripe counts each API operation
    /// against its own limit as well as the account's; 0: no such limit).
    pub per_endpoint: u32,
    /// Requests one gate may have in flight (0: the engine's default); also how many slices
    /// of a stream are walked at once.
    pub in_flight: u32,
}

impl Pacing {
    pub const NONE: Pacing = Pacing {
        per_second: 0,
        per_endpoint: 0,
        in_flight: 0,
    };

    pub fn is_paced(&self) -> bool {
        self.per_second > 0 || self.per_endpoint > 0
    }

    /// The same limits without the rates (benchmarks of the engine itself).
    pub fn unpaced(self) -> Pacing {
        Pacing {
            per_second: 0,
            per_endpoint: 0,
            ..self
        }
    }

    /// A person's rate for the credential in place of the documented one; the endpoint
    /// limit scales with it.
    pub fn at_rate(self, per_second: u32) -> Pacing {
        let per_endpoint = match (self.per_endpoint, self.per_second) {
            (0, _) | (_, 0) => self.per_endpoint,
            (e, s) => ((u64::from(e) * u64::from(per_second)).div_ceil(u64::from(s)) as u32).max(1),
        };
        Pacing {
            per_second,
            per_endpoint,
            ..self
        }
    }
}

/// The next free send times of a gate and of each endpoint it has used (engine ms,
/// fractional so 100/s paces 10 ms apart).
#[derive(Debug, Default)]
pub(super) struct Slots {
    gate: f64,
    endpoints: HashMap<String, f64>,
}

impl Slots {
    /// Books the endpoint's next slot at or after `now`: when a request to it may go.
    pub(super) fn book_endpoint(&mut self, endpoint: &str, rate: u32, divisor: u32, now: f64) -> f64 {
        let next = self.endpoints.entry(endpoint.to_owned()).or_insert(now);
        let slot = next.max(now);
        *next = slot + interval(rate, divisor);
        slot
    }

    /// Books the gate's next slot at or after `now`. Booked only once the endpoint's slot has
    /// come, so a busy endpoint does not hold back requests to the others.
    pub(super) fn book_gate(&mut self, rate: u32, divisor: u32, now: f64) -> f64 {
        let slot = self.gate.max(now);
        self.gate = slot + interval(rate, divisor);
        slot
    }
}

fn interval(rate: u32, divisor: u32) -> f64 {
    1000.0 * f64::from(divisor) / f64::from(rate)
}

/// A documented rate can still be too fast (a key other tools share, an account with a lower
/// limit): each rate limit the provider answers halves the gate's pace, down to 1/64 of it,
/// for `SLOWDOWN_MS` after the last one. Only a refusal of a request paced at the pace now in
/// force halves it again: the requests in flight when it was halved were paced at the old one.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Slowdown {
    divisor: u32,
    until: Millis,
}

const SLOWDOWN_MS: Millis = 10 * 60 * 1000;
const MAX_DIVISOR: u32 = 64;

impl Slowdown {
    /// What a paced gate's rate is divided by now (1: the full rate).
    pub(super) fn divisor(&self, now: Millis) -> u32 {
        if now < self.until {
            self.divisor.max(1)
        } else {
            1
        }
    }

    /// A rate limit answered at `now` to a request paced with `paced_with` (the divisor in
    /// force when it took its turn); the new divisor when the pace changed.
    pub(super) fn rate_limited(&mut self, paced_with: u32, now: Millis) -> Option<u32> {
        let current = self.divisor(now);
        self.until = now + SLOWDOWN_MS;
        if paced_with < current || current >= MAX_DIVISOR {
            return None;
        }
        self.divisor = current * 2;
        Some(self.divisor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rate_limit_at_the_pace_in_force_halves_it_and_it_recovers_later() {
        let mut s = Slowdown::default();
        assert_eq!(s.divisor(0), 1);
        assert_eq!(s.rate_limited(1, 1_000), Some(2));
        // Requests paced at the old pace answer 429 too: not halved again for them.
        assert_eq!(s.rate_limited(1, 1_010), None);
        assert_eq!(s.divisor(1_400), 2);
        // One paced at the halved pace and still refused: halved again at once.
        assert_eq!(s.rate_limited(2, 1_450), Some(4));
        for _ in 0..10 {
            let d = s.divisor(1_500);
            s.rate_limited(d, 1_500);
        }
        assert_eq!(s.divisor(1_500), MAX_DIVISOR, "never below 1/64 of the rate");
        assert_eq!(s.rate_limited(MAX_DIVISOR, 1_500), None);
        // Ten minutes after the last limit the full rate is back, and a new limit halves it.
        assert_eq!(s.divisor(1_500 + SLOWDOWN_MS - 1), MAX_DIVISOR);
        assert_eq!(s.divisor(1_500 + SLOWDOWN_MS), 1);
        assert_eq!(s.rate_limited(1, 1_500 + SLOWDOWN_MS), Some(2));
    }

    #[test]
    fn an_endpoint_at_its_limit_spaces_its_own_requests_and_leaves_the_gate_to_the_others() {
        let mut slots = Slots::default();
        // Four requests to one endpoint limited to 25/s: 40 ms apart.
        let charges: Vec<f64> = (0..4)
            .map(|_| slots.book_endpoint("charges", 25, 1, 0.0))
            .collect();
        assert_eq!(charges, [0.0, 40.0, 80.0, 120.0]);
        // Another endpoint is not behind them.
        assert_eq!(slots.book_endpoint("customers", 25, 1, 0.0), 0.0);
        // The gate (100/s) books in the order requests are ready: 10 ms apart.
        assert_eq!(slots.book_gate(100, 1, 0.0), 0.0);
        assert_eq!(slots.book_gate(100, 1, 0.0), 10.0);
        assert_eq!(slots.book_gate(100, 1, 40.0), 40.0);
        // Halved, an endpoint's requests are 80 ms apart.
        assert_eq!(slots.book_endpoint("events", 25, 2, 0.0), 0.0);
        assert_eq!(slots.book_endpoint("events", 25, 2, 0.0), 80.0);
    }

    #[test]
    fn a_persons_rate_scales_the_endpoint_limit_with_it() {
        let stripe = Pacing {
            per_second: 100,
            per_endpoint: 25,
            in_flight: 16,
        };
        assert_eq!(stripe.at_rate(40).per_endpoint, 10);
        assert_eq!(stripe.at_rate(200).per_endpoint, 50);
        assert_eq!(stripe.at_rate(1).per_endpoint, 1);
        assert_eq!(stripe.at_rate(40).in_flight, 16);
        let github = Pacing {
            per_second: 0,
            per_endpoint: 0,
            in_flight: 4,
        };
        assert_eq!(github.at_rate(5).per_second, 5);
        assert_eq!(github.at_rate(5).per_endpoint, 0);
    }
}
