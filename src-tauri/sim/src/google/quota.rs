//! GA4's per-property token buckets and Search Console's per-site QPS limit, on the sim
//! clock. GA4: hourly buckets align to the clock's hour, daily ones to midnight Pacific;
//! once either is spent, every runReport of that property gets 429 until it refills, and
//! other properties carry on. A request is admitted first and charged after it is served
//! (1 token + 1 per 1,000 rows), so the last request of an hour may overshoot, as at Google.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::tz::PACIFIC;
use crate::config::Ga4Property;

/// Share of a property's hourly tokens one project may use (Google: 35 %).
const PROJECT_SHARE_PERCENT: u64 = 35;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exhausted {
    Hour,
    Day,
}

impl Exhausted {
    pub fn message(self) -> &'static str {
        match self {
            Exhausted::Hour => {
                "Exhausted property tokens per hour for a project per hour. These quota tokens will return in \
                 under an hour. To learn more, see https://developers.google.com/analytics/devguides/reporting/data/v1/quotas"
            }
            Exhausted::Day => {
                "Exhausted property tokens per day for a project per day. These quota tokens will return \
                 after midnight Pacific Time. To learn more, see \
                 https://developers.google.com/analytics/devguides/reporting/data/v1/quotas"
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Ga4Bucket {
    per_hour: u64,
    per_day: u64,
    hour: i64,
    hour_used: u64,
    day: NaiveDate,
    day_used: u64,
}

#[derive(Default)]
pub struct Quotas {
    ga4: HashMap<String, Ga4Bucket>,
    /// site → (sim-clock minute, calls in it)
    gsc: HashMap<String, (i64, u32)>,
}

/// What one runReport cost: 1 token, plus 1 per 1,000 rows returned.
pub fn ga4_cost(rows: usize) -> u64 {
    1 + rows as u64 / 1_000
}

impl Quotas {
    fn bucket(&mut self, prop: &Ga4Property, now: i64) -> &mut Ga4Bucket {
        let (hour, day) = (now.div_euclid(3600), PACIFIC.date_at(now));
        let b = self.ga4.entry(prop.id.clone()).or_insert_with(|| Ga4Bucket {
            per_hour: prop.tokens_per_hour as u64,
            per_day: prop.tokens_per_day as u64,
            hour,
            hour_used: 0,
            day,
            day_used: 0,
        });
        if b.hour != hour {
            (b.hour, b.hour_used) = (hour, 0);
        }
        if b.day != day {
            (b.day, b.day_used) = (day, 0);
        }
        b
    }

    /// Err when the property's hourly or daily tokens are spent.
    pub fn ga4_admit(&mut self, prop: &Ga4Property, now: i64) -> Result<(), Exhausted> {
        let b = self.bucket(prop, now);
        if b.day_used >= b.per_day {
            return Err(Exhausted::Day);
        }
        if b.hour_used >= b.per_hour {
            return Err(Exhausted::Hour);
        }
        Ok(())
    }

    /// Charges `cost` and returns the answer's `propertyQuota`.
    pub fn ga4_spend(&mut self, prop: &Ga4Property, now: i64, cost: u64, thresholded: bool) -> Value {
        let b = self.bucket(prop, now);
        b.hour_used += cost;
        b.day_used += cost;
        let status = |consumed: u64, remaining: u64| json!({"consumed": consumed, "remaining": remaining});
        let project = b.per_hour * PROJECT_SHARE_PERCENT / 100;
        json!({
            "tokensPerDay": status(cost, b.per_day.saturating_sub(b.day_used)),
            "tokensPerHour": status(cost, b.per_hour.saturating_sub(b.hour_used)),
            "concurrentRequests": status(0, 10),
            "serverErrorsPerProjectPerHour": status(0, 10),
            "potentiallyThresholdedRequestsPerHour": status(u64::from(thresholded), 120),
            "tokensPerProjectPerHour": status(cost, project.saturating_sub(b.hour_used)),
        })
    }

    /// New limits (None keeps the current one) and a fresh start for the property.
    pub fn ga4_set(
        &mut self,
        prop: &Ga4Property,
        now: i64,
        per_hour: Option<u32>,
        per_day: Option<u32>,
    ) -> Value {
        let b = self.bucket(prop, now);
        if let Some(h) = per_hour {
            b.per_hour = h as u64;
        }
        if let Some(d) = per_day {
            b.per_day = d as u64;
        }
        (b.hour_used, b.day_used) = (0, 0);
        self.ga4_view(prop, now)
    }

    pub fn ga4_view(&mut self, prop: &Ga4Property, now: i64) -> Value {
        let b = self.bucket(prop, now);
        json!({
            "property": prop.id,
            "tokens_per_hour": b.per_hour,
            "tokens_per_day": b.per_day,
            "hour_used": b.hour_used,
            "day_used": b.day_used,
        })
    }

    /// Counts a searchAnalytics.query; false when the site's per-minute limit is spent.
    pub fn gsc_admit(&mut self, site: &str, per_minute: u32, now: i64) -> bool {
        if per_minute == 0 {
            return true;
        }
        let minute = now.div_euclid(60);
        let slot = self.gsc.entry(site.to_string()).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        if slot.1 >= per_minute {
            return false;
        }
        slot.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_on_the_hour() {
        let mut prop = Ga4Property::new("1", "2", "a", "p");
        prop.tokens_per_hour = 3;
        let mut q = Quotas::default();
        let t = 1_767_225_600; // on the hour
        assert!(q.ga4_admit(&prop, t).is_ok());
        let answer = q.ga4_spend(&prop, t, 3, false);
        assert_eq!(answer["tokensPerHour"]["remaining"], 0);
        assert_eq!(q.ga4_admit(&prop, t + 3599), Err(Exhausted::Hour));
        assert!(q.ga4_admit(&prop, t + 3600).is_ok());
        assert!(q.gsc_admit("s", 1, t));
        assert!(!q.gsc_admit("s", 1, t + 59));
        assert!(q.gsc_admit("s", 1, t + 60));
    }
}
