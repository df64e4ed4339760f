//! Google's numbers as pure functions of (seed, product, account, key, date). Nothing is
//! stored: a day of any account is recomputed on demand, so two years × 500 landing pages
//! or campaigns cost no memory. Everything is whole numbers (money in minor units or micros,
//! fractional metrics in hundredths); doubles are derived from them only when answering,
//! so the API and `/_sim/google/truth` agree exactly.
//!
//! Breakdowns are split from the day's totals, so they always add up: sessions over
//! channels or landing pages sum to the day's sessions. A smaller metric is split in
//! proportion to a bigger one's parts (users by sessions, new users by users), which keeps
//! `newUsers ≤ totalUsers ≤ sessions` true row by row (see `split`).

use chrono::{Datelike, NaiveDate};

use crate::config::{AdsCustomer, Ga4Property, GscSite};
use crate::rng::{splitmix64, Rng};

const E_GA4: u64 = 0x6a40;
const E_GA4_CHANNEL: u64 = 0x6a41;
const E_GA4_PAGE: u64 = 0x6a42;
const E_GSC: u64 = 0x65c0;
const E_GSC_PAGE: u64 = 0x65c1;
const E_ADS: u64 = 0xad50;

/// FNV-1a of an account id, so "412345678" and "498765432" get unrelated streams.
pub fn key(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn day_index(day: NaiveDate) -> u64 {
    day.num_days_from_ce().max(0) as u64
}

/// A rational multiplier for whole-number metrics: data maturity × restatements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scale {
    num: u128,
    den: u128,
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Scale {
    pub const ONE: Scale = Scale { num: 1, den: 1 };

    pub fn ratio(num: u64, den: u64) -> Scale {
        Scale {
            num: num as u128,
            den: den.max(1) as u128,
        }
    }

    /// (100 + percent) / 100; percent > -100.
    pub fn percent(percent: i64) -> Scale {
        Scale::ratio((100 + percent).max(0) as u64, 100)
    }

    pub fn times(self, other: Scale) -> Scale {
        let (num, den) = (self.num * other.num, self.den * other.den);
        let g = gcd(num, den).max(1);
        Scale {
            num: num / g,
            den: den / g,
        }
    }

    pub fn apply(self, x: u64) -> u64 {
        (x as u128 * self.num / self.den) as u64
    }
}

/// Splits `total` over `weights` so the parts sum to `total` exactly (cumulative rounding).
/// Each part is at most ⌈total·wᵢ/W⌉, so splitting a smaller total by the parts of a bigger
/// one (`split(users, &sessions)`) never gives a row more users than sessions.
pub fn split(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| w as u128).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let (mut cum, mut prev) = (0u128, 0u64);
    weights
        .iter()
        .map(|&w| {
            cum += w as u128;
            let upto = (total as u128 * cum / sum) as u64;
            let part = upto - prev;
            prev = upto;
            part
        })
        .collect()
}

/// Like `split`, but every entry first gets 1 while `total` lasts (in weight order), so
/// "N pages with traffic a day" holds whenever the day has at least N units.
fn split_min1(total: u64, weights: &[u64]) -> Vec<u64> {
    let n = weights.len() as u64;
    if total < n {
        return (0..n).map(|i| u64::from(i < total)).collect();
    }
    split(total - n, weights).into_iter().map(|p| p + 1).collect()
}

/// Weekly seasonality × slow growth × the day's noise, in parts per 10,000 (≈ 10,000).
fn trend(r: &mut Rng, day: NaiveDate) -> u64 {
    const WEEK: [u64; 7] = [104, 107, 106, 103, 97, 82, 86];
    let weekday = WEEK[day.weekday().num_days_from_monday() as usize];
    let since_2024 = (day - NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")).num_days();
    let growth = (10_000 + since_2024 * 3).clamp(5_000, 20_000) as u64;
    let noise = r.range(90, 110) as u64;
    weekday * growth * noise / 10_000
}

/// Digits after the decimal point of a currency (ISO 4217 minor units).
pub fn minor_digits(currency: &str) -> u32 {
    const ZERO: [&str; 9] = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX", "PYG", "XAF", "XOF"];
    if ZERO.contains(&currency.to_ascii_uppercase().as_str()) {
        0
    } else {
        2
    }
}

/// Minor units as a decimal string: 123456 → "1234.56" (USD), 1234 → "1234" (JPY).
pub fn money(minor: u64, digits: u32) -> String {
    if digits == 0 {
        return minor.to_string();
    }
    let unit = 10u64.pow(digits);
    format!(
        "{}.{:0width$}",
        minor / unit,
        minor % unit,
        width = digits as usize
    )
}

/// Hundredths as the shortest decimal: 7530 → "75.3", 7500 → "75".
pub fn hundredths(h: u64) -> String {
    match h % 100 {
        0 => (h / 100).to_string(),
        c if c % 10 == 0 => format!("{}.{}", h / 100, c / 10),
        c => format!("{}.{c:02}", h / 100),
    }
}

pub fn hundredths_f64(h: u64) -> f64 {
    h as f64 / 100.0
}

// ---------------------------------------------------------------- GA4

/// One GA4 row's metrics (also a day's totals). `key_h` is key events in hundredths,
/// `revenue` is in the property currency's minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ga4Metrics {
    pub sessions: u64,
    pub users: u64,
    pub new_users: u64,
    pub engaged: u64,
    pub key_h: u64,
    pub revenue: u64,
    pub views: u64,
}

