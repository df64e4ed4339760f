//! What a provider's metrics are: a unit, how days add up, how the metric splits, and how its
//! daily rollup is computed from the provider's tables. A provider lists its metrics and the
//! widgets a new dashboard starts with; `metrics` computes and reads them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::table::Day;

/// What a number is, so the UI formats it. Money is in the currency's minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Unit {
    Money,
    Count,
    /// A fraction: 0.25 is 25%.
    Percent,
    /// Seconds.
    Duration,
    /// A plain number with decimals (an average position).
    Number,
}

/// How a metric's days combine into one number for a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Aggregation {
    /// Flows: add the days up.
    Sum,
    /// Stocks (open issues, MRR): the value on the range's last day.
    Last,
    /// Rates: the sum of values over the sum of weights.
    Ratio,
    /// The median of every individual value in the range (one rollup row per item).
    Median,
}

/// How a metric splits, when one number would mislead or a table helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Split {
    None,
    /// Money never adds across currencies: one value per currency.
    Currency,
    /// A breakdown (commits by author, clicks by query); tables show the top parts.
    Breakdown,
}

/// How a widget shows its metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Visual {
    /// A number tile with its change and a sparkline.
    Number,
    /// A chart of the daily values.
    Timeseries,
    /// A top-N table (parts of a breakdown, currencies, or the best days).
    Table,
}

impl Visual {
    pub fn as_str(self) -> &'static str {
        match self {
            Visual::Number => "number",
            Visual::Timeseries => "timeseries",
            Visual::Table => "table",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "timeseries" => Visual::Timeseries,
            "table" => Visual::Table,
            _ => Visual::Number,
        }
    }
}

/// How the rollup of one day is computed. The SQL fragments are constants of the provider's
/// code, never user input.
#[derive(Debug)]
pub enum Rollup {
    /// Rows of `table` dated by `time`, grouped by day and `dim`; `value` and `weight` are
    /// aggregate expressions over each group. A breakdown's parts are kept under
    /// `parts_key(metric)`, apart from the totals, so a series reads one row per day.
    Flow {
        table: &'static str,
        time: Day,
        dim: &'static str,
        value: &'static str,
        weight: &'static str,
        filter: &'static str,
        parts: Option<Parts>,
    },
    /// One rollup row per item (keyed by `dim`), for median metrics.
    Items {
        table: &'static str,
        time: Day,
        dim: &'static str,
        value: &'static str,
        filter: &'static str,
    },
    /// Things alive from `start` until `end` (UTC ms; NULL: still alive): the day's value is
    /// the sum of `value` over the items alive at the end of that day (at the sync, for today).
    Stock {
        table: &'static str,
        start: &'static str,
        end: &'static str,
        dim: &'static str,
        value: &'static str,
        filter: &'static str,
    },
}

/// Where a breakdown's parts come from: the grouping expression, and the table when it is not
/// the metric's own. Search Console's site totals come from its date-only report, its top
/// queries from the query report, whose rows sum to less (Google drops anonymised queries).
#[derive(Debug)]
pub struct Parts {
    pub table: Option<&'static str>,
    pub dim: &'static str,
}

impl Rollup {
    pub fn table(&self) -> &'static str {
        match self {
            Rollup::Flow { table, .. } | Rollup::Items { table, .. } | Rollup::Stock { table, .. } => table,
        }
    }

    /// Every table the rollup reads: a write to any of them recomputes it.
    pub fn tables(&self) -> impl Iterator<Item = &'static str> + '_ {
        let parts = match self {
            Rollup::Flow {
                parts: Some(Parts { table: Some(t), .. }),
                ..
            } => Some(*t),
            _ => None,
        };
        std::iter::once(self.table()).chain(parts)
    }
}

#[derive(Debug)]
pub struct Metric {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub unit: Unit,
    pub aggregation: Aggregation,
    pub split: Split,
    /// A rise is bad news (refunds, failed charges, churn, time to merge, cost per action).
    pub lower_is_better: bool,
    pub rollup: Rollup,
}

/// Where a breakdown metric's parts are stored in `metric_daily`.
pub fn parts_key(key: &str) -> String {
    format!("{key}:parts")
}

/// A widget a client's dashboard gets when a source of the provider is added.
#[derive(Debug, Clone, Copy)]
pub struct DefaultWidget {
    pub metric: &'static str,
    pub visual: Visual,
    /// Grid columns (1–4); numbers are one row high, charts and tables two.
    pub width: u8,
}

impl DefaultWidget {
    pub const fn number(metric: &'static str) -> Self {
        Self {
            metric,
            visual: Visual::Number,
            width: 1,
        }
    }

    pub const fn chart(metric: &'static str) -> Self {
        Self {
            metric,
            visual: Visual::Timeseries,
            width: 2,
        }
    }

    pub const fn table(metric: &'static str) -> Self {
        Self {
            metric,
            visual: Visual::Table,
            width: 2,
        }
    }
}

/// Minor units per unit of money, by ISO 4217 currency (lower-case): `money_sql` divides
/// micros by it. Most currencies have cents; these have none or thousandths.
pub const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "isk", "jpy", "kmf", "krw", "pyg", "rwf", "ugx", "uyi", "vnd", "vuv", "xaf",
    "xof", "xpf",
];
pub const THREE_DECIMAL: &[&str] = &["bhd", "iqd", "jod", "kwd", "lyd", "omr", "tnd"];

/// Digits of a currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD.
pub fn minor_digits(currency: &str) -> u32 {
    let c = currency.to_ascii_lowercase();
    if ZERO_DECIMAL.contains(&c.as_str()) {
        0
    } else if THREE_DECIMAL.contains(&c.as_str()) {
        3
    } else {
        2
    }
}

/// A decimal amount as the provider writes it ("1234.5", "-0.07") in minor units, exactly:
/// money never passes through a float. `None` for text that is not a decimal, or with more
/// decimals than the currency has.
pub fn minor_units(decimal: &str, currency: &str) -> Option<i64> {
    scaled(decimal, minor_digits(currency))
}

/// A decimal as an integer of `10^-digits` units ("12.5", 6 → 12_500_000), exactly.
pub fn scaled(decimal: &str, digits: u32) -> Option<i64> {
    let text = decimal.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let fraction = fraction.trim_end_matches('0');
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().chain(fraction.chars()).all(|c| c.is_ascii_digit())
        || fraction.len() > digits as usize
    {
        return None;
    }
    let scale = 10i64.checked_pow(digits)?;
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse::<i64>().ok()? * 10i64.pow(digits - fraction.len() as u32)
    };
    let value = whole.checked_mul(scale)?.checked_add(fraction)?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_exact_minor_units() {
        assert_eq!(minor_units("1234.56", "usd"), Some(123_456));
        assert_eq!(minor_units("1234.5", "USD"), Some(123_450));
        assert_eq!(minor_units("7", "eur"), Some(700));
        assert_eq!(minor_units("1500", "jpy"), Some(1500));
        assert_eq!(minor_units("1500.0", "jpy"), Some(1500));
        assert_eq!(minor_units("1.234", "kwd"), Some(1234));
        assert_eq!(minor_units("-0.07", "usd"), Some(-7));
        assert_eq!(minor_units("0.125", "usd"), None, "more decimals than cents");
        assert_eq!(minor_units("1e3", "usd"), None);
        assert_eq!(minor_units("", "usd"), None);
        assert_eq!(scaled("12.5", 6), Some(12_500_000));
    }
}
