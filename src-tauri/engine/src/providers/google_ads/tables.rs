//! Google Ads' table: one row per customer, campaign and day, in the customer's own zone and
//! currency. `cost_micros` is kept exactly as Google sends it; `cost` and `value` are the
//! same money in the currency's minor unit, which is what money metrics read.

use crate::connector::{Day, Table};

pub(super) static CAMPAIGNS: Table = Table {
    name: "google_ads_campaigns_daily",
    key: &["date", "campaign_id"],
    columns: &[
        "date",
        "campaign_id",
        "campaign_name",
        "currency",
        "cost_micros",
        "cost",
        "impressions",
        "clicks",
        "conversions",
        "conversions_value",
        "value",
    ],
    days: &[Day::Date("date")],
    watch: &[
        "campaign_name",
        "currency",
        "cost_micros",
        "impressions",
        "clicks",
        "conversions",
        "conversions_value",
    ],
};
