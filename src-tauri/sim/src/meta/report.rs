//! What an insights call asks for (`Spec`), and the rows that answer it (`Report`), shared
//! by the synchronous GET and by async report runs.
//!
//! Parameters: `level=campaign` (required; the sim serves campaign rows only), `fields`
//! (default `spend,impressions`; see `FIELDS`), `time_range={"since","until"}` or
//! `date_preset` (default `last_30d`), `time_increment` (`1`–`90` days, `monthly` or
//! `all_days`, the default), `action_attribution_windows` (a JSON list or comma list of
//! `1d_click`, `7d_click`, `28d_click`, `1d_view`, `1d_ev`, `default`). Other parameters
//! (`use_unified_attribution_setting`, `action_report_time`, …) are accepted and have no
//! effect; `breakdowns`, `filtering` and `time_ranges` are refused (code 100), since
//! answering them wrongly would pass a client that relies on them.
//!
//! Refusals (HTTP 400): an unknown field → 100 "(#100) X is not valid for fields param…";
//! `7d_view`/`28d_view` (removed 12 January 2026) or another window → 100; since after
//! until → 100; a `since` more than 37 months before today (account zone) → 3018.
//!
//! Rows: one per (time bucket, campaign), by bucket then campaign index; buckets without
//! any day of data (before `history_days`, after today) have none. Each row has `date_start`
//! and `date_stop` (the same day with `time_increment=1`) and only the fields asked for;
//! **every metric is a string**. `actions` lists `link_click` (= inline_link_clicks),
//! `purchase` and its pixel alias `offsite_conversion.fb_pixel_purchase` (the same count:
//! the truth's `purchases` is `purchase`, never the sum of both) and `lead`;
//! `action_values` lists `purchase` (and the alias) as money. Entries whose value is 0 are
//! left out, and a row without any leaves the field out. With attribution windows asked
//! for, each entry also carries one key per window (`"7d_click": "12"`), splitting `value`.
//! Multi-day buckets sum the days (reach too: the sim has no unique-reach model).

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde_json::Value;

use super::errors::GraphError;
use super::gen::{Gen, Metrics};
use super::params::Params;
use super::{first_day, money, MetaState};
use crate::config::MetaAdAccount;
use crate::google::gen::{split, Scale};

/// The insights fields the sim serves (all of them `AdsInsights` fields).
pub const FIELDS: [&str; 14] = [
    "account_id",
    "account_name",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "spend",
    "impressions",
    "reach",
    "clicks",
    "inline_link_clicks",
    "actions",
    "action_values",
    "date_start",
    "date_stop",
];

/// Attribution windows Meta still accepts, and the weight each gets when `value` is split
/// over the windows asked for.
pub const WINDOWS: [(&str, u64); 5] = [
    ("1d_click", 60),
    ("7d_click", 75),
    ("28d_click", 80),
    ("1d_view", 15),
    ("1d_ev", 5),
];
/// No longer returned since 12 January 2026.
pub const REMOVED_WINDOWS: [&str; 2] = ["7d_view", "28d_view"];

/// Insights go back 37 months.
const HISTORY_MONTHS: u32 = 37;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Increment {
    Days(u32),
    Monthly,
    AllDays,
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub fields: Vec<&'static str>,
    pub since: NaiveDate,
    pub until: NaiveDate,
    pub increment: Increment,
    /// Windows asked for other than `default`: each action entry gets a key per window.
    pub windows: Vec<&'static str>,
}

fn iso(s: &str) -> Option<NaiveDate> {
    (s.len() == 10)
        .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .flatten()
}

/// A list parameter: a JSON array of strings, or comma-separated names.
fn list(text: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string()))
            .collect(),
        _ => text
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn preset(name: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let ago = |n: i64| today - Duration::days(n);
    let first = today.with_day(1)?;
    Some(match name {
        "today" => (today, today),
        "yesterday" => (ago(1), ago(1)),
        "last_3d" => (ago(3), ago(1)),
        "last_7d" => (ago(7), ago(1)),
        "last_14d" => (ago(14), ago(1)),
        "last_28d" => (ago(28), ago(1)),
        "last_30d" => (ago(30), ago(1)),
        "last_90d" => (ago(90), ago(1)),
        "this_month" => (first, today),
        "last_month" => {
            let end = first - Duration::days(1);
            (end.with_day(1)?, end)
        }
        _ => return None,
    })
}