impl Ga4Metrics {
    pub fn add(&mut self, o: &Ga4Metrics) {
        self.sessions += o.sessions;
        self.users += o.users;
        self.new_users += o.new_users;
        self.engaged += o.engaged;
        self.key_h += o.key_h;
        self.revenue += o.revenue;
        self.views += o.views;
    }

    fn scaled(&self, s: Scale) -> Ga4Metrics {
        Ga4Metrics {
            sessions: s.apply(self.sessions),
            users: s.apply(self.users),
            new_users: s.apply(self.new_users),
            engaged: s.apply(self.engaged),
            key_h: s.apply(self.key_h),
            revenue: s.apply(self.revenue),
            views: s.apply(self.views),
        }
    }

    /// Splits these totals over rows: sessions by `weights`, the rest by the session parts.
    fn split(&self, weights: &[u64], min1: bool) -> Vec<Ga4Metrics> {
        let sessions = if min1 {
            split_min1(self.sessions, weights)
        } else {
            split(self.sessions, weights)
        };
        let users = split(self.users, &sessions);
        let new_users = split(self.new_users, &users);
        let engaged = split(self.engaged, &sessions);
        let key_h = split(self.key_h, &sessions);
        let revenue = split(self.revenue, &sessions);
        let views = split(self.views, &sessions);
        (0..weights.len())
            .map(|i| Ga4Metrics {
                sessions: sessions[i],
                users: users[i],
                new_users: new_users[i],
                engaged: engaged[i],
                key_h: key_h[i],
                revenue: revenue[i],
                views: views[i],
            })
            .collect()
    }
}

/// How complete a GA4 day is at `age` days old: processing takes 24–48 h and late hits
/// arrive for ~72 h.
pub fn ga4_maturity(age: i64) -> Scale {
    match age {
        i64::MIN..=0 => Scale::ratio(55, 100),
        1 => Scale::ratio(85, 100),
        2 => Scale::ratio(97, 100),
        _ => Scale::ONE,
    }
}

pub const CHANNELS: [&str; 8] = [
    "Organic Search",
    "Direct",
    "Paid Search",
    "Organic Social",
    "Email",
    "Referral",
    "Paid Social",
    "Unassigned",
];
const CHANNEL_WEIGHTS: [u64; 8] = [38, 22, 12, 9, 6, 6, 5, 2];

const SECTIONS: [&str; 8] = [
    "menu",
    "shop",
    "blog",
    "locations",
    "coffee",
    "gifts",
    "about",
    "subscribe",
];
const WORDS: [&str; 16] = [
    "cold-brew",
    "espresso",
    "house-blend",
    "decaf",
    "pour-over",
    "oat-latte",
    "beans",
    "grinders",
    "mugs",
    "gift-card",
    "seasonal",
    "single-origin",
    "french-press",
    "matcha",
    "pastries",
    "catering",
];

/// The path of landing page `j` (0 is the home page).
pub fn landing_page(j: u32) -> String {
    if j == 0 {
        return "/".to_string();
    }
    let (section, word) = (SECTIONS[j as usize % 8], WORDS[(j as usize / 8) % 16]);
    format!("/{section}/{word}-{j}")
}

pub const OTHER: &str = "(other)";

/// Generates one GA4 property.
pub struct Ga4Gen<'a> {
    pub seed: u64,
    pub prop: &'a Ga4Property,
}

