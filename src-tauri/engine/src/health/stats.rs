//! The statistics health reads from counters: mean and spread from moments (count, sum, sum of
//! squares pool exactly across buckets and sources), and the two change detectors the alerts
//! use — CUSUM for a drop in records, Hampel for a jump in duration.

use serde::Serialize;
use ts_rs::TS;

/// Count, sum and sum of squares of some values (durations in ms), with their extremes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub count: u64,
    pub sum: f64,
    pub sum_sq: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Moments {
    #[cfg(test)]
    pub fn of(value: f64) -> Self {
        Self {
            count: 1,
            sum: value,
            sum_sq: value * value,
            min: Some(value),
            max: Some(value),
        }
    }

    /// The moments of both sets together: exact, whatever the order.
    pub fn pool(self, other: Self) -> Self {
        let pick = |a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64| match (a, b) {
            (Some(a), Some(b)) => Some(f(a, b)),
            (a, b) => a.or(b),
        };
        Self {
            count: self.count + other.count,
            sum: self.sum + other.sum,
            sum_sq: self.sum_sq + other.sum_sq,
            min: pick(self.min, other.min, f64::min),
            max: pick(self.max, other.max, f64::max),
        }
    }

    pub fn spread(&self) -> Spread {
        let n = self.count as f64;
        let mean = (self.count > 0).then(|| self.sum / n);
        // Sample standard deviation: sqrt((n·Σx² − (Σx)²) / (n(n−1))); rounding can make the
        // numerator a hair negative for identical values.
        let sd = (self.count > 1).then(|| {
            ((n * self.sum_sq - self.sum * self.sum) / (n * (n - 1.0)))
                .max(0.0)
                .sqrt()
        });
        Spread {
            count: self.count,
            mean,
            sd,
            // Only under a normal assumption: labelled an estimate wherever it is shown.
            p95_estimate: mean.zip(sd).map(|(m, s)| m + 1.645 * s),
            min: self.min,
            max: self.max,
        }
    }
}

/// Mean and spread of durations (ms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Spread {
    #[ts(type = "number")]
    pub count: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// mean + 1.645·sd: the 95th percentile IF durations were normal — an estimate ("≈ p95").
    pub p95_estimate: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Trifle's defaults for CUSUM: slack `k` (in standard deviations) and threshold `h`.
pub const CUSUM_K: f64 = 0.5;
pub const CUSUM_H: f64 = 5.0;

/// A one-sided CUSUM for a drop: how far `recent` has fallen below what `baseline` makes
/// usual, in scale units accumulated beyond the slack. The baseline's level and scale are its
/// median and scaled MAD rather than its mean and standard deviation, so one outlier day (a
/// source's first sync, a backfill) does not make every later day look ordinary. `None` when
/// the baseline is too short or usually moves nothing (nothing usual to fall from).
pub fn cusum_drop(baseline: &[f64], recent: &[f64]) -> Option<f64> {
    if baseline.len() < 3 {
        return None;
    }
    let level = median(baseline.to_vec());
    if level <= 0.0 {
        return None;
    }
    // A perfectly steady baseline would make any dip infinite: a floor of a tenth of the level.
    let scale = (1.4826 * median(baseline.iter().map(|x| (x - level).abs()).collect())).max(level * 0.1);
    let mut s: f64 = 0.0;
    for x in recent {
        s = (s + (level - x) / scale - CUSUM_K).max(0.0);
    }
    Some(s)
}

/// Trifle's defaults for the Hampel filter: window `w` and `k` scaled MADs.
pub const HAMPEL_WINDOW: usize = 6;
pub const HAMPEL_K: f64 = 3.0;

/// Whether `value` jumps above the median of the `window` before it by more than `k` scaled
/// median absolute deviations. `None` when the window is not full yet.
pub fn hampel_jump(window: &[f64], value: f64) -> Option<bool> {
    if window.len() < HAMPEL_WINDOW {
        return None;
    }
    let window = &window[window.len() - HAMPEL_WINDOW..];
    let m = median(window.to_vec());
    let mad = median(window.iter().map(|x| (x - m).abs()).collect());
    // Days that barely vary give a MAD near 0, which would call any wobble a jump: the scale
    // is at least a quarter of the median (a jump is then more than 1.75 times the usual).
    let scale = (1.4826 * mad).max(m * 0.25);
    Some(value - m > HAMPEL_K * scale)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(values: &[f64]) -> Moments {
        values
            .iter()
            .map(|v| Moments::of(*v))
            .fold(Moments::default(), Moments::pool)
    }

    #[test]
    fn spreads_from_moments_equal_the_textbook_ones() {
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let spread = moments(&values).spread();
        assert_eq!(spread.mean, Some(5.0));
        // Sample sd of these eight: sqrt(32 / 7).
        assert!((spread.sd.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!((spread.min, spread.max), (Some(2.0), Some(9.0)));
        // Pooled in any split, the moments are the same.
        let (a, b) = values.split_at(3);
        assert_eq!(moments(a).pool(moments(b)), moments(&values));
        assert_eq!(moments(&[]).spread().mean, None);
        assert_eq!(moments(&[3.0]).spread().sd, None, "one value has no spread");
    }

    #[test]
    fn cusum_flags_a_source_that_stopped_moving_records() {
        let baseline = [120.0, 95.0, 130.0, 110.0, 105.0, 125.0, 115.0];
        assert!(
            cusum_drop(&baseline, &[118.0, 101.0]).unwrap() < CUSUM_H,
            "ordinary days"
        );
        assert!(
            cusum_drop(&baseline, &[0.0]).unwrap() > CUSUM_H,
            "a day of nothing"
        );
        assert_eq!(cusum_drop(&[0.0, 0.0, 0.0, 0.0], &[0.0]), None, "never moved any");
        assert_eq!(cusum_drop(&[5.0, 5.0], &[0.0]), None, "too short to know");
        let first_sync_was_a_backfill = [4000.0, 20.0, 22.0, 19.0, 21.0, 20.0];
        assert!(
            cusum_drop(&first_sync_was_a_backfill, &[0.0]).unwrap() > CUSUM_H,
            "one outlier does not hide a drop"
        );
        // A source that moves a few a day needs more than one empty day to be called silent.
        let few = [6.0, 4.0, 9.0, 5.0, 7.0, 8.0];
        assert!(cusum_drop(&few, &[0.0]).unwrap() < CUSUM_H);
        assert!(cusum_drop(&few, &[0.0, 0.0, 0.0]).unwrap() > CUSUM_H);
    }

    #[test]
    fn hampel_flags_a_jump_in_duration_and_not_ordinary_noise() {
        let days = [1000.0, 1100.0, 950.0, 1050.0, 1000.0, 980.0];
        assert_eq!(hampel_jump(&days, 1120.0), Some(false));
        assert_eq!(hampel_jump(&days, 4000.0), Some(true));
        assert_eq!(hampel_jump(&days, 200.0), Some(false), "faster is no alert");
        assert_eq!(hampel_jump(&days[..3], 4000.0), None);
        assert_eq!(
            hampel_jump(&[500.0; 6], 800.0),
            Some(false),
            "steady days allow some"
        );
        assert_eq!(hampel_jump(&[500.0; 6], 900.0), Some(true));
    }
}
