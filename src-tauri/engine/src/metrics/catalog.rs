//! The metrics Freshboard knows: what each means, its unit, how its days add up, and how
//! its daily rollup is computed from replicated rows. Adding a metric is one entry here
//! (plus a trigger in a migration if it reads a new column, see `rollup`).

use serde::Serialize;
use ts_rs::TS;

use crate::connectors::Provider;

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
    /// A breakdown whose parts add up (commits by author); tables show the top ones.
    Breakdown,
}

/// How the rollup of one day is computed. The SQL fragments are constants of this file,
/// never user input.
#[derive(Debug)]
pub enum Rollup {
    /// Rows dated by `time` (UTC ms) in `table`, grouped by day and `dim`; `value` and
    /// `weight` are aggregate expressions over each group. A breakdown's parts (grouped by
    /// the `parts` expression) are kept under the key `PARTS_KEY(metric)`, apart from the
    /// totals, so that a series reads one row per day, not one per part.
    Flow {
        table: &'static str,
        time: &'static str,
        dim: &'static str,
        value: &'static str,
        weight: &'static str,
        filter: &'static str,
        parts: Option<&'static str>,
    },
    /// One rollup row per item (keyed by `dim`) for median metrics.
    Items {
        table: &'static str,
        time: &'static str,
        dim: &'static str,
        value: &'static str,
        filter: &'static str,
    },
    /// Things alive from `start` until `end` (NULL: still alive): the day's value is the
    /// sum of `value` over the items alive at the end of that day (at the sync, for today).
    Stock {
        table: &'static str,
        start: &'static str,
        end: &'static str,
        dim: &'static str,
        value: &'static str,
        filter: &'static str,
    },
}

impl Rollup {
    pub fn table(&self) -> &'static str {
        match self {
            Rollup::Flow { table, .. } | Rollup::Items { table, .. } | Rollup::Stock { table, .. } => table,
        }
    }
}

#[derive(Debug)]
pub struct Metric {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub provider: Provider,
    pub unit: Unit,
    pub aggregation: Aggregation,
    pub split: Split,
    /// A rise is bad news (refunds, failed charges, churn, time to merge).
    pub lower_is_better: bool,
    pub rollup: Rollup,
}

/// A metric as the UI and CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MetricInfo {
    pub key: String,
    pub label: String,
    pub description: String,
    pub provider: Provider,
    pub unit: Unit,
    pub aggregation: Aggregation,
    pub split: Split,
    pub lower_is_better: bool,
}

impl Metric {
    pub fn info(&self) -> MetricInfo {
        MetricInfo {
            key: self.key.to_owned(),
            label: self.label.to_owned(),
            description: self.description.to_owned(),
            provider: self.provider,
            unit: self.unit,
            aggregation: self.aggregation,
            split: self.split,
            lower_is_better: self.lower_is_better,
        }
    }
}

/// Where a breakdown metric's parts are stored in `metric_daily`.
pub fn parts_key(key: &str) -> String {
    format!("{key}:parts")
}

pub fn find(key: &str) -> Option<&'static Metric> {
    CATALOG.iter().find(|m| m.key == key)
}

pub fn for_provider(provider: Provider) -> impl Iterator<Item = &'static Metric> {
    CATALOG.iter().filter(move |m| m.provider == provider)
}

/// Bumped whenever a rollup definition changes: stored rollups are then rebuilt on open.
pub const CATALOG_VERSION: i64 = 1;

/// A subscription's price, normalised to one month, in minor units.
const MONTHLY_AMOUNT: &str = "(json_extract(raw, '$.items.data[0].price.unit_amount') \
     * COALESCE(json_extract(raw, '$.items.data[0].quantity'), json_extract(raw, '$.quantity'), 1) \
     * CASE json_extract(raw, '$.items.data[0].price.recurring.interval') \
         WHEN 'day' THEN 365.0 / 12 WHEN 'week' THEN 52.0 / 12 WHEN 'year' THEN 1.0 / 12 ELSE 1.0 END \
     / MAX(COALESCE(json_extract(raw, '$.items.data[0].price.recurring.interval_count'), 1), 1))";

/// When a subscription stopped: Stripe sets `ended_at`; a cancellation without it ended
/// when it was cancelled.
const SUBSCRIPTION_END: &str =
    "COALESCE(ended_at, CASE WHEN status IN ('canceled', 'incomplete_expired') THEN canceled_at END)";

