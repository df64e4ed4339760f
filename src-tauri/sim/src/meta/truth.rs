//! `GET /_sim/meta/truth?account=act_…&since=YYYY-MM-DD&until=YYYY-MM-DD`: every campaign
//! day the account serves for those days as of the sim clock now (maturity and restatements
//! applied), computed straight from the generators — not through the handlers or their
//! paging — so a test can hold what a sync stored against it. Dates are the account's zone;
//! `since`/`until` default to the whole history and are clipped to it.
//!
//! `{"account":"act_…","currency","timezone_name","today","rows":[{"date","campaign_id",
//! "campaign_name","spend":"<exact decimal>","impressions","reach","clicks","link_clicks",
//! "purchases","leads","purchase_value":"<exact decimal>"}],"totals":{…the same sums…}}`.
//! Counts are JSON numbers; money is Meta's decimal string. `purchases` is the `purchase`
//! action (not also its `offsite_conversion.fb_pixel_purchase` alias), `link_clicks` is
//! `inline_link_clicks` (= the `link_click` action).

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use super::gen::Metrics;
use super::money::decimal;
use super::report::Snapshot;
use crate::control::ControlError;
use crate::query::Query;
use crate::state::AppState;

fn numbers(m: &Metrics, digits: u32) -> Value {
    json!({
        "spend": decimal(m.spend, digits),
        "impressions": m.impressions,
        "reach": m.reach,
        "clicks": m.clicks,
        "link_clicks": m.link_clicks,
        "purchases": m.purchases,
        "leads": m.leads,
        "purchase_value": decimal(m.purchase_value, digits),
    })
}

pub async fn truth(State(s): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, ControlError> {
    let q = Query::parse(raw.as_deref());
    let id = q.get("account").unwrap_or_default();
    let a = s
        .meta
        .account(id)
        .ok_or_else(|| ControlError::new(404, format!("No Meta ad account {id}")))?;
    let snap = Snapshot::now(&s.meta, a, s.clock.now());
    let date = |name: &str, default: NaiveDate| match q.get(name) {
        None | Some("") => Ok(default),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| ControlError::new(400, format!("{name}: want YYYY-MM-DD, got {v}"))),
    };
    let since = date("since", snap.first)?.max(snap.first);
    let until = date("until", snap.today)?.min(snap.today);
    let (gen, digits) = (snap.gen(), snap.digits());
    let (mut rows, mut totals) = (Vec::new(), Metrics::default());
    let mut day = since;
    while day <= until {
        for j in 0..a.campaigns {
            let m = snap.metrics(j, day);
            totals.add(&m);
            let mut row = numbers(&m, digits);
            row["date"] = json!(day.to_string());
            row["campaign_id"] = json!(gen.campaign_id(j));
            row["campaign_name"] = json!(gen.campaign_name(j));
            rows.push(row);
        }
        day += Duration::days(1);
    }
    Ok(Json(json!({
        "account": format!("act_{}", a.id),
        "currency": a.currency,
        "timezone_name": a.timezone_name,
        "today": snap.today.to_string(),
        "rows": rows,
        "totals": numbers(&totals, digits),
    }))
    .into_response())
}
