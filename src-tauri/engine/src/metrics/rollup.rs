//! Daily rollups: `metric_daily` recomputed from replicated rows for the days a sync touched.
//!
//! Triggers (generated from each table's declared day columns, `store::entities`) mark the
//! touched days of every write in `rollup_dirty`, inside the transaction that wrote the rows,
//! so no change is missed even across a crash. `apply` recomputes the marked days of one
//! source and clears the marks in one write transaction: readers see the old rollups or the
//! new, never half. A day is a UTC day for timestamped rows (Stripe, GitHub) and the
//! provider's own calendar date for date-keyed reports (GA4, Search Console, Ads).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sqlx::{Sqlite, Transaction};

use crate::clock::Millis;
pub(crate) use crate::connector::DAY_MS;
use crate::connector::{parts_key, Day, Metric, Rollup};
use crate::error::Result;
use crate::providers::Provider;

/// Runs of dirty days closer than this are recomputed as one range: fewer statements, and
/// the days in between cost little to recompute.
const MERGE_GAP_DAYS: i64 = 7;
/// The longest range one statement recomputes: the memory a statement's grouping takes is a
/// quarter's rows, whatever the history a backfill wrote.
const MAX_RANGE_DAYS: i64 = 92;

/// Which days to recompute.
#[derive(Clone, Copy, PartialEq)]
enum Days<'a> {
    /// Every day (a rebuild).
    All,
    /// These UTC day numbers, sorted.
    Some(&'a [i64]),
}

/// The `YYYY-MM-DD` of a UTC day number.
pub(crate) fn day_text(day: i64) -> String {
    epoch_day(day).format("%Y-%m-%d").to_string()
}

pub(crate) fn epoch_day(day: i64) -> NaiveDate {
    NaiveDate::default() + chrono::Days::new(day.max(0) as u64)
}

pub(crate) fn day_number(date: NaiveDate) -> i64 {
    (date - NaiveDate::default()).num_days()
}

/// Recomputes the marked days of one source and clears its marks. Returns how many days
/// (per table) were recomputed; 0 means the rollups did not change.
pub(crate) async fn apply(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    provider: Provider,
    now: Millis,
) -> Result<usize> {
    let marks: Vec<(String, i64)> =
        sqlx::query_as("SELECT tbl, day FROM rollup_dirty WHERE source_id = ? ORDER BY tbl, day")
            .bind(source_id)
            .fetch_all(&mut **tx)
            .await?;
    let mut by_table: HashMap<&str, Vec<i64>> = HashMap::new();
    for (table, day) in &marks {
        by_table.entry(table.as_str()).or_default().push(*day);
    }
    let mut recomputed = marks.len();
    let mut pending: Vec<(Vec<i64>, Aggregate)> = Vec::new();
    for metric in provider.connector().metrics {
        // A metric reading two tables (totals and parts) recomputes the days of either.
        let mut days: Vec<i64> = metric
            .rollup
            .tables()
            .filter_map(|t| by_table.get(t))
            .flatten()
            .copied()
            .collect();
        days.sort_unstable();
        days.dedup();
        if let Rollup::Stock { .. } = metric.rollup {
            if !days.is_empty() {
                recompute_stock(tx, source_id, metric, Days::Some(&days), now).await?;
            } else if let Some(last) = stock_to_carry(tx, source_id, metric, now).await? {
                // Nothing changed, but a stock has a value every day up to today: carry its
                // last day forward, so rollups stay what a recomputation would write.
                recompute_stock(tx, source_id, metric, Days::Some(&[last]), now).await?;
                recomputed += 1;
            }
        } else if !days.is_empty() {
            pending.extend(aggregates(metric).into_iter().map(|a| (days.clone(), a)));
        }
    }
    for (days, group) in grouped(pending.iter().map(|(days, a)| (Days::Some(days), a))) {
        recompute_group(tx, source_id, days, &group, now).await?;
    }
    clear_marks(tx, source_id).await?;
    Ok(recomputed)
}