impl Ga4Gen<'_> {
    fn k(&self) -> u64 {
        key(&self.prop.id)
    }

    /// The day's totals when final (age ≥ 3, no restatement).
    fn final_day(&self, day: NaiveDate) -> Ga4Metrics {
        let base = 1_500 + Rng::new(self.seed, E_GA4, self.k()).below(4_500);
        let mut r = Rng::new(self.seed, E_GA4 ^ self.k(), day_index(day));
        let sessions = base * trend(&mut r, day) / 10_000;
        let users = sessions * r.range(68, 80) as u64 / 100;
        let new_users = users * r.range(30, 48) as u64 / 100;
        let engaged = sessions * r.range(55, 72) as u64 / 100;
        let key_h = sessions * r.range(150, 350) as u64 / 100;
        // Average order value: $15–45, or ¥2,000–6,000 for zero-decimal currencies.
        let order = if minor_digits(&self.prop.currency) == 0 {
            r.range(2_000, 6_000)
        } else {
            r.range(1_500, 4_500)
        } as u64;
        let views = sessions * r.range(180, 320) as u64 / 100;
        Ga4Metrics {
            sessions,
            users,
            new_users,
            engaged,
            key_h,
            revenue: key_h * order / 100,
            views,
        }
    }

    /// The day's totals as served now (`scale` = maturity × restatements).
    pub fn day(&self, day: NaiveDate, scale: Scale) -> Ga4Metrics {
        self.final_day(day).scaled(scale)
    }

    /// Per-channel rows of a day, in `CHANNELS` order (zero rows included).
    pub fn channels(&self, day: NaiveDate, total: &Ga4Metrics) -> Vec<Ga4Metrics> {
        total.split(&self.channel_weights(day), false)
    }

    fn channel_weights(&self, day: NaiveDate) -> Vec<u64> {
        let mut r = Rng::new(self.seed, E_GA4_CHANNEL ^ self.k(), day_index(day));
        CHANNEL_WEIGHTS
            .iter()
            .map(|w| w * r.range(80, 120) as u64)
            .collect()
    }

    /// Per-landing-page metrics of a day, by page rank; pages from `other_after` on are
    /// folded into one last "(other)" entry (the bool says whether one was added).
    pub fn landing_parts(&self, day: NaiveDate, total: &Ga4Metrics) -> (Vec<Ga4Metrics>, bool) {
        let n = self.prop.landing_pages;
        let mut r = Rng::new(self.seed, E_GA4_PAGE ^ self.k(), day_index(day));
        let weights: Vec<u64> = (0..n)
            .map(|j| 1_000_000 / (j as u64 + 1) * r.range(80, 120) as u64 / 100)
            .collect();
        let mut parts = total.split(&weights, true);
        let keep = self.prop.other_after.unwrap_or(n).min(n) as usize;
        let mut other = Ga4Metrics::default();
        parts[keep..].iter().for_each(|m| other.add(m));
        parts.truncate(keep);
        let folded = other.sessions > 0;
        if folded {
            parts.push(other);
        }
        (parts, folded)
    }

    /// Per-landing-page rows of a day with their paths (see `landing_parts`).
    pub fn landing_pages(&self, day: NaiveDate, total: &Ga4Metrics) -> (Vec<(String, Ga4Metrics)>, bool) {
        let (parts, folded) = self.landing_parts(day, total);
        let last = parts.len().saturating_sub(1);
        let rows = parts
            .into_iter()
            .enumerate()
            .map(|(j, m)| {
                let name = if folded && j == last {
                    OTHER.to_string()
                } else {
                    landing_page(j as u32)
                };
                (name, m)
            })
            .collect();
        (rows, folded)
    }

    /// A landing page's row split over channels (for reports with both dimensions).
    pub fn page_channels(&self, day: NaiveDate, page: &Ga4Metrics) -> Vec<Ga4Metrics> {
        page.split(&self.channel_weights(day), false)
    }
}

// ---------------------------------------------------------------- Search Console

/// One Search Console row. `pos_h` is the average position in hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GscMetrics {
    pub clicks: u64,
    pub impressions: u64,
    pub pos_h: u64,
}

impl GscMetrics {
    pub fn ctr(&self) -> f64 {
        if self.impressions == 0 {
            0.0
        } else {
            self.clicks as f64 / self.impressions as f64
        }
    }

    pub fn position(&self) -> f64 {
        hundredths_f64(self.pos_h)
    }
}

