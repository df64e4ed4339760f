//! `GET /_sim/google/truth?product=ga4|search_console|google_ads&account=ID&from=&to=`:
//! every row a product serves for those days, as of the sim clock now (maturity and
//! restatements applied), computed straight from the generators — not through the
//! handlers or their paging — so a test can hold a sync's stored rows against it.
//! Dates are `YYYY-MM-DD` in the account's zone; `from`/`to` default to the whole history.
//! Counts are JSON numbers; money stays in the API's exact form (GA4 `totalRevenue` a
//! decimal string, Ads `costMicros` an integer string); fractional metrics are numbers.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::ads;
use super::body::iso_date;
use super::ga4;
use super::gen::{
    self, hundredths_f64, query_text, AdsGen, Ga4Gen, Ga4Metrics, GscGen, GscMetrics, CHANNELS,
};
use super::search_console::{self, pacific_today};
use super::Product;
use crate::control::ControlError;
use crate::query::Query;
use crate::state::AppState;

/// Days `from..=to` clipped to what the account has (history_days back through today).
fn days(q: &Query, history: u32, today: NaiveDate) -> Result<Vec<NaiveDate>, ControlError> {
    let date = |name: &str, default: NaiveDate| match q.get(name) {
        None | Some("") => Ok(default),
        Some(v) => {
            iso_date(v).ok_or_else(|| ControlError::new(400, format!("{name}: want YYYY-MM-DD, got {v}")))
        }
    };
    let first = today - Duration::days(history as i64);
    let (from, to) = (date("from", first)?.max(first), date("to", today)?.min(today));
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(d);
        d += Duration::days(1);
    }
    Ok(out)
}

fn ga4_row(date: NaiveDate, m: &Ga4Metrics, digits: u32) -> Value {
    json!({
        "date": date.to_string(),
        "sessions": m.sessions,
        "totalUsers": m.users,
        "newUsers": m.new_users,
        "engagedSessions": m.engaged,
        "keyEvents": hundredths_f64(m.key_h),
        "totalRevenue": gen::money(m.revenue, digits),
        "screenPageViews": m.views,
    })
}

fn gsc_row(date: NaiveDate, m: &GscMetrics) -> Value {
    json!({
        "date": date.to_string(),
        "clicks": m.clicks,
        "impressions": m.impressions,
        "ctr": m.ctr(),
        "position": m.position(),
    })
}

fn with(mut row: Value, key: &str, value: &str) -> Value {
    row[key] = json!(value);
    row
}

pub async fn truth(State(s): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ControlError> {
    let q = Query::parse(raw.as_deref());
    let account = q.get("account").unwrap_or_default().to_string();
    let product = q
        .get("product")
        .and_then(Product::parse)
        .ok_or_else(|| ControlError::new(400, "product must be ga4, search_console or google_ads"))?;
    let now = s.clock.now();
    let g = &s.google;
    let history = g.cfg.history_days;
    let unknown = || ControlError::new(404, format!("No {} account {account}", product.name()));
    let restatements = g.restatements(product, &account);
    let answer = match product {
        Product::Ga4 => {
            let prop = g.property(&account).ok_or_else(unknown)?;
            let today = ga4::today(prop, now);
            let gen = Ga4Gen { seed: g.seed, prop };
            let digits = gen::minor_digits(&prop.currency);
            let (mut daily, mut channels, mut pages) = (Vec::new(), Vec::new(), Vec::new());
            for day in days(&q, history, today)? {
                let scale = ga4::day_scale(day, today, &restatements);
                let total = gen.day(day, scale);
                if total.sessions > 0 {
                    daily.push(ga4_row(day, &total, digits));
                }
                for (name, m) in CHANNELS.iter().zip(gen.channels(day, &total)) {
                    if m.sessions > 0 {
                        channels.push(with(ga4_row(day, &m, digits), "channel", name));
                    }
                }
                for (page, m) in gen.landing_pages(day, &total).0 {
                    if m.sessions > 0 {
                        pages.push(with(ga4_row(day, &m, digits), "landingPage", &page));
                    }
                }
            }
            json!({
                "product": product.name(), "account": account, "today": today.to_string(),
                "timeZone": prop.time_zone, "currencyCode": prop.currency,
                "daily": daily, "channels": channels, "landingPages": pages,
            })
        }
        Product::SearchConsole => {
            let site = g.site(&account).ok_or_else(unknown)?;
            let (today, first_incomplete) = pacific_today(now);
            let gen = GscGen { seed: g.seed, site };
            let (mut daily, mut queries, mut pages) = (Vec::new(), Vec::new(), Vec::new());
            // An unverified site serves nothing.
            let served = if site.permission == "siteUnverifiedUser" {
                Vec::new()
            } else {
                days(&q, history, today)?
            };
            for day in served {
                let d = gen.day(day, search_console::day_scale(day, today, &restatements));
                if d.total.impressions > 0 {
                    daily.push(gsc_row(day, &d.total));
                }
                for (j, m) in d.queries.iter().enumerate() {
                    if m.impressions > 0 {
                        queries.push(with(gsc_row(day, m), "query", &query_text(j as u32)));
                    }
                }
                for (p, m) in gen.pages(day, &d.total).iter().enumerate() {
                    if m.impressions > 0 {
                        pages.push(with(gsc_row(day, m), "page", &gen.page_url(p as u32)));
                    }
                }
            }
            json!({
                "product": product.name(), "account": account, "today": today.to_string(),
                "timeZone": "America/Los_Angeles", "firstIncompleteDate": first_incomplete.to_string(),
                "daily": daily, "queries": queries, "pages": pages,
            })
        }
        Product::Ads => {
            let c = g.customer(&account).ok_or_else(unknown)?;
            let today = ads::today(c, now);
            let gen = AdsGen {
                seed: g.seed,
                customer: c,
            };
            let mut campaigns = Vec::new();
            for day in days(&q, history, today)? {
                for j in 0..gen.campaign_count() {
                    let m = ads::campaign_day(g.seed, c, j, day, today, &restatements);
                    if m.is_zero() {
                        continue;
                    }
                    campaigns.push(json!({
                        "date": day.to_string(),
                        "campaignId": gen.campaign_id(j).to_string(),
                        "campaignName": gen.campaign_name(j),
                        "costMicros": m.cost_micros.to_string(),
                        "impressions": m.impressions,
                        "clicks": m.clicks,
                        "conversions": hundredths_f64(m.conv_h),
                        "conversionsValue": hundredths_f64(m.value_h),
                    }));
                }
            }
            json!({
                "product": product.name(), "account": account, "today": today.to_string(),
                "timeZone": c.time_zone, "currencyCode": c.currency, "campaigns": campaigns,
            })
        }
    };
    Ok(Json(answer).into_response())
}
