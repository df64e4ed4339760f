//! Reading rollups: one metric over a span of days for a set of sources, aggregated the
//! metric's way. Reads `metric_daily` only — never raw rows, never a provider.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use super::catalog::{self, Aggregation, Metric, Split};
use super::range::Span;
use super::rollup::day_number;
use crate::error::Result;

/// One line of numbers: the whole metric, or one currency of a money metric.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Series {
    /// The currency (lower-case ISO code) for money; empty otherwise.
    pub dim: String,
    /// The range's value; `None` when there is nothing to aggregate (no data, or a rate
    /// over zero events).
    pub total: Option<f64>,
    /// The comparison period's value.
    pub previous: Option<f64>,
    /// Relative change from `previous` (0.1 is +10%); `None` without a comparison base.
    pub change: Option<f64>,
    /// One value per day of the range, first day first.
    pub points: Vec<Option<f64>>,
}

/// A part of a breakdown metric (commits by author), largest first.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BreakdownRow {
    pub dim: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Computed {
    pub series: Vec<Series>,
    pub breakdown: Vec<BreakdownRow>,
    /// Whether any rollup row fell in the range.
    pub has_data: bool,
}

/// How many parts a breakdown lists.
pub const BREAKDOWN_ROWS: usize = 10;

struct Row {
    source_id: i64,
    dim: String,
    day: i64,
    value: f64,
    weight: f64,
}

pub(crate) async fn compute(
    pool: &SqlitePool,
    sources: &[i64],
    metric: &Metric,
    span: Span,
    previous: Option<Span>,
    with_breakdown: bool,
) -> Result<Computed> {
    if sources.is_empty() {
        return Ok(Computed::default());
    }
    let rollups = Rollups::new(pool, sources, metric.key);
    if metric.aggregation == Aggregation::Median {
        return medians(&rollups, span, previous).await;
    }
    let window = Span {
        from: previous.map_or(span.from, |p| p.from.min(span.from)),
        to: span.to,
    };
    // Sums and ratios are added up per day inside SQLite; a stock keeps a row per part
    // (source and currency), since each part carries its own last value forward.
    let (parts, group) = match (metric.aggregation, metric.split) {
        (Aggregation::Last, _) => ("source_id, dim", "source_id, dim, day"),
        (_, Split::Currency) => ("0, dim", "dim, day"),
        _ => ("0, ''", "day"),
    };
    let mut rows = rollups
        .rows(
            &format!(
                "SELECT {parts}, {DAY_NUMBER}, SUM(value), SUM(weight) FROM metric_daily \
             WHERE {{filter}} AND day BETWEEN ?1 AND ?2 GROUP BY {group}"
            ),
            window,
        )
        .await?;
    let has_data = rows.iter().any(|r| r.day >= day_number(span.from));
    if metric.aggregation == Aggregation::Last {
        // Each part's value on its last day before the window.
        rows.extend(
            rollups
                .rows(
                    &format!(
                        "SELECT source_id, dim, {DAY_NUMBER}, value, weight FROM ( \
                       SELECT source_id, dim, MAX(day) AS day, value, weight FROM metric_daily \
                       WHERE {{filter}} AND day < ?1 AND ?2 IS NOT NULL GROUP BY source_id, dim)"
                    ),
                    window,
                )
                .await?,
        );
    }

    let mut groups: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in &rows {
        let group = if metric.split == Split::Currency {
            r.dim.clone()
        } else {
            String::new()
        };
        groups.entry(group).or_default().push(r);
    }
    if groups.is_empty() {
        groups.insert(String::new(), Vec::new());
    }
    let mut series: Vec<Series> = groups
        .into_iter()
        .map(|(dim, rows)| {
            let total = aggregate(metric.aggregation, &rows, span);
            let previous = previous.and_then(|p| aggregate(metric.aggregation, &rows, p));
            series(dim, total, previous, daily(metric.aggregation, &rows, span))
        })
        .collect();
    // The largest currency first: it is the one a tile shows.
    series.sort_by(|a, b| b.total.unwrap_or(0.0).total_cmp(&a.total.unwrap_or(0.0)));

    let mut breakdown = Vec::new();
    if with_breakdown && metric.split == Split::Breakdown {
        let top = Rollups::new(pool, sources, &catalog::parts_key(metric.key))
            .rows(&format!(
                "SELECT 0, dim, 0, SUM(value) AS total, 0 FROM metric_daily \
                 WHERE {{filter}} AND day BETWEEN ?1 AND ?2 GROUP BY dim ORDER BY total DESC, dim LIMIT {BREAKDOWN_ROWS}"
            ), span)
            .await?;
        breakdown = top
            .into_iter()
            .map(|r| BreakdownRow {
                dim: r.dim,
                value: r.value,
            })
            .collect();
        breakdown.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.dim.cmp(&b.dim)));
    }
    Ok(Computed {
        series,
        breakdown,
        has_data,
    })
}