/// Sums rows, averaging position weighted by impressions (as Search Console does).
#[derive(Default)]
pub struct GscSum {
    clicks: u64,
    impressions: u64,
    pos_weighted: u128,
}

impl GscSum {
    pub fn add(&mut self, m: &GscMetrics) {
        self.clicks += m.clicks;
        self.impressions += m.impressions;
        self.pos_weighted += m.pos_h as u128 * m.impressions as u128;
    }

    pub fn total(&self) -> GscMetrics {
        let imps = self.impressions.max(1) as u128;
        GscMetrics {
            clicks: self.clicks,
            impressions: self.impressions,
            pos_h: ((self.pos_weighted + imps / 2) / imps) as u64,
        }
    }
}

/// A day of a site: the property totals (date-only rows) and one row per query. The query
/// rows leave out the anonymised rare queries, so they add up to 70–90 % of the totals.
pub struct GscDay {
    pub total: GscMetrics,
    pub queries: Vec<GscMetrics>,
}

/// How complete a Search Console day is at `age` days (PT); from age 3 it is final.
pub fn gsc_maturity(age: i64) -> Scale {
    match age {
        i64::MIN..=0 => Scale::ratio(40, 100),
        1 => Scale::ratio(70, 100),
        2 => Scale::ratio(90, 100),
        _ => Scale::ONE,
    }
}

const QUERY_A: [&str; 8] = [
    "best",
    "cold brew",
    "espresso",
    "organic",
    "decaf",
    "single origin",
    "french press",
    "iced",
];
const QUERY_B: [&str; 8] = [
    "coffee beans",
    "near me",
    "recipe",
    "subscription",
    "gift set",
    "grinder",
    "latte",
    "price",
];

/// The text of query `j`.
pub fn query_text(j: u32) -> String {
    let (a, b) = (QUERY_A[j as usize % 8], QUERY_B[(j as usize / 8) % 8]);
    if j < 64 {
        format!("{a} {b}")
    } else {
        format!("{a} {b} {}", j / 64 + 1)
    }
}

pub struct GscGen<'a> {
    pub seed: u64,
    pub site: &'a GscSite,
}

impl GscGen<'_> {
    fn k(&self) -> u64 {
        key(&self.site.url)
    }

    /// The absolute URL of page `p` of this site.
    pub fn page_url(&self, p: u32) -> String {
        let url = &self.site.url;
        let base = match url.strip_prefix("sc-domain:") {
            Some(domain) => format!("https://{domain}/"),
            None if url.ends_with('/') => url.clone(),
            None => format!("{url}/"),
        };
        format!("{base}{}", landing_page(p).trim_start_matches('/'))
    }

    pub fn day(&self, day: NaiveDate, scale: Scale) -> GscDay {
        let base = 8_000 + Rng::new(self.seed, E_GSC, self.k()).below(52_000);
        let mut r = Rng::new(self.seed, E_GSC ^ self.k(), day_index(day));
        let impressions = scale.apply(base * trend(&mut r, day) / 10_000);
        let clicks = scale.apply(impressions * r.range(200, 600) as u64 / 10_000);
        let anonymised = r.range(10, 30) as u64;
        let (q_imps, q_clicks) = (
            impressions * (100 - anonymised) / 100,
            clicks * (100 - anonymised) / 100,
        );
        let n = self.site.queries;
        let weights: Vec<u64> = (0..n)
            .map(|j| 1_000_000 / (j as u64 + 1) * r.range(80, 120) as u64 / 100)
            .collect();
        let imps = split_min1(q_imps, &weights);
        let clks = split(q_clicks, &imps);
        let mut sum = GscSum::default();
        let queries: Vec<GscMetrics> = (0..n as usize)
            .map(|j| {
                let m = GscMetrics {
                    clicks: clks[j],
                    impressions: imps[j],
                    pos_h: 100 + (j as u64 * 37 % 1_500) + r.range(0, 300) as u64,
                };
                sum.add(&m);
                m
            })
            .collect();
        // The anonymised queries rank worse; they count in the totals' position too.
        sum.add(&GscMetrics {
            clicks: clicks - q_clicks,
            impressions: impressions - q_imps,
            pos_h: 2_500 + r.range(0, 1_000) as u64,
        });
        GscDay {
            total: sum.total(),
            queries,
        }
    }

    /// One row per page. Pages share out the whole property total (no anonymisation at
    /// page level), so they sum to the date-only totals exactly.
    pub fn pages(&self, day: NaiveDate, total: &GscMetrics) -> Vec<GscMetrics> {
        let n = self.site.pages;
        let mut r = Rng::new(self.seed, E_GSC_PAGE ^ self.k(), day_index(day));
        let weights: Vec<u64> = (0..n)
            .map(|p| 1_000_000 / (p as u64 + 1) * r.range(80, 120) as u64 / 100)
            .collect();
        let imps = split_min1(total.impressions, &weights);
        let clks = split(total.clicks, &imps);
        (0..n as usize)
            .map(|p| GscMetrics {
                clicks: clks[p],
                impressions: imps[p],
                pos_h: 150 + (p as u64 * 53 % 1_200) + r.range(0, 200) as u64,
            })
            .collect()
    }

    /// Query `j`'s row split over the (one or two) pages that rank for it.
    pub fn query_pages(&self, j: u32, q: &GscMetrics) -> Vec<(u32, GscMetrics)> {
        let n = self.site.pages.max(1);
        let h = splitmix64(self.k() ^ j as u64);
        let primary = (h % n as u64) as u32;
        if n == 1 {
            return vec![(primary, *q)];
        }
        let secondary = (primary + 1 + j % 3) % n;
        let share = 10 + (h >> 32) % 30;
        let imps = split(q.impressions, &[100 - share, share]);
        let clks = split(q.clicks, &imps);
        vec![
            (
                primary,
                GscMetrics {
                    clicks: clks[0],
                    impressions: imps[0],
                    pos_h: q.pos_h,
                },
            ),
            (
                secondary,
                GscMetrics {
                    clicks: clks[1],
                    impressions: imps[1],
                    pos_h: q.pos_h + 150,
                },
            ),
        ]
    }
}

