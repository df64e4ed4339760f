//! Meta's numbers as pure functions of (seed, ad account, campaign, date). Nothing is stored,
//! so three years of any number of accounts cost no memory; every value is a whole number
//! (money in the currency's minor unit, see `money.rs`), so the API and the truth agree.
//!
//! Per campaign per day: spend, impressions, reach ≤ impressions, clicks ≤ impressions,
//! inline link clicks ≤ clicks, purchases, leads and purchase value. Delivery (spend,
//! impressions, reach, clicks) is final at once; **conversions keep changing for 28 days**:
//! purchases, leads and purchase value of a day `a` days old are the final ones × (0.7 +
//! 0.3·a/28), rounded down, and final from a = 28 on (`maturity`). A restatement scales
//! every metric of a day (`/_sim/meta/restate`).

use chrono::{Datelike, NaiveDate};

use super::money;
use crate::config::MetaAdAccount;
use crate::google::gen::{key, Scale};
use crate::rng::Rng;

const E_CAMPAIGN: u64 = 0x3e7a;
const E_DAY: u64 = 0x3e7b;

/// Campaign ids keep 3 digits for the campaign's index.
pub const MAX_CAMPAIGNS: u32 = 1_000;
/// Meta's insights settle 28 days after the day.
pub const MATURE_DAYS: i64 = 28;

/// One campaign's day (or a sum of them). `spend` and `purchase_value` are minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    pub spend: u64,
    pub impressions: u64,
    pub reach: u64,
    pub clicks: u64,
    pub link_clicks: u64,
    pub purchases: u64,
    pub leads: u64,
    pub purchase_value: u64,
}

impl Metrics {
    pub fn add(&mut self, o: &Metrics) {
        self.spend += o.spend;
        self.impressions += o.impressions;
        self.reach += o.reach;
        self.clicks += o.clicks;
        self.link_clicks += o.link_clicks;
        self.purchases += o.purchases;
        self.leads += o.leads;
        self.purchase_value += o.purchase_value;
    }
}

/// The share of its final conversions a day shows at `age` days: 0.7 + 0.3·age/28.
pub fn maturity(age: i64) -> Scale {
    if age >= MATURE_DAYS {
        Scale::ONE
    } else {
        Scale::ratio((196 + 3 * age.max(0)) as u64, 280)
    }
}

const THEMES: [&str; 8] = [
    "Spring Sale",
    "Always On",
    "New Arrivals",
    "Holiday Push",
    "Brand Awareness",
    "Lead Magnet",
    "Catalog Sales",
    "Back in Stock",
];
const AUDIENCES: [&str; 4] = ["Prospecting", "Retargeting", "Lookalike 1%", "Broad"];

/// Weekday shape (Monday first, ≈ 100) × slow growth × the day's noise, in parts per 10,000.
fn trend(r: &mut Rng, day: NaiveDate) -> u64 {
    // Shops sell more at the weekend.
    const WEEK: [u64; 7] = [100, 98, 97, 99, 104, 108, 106];
    let weekday = WEEK[day.weekday().num_days_from_monday() as usize];
    let since_2024 = (day - NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")).num_days();
    let growth = (10_000 + since_2024 * 2).clamp(5_000, 20_000) as u64;
    weekday * growth * r.range(85, 115) as u64 / 10_000
}

/// Generates one ad account's campaigns.
pub struct Gen<'a> {
    pub seed: u64,
    pub account: &'a MetaAdAccount,
}