/// Recomputes every rollup of one source from its rows.
pub(crate) async fn rebuild(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    provider: Provider,
    now: Millis,
) -> Result<()> {
    let metrics = provider.connector().metrics;
    for metric in metrics
        .iter()
        .filter(|m| matches!(m.rollup, Rollup::Stock { .. }))
    {
        recompute_stock(tx, source_id, metric, Days::All, now).await?;
    }
    let all: Vec<Aggregate> = metrics.iter().flat_map(aggregates).collect();
    for (days, group) in grouped(all.iter().map(|a| (Days::All, a))) {
        recompute_group(tx, source_id, days, &group, now).await?;
    }
    clear_marks(tx, source_id).await
}

async fn clear_marks(tx: &mut Transaction<'static, Sqlite>, source_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM rollup_dirty WHERE source_id = ?")
        .bind(source_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The last day of a stock's rollups, when it is before today.
async fn stock_to_carry(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    metric: &Metric,
    now: Millis,
) -> Result<Option<i64>> {
    let last: Option<String> =
        sqlx::query_scalar("SELECT MAX(day) FROM metric_daily WHERE source_id = ? AND metric = ?")
            .bind(source_id)
            .bind(metric.key)
            .fetch_one(&mut **tx)
            .await?;
    Ok(last
        .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        .map(day_number)
        .filter(|last| *last < now.div_euclid(DAY_MS)))
}

/// One rollup key of a flow or item metric (its totals, or its parts): `value` and `weight` of
/// the rows of `table` by day and `dim`. Each day depends only on the rows dated that day.
struct Aggregate {
    key: String,
    table: &'static str,
    time: Day,
    dim: &'static str,
    value: &'static str,
    weight: &'static str,
    filter: &'static str,
    /// Flows are grouped by day and `dim`; items are one rollup row each.
    grouped: bool,
}

impl Aggregate {
    /// Aggregates over the same rows, grouped the same way, are computed in one scan.
    fn same_scan(&self, other: &Aggregate) -> bool {
        (self.table, self.time, self.dim, self.filter, self.grouped)
            == (other.table, other.time, other.dim, other.filter, other.grouped)
    }
}

/// A flow metric's totals and parts, an item metric's items; nothing for a stock.
fn aggregates(metric: &Metric) -> Vec<Aggregate> {
    match &metric.rollup {
        Rollup::Flow {
            table,
            time,
            dim,
            value,
            weight,
            filter,
            parts,
        } => {
            let flow = |key: String, table, dim| Aggregate {
                key,
                table,
                time: *time,
                dim,
                value,
                weight,
                filter,
                grouped: true,
            };
            let mut out = vec![flow(metric.key.to_owned(), *table, *dim)];
            if let Some(parts) = parts {
                out.push(flow(
                    parts_key(metric.key),
                    parts.table.unwrap_or(table),
                    parts.dim,
                ));
            }
            out
        }
        Rollup::Items {
            table,
            time,
            dim,
            value,
            filter,
        } => vec![Aggregate {
            key: metric.key.to_owned(),
            table,
            time: *time,
            dim,
            value,
            weight: "0",
            filter,
            grouped: false,
        }],
        Rollup::Stock { .. } => Vec::new(),
    }
}

/// Aggregates that read the same rows over the same days, together, in first-seen order.
fn grouped<'a, 'd>(
    items: impl Iterator<Item = (Days<'d>, &'a Aggregate)>,
) -> Vec<(Days<'d>, Vec<&'a Aggregate>)> {
    let mut groups: Vec<(Days, Vec<&Aggregate>)> = Vec::new();
    for (days, aggregate) in items {
        match groups
            .iter_mut()
            .find(|(d, g)| *d == days && g[0].same_scan(aggregate))
        {
            Some((_, group)) => group.push(aggregate),
            None => groups.push((days, vec![aggregate])),
        }
    }
    groups
}

/// Recomputes a group of aggregates over the same rows: the days are deleted and re-inserted
/// range by range, each range in one scan of the table that computes every aggregate of the
/// group and writes one rollup row per aggregate (a cross join with the group's keys). A
/// provider's metrics mostly read one table, so its dozen metrics cost a scan or two, not a
/// dozen.
async fn recompute_group(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    days: Days<'_>,
    group: &[&Aggregate],
    now: Millis,
) -> Result<()> {
    let first = group[0];
    let time = first.time;
    // Keys and expressions are constants of the providers' code, never user input.
    let keys = group
        .iter()
        .enumerate()
        .map(|(i, a)| {
            debug_assert!(!a.key.contains('\''), "a metric key without quotes");
            format!("SELECT {i} AS i, '{}' AS key", a.key)
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let pick = |column: &str| {
        let whens: String = (0..group.len())
            .map(|i| format!(" WHEN {i} THEN g.{column}{i}"))
            .collect();
        format!("CASE m.i{whens} END")
    };
    let columns: String = group
        .iter()
        .enumerate()
        .map(|(i, a)| format!(", {} AS v{i}, {} AS w{i}", a.value, a.weight))
        .collect();
    // Grouped by the day's own value, not by its text for timestamps: formatting a date for
    // every row would cost more than the whole aggregation.
    let group_by = match (first.grouped, time) {
        (false, _) => String::new(),
        (true, Day::Millis(e)) => format!(" GROUP BY ({e}) / {DAY_MS}, {}", first.dim),
        (true, Day::Date(e)) => format!(" GROUP BY {e}, {}", first.dim),
    };
    let days_sql = match days {
        Days::All => format!("({}) IS NOT NULL", time.expr()),
        Days::Some(_) => time.range_sql(3),
    };
    let insert = format!(
        "INSERT INTO metric_daily (source_id, metric, day, dim, value, weight, updated_at) \
         SELECT ?2, m.key, g.day, g.dim, {}, {}, ?1 \
         FROM (SELECT {} AS day, {} AS dim{columns} FROM {} \
               WHERE source_id = ?2 AND ({}) AND {days_sql}{group_by}) AS g \
         CROSS JOIN ({keys}) AS m",
        pick("v"),
        pick("w"),
        time.text_sql(),
        first.dim,
        first.table,
        first.filter,
    );
    let in_keys = group
        .iter()
        .map(|a| format!("'{}'", a.key))
        .collect::<Vec<_>>()
        .join(", ");
    let delete = format!("DELETE FROM metric_daily WHERE source_id = ?1 AND metric IN ({in_keys})");
    let ranges = match days {
        Days::All => {
            sqlx::query(&delete).bind(source_id).execute(&mut **tx).await?;
            sqlx::query(&insert)
                .bind(now)
                .bind(source_id)
                .execute(&mut **tx)
                .await?;
            return Ok(());
        }
        Days::Some(days) => merged_ranges(days),
    };
    let delete = format!("{delete} AND day BETWEEN ?2 AND ?3");
    for (from, to) in ranges {
        sqlx::query(&delete)
            .bind(source_id)
            .bind(day_text(from))
            .bind(day_text(to))
            .execute(&mut **tx)
            .await?;
        sqlx::query(&insert)
            .bind(now)
            .bind(source_id)
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Sorted days → inclusive ranges, merging runs separated by small gaps, none longer than
/// `MAX_RANGE_DAYS`.
fn merged_ranges(days: &[i64]) -> Vec<(i64, i64)> {
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for &day in days {
        match ranges.last_mut() {
            Some((first, last)) if day - *last <= MERGE_GAP_DAYS && day - *first < MAX_RANGE_DAYS => {
                *last = (*last).max(day)
            }
            _ => ranges.push((day, day)),
        }
    }
    ranges
}

/// Stock values are held with six decimals in integers, so a day's value does not depend on
/// the order items were added in (a rollup always equals a recomputation, bit for bit).
const FIXED: f64 = 1e6;

/// Stock metrics: a change on day D changes every day from D on, so the days from the
/// earliest mark to today are recomputed by walking starts and ends in order.
async fn recompute_stock(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    metric: &Metric,
    days: Days<'_>,
    now: Millis,
) -> Result<()> {
    let Rollup::Stock {
        table,
        start,
        end,
        dim,
        value,
        filter,
    } = &metric.rollup
    else {
        unreachable!("recompute_stock takes stock metrics")
    };
    // Each part (currency) has a value every day from its first item on, zeros included,
    // so that a stock read on any day finds that day's row.
    let firsts: Vec<(String, Millis)> = sqlx::query_as(&format!(
        "SELECT {dim}, MIN({start}) FROM {table} WHERE source_id = ? AND ({filter}) GROUP BY 1"
    ))
    .bind(source_id)
    .fetch_all(&mut **tx)
    .await?;
    let first = firsts.iter().map(|(_, start)| start.div_euclid(DAY_MS)).min();
    let from = match (days, first) {
        (_, None) => None,
        (Days::All, Some(first)) => Some(first),
        (Days::Some(days), Some(first)) => Some(days[0].max(first)),
    };
    let delete_from = match (days, from) {
        (Days::All, _) | (_, None) => String::new(),
        (Days::Some(_), Some(from)) => day_text(from),
    };
    sqlx::query("DELETE FROM metric_daily WHERE source_id = ? AND metric = ? AND day >= ?")
        .bind(source_id)
        .bind(metric.key)
        .bind(&delete_from)
        .execute(&mut **tx)
        .await?;
    let Some(from) = from else {
        return Ok(());
    };

    // Everything alive at the end of the day before `from`, or later.
    let items: Vec<(Millis, Option<Millis>, String, f64)> = sqlx::query_as(&format!(
        "SELECT {start}, {end}, {dim}, CAST({value} AS REAL) FROM {table} \
         WHERE source_id = ? AND ({filter}) AND ({end} IS NULL OR {end} >= ?)"
    ))
    .bind(source_id)
    .bind(from * DAY_MS)
    .fetch_all(&mut **tx)
    .await?;

    // Alive at the end of day D: started before D ended and not ended by then.
    let dims: BTreeMap<&str, i64> = firsts
        .iter()
        .map(|(dim, start)| (dim.as_str(), start.div_euclid(DAY_MS).max(from)))
        .collect();
    let mut last = now.div_euclid(DAY_MS);
    let mut changes: BTreeMap<(&str, i64), i128> = BTreeMap::new();
    for (start, end, dim, value) in &items {
        let value = (value * FIXED).round() as i128;
        let alive_from = start.div_euclid(DAY_MS);
        let alive_until = end.map(|e| e.div_euclid(DAY_MS)); // exclusive
        last = last.max(alive_from);
        if alive_until.is_some_and(|until| until <= alive_from) {
            continue;
        }
        *changes.entry((dim.as_str(), alive_from.max(from))).or_default() += value;
        if let Some(until) = alive_until {
            *changes.entry((dim.as_str(), until)).or_default() -= value;
        }
    }

    let insert = "INSERT INTO metric_daily (source_id, metric, day, dim, value, weight, updated_at) \
                  VALUES (?, ?, ?, ?, ?, 0, ?)";
    for (dim, first_day) in dims {
        let mut running: i128 = 0;
        for day in first_day..=last {
            if let Some(change) = changes.get(&(dim, day)) {
                running += change;
            }
            sqlx::query(insert)
                .bind(source_id)
                .bind(metric.key)
                .bind(day_text(day))
                .bind(dim)
                .bind(running as f64 / FIXED)
                .bind(now)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_close_runs() {
        assert_eq!(
            merged_ranges(&[1, 2, 3, 20, 21, 100]),
            vec![(1, 3), (20, 21), (100, 100)]
        );
        assert_eq!(merged_ranges(&[5, 9]), vec![(5, 9)]);
        assert!(merged_ranges(&[]).is_empty());
        let backfill: Vec<i64> = (0..200).collect();
        assert_eq!(merged_ranges(&backfill), vec![(0, 91), (92, 183), (184, 199)]);
    }

    #[test]
    fn day_numbers_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(epoch_day(day_number(d)), d);
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(day_text(day_number(d)), "2026-03-29");
    }
}