impl Spec {
    /// Reads and checks an insights call's parameters; `today` is the account's.
    pub fn parse(p: &Params, today: NaiveDate) -> Result<Spec, GraphError> {
        match p.get("level") {
            Some("campaign") => {}
            None => return Err(GraphError::invalid(
                "level: provider-sim serves level=campaign only (Meta's default on an ad account is account)",
            )),
            Some(other) => {
                return Err(GraphError::invalid(format!(
                    "level {other}: provider-sim serves level=campaign only"
                )))
            }
        }
        for unserved in ["breakdowns", "filtering", "time_ranges"] {
            if p.get(unserved).is_some_and(|v| !list(v).is_empty()) {
                return Err(GraphError::invalid(format!(
                    "{unserved}: not served by provider-sim"
                )));
            }
        }
        let mut fields: Vec<&'static str> = Vec::new();
        for name in list(p.get("fields").unwrap_or("spend,impressions")) {
            let Some(f) = FIELDS.iter().find(|f| **f == name) else {
                return Err(GraphError::invalid(format!(
                    "{name} is not valid for fields param. please check \
                     https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ for all valid values"
                )));
            };
            if !fields.contains(f) {
                fields.push(f);
            }
        }
        let (since, until) = match (p.get("time_range"), p.get("date_preset")) {
            (Some(range), _) => {
                let bad = || {
                    GraphError::invalid(
                        "param time_range must be a JSON object with since and until dates (YYYY-MM-DD)",
                    )
                };
                let range: Value = serde_json::from_str(range).map_err(|_| bad())?;
                let date = |k: &str| range.get(k).and_then(Value::as_str).and_then(iso).ok_or_else(bad);
                (date("since")?, date("until")?)
            }
            (None, Some(name)) => preset(name, today).ok_or_else(|| {
                GraphError::invalid(format!("date_preset {name} is not served by provider-sim"))
            })?,
            (None, None) => preset("last_30d", today).expect("a preset"),
        };
        if since > until {
            return Err(GraphError::invalid(format!(
                "time_range: since ({since}) must not be after until ({until})"
            )));
        }
        let oldest = today
            .checked_sub_months(Months::new(HISTORY_MONTHS))
            .unwrap_or(today);
        if since < oldest {
            return Err(GraphError::new(
                400,
                3018,
                "(#3018) The start date of the time range cannot be beyond 37 months from the current date",
            ));
        }
        let increment = match p.get("time_increment").unwrap_or("all_days") {
            "all_days" => Increment::AllDays,
            "monthly" => Increment::Monthly,
            n => match n.parse::<u32>() {
                Ok(n @ 1..=90) => Increment::Days(n),
                _ => {
                    return Err(GraphError::invalid(
                        "param time_increment must be an integer from 1 to 90, monthly or all_days",
                    ))
                }
            },
        };
        let mut windows = Vec::new();
        for w in list(p.get("action_attribution_windows").unwrap_or("")) {
            if REMOVED_WINDOWS.contains(&w.as_str()) {
                return Err(GraphError::invalid(format!(
                    "action_attribution_windows: {w} is no longer available (removed on January 12, 2026); \
                     use 1d_click, 7d_click, 28d_click, 1d_view or 1d_ev"
                )));
            }
            match WINDOWS.iter().find(|(name, _)| *name == w) {
                Some((name, _)) if !windows.contains(name) => windows.push(*name),
                Some(_) => {}
                None if w == "default" => {}
                None => {
                    return Err(GraphError::invalid(format!(
                        "param action_attribution_windows must be one of 1d_click, 7d_click, 28d_click, \
                         1d_view, 1d_ev, default; got {w}"
                    )))
                }
            }
        }
        Ok(Spec {
            fields,
            since,
            until,
            increment,
            windows,
        })
    }

    /// Days in the range asked for.
    pub fn days(&self) -> u64 {
        ((self.until - self.since).num_days() + 1) as u64
    }

    /// The range cut into `time_increment` buckets, (first day, last day) each.
    fn buckets(&self) -> Vec<(NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        let mut start = self.since;
        while start <= self.until {
            let end = match self.increment {
                Increment::AllDays => self.until,
                Increment::Days(n) => start + Duration::days(n as i64 - 1),
                Increment::Monthly => {
                    let next = start
                        .with_day(1)
                        .and_then(|d| d.checked_add_months(Months::new(1)));
                    next.map_or(self.until, |d| d - Duration::days(1))
                }
            }
            .min(self.until);
            out.push((start, end));
            start = end + Duration::days(1);
        }
        out
    }
}

