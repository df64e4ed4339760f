//! GA4's metrics, on the property's own days. Ratios are ratios of sums; users are averaged
//! per day, because GA4 counts a person once per day in daily rows and the distinct users of a
//! range cannot be added up from them.

use crate::connector::{Aggregation, Day, DefaultWidget, Metric, Parts, Rollup, Split, Unit};

const DATE: Day = Day::Date("date");

const fn daily_sum(value: &'static str) -> Rollup {
    Rollup::Flow {
        table: "ga4_daily",
        time: DATE,
        dim: "''",
        value,
        weight: "0",
        filter: "1",
        parts: None,
    }
}

const fn count(key: &'static str, label: &'static str, description: &'static str, rollup: Rollup) -> Metric {
    Metric {
        key,
        label,
        description,
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup,
    }
}

pub(super) static METRICS: &[Metric] = &[
    count("ga4.sessions", "Sessions", "Sessions started on the property.", daily_sum("SUM(sessions)")),
    Metric {
        key: "ga4.users",
        label: "Daily users",
        description: "Users a day, averaged over the range (GA4 counts a person once per day; the distinct users of a longer range are fewer than the days added up).",
        unit: Unit::Count,
        aggregation: Aggregation::Ratio,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "ga4_daily",
            time: DATE,
            dim: "''",
            value: "SUM(total_users)",
            weight: "COUNT(*)",
            filter: "1",
            parts: None,
        },
    },
    count("ga4.new_users", "New users", "People who came for the first time.", daily_sum("SUM(new_users)")),
    count(
        "ga4.engaged_sessions",
        "Engaged sessions",
        "Sessions that lasted 10 seconds or more, had a key event, or two or more page views.",
        daily_sum("SUM(engaged_sessions)"),
    ),
    Metric {
        key: "ga4.engagement_rate",
        label: "Engagement rate",
        description: "Engaged sessions out of all sessions.",
        unit: Unit::Percent,
        aggregation: Aggregation::Ratio,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "ga4_daily",
            time: DATE,
            dim: "''",
            value: "SUM(engaged_sessions)",
            weight: "SUM(sessions)",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "ga4.key_events",
        label: "Key events",
        description: "Events marked as key events (conversions) in GA4.",
        unit: Unit::Number,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: daily_sum("SUM(key_events)"),
    },
    Metric {
        key: "ga4.revenue",
        label: "Revenue",
        description: "Total revenue (purchases, subscriptions and ads), in the property's currency.",
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "ga4_daily",
            time: DATE,
            dim: "currency",
            value: "SUM(revenue)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "ga4.sessions_by_channel",
        label: "Sessions by channel",
        description: "Sessions by GA4's default channel group (Organic Search, Paid Social, Direct…).",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::Breakdown,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "ga4_channels_daily",
            time: DATE,
            dim: "''",
            value: "SUM(sessions)",
            weight: "0",
            filter: "1",
            parts: Some(Parts {
                table: None,
                dim: "channel",
            }),
        },
    },
    Metric {
        key: "ga4.sessions_by_landing_page",
        label: "Sessions by landing page",
        description: "Sessions by the page they started on.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::Breakdown,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "ga4_landing_pages_daily",
            time: DATE,
            dim: "''",
            value: "SUM(sessions)",
            weight: "0",
            filter: "1",
            parts: Some(Parts {
                table: None,
                dim: "landing_page",
            }),
        },
    },
    // Not shown as a widget: the flags GA4 set on a day's numbers, for the hover.
    Metric {
        key: "ga4.data_quality",
        label: "Data quality flags",
        description: "Whether GA4 sampled, thresholded or folded rows into “(other)” on a day.",
        unit: Unit::Number,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "ga4_daily",
            time: DATE,
            dim: "''",
            value: "MAX(quality & 1) + MAX(quality & 2) + MAX(quality & 4)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
    Metric {
        key: "ga4.landing_page_quality",
        label: "Landing page data quality flags",
        description: "Whether GA4 sampled, thresholded or folded landing pages into “(other)” on a day.",
        unit: Unit::Number,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "ga4_landing_pages_daily",
            time: DATE,
            dim: "''",
            value: "MAX(quality & 1) + MAX(quality & 2) + MAX(quality & 4)",
            weight: "0",
            filter: "1",
            parts: None,
        },
    },
];

pub(super) static QUALITY: &[&str] = &["ga4.data_quality", "ga4.landing_page_quality"];

pub(super) static DEFAULT_WIDGETS: &[DefaultWidget] = &[
    DefaultWidget::number("ga4.sessions"),
    DefaultWidget::number("ga4.users"),
    DefaultWidget::number("ga4.engagement_rate"),
    DefaultWidget::number("ga4.key_events"),
    DefaultWidget::chart("ga4.sessions"),
    DefaultWidget::table("ga4.sessions_by_channel"),
    DefaultWidget::number("ga4.revenue"),
];