/// The union of the quality flags (`QUALITY_*` bits) that the metrics `keys` hold for
/// `sources` over `span`; 0 when there are none.
pub(crate) async fn quality(pool: &SqlitePool, sources: &[i64], keys: &[&str], span: Span) -> Result<i64> {
    if sources.is_empty() || keys.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = sources.iter().map(i64::to_string).collect();
    let keys: Vec<String> = keys.iter().map(|k| format!("'{k}'")).collect();
    let bits: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(CAST(value AS INTEGER) & 1) + MAX(CAST(value AS INTEGER) & 2) + MAX(CAST(value AS INTEGER) & 4) \
         FROM metric_daily WHERE source_id IN ({}) AND metric IN ({}) AND day BETWEEN ? AND ?",
        ids.join(","),
        keys.join(",")
    ))
    .bind(fmt(span.from))
    .bind(fmt(span.to))
    .fetch_one(pool)
    .await?;
    Ok(bits.unwrap_or(0))
}

fn series(dim: String, total: Option<f64>, previous: Option<f64>, points: Vec<Option<f64>>) -> Series {
    let change = match (total, previous) {
        (Some(t), Some(p)) if p != 0.0 => Some((t - p) / p.abs()),
        _ => None,
    };
    Series {
        dim,
        total,
        previous,
        change,
        points,
    }
}

/// Median metrics keep one rollup row per item (whole numbers: seconds). Each day's values
/// come back as one list, and the medians of days and of ranges are taken here.
async fn medians(rollups: &Rollups<'_>, span: Span, previous: Option<Span>) -> Result<Computed> {
    let window = Span {
        from: previous.map_or(span.from, |p| p.from.min(span.from)),
        to: span.to,
    };
    let days: Vec<(i64, Vec<f64>)> = rollups
        .rows(
            &format!(
                "SELECT 0, group_concat(CAST(value AS INTEGER)), {DAY_NUMBER}, 0, 0 FROM metric_daily \
             WHERE {{filter}} AND day BETWEEN ?1 AND ?2 GROUP BY day"
            ),
            window,
        )
        .await?
        .into_iter()
        .map(|r| (r.day, r.dim.split(',').filter_map(|v| v.parse().ok()).collect()))
        .collect();
    let median_of = |span: Span| {
        let (from, to) = (day_number(span.from), day_number(span.to));
        median(
            days.iter()
                .filter(|(day, _)| (from..=to).contains(day))
                .flat_map(|(_, values)| values.iter().copied())
                .collect(),
        )
    };
    let from = day_number(span.from);
    let mut points = vec![None; span.days() as usize];
    for (day, values) in &days {
        if let Some(p) = usize::try_from(day - from).ok().and_then(|i| points.get_mut(i)) {
            *p = median(values.clone());
        }
    }
    Ok(Computed {
        has_data: days.iter().any(|(day, _)| *day >= from),
        series: vec![series(
            String::new(),
            median_of(span),
            previous.and_then(median_of),
            points,
        )],
        breakdown: Vec::new(),
    })
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let (mid, even) = (values.len() / 2, values.len().is_multiple_of(2));
    let (below, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    // With an even count the median is the mean of the two middle values: the upper one,
    // and the largest of those below it.
    Some(match below.iter().copied().max_by(f64::total_cmp) {
        Some(lower) if even => (lower + upper) / 2.0,
        _ => upper,
    })
}

/// Reads of one metric's rollups for a set of sources.
struct Rollups<'a> {
    pool: &'a SqlitePool,
    /// `source_id IN (…) AND metric = '…'`: ids are integers and the key a catalog constant.
    filter: String,
}

impl<'a> Rollups<'a> {
    fn new(pool: &'a SqlitePool, sources: &[i64], key: &str) -> Self {
        let ids: Vec<String> = sources.iter().map(i64::to_string).collect();
        Rollups {
            pool,
            filter: format!("source_id IN ({}) AND metric = '{key}'", ids.join(",")),
        }
    }

    /// Runs a query returning (source, dim, day number, value, weight) for a span bound to
    /// ?1 and ?2. Rows come back as one JSON array built inside SQLite: handing thousands of
    /// rows one by one across sqlx's SQLite thread costs far more than building and parsing it.
    async fn rows(&self, select: &str, span: Span) -> Result<Vec<Row>> {
        let sql = format!(
            "WITH t(a, b, c, d, e) AS ({}) SELECT json_group_array(json_array(a, b, c, d, e)) FROM t",
            select.replace("{filter}", &self.filter)
        );
        let packed: String = sqlx::query_scalar(&sql)
            .bind(fmt(span.from))
            .bind(fmt(span.to))
            .fetch_one(self.pool)
            .await?;
        unpack(&packed)
    }
}