// ---------------------------------------------------------------- Google Ads

/// A campaign's day. `cost_micros` is a whole number of the currency's smallest unit
/// (a multiple of 10,000 for cents); conversions and their value are in hundredths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdsMetrics {
    pub impressions: u64,
    pub clicks: u64,
    pub cost_micros: u64,
    pub conv_h: u64,
    pub value_h: u64,
}

impl AdsMetrics {
    pub fn add(&mut self, o: &AdsMetrics) {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cost_micros += o.cost_micros;
        self.conv_h += o.conv_h;
        self.value_h += o.value_h;
    }

    pub fn is_zero(&self) -> bool {
        *self == AdsMetrics::default()
    }
}

const CAMPAIGN_NAMES: [(&str, &str); 8] = [
    ("Search - Brand", "SEARCH"),
    ("Search - Generic", "SEARCH"),
    ("Shopping - All Products", "SHOPPING"),
    ("Performance Max - Core", "PERFORMANCE_MAX"),
    ("Display - Remarketing", "DISPLAY"),
    ("Video - Awareness", "VIDEO"),
    ("Search - Competitors", "SEARCH"),
    ("Demand Gen - Prospecting", "DEMAND_GEN"),
];

pub struct AdsGen<'a> {
    pub seed: u64,
    pub customer: &'a AdsCustomer,
}

