//! Meta Ads' table: one row per ad account, campaign and day, in the ad account's own zone and
//! currency. Money is Meta's decimal string as sent and the same amount in minor units (both
//! exact); `attribution` says which attribution windows produced the row's conversions.

use crate::connector::{Day, Table};

pub(super) static CAMPAIGNS: Table = Table {
    name: "meta_ads_campaigns_daily",
    key: &["date", "campaign_id"],
    columns: &[
        "date",
        "campaign_id",
        "campaign_name",
        "currency",
        "spend",
        "spend_minor",
        "impressions",
        "reach",
        "clicks",
        "link_clicks",
        "purchases",
        "leads",
        "purchase_value",
        "purchase_value_minor",
        "attribution",
    ],
    days: &[Day::Date("date")],
    watch: &[
        "campaign_name",
        "currency",
        "spend_minor",
        "impressions",
        "reach",
        "clicks",
        "link_clicks",
        "purchases",
        "leads",
        "purchase_value_minor",
    ],
};