impl Gen<'_> {
    fn k(&self) -> u64 {
        key(&self.account.id)
    }

    /// 17 digits, unique within the sim: a block per account, then the campaign's index.
    pub fn campaign_id(&self, j: u32) -> String {
        (23_850_000_000_000_000 + (self.k() % 1_000_000) * 1_000 + j as u64 + 1).to_string()
    }

    /// "Spring Sale — Prospecting"; unique for the first 32, numbered after that.
    pub fn campaign_name(&self, j: u32) -> String {
        let (theme, audience) = (THEMES[j as usize % 8], AUDIENCES[(j + j / 8) as usize % 4]);
        if j < 32 {
            format!("{theme} — {audience}")
        } else {
            format!("{theme} — {audience} {}", j / 32 + 1)
        }
    }

    /// Campaign `j`'s day as served when the day is `age` days old (in the account's zone),
    /// with a restatement factor (`Scale::ONE` when none).
    pub fn day(&self, j: u32, day: NaiveDate, age: i64, restated: Scale) -> Metrics {
        let zero_decimal = money::digits(&self.account.currency) == Some(0);
        let mut c = Rng::new(self.seed, E_CAMPAIGN ^ self.k(), j as u64);
        let imps0 = c.range(3_000, 60_000) as u64;
        // Minor units per 1,000 impressions: $4–18, or ¥600–2,000.
        let cpm = if zero_decimal {
            c.range(600, 2_000)
        } else {
            c.range(400, 1_800)
        } as u64;
        let reach_pct = c.range(55, 85) as u64;
        let ctr_bp = c.range(60, 300) as u64;
        let link_pct = c.range(55, 90) as u64;
        let purchase_bp = c.range(80, 500) as u64;
        let lead_bp = c.range(20, 300) as u64;
        // Average order: $25–150, or ¥3,000–15,000.
        let order = if zero_decimal {
            c.range(3_000, 15_000)
        } else {
            c.range(2_500, 15_000)
        } as u64;

        let mut r = Rng::new(
            self.seed,
            E_DAY ^ self.k() ^ ((j as u64) << 40),
            day.num_days_from_ce().max(0) as u64,
        );
        let impressions = imps0 * trend(&mut r, day) / 10_000;
        let reach = (impressions * reach_pct * r.range(95, 105) as u64 / 10_000).min(impressions);
        let clicks = (impressions * ctr_bp * r.range(80, 120) as u64 / 1_000_000).min(impressions);
        let link_clicks = clicks * link_pct / 100;
        let spend = impressions * cpm * r.range(95, 105) as u64 / 100_000;
        let purchases = link_clicks * purchase_bp * r.range(60, 140) as u64 / 1_000_000;
        let leads = link_clicks * lead_bp * r.range(60, 140) as u64 / 1_000_000;
        let order = order * r.range(85, 115) as u64 / 100;

        // Scaling is monotonic, so reach ≤ impressions etc. still hold afterwards.
        let conversions = restated.times(maturity(age));
        let purchases = conversions.apply(purchases);
        Metrics {
            spend: restated.apply(spend),
            impressions: restated.apply(impressions),
            reach: restated.apply(reach),
            clicks: restated.apply(clicks),
            link_clicks: restated.apply(link_clicks),
            purchases,
            leads: conversions.apply(leads),
            purchase_value: purchases * order,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(currency: &str) -> MetaAdAccount {
        MetaAdAccount::new("1010000000001", "a", currency, "America/New_York")
    }

    #[test]
    fn metrics_nest_and_conversions_mature() {
        let a = account("USD");
        let g = Gen {
            seed: 42,
            account: &a,
        };
        let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        for j in 0..5 {
            let m = g.day(j, day, 40, Scale::ONE);
            assert!(m.reach <= m.impressions && m.clicks <= m.impressions);
            assert!(m.link_clicks <= m.clicks && m.spend > 0);
            let young = g.day(j, day, 0, Scale::ONE);
            assert_eq!(
                (young.spend, young.impressions, young.clicks),
                (m.spend, m.impressions, m.clicks)
            );
            assert!(young.purchases <= m.purchases && young.leads <= m.leads);
            assert_eq!(g.day(j, day, 28, Scale::ONE), m);
        }
        assert_eq!(maturity(0).apply(1_000), 700);
        assert_eq!(maturity(14).apply(1_000), 850);
        assert_eq!(maturity(27).apply(2_800), 2_770);
        assert_eq!(maturity(-3), maturity(0));
        let m = g.day(0, day, 40, Scale::ONE);
        let up = g.day(0, day, 40, Scale::percent(10));
        assert_eq!(up.impressions, m.impressions * 11 / 10);
    }

    #[test]
    fn ids_and_names() {
        let a = account("USD");
        let g = Gen { seed: 1, account: &a };
        assert_eq!(g.campaign_id(0).len(), 17);
        assert_ne!(g.campaign_id(0), g.campaign_id(1));
        assert_eq!(g.campaign_name(0), "Spring Sale — Prospecting");
        let names: std::collections::BTreeSet<String> = (0..40).map(|j| g.campaign_name(j)).collect();
        assert_eq!(names.len(), 40);
    }
}