impl AdsGen<'_> {
    fn k(&self) -> u64 {
        key(&self.customer.id)
    }

    /// Managers hold no campaigns.
    pub fn campaign_count(&self) -> u32 {
        if self.customer.manager {
            0
        } else {
            self.customer.campaigns
        }
    }

    /// Unique within the customer: 11 digits, the customer's block plus the index.
    pub fn campaign_id(&self, j: u32) -> u64 {
        20_000_000_000 + (self.k() % 9_000) * 1_000_000 + j as u64
    }

    pub fn campaign_name(&self, j: u32) -> String {
        let (name, _) = CAMPAIGN_NAMES[j as usize % 8];
        if j < 8 {
            name.to_string()
        } else {
            format!("{name} {}", j / 8 + 1)
        }
    }

    pub fn channel_type(&self, j: u32) -> &'static str {
        CAMPAIGN_NAMES[j as usize % 8].1
    }

    /// Every eighth campaign (index 6, 14, …) is paused and spends nothing.
    pub fn campaign_status(&self, j: u32) -> &'static str {
        if j % 8 == 6 {
            "PAUSED"
        } else {
            "ENABLED"
        }
    }

    /// A campaign's day as served at `age` days old: conversions (credited to the click
    /// date) keep arriving for 30 days; cost settles after 3 (invalid-click credits).
    pub fn day(&self, j: u32, day: NaiveDate, age: i64, restated: Scale) -> AdsMetrics {
        if self.campaign_status(j) != "ENABLED" || j >= self.campaign_count() {
            return AdsMetrics::default();
        }
        let mut base = Rng::new(self.seed, E_ADS ^ self.k(), j as u64);
        let (imps0, ctr_bp, conv_bp) = (
            base.range(800, 20_000),
            base.range(100, 800),
            base.range(200, 1_200),
        );
        let zero_decimal = minor_digits(&self.customer.currency) == 0;
        let (cpc, value) = if zero_decimal {
            (base.range(40, 300) * 1_000_000, base.range(2_000, 12_000) * 100)
        } else {
            (base.range(300_000, 2_500_000), base.range(2_000, 12_000))
        };
        let mut r = Rng::new(self.seed, E_ADS ^ self.k() ^ ((j as u64) << 40), day_index(day));
        let impressions = restated.apply(imps0 as u64 * trend(&mut r, day) / 10_000);
        let clicks = restated
            .apply(impressions * ctr_bp as u64 / 10_000)
            .min(impressions);
        let unit = if zero_decimal { 1_000_000 } else { 10_000 };
        let cost_scale = if age < 3 {
            Scale::ratio((97 + age.max(0)) as u64, 100)
        } else {
            Scale::ONE
        };
        let cost = cost_scale.apply(clicks * cpc as u64);
        let conv_scale = if age < 30 {
            Scale::ratio((70 + age.max(0)) as u64, 100)
        } else {
            Scale::ONE
        };
        let conv_h = conv_scale.apply(clicks * conv_bp as u64 / 100);
        AdsMetrics {
            impressions,
            clicks,
            cost_micros: cost / unit * unit,
            conv_h,
            value_h: conv_h * value as u64 / 100,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_add_up_and_nest() {
        let sessions = split_min1(3_000, &[500, 300, 200, 1, 1]);
        assert_eq!(sessions.iter().sum::<u64>(), 3_000);
        assert!(sessions.iter().all(|&s| s >= 1));
        let users = split(2_200, &sessions);
        assert_eq!(users.iter().sum::<u64>(), 2_200);
        assert!(users.iter().zip(&sessions).all(|(u, s)| u <= s));
        assert_eq!(split_min1(2, &[5, 5, 5]), [1, 1, 0]);
        assert_eq!(split(7, &[0, 0]), [0, 0]);
    }

    #[test]
    fn formats() {
        assert_eq!(money(123_456, 2), "1234.56");
        assert_eq!(money(5, 2), "0.05");
        assert_eq!(money(1_234, 0), "1234");
        assert_eq!(hundredths(7_530), "75.3");
        assert_eq!(hundredths(7_500), "75");
        assert_eq!(hundredths(7_503), "75.03");
        assert_eq!(Scale::percent(10).apply(1_000), 1_100);
        assert_eq!(Scale::percent(10).times(Scale::ratio(55, 100)).apply(1_000), 605);
    }

    #[test]
    fn ga4_breakdowns_sum_to_the_day() {
        let mut prop = Ga4Property::new("1", "2", "a", "p");
        prop.landing_pages = 40;
        prop.other_after = Some(10);
        let g = Ga4Gen { seed: 7, prop: &prop };
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let total = g.day(day, ga4_maturity(1));
        assert!(total.new_users <= total.users && total.users <= total.sessions);
        let mut sum = Ga4Metrics::default();
        g.channels(day, &total).iter().for_each(|m| sum.add(m));
        assert_eq!(sum, total);
        let (pages, folded) = g.landing_pages(day, &total);
        assert!(folded);
        assert_eq!(pages.len(), 11);
        let mut sum = Ga4Metrics::default();
        pages.iter().for_each(|(_, m)| sum.add(m));
        assert_eq!(sum, total);
        assert!(pages
            .iter()
            .all(|(_, m)| m.new_users <= m.users && m.users <= m.sessions));
    }

    #[test]
    fn gsc_queries_sum_below_totals() {
        let site = GscSite::new("sc-domain:x.example", "siteOwner");
        let g = GscGen { seed: 1, site: &site };
        let day = g.day(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(), Scale::ONE);
        let q: u64 = day.queries.iter().map(|m| m.impressions).sum();
        assert!(q < day.total.impressions * 91 / 100 && q > day.total.impressions * 69 / 100);
        let pages = g.pages(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(), &day.total);
        assert_eq!(pages.iter().map(|m| m.clicks).sum::<u64>(), day.total.clicks);
        assert_eq!(g.page_url(0), "https://x.example/");
    }
}
