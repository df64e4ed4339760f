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

/// Which days to recompute.
#[derive(Clone, Copy)]
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
        if !days.is_empty() {
            recompute(tx, source_id, metric, Days::Some(&days), now).await?;
        } else if let Rollup::Stock { .. } = metric.rollup {
            // Nothing changed, but a stock has a value every day up to today: carry its
            // last day forward, so rollups stay what a recomputation would write.
            let last: Option<String> =
                sqlx::query_scalar("SELECT MAX(day) FROM metric_daily WHERE source_id = ? AND metric = ?")
                    .bind(source_id)
                    .bind(metric.key)
                    .fetch_one(&mut **tx)
                    .await?;
            let last = last
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .map(day_number);
            if let Some(last) = last.filter(|last| *last < now.div_euclid(DAY_MS)) {
                recompute(tx, source_id, metric, Days::Some(&[last]), now).await?;
                recomputed += 1;
            }
        }
    }
    sqlx::query("DELETE FROM rollup_dirty WHERE source_id = ?")
        .bind(source_id)
        .execute(&mut **tx)
        .await?;
    Ok(recomputed)
}

/// Recomputes every rollup of one source from its rows.
pub(crate) async fn rebuild(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    provider: Provider,
    now: Millis,
) -> Result<()> {
    for metric in provider.connector().metrics {
        recompute(tx, source_id, metric, Days::All, now).await?;
    }
    sqlx::query("DELETE FROM rollup_dirty WHERE source_id = ?")
        .bind(source_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn recompute(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    metric: &Metric,
    days: Days<'_>,
    now: Millis,
) -> Result<()> {
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
            let select = |table: &str, dim: &str| {
                format!(
                    "SELECT source_id, ?1, {}, {dim}, {value}, {weight}, ?2 \
                     FROM {table} WHERE source_id = ?3 AND ({filter})",
                    time.text_sql()
                )
            };
            recompute_ranges(
                tx,
                source_id,
                metric.key,
                days,
                *time,
                &select(table, dim),
                dim,
                now,
            )
            .await?;
            if let Some(parts) = parts {
                let table = parts.table.unwrap_or(table);
                let key = parts_key(metric.key);
                recompute_ranges(
                    tx,
                    source_id,
                    &key,
                    days,
                    *time,
                    &select(table, parts.dim),
                    parts.dim,
                    now,
                )
                .await?;
            }
            Ok(())
        }
        Rollup::Items {
            table,
            time,
            dim,
            value,
            filter,
        } => {
            let select = format!(
                "SELECT source_id, ?1, {}, {dim}, {value}, 0, ?2 \
                 FROM {table} WHERE source_id = ?3 AND ({filter})",
                time.text_sql()
            );
            recompute_ranges(tx, source_id, metric.key, days, *time, &select, "", now).await
        }
        Rollup::Stock { .. } => recompute_stock(tx, source_id, metric, days, now).await,
    }
}

/// Flow and item metrics: each day depends only on the rows dated that day, so the dirty
/// days are deleted and re-inserted range by range. `group` is the grouping besides the day
/// (empty for items: one row each).
#[allow(clippy::too_many_arguments)]
async fn recompute_ranges(
    tx: &mut Transaction<'static, Sqlite>,
    source_id: i64,
    key: &str,
    days: Days<'_>,
    time: Day,
    select: &str,
    group: &str,
    now: Millis,
) -> Result<()> {
    // Grouped by the day's own value, not by its text for timestamps: formatting a date for
    // every row would cost more than the whole aggregation.
    let group = match (group, time) {
        ("", _) => String::new(),
        (dim, Day::Millis(e)) => format!(" GROUP BY ({e}) / {DAY_MS}, {dim}"),
        (dim, Day::Date(e)) => format!(" GROUP BY {e}, {dim}"),
    };
    let insert = "INSERT INTO metric_daily (source_id, metric, day, dim, value, weight, updated_at)";
    let ranges = match days {
        Days::All => {
            sqlx::query("DELETE FROM metric_daily WHERE source_id = ? AND metric = ?")
                .bind(source_id)
                .bind(key)
                .execute(&mut **tx)
                .await?;
            sqlx::query(&format!(
                "{insert} {select} AND ({}) IS NOT NULL{group}",
                time.expr()
            ))
            .bind(key)
            .bind(now)
            .bind(source_id)
            .execute(&mut **tx)
            .await?;
            return Ok(());
        }
        Days::Some(days) => merged_ranges(days),
    };
    let insert = format!("{insert} {select} AND {}{group}", time.range_sql(4));
    for (first, last) in ranges {
        sqlx::query("DELETE FROM metric_daily WHERE source_id = ? AND metric = ? AND day BETWEEN ? AND ?")
            .bind(source_id)
            .bind(key)
            .bind(day_text(first))
            .bind(day_text(last))
            .execute(&mut **tx)
            .await?;
        sqlx::query(&insert)
            .bind(key)
            .bind(now)
            .bind(source_id)
            .bind(first)
            .bind(last)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Sorted days → inclusive ranges, merging runs separated by small gaps.
fn merged_ranges(days: &[i64]) -> Vec<(i64, i64)> {
    let mut ranges: Vec<(i64, i64)> = Vec::new();
    for &day in days {
        match ranges.last_mut() {
            Some((_, last)) if day - *last <= MERGE_GAP_DAYS => *last = (*last).max(day),
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
    }

    #[test]
    fn day_numbers_round_trip() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(epoch_day(day_number(d)), d);
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(day_text(day_number(d)), "2026-03-29");
    }
}