pub static CATALOG: &[Metric] = &[
    // --- Stripe ----------------------------------------------------------------------------
    Metric {
        key: "stripe.gross_volume",
        label: "Gross volume",
        description: "Amount of successful charges, by the day they were made.",
        provider: Provider::Stripe,
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: "created",
            dim: "currency",
            value: "SUM(amount)",
            weight: "0",
            filter: "status = 'succeeded'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.net_volume",
        label: "Net volume",
        description: "Successful charges minus what was refunded of them, by the day of the charge.",
        provider: Provider::Stripe,
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: "created",
            dim: "currency",
            value: "SUM(amount - amount_refunded)",
            weight: "0",
            filter: "status = 'succeeded'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.refunds",
        label: "Refunds",
        description: "Amount refunded, by the day of the refunded charge.",
        provider: Provider::Stripe,
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: true,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: "created",
            dim: "currency",
            value: "SUM(amount_refunded)",
            weight: "0",
            filter: "amount_refunded > 0",
            parts: None,
        },
    },
    Metric {
        key: "stripe.successful_charges",
        label: "Successful charges",
        description: "Charges that succeeded.",
        provider: Provider::Stripe,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: "created",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "status = 'succeeded'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.failed_charges",
        label: "Failed charges",
        description: "Charges that failed.",
        provider: Provider::Stripe,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: true,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: "created",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "status = 'failed'",
            parts: None,
        },
    },
    Metric {
        key: "stripe.charge_success_rate",
        label: "Charge success rate",
        description: "Successful charges out of all charges that succeeded or failed.",
        provider: Provider::Stripe,
        unit: Unit::Percent,
        aggregation: Aggregation::Ratio,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_charges",
            time: "created",
            dim: "''",
            value: "SUM(status = 'succeeded')",
            weight: "COUNT(*)",
            filter: "status IN ('succeeded', 'failed')",
            parts: None,
        },
    },
    Metric {
        key: "stripe.new_customers",
        label: "New customers",
        description: "Customers created.",
        provider: Provider::Stripe,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "stripe_customers",
            time: "created",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "stripe.active_subscriptions",
        label: "Active subscriptions",
        description: "Subscriptions started and not yet ended (active, trialing or past due).",
        provider: Provider::Stripe,
        unit: Unit::Count,
        aggregation: Aggregation::Last,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Stock {
            table: "stripe_subscriptions",
            start: "created",
            end: SUBSCRIPTION_END,
            dim: "''",
            value: "1",
            filter: "status NOT IN ('incomplete', 'incomplete_expired')",
        },
    },
    Metric {
        key: "stripe.mrr",
        label: "MRR",
        description: "Monthly recurring revenue: paying subscriptions' prices normalised to a month \
                      (yearly ÷ 12, quarterly ÷ 3, weekly × 52 ÷ 12), per currency. Trials excluded.",
        provider: Provider::Stripe,
        unit: Unit::Money,
        aggregation: Aggregation::Last,
        split: Split::Currency,
        lower_is_better: false,
        rollup: Rollup::Stock {
            table: "stripe_subscriptions",
            start: "created",
            end: SUBSCRIPTION_END,
            dim: "currency",
            value: MONTHLY_AMOUNT,
            filter: "status NOT IN ('trialing', 'incomplete', 'incomplete_expired')",
        },
    },
    Metric {
        key: "stripe.churned_subscriptions",
        label: "Churned subscriptions",
        description: "Subscriptions that ended.",
        provider: Provider::Stripe,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: true,
        rollup: Rollup::Flow {
            table: "stripe_subscriptions",
            time: SUBSCRIPTION_END,
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    // --- GitHub ----------------------------------------------------------------------------
    Metric {
        key: "github.stars_gained",
        label: "Stars gained",
        description: "New stargazers (people who still star the repository).",
        provider: Provider::Github,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "github_stargazers",
            time: "starred_at",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "github.commits",
        label: "Commits",
        description: "Commits on the default branch, by commit date, by author.",
        provider: Provider::Github,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::Breakdown,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "github_commits",
            time: "committed_at",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: Some("COALESCE(author_login, author_name, 'unknown')"),
        },
    },
    Metric {
        key: "github.prs_opened",
        label: "PRs opened",
        description: "Pull requests opened.",
        provider: Provider::Github,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "github_pull_requests",
            time: "created_at",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "github.prs_merged",
        label: "PRs merged",
        description: "Pull requests merged.",
        provider: Provider::Github,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "github_pull_requests",
            time: "merged_at",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "github.time_to_merge",
        label: "Median time to merge",
        description:
            "Median time from opening a pull request to merging it, over the PRs merged in the range.",
        provider: Provider::Github,
        unit: Unit::Duration,
        aggregation: Aggregation::Median,
        split: Split::None,
        lower_is_better: true,
        rollup: Rollup::Items {
            table: "github_pull_requests",
            time: "merged_at",
            dim: "CAST(number AS TEXT)",
            value: "(merged_at - created_at) / 1000",
            filter: "1",
        },
    },
    Metric {
        key: "github.issues_opened",
        label: "Issues opened",
        description: "Issues opened (pull requests not included).",
        provider: Provider::Github,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "github_issues",
            time: "created_at",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "github.issues_closed",
        label: "Issues closed",
        description: "Issues closed (pull requests not included).",
        provider: Provider::Github,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "github_issues",
            time: "closed_at",
            dim: "''",
            value: "COUNT(*)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "github.open_issues",
        label: "Open issues",
        description: "Issues open at the end of each day (pull requests not included).",
        provider: Provider::Github,
        unit: Unit::Count,
        aggregation: Aggregation::Last,
        split: Split::None,
        lower_is_better: true,
        rollup: Rollup::Stock {
            table: "github_issues",
            start: "created_at",
            end: "closed_at",
            dim: "''",
            value: "1",
            filter: "1",
        },
    },
];

/// The widgets a new client dashboard starts with for a provider: (metric, visual, width).
pub fn default_widgets(provider: Provider) -> &'static [(&'static str, &'static str, u8)] {
    match provider {
        Provider::Stripe => &[
            ("stripe.gross_volume", "number", 1),
            ("stripe.mrr", "number", 1),
            ("stripe.active_subscriptions", "number", 1),
            ("stripe.refunds", "number", 1),
            ("stripe.gross_volume", "timeseries", 2),
            ("stripe.charge_success_rate", "number", 1),
            ("stripe.new_customers", "number", 1),
        ],
        Provider::Github => &[
            ("github.stars_gained", "number", 1),
            ("github.prs_merged", "number", 1),
            ("github.time_to_merge", "number", 1),
            ("github.open_issues", "number", 1),
            ("github.commits", "timeseries", 2),
            ("github.commits", "table", 2),
        ],
    }
}
