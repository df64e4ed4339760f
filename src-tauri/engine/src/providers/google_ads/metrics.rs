//! Google Ads' metrics, on the customer's own days and in its currency. Money is in minor
//! units; CTR, CPC, cost per conversion and ROAS are ratios of sums, per currency.

use crate::connector::{Aggregation, Day, DefaultWidget, Metric, Parts, Rollup, Split, Unit};

const fn campaigns(dim: &'static str, value: &'static str, weight: &'static str) -> Rollup {
    Rollup::Flow {
        table: "google_ads_campaigns_daily",
        time: Day::Date("date"),
        dim,
        value,
        weight,
        filter: "1",
        parts: None,
    }
}

pub(super) static METRICS: &[Metric] = &[
    Metric {
        key: "google_ads.cost",
        label: "Ad spend",
        description: "What the campaigns cost, in the account's currency.",
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: false,
        rollup: campaigns("currency", "SUM(cost)", "0"),
    },
    Metric {
        key: "google_ads.impressions",
        label: "Ad impressions",
        description: "Times the ads were shown.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: campaigns("''", "SUM(impressions)", "0"),
    },
    Metric {
        key: "google_ads.clicks",
        label: "Ad clicks",
        description: "Clicks on the ads.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: campaigns("''", "SUM(clicks)", "0"),
    },
    Metric {
        key: "google_ads.conversions",
        label: "Conversions",
        description:
            "Conversions credited to the day of the click (they keep arriving over the conversion window).",
        unit: Unit::Number,
        aggregation: Aggregation::Sum,
        split: Split::None,
        lower_is_better: false,
        rollup: campaigns("''", "SUM(conversions)", "0"),
    },
    Metric {
        key: "google_ads.conversion_value",
        label: "Conversion value",
        description: "The value of the conversions, in the account's currency.",
        unit: Unit::Money,
        aggregation: Aggregation::Sum,
        split: Split::Currency,
        lower_is_better: false,
        rollup: campaigns("currency", "SUM(value)", "0"),
    },
    Metric {
        key: "google_ads.ctr",
        label: "Ad click-through rate",
        description: "Clicks out of impressions.",
        unit: Unit::Percent,
        aggregation: Aggregation::Ratio,
        split: Split::None,
        lower_is_better: false,
        rollup: campaigns("''", "SUM(clicks)", "SUM(impressions)"),
    },
    Metric {
        key: "google_ads.cpc",
        label: "Cost per click",
        description: "Spend over clicks.",
        unit: Unit::Money,
        aggregation: Aggregation::Ratio,
        split: Split::Currency,
        lower_is_better: true,
        rollup: campaigns("currency", "SUM(cost)", "SUM(clicks)"),
    },
    Metric {
        key: "google_ads.cpa",
        label: "Cost per conversion",
        description: "Spend over conversions.",
        unit: Unit::Money,
        aggregation: Aggregation::Ratio,
        split: Split::Currency,
        lower_is_better: true,
        rollup: campaigns("currency", "SUM(cost)", "SUM(conversions)"),
    },
    Metric {
        key: "google_ads.roas",
        label: "ROAS",
        description: "Return on ad spend: conversion value over spend (2.5 means 2.5 × the spend came back).",
        unit: Unit::Number,
        aggregation: Aggregation::Ratio,
        split: Split::Currency,
        lower_is_better: false,
        rollup: campaigns("currency", "SUM(value)", "SUM(cost)"),
    },
    Metric {
        key: "google_ads.clicks_by_campaign",
        label: "Clicks by campaign",
        description: "Ad clicks by campaign.",
        unit: Unit::Count,
        aggregation: Aggregation::Sum,
        split: Split::Breakdown,
        lower_is_better: false,
        rollup: Rollup::Flow {
            table: "google_ads_campaigns_daily",
            time: Day::Date("date"),
            dim: "''",
            value: "SUM(clicks)",
            weight: "0",
            filter: "1",
            parts: Some(Parts {
                table: None,
                dim: "COALESCE(campaign_name, campaign_id)",
            }),
        },
    },
];

pub(super) static DEFAULT_WIDGETS: &[DefaultWidget] = &[
    DefaultWidget::number("google_ads.cost"),
    DefaultWidget::number("google_ads.conversions"),
    DefaultWidget::number("google_ads.cpa"),
    DefaultWidget::number("google_ads.roas"),
    DefaultWidget::chart("google_ads.cost"),
    DefaultWidget::table("google_ads.clicks_by_campaign"),
];