/// An account's data as of one moment: what the generators serve at that sim time.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub seed: u64,
    pub account: MetaAdAccount,
    pub today: NaiveDate,
    pub first: NaiveDate,
    pub restated: BTreeMap<NaiveDate, Scale>,
}

impl Snapshot {
    pub fn now(meta: &MetaState, account: &MetaAdAccount, now: i64) -> Snapshot {
        let today = super::today(account, now);
        Snapshot {
            seed: meta.seed,
            account: account.clone(),
            today,
            first: first_day(&meta.cfg, today),
            restated: meta.restatements(&account.id),
        }
    }

    pub fn gen(&self) -> Gen<'_> {
        Gen {
            seed: self.seed,
            account: &self.account,
        }
    }

    /// Campaign `j`'s day as served at this snapshot (zero outside the data's days).
    pub fn metrics(&self, j: u32, day: NaiveDate) -> Metrics {
        if day < self.first || day > self.today {
            return Metrics::default();
        }
        let restated = self.restated.get(&day).copied().unwrap_or(Scale::ONE);
        self.gen().day(j, day, (self.today - day).num_days(), restated)
    }

    pub fn digits(&self) -> u32 {
        money::digits(&self.account.currency).unwrap_or(2)
    }
}

/// The rows of one insights call; row `i` is made when asked for.
#[derive(Debug)]
pub struct Report {
    pub snap: Snapshot,
    pub spec: Spec,
    buckets: Vec<(NaiveDate, NaiveDate)>,
}

impl Report {
    pub fn new(snap: Snapshot, spec: Spec) -> Report {
        let buckets = spec
            .buckets()
            .into_iter()
            .filter(|(a, b)| *a <= snap.today && *b >= snap.first)
            .collect();
        Report { snap, spec, buckets }
    }

    pub fn len(&self) -> usize {
        self.buckets.len() * self.snap.account.campaigns as usize
    }

    /// Row `i`, written as JSON text onto `out`: a page of rows is never a tree of values
    /// (building and dropping one cost most of a page's time), nor a string per field.
    pub fn write_row(&self, i: usize, out: &mut String) {
        let n = self.snap.account.campaigns.max(1) as usize;
        let (start, stop) = self.buckets[i / n];
        let j = (i % n) as u32;
        let mut m = Metrics::default();
        let mut day = start.max(self.snap.first);
        while day <= stop.min(self.snap.today) {
            m.add(&self.snap.metrics(j, day));
            day += Duration::days(1);
        }
        self.render(j, start, stop, &m, out);
    }

    fn render(&self, j: u32, start: NaiveDate, stop: NaiveDate, m: &Metrics, out: &mut String) {
        let a = &self.snap.account;
        let g = self.snap.gen();
        let digits = self.snap.digits();
        let mut row = Object::new(out);
        for f in &self.spec.fields {
            match *f {
                "account_id" => row.text(f, &a.id),
                "account_name" => row.text(f, &a.name),
                "account_currency" => row.text(f, &a.currency),
                "campaign_id" => row.plain(f, g.campaign_id(j)),
                "campaign_name" => row.text(f, &g.campaign_name(j)),
                "spend" => row.plain(f, money::Decimal(m.spend, digits)),
                "impressions" => row.plain(f, m.impressions),
                "reach" => row.plain(f, m.reach),
                "clicks" => row.plain(f, m.clicks),
                "inline_link_clicks" => row.plain(f, m.link_clicks),
                "actions" => self.action_stats(
                    &mut row,
                    f,
                    &[
                        ("link_click", m.link_clicks),
                        ("offsite_conversion.fb_pixel_purchase", m.purchases),
                        ("purchase", m.purchases),
                        ("lead", m.leads),
                    ],
                    0,
                ),
                "action_values" => self.action_stats(
                    &mut row,
                    f,
                    &[
                        ("offsite_conversion.fb_pixel_purchase", m.purchase_value),
                        ("purchase", m.purchase_value),
                    ],
                    digits,
                ),
                // date_start and date_stop are always there (below).
                _ => {}
            }
        }
        row.plain("date_start", start);
        row.plain("date_stop", stop);
        row.finish();
    }

