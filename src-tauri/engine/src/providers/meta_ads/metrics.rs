//! Meta Ads' metrics, on the ad account's own days and in its currency. Money is in minor
//! units; CTR, CPC, CPM, cost per purchase and ROAS are ratios of sums, per currency. Reach is
//! summed over days and campaigns: people reached on two days count twice (Meta's own
//! de-duplicated reach over a range is a different report).

use crate::connector::{Aggregation, Day, DefaultWidget, Metric, Parts, Rollup, Split, Unit};

const TABLE: &str = "meta_ads_campaigns_daily";

const fn campaigns(dim: &'static str, value: &'static str, weight: &'static str) -> Rollup {
    Rollup::Flow {
        table: TABLE,
        time: Day::Date("date"),
        dim,
        value,
        weight,
        filter: "1",
        parts: None,
    }
}

/// Every field of a `Metric`, positionally: fourteen entries read as a table this way.
#[allow(clippy::too_many_arguments)]
const fn metric(
    key: &'static str,
    label: &'static str,
    description: &'static str,
    unit: Unit,
    aggregation: Aggregation,
    split: Split,
    lower_is_better: bool,
    rollup: Rollup,
) -> Metric {
    Metric {
        key,
        label,
        description,
        unit,
        aggregation,
        split,
        lower_is_better,
        rollup,
    }
}

pub(super) static METRICS: &[Metric] = &[
    metric(
        "meta_ads.spend",
        "Meta ad spend",
        "What the campaigns cost, in the ad account's currency.",
        Unit::Money,
        Aggregation::Sum,
        Split::Currency,
        false,
        campaigns("currency", "SUM(spend_minor)", "0"),
    ),
    metric(
        "meta_ads.impressions",
        "Meta impressions",
        "Times the ads were shown.",
        Unit::Count,
        Aggregation::Sum,
        Split::None,
        false,
        campaigns("''", "SUM(impressions)", "0"),
    ),
    metric(
        "meta_ads.reach",
        "Meta reach",
        "People who saw the ads, summed over days and campaigns (one person on two days counts twice).",
        Unit::Count,
        Aggregation::Sum,
        Split::None,
        false,
        campaigns("''", "SUM(reach)", "0"),
    ),
    metric(
        "meta_ads.clicks",
        "Meta clicks",
        "Clicks on the ads (all kinds; link clicks are a part of them).",
        Unit::Count,
        Aggregation::Sum,
        Split::None,
        false,
        campaigns("''", "SUM(clicks)", "0"),
    ),
    metric(
        "meta_ads.link_clicks",
        "Meta link clicks",
        "Clicks that led off Meta to the advertiser's destination.",
        Unit::Count,
        Aggregation::Sum,
        Split::None,
        false,
        campaigns("''", "SUM(link_clicks)", "0"),
    ),
    metric(
        "meta_ads.ctr",
        "Meta click-through rate",
        "Clicks out of impressions.",
        Unit::Percent,
        Aggregation::Ratio,
        Split::None,
        false,
        campaigns("''", "SUM(clicks)", "SUM(impressions)"),
    ),
    metric(
        "meta_ads.cpc",
        "Meta cost per click",
        "Spend over clicks.",
        Unit::Money,
        Aggregation::Ratio,
        Split::Currency,
        true,
        campaigns("currency", "SUM(spend_minor)", "SUM(clicks)"),
    ),
    metric(
        "meta_ads.cpm",
        "Meta CPM",
        "Spend per thousand impressions.",
        Unit::Money,
        Aggregation::Ratio,
        Split::Currency,
        true,
        campaigns("currency", "SUM(spend_minor) * 1000", "SUM(impressions)"),
    ),
    metric(
        "meta_ads.purchases",
        "Meta purchases",
        "Purchases credited to the ads under the account's attribution setting; they keep arriving for 28 days.",
        Unit::Count,
        Aggregation::Sum,
        Split::None,
        false,
        campaigns("''", "SUM(purchases)", "0"),
    ),
    metric(
        "meta_ads.leads",
        "Meta leads",
        "Leads credited to the ads; they keep arriving for 28 days.",
        Unit::Count,
        Aggregation::Sum,
        Split::None,
        false,
        campaigns("''", "SUM(leads)", "0"),
    ),
    metric(
        "meta_ads.purchase_value",
        "Meta purchase value",
        "The value of the purchases, in the ad account's currency.",
        Unit::Money,
        Aggregation::Sum,
        Split::Currency,
        false,
        campaigns("currency", "SUM(purchase_value_minor)", "0"),
    ),
    metric(
        "meta_ads.cost_per_purchase",
        "Meta cost per purchase",
        "Spend over purchases.",
        Unit::Money,
        Aggregation::Ratio,
        Split::Currency,
        true,
        campaigns("currency", "SUM(spend_minor)", "SUM(purchases)"),
    ),
    metric(
        "meta_ads.roas",
        "Meta ROAS",
        "Return on ad spend: purchase value over spend (2.5 means 2.5 × the spend came back).",
        Unit::Number,
        Aggregation::Ratio,
        Split::Currency,
        false,
        campaigns("currency", "SUM(purchase_value_minor)", "SUM(spend_minor)"),
    ),
    metric(
        "meta_ads.purchases_by_campaign",
        "Meta purchases by campaign",
        "Purchases by campaign.",
        Unit::Count,
        Aggregation::Sum,
        Split::Breakdown,
        false,
        Rollup::Flow {
            table: TABLE,
            time: Day::Date("date"),
            dim: "''",
            value: "SUM(purchases)",
            weight: "0",
            filter: "1",
            parts: Some(Parts {
                table: None,
                dim: "COALESCE(campaign_name, campaign_id)",
            }),
        },
    ),
];

pub(super) static DEFAULT_WIDGETS: &[DefaultWidget] = &[
    DefaultWidget::number("meta_ads.spend"),
    DefaultWidget::number("meta_ads.purchases"),
    DefaultWidget::number("meta_ads.cost_per_purchase"),
    DefaultWidget::number("meta_ads.roas"),
    DefaultWidget::chart("meta_ads.spend"),
    DefaultWidget::table("meta_ads.purchases_by_campaign"),
];
