//! Search Console's metrics, on Pacific Time days. Average position is weighted by
//! impressions, CTR is clicks over impressions, and totals always come from the site's own
//! date-only report.

use crate::connector::{Aggregation, Day, DefaultWidget, Metric, Parts, Rollup, Split, Unit};

const DATE: Day = Day::Date("date");

const fn site(value: &'static str, weight: &'static str, parts: Option<Parts>) -> Rollup {
    Rollup::Flow {
        table: "gsc_daily",
        time: DATE,
        dim: "''",
        value,
        weight,
        filter: "1",
        parts,
    }
}

pub(super) static METRICS: &[Metric] = &[
    Metric {
        key: "search_console.clicks",
        label: "Clicks",
        description: "Clicks from Google Search results to the site.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: site("SUM(clicks)", "0", None),
    },
    Metric {
        key: "search_console.impressions",
        label: "Impressions",
        description: "Times the site appeared in Google Search results.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: site("SUM(impressions)", "0", None),
    },
    Metric {
        key: "search_console.ctr",
        label: "Click-through rate",
        description: "Clicks out of impressions.",
        unit: Unit::Percent,
        aggregation: Aggregation::Ratio,
        split: Split::None,
        lower_is_better: false,
        rollup: site("SUM(clicks)", "SUM(impressions)", None),
    },
    Metric {
        key: "search_console.position",
        label: "Average position",
        description: "The site's average position in results, weighted by impressions (1 is the top).",
        unit: Unit::Number,
        aggregation: Aggregation::Ratio,
        split: Split::None,
        lower_is_better: true,
        rollup: site("SUM(position * impressions)", "SUM(impressions)", None),
    },
    Metric {
        key: "search_console.clicks_by_query",
        label: "Clicks by query",
        description: "Clicks by search query (Google leaves out rare, anonymised queries, so they add up to less than all clicks).",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::Breakdown,
        lower_is_better: false,
        rollup: site(
            "SUM(clicks)",
            "0",
            Some(Parts {
                table: Some("gsc_queries_daily"),
                dim: "query",
            }),
        ),
    },
    Metric {
        key: "search_console.clicks_by_page",
        label: "Clicks by page",
        description: "Clicks by the page they landed on.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::Breakdown,
        lower_is_better: false,
        rollup: site(
            "SUM(clicks)",
            "0",
            Some(Parts {
                table: Some("gsc_pages_daily"),
                dim: "page",
            }),
        ),
    },
];

pub(super) static DEFAULT_WIDGETS: &[DefaultWidget] = &[
    DefaultWidget::number("search_console.clicks"),
    DefaultWidget::number("search_console.impressions"),
    DefaultWidget::number("search_console.ctr"),
    DefaultWidget::number("search_console.position"),
    DefaultWidget::chart("search_console.clicks"),
    DefaultWidget::table("search_console.clicks_by_query"),
    DefaultWidget::table("search_console.clicks_by_page"),
];