    /// A list of AdsActionStats without its zero entries (`digits` > 0: money); the field is
    /// left out when nothing is left.
    fn action_stats(&self, row: &mut Object, field: &str, entries: &[(&str, u64)], digits: u32) {
        if entries.iter().all(|(_, n)| *n == 0) {
            return;
        }
        let weights: Vec<u64> = self
            .spec
            .windows
            .iter()
            .map(|w| {
                WINDOWS
                    .iter()
                    .find(|(n, _)| n == w)
                    .map_or(1, |(_, weight)| *weight)
            })
            .collect();
        row.key(field);
        let mut first = true;
        for (kind, n) in entries.iter().filter(|(_, n)| *n > 0) {
            row.out.push(if first { '[' } else { ',' });
            first = false;
            let mut stat = Object::new(row.out);
            stat.text("action_type", kind);
            stat.plain("value", money::Decimal(*n, digits));
            for (w, part) in self.spec.windows.iter().zip(split(*n, &weights)) {
                stat.plain(w, money::Decimal(part, digits));
            }
            stat.finish();
        }
        row.out.push(']');
    }
}

/// A JSON object written straight onto a page's text, keys in the order given.
struct Object<'a> {
    out: &'a mut String,
    empty: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut String) -> Self {
        Object { out, empty: true }
    }

    fn key(&mut self, key: &str) {
        self.out.push(if self.empty { '{' } else { ',' });
        self.empty = false;
        quoted(self.out, key);
        self.out.push(':');
    }

    fn text(&mut self, key: &str, value: &str) {
        self.key(key);
        quoted(self.out, value);
    }

    /// A value whose text needs no escaping (numbers, dates), as a JSON string: Meta sends
    /// every metric as a string.
    fn plain(&mut self, key: &str, value: impl std::fmt::Display) {
        use std::fmt::Write;
        self.key(key);
        let _ = write!(self.out, "\"{value}\"");
    }

    fn finish(self) {
        if self.empty {
            self.out.push('{');
        }
        self.out.push('}');
    }
}

fn quoted(out: &mut String, s: &str) {
    if s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(&serde_json::to_string(s).expect("a string serializes"));
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params::collect(Some(q), None, b"")
    }

    fn day(s: &str) -> NaiveDate {
        iso(s).unwrap()
    }

    #[test]
    fn parses_and_refuses() {
        let today = day("2026-11-20");
        let range = "time_range=%7B%22since%22%3A%222026-11-01%22%2C%22until%22%3A%222026-11-20%22%7D";
        let ok = Spec::parse(&params(&format!("level=campaign&{range}&time_increment=1&fields=spend,actions&action_attribution_windows=%5B%227d_click%22%2C%221d_view%22%5D")), today).unwrap();
        assert_eq!((ok.days(), ok.increment), (20, Increment::Days(1)));
        assert_eq!(ok.windows, ["7d_click", "1d_view"]);
        assert_eq!(ok.fields, ["spend", "actions"]);
        let code = |q: &str| Spec::parse(&params(q), today).unwrap_err().code;
        assert_eq!(code(&format!("level=campaign&{range}&fields=cpc")), 100);
        assert_eq!(code(&format!("level=ad&{range}")), 100);
        assert_eq!(
            code(&format!(
                "level=campaign&{range}&action_attribution_windows=7d_view"
            )),
            100
        );
        assert_eq!(
            code(&format!(
                "level=campaign&{range}&action_attribution_windows=28d_view,1d_click"
            )),
            100
        );
        assert_eq!(
            code("level=campaign&time_range=%7B%22since%22%3A%222023-10-19%22%2C%22until%22%3A%222023-11-01%22%7D"),
            3018
        );
        assert!(Spec::parse(&params("level=campaign&time_range=%7B%22since%22%3A%222023-10-20%22%2C%22until%22%3A%222023-11-01%22%7D"), today).is_ok());
        assert_eq!(
            code("level=campaign&time_range=%7B%22since%22%3A%222026-11-02%22%2C%22until%22%3A%222026-11-01%22%7D"),
            100
        );
        assert_eq!(code(&format!("level=campaign&{range}&breakdowns=age")), 100);
    }

    #[test]
    fn buckets() {
        let spec = |inc| Spec {
            fields: vec![],
            since: day("2026-01-30"),
            until: day("2026-03-02"),
            increment: inc,
            windows: vec![],
        };
        assert_eq!(spec(Increment::Days(1)).buckets().len(), 32);
        assert_eq!(
            spec(Increment::AllDays).buckets(),
            [(day("2026-01-30"), day("2026-03-02"))]
        );
        assert_eq!(
            spec(Increment::Monthly).buckets(),
            [
                (day("2026-01-30"), day("2026-01-31")),
                (day("2026-02-01"), day("2026-02-28")),
                (day("2026-03-01"), day("2026-03-02"))
            ]
        );
        assert_eq!(
            spec(Increment::Days(7)).buckets().last(),
            Some(&(day("2026-02-27"), day("2026-03-02")))
        );
    }
}