fn fmt(day: chrono::NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// `day` (YYYY-MM-DD) as a UTC day number, in SQL. Parsing dates costs: apply it to
/// grouped rows, not to every rollup row.
const DAY_NUMBER: &str = "CAST(julianday(day) - 2440587.5 AS INTEGER)";

fn unpack(packed: &str) -> Result<Vec<Row>> {
    let rows: Vec<(i64, String, i64, f64, f64)> = serde_json::from_str(packed)
        .map_err(|e| crate::error::Error::Database(sqlx::Error::Decode(Box::new(e))))?;
    Ok(rows
        .into_iter()
        .map(|(source_id, dim, day, value, weight)| Row {
            source_id,
            dim,
            day,
            value,
            weight,
        })
        .collect())
}

/// The metric's value over `span`.
fn aggregate(aggregation: Aggregation, rows: &[&Row], span: Span) -> Option<f64> {
    let (from, to) = (day_number(span.from), day_number(span.to));
    let inside = || rows.iter().filter(move |r| (from..=to).contains(&r.day));
    match aggregation {
        Aggregation::Sum => Some(inside().map(|r| r.value).sum()),
        Aggregation::Ratio => {
            let (v, w) = inside().fold((0.0, 0.0), |(v, w), r| (v + r.value, w + r.weight));
            (w != 0.0).then(|| v / w)
        }
        Aggregation::Median => unreachable!("medians are taken in SQL"),
        Aggregation::Last => last_on(rows, to),
    }
}

/// A stock's value at the end of `day`: each part's latest value on or before it, summed.
fn last_on(rows: &[&Row], day: i64) -> Option<f64> {
    let mut latest: BTreeMap<(i64, &str), (i64, f64)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.day <= day) {
        let entry = latest
            .entry((r.source_id, r.dim.as_str()))
            .or_insert((r.day, r.value));
        if r.day >= entry.0 {
            *entry = (r.day, r.value);
        }
    }
    (!latest.is_empty()).then(|| latest.values().map(|(_, v)| v).sum())
}

/// One value per day of `span`.
fn daily(aggregation: Aggregation, rows: &[&Row], span: Span) -> Vec<Option<f64>> {
    let from = day_number(span.from);
    let days = span.days() as usize;
    match aggregation {
        Aggregation::Last => {
            // One sweep in day order, keeping each part's latest value (parts are few: a
            // currency per source), summed like `last_on` does.
            let mut sorted: Vec<&&Row> = rows.iter().collect();
            sorted.sort_by_key(|r| r.day);
            let mut latest: BTreeMap<(i64, &str), f64> = BTreeMap::new();
            let mut next = sorted.iter().peekable();
            (0..days as i64)
                .map(|i| {
                    while let Some(r) = next.next_if(|r| r.day <= from + i) {
                        latest.insert((r.source_id, r.dim.as_str()), r.value);
                    }
                    (!latest.is_empty()).then(|| latest.values().sum())
                })
                .collect()
        }
        Aggregation::Sum => {
            let mut points = vec![Some(0.0); days];
            for r in rows {
                if let Some(Some(p)) = usize::try_from(r.day - from).ok().and_then(|i| points.get_mut(i)) {
                    *p += r.value;
                }
            }
            points
        }
        Aggregation::Ratio => {
            let mut sums = vec![(0.0, 0.0); days];
            for r in rows {
                if let Some(day) = usize::try_from(r.day - from).ok().and_then(|i| sums.get_mut(i)) {
                    *day = (day.0 + r.value, day.1 + r.weight);
                }
            }
            sums.into_iter().map(|(v, w)| (w != 0.0).then(|| v / w)).collect()
        }
        Aggregation::Median => unreachable!("medians are taken in SQL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(vec![7.0]), Some(7.0));
        assert_eq!(median(vec![5.0, 5.0, 1.0, 9.0]), Some(5.0));
    }

    #[test]
    fn a_stock_carries_each_part_forward() {
        let r = |source_id, dim: &str, day, value| Row {
            source_id,
            dim: dim.into(),
            day,
            value,
            weight: 0.0,
        };
        let rows = [r(1, "", 10, 5.0), r(1, "", 12, 7.0), r(2, "", 11, 1.0)];
        let refs: Vec<&Row> = rows.iter().collect();
        assert_eq!(last_on(&refs, 9), None);
        assert_eq!(last_on(&refs, 10), Some(5.0));
        assert_eq!(last_on(&refs, 11), Some(6.0));
        assert_eq!(last_on(&refs, 20), Some(8.0));
    }
}
