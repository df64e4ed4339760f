//! `health` and `alerts`: the health of the sync work, from the local counters — a table on
//! a terminal, JSON for scripts.

use clap::{Args, ValueEnum};
use freshboard_engine::health::{
    Alert, Granularity, HealthQuery, HealthReport, HealthScope, HealthTotals, Spread,
};
use freshboard_engine::{Engine, Result};

#[derive(Args)]
pub struct HealthArgs {
    /// Only this client (name or id)
    #[arg(long, conflicts_with = "source")]
    client: Option<String>,
    /// Only this source (id, see `source list`)
    #[arg(long)]
    source: Option<i64>,
    /// Only this stream of the source (e.g. charges)
    #[arg(long, requires = "source")]
    stream: Option<String>,
    /// How far back: 24h, 7d, 30d (any number of h, d or w)
    #[arg(long, default_value = "24h", value_parser = parse_span)]
    since: i64,
    /// Bucket size [default: hour up to two days back, then day]
    #[arg(long, value_enum)]
    by: Option<By>,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum By {
    Hour,
    Day,
    Week,
    Month,
}

const HOUR_MS: i64 = 3_600_000;

/// "24h", "7d", "2w" → milliseconds.
fn parse_span(s: &str) -> std::result::Result<i64, String> {
    let bad = || format!("“{s}” is not a span: use a number and h, d or w, e.g. 24h, 7d, 30d");
    let s = s.trim();
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    let hours = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        _ => return Err(bad()),
    };
    match n.checked_mul(hours * HOUR_MS) {
        Some(ms) if n > 0 && n * hours <= 24 * 366 * 5 => Ok(ms),
        _ => Err(format!("“{s}” is out of range: from 1h to 5 years back")),
    }
}

pub async fn health(engine: &Engine, args: HealthArgs) -> Result<()> {
    let scope = match (&args.client, args.source, args.stream) {
        (Some(name), _, _) => HealthScope::Client {
            client_id: engine.find_client(name).await?.id,
        },
        (None, Some(source_id), Some(stream)) => HealthScope::Stream { source_id, stream },
        (None, Some(source_id), None) => HealthScope::Source { source_id },
        (None, None, _) => HealthScope::All,
    };
    let granularity = match args.by {
        Some(By::Hour) => Granularity::Hour,
        Some(By::Day) => Granularity::Day,
        Some(By::Week) => Granularity::Week,
        Some(By::Month) => Granularity::Month,
        None if args.since <= 48 * HOUR_MS => Granularity::Hour,
        None => Granularity::Day,
    };
    let now = chrono::Utc::now().timestamp_millis();
    let report = engine
        .health(HealthQuery {
            scope,
            granularity,
            // The window ends now and reaches back exactly `since`.
            from: now - args.since + 1,
            to: Some(now),
        })
        .await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("a health report serialises")
        );
    } else {
        let title = match (&args.client, args.source) {
            (Some(name), _) => format!("client {name}"),
            (None, Some(id)) => format!("source {id}"),
            (None, None) => "every source".into(),
        };
        print_report(&title, &report, granularity);
    }
    Ok(())
}

pub async fn alerts(engine: &Engine, all: bool, json: bool) -> Result<()> {
    let alerts = engine.alerts(!all).await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&alerts).expect("alerts serialise")
        );
        return Ok(());
    }
    if alerts.is_empty() {
        println!("{}", if all { "No alerts yet." } else { "No open alerts." });
    }
    for alert in &alerts {
        print_alert(alert);
    }
    Ok(())
}

fn print_alert(alert: &Alert) {
    let state = match alert.cleared_at {
        Some(at) => format!("cleared {}", time(at)),
        None => "open".into(),
    };
    let source = alert
        .source_id
        .map(|id| format!(" · source {id}"))
        .unwrap_or_default();
    println!(
        "[{}] {:?} since {}{source} ({state})",
        alert.id,
        alert.kind,
        time(alert.opened_at)
    );
    println!("    {}", alert.message);
}

fn print_report(title: &str, report: &HealthReport, granularity: Granularity) {
    let t = &report.totals;
    let to = report.query.to.unwrap_or(report.query.from);
    println!(
        "Health of {title}, {} … {} by {}",
        time(report.query.from),
        time(to),
        granularity.as_str()
    );
    println!("{}", runs_line(t));
    println!("duration {}", spread(&t.duration));
    println!(
        "records {}{} · pages {} · requests {} · retries {} · waiting on rate limits {}",
        t.records,
        t.records_per_run
            .map(|r| format!(" ({r:.0} a run)"))
            .unwrap_or_default(),
        t.pages,
        t.requests,
        t.retries,
        seconds(t.wait_ms as f64)
    );
    if !t.errors.is_empty() {
        let kinds: Vec<String> = t
            .errors
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    serde_json::to_value(e.kind)
                        .expect("a kind")
                        .as_str()
                        .unwrap_or("?"),
                    e.count
                )
            })
            .collect();
        println!("errors: {}", kinds.join(", "));
    }
    println!(
        "last success {} · failures in a row {}",
        report.last_success_at.map(time).unwrap_or_else(|| "never".into()),
        report.failure_streak
    );
    for alert in &report.alerts {
        print_alert(alert);
    }
    println!();
    println!(
        "{:<20} {:>5} {:>5} {:>6} {:>7} {:>7} {:>8} {:>10}",
        "bucket (UTC)", "runs", "ok", "failed", "skipped", "limited", "records", "mean"
    );
    for b in &report.buckets {
        let b_t = &b.totals;
        println!(
            "{:<20} {:>5} {:>5} {:>6} {:>7} {:>7} {:>8} {:>10}",
            time(b.start).trim_end_matches(" UTC"),
            b_t.runs,
            b_t.succeeded,
            b_t.failed,
            b_t.skipped,
            b_t.rate_limited,
            b_t.records,
            b_t.duration.mean.map(seconds).unwrap_or_else(|| "–".into())
        );
    }
}

fn runs_line(t: &HealthTotals) -> String {
    format!(
        "runs {} · succeeded {} · failed {} · skipped {} · rate-limited {} · cancelled {} · success {}",
        t.runs,
        t.succeeded,
        t.failed,
        t.skipped,
        t.rate_limited,
        t.cancelled,
        t.success_share
            .map(|s| format!("{:.0}%", s * 100.0))
            .unwrap_or_else(|| "–".into())
    )
}

fn spread(s: &Spread) -> String {
    match (s.mean, s.sd) {
        (None, _) => "– (no successful runs)".into(),
        (Some(mean), None) => format!("{} (one run)", seconds(mean)),
        (Some(mean), Some(sd)) => format!(
            "mean {} ± {} (≈ p95 {}, an estimate) · min {} · max {}",
            seconds(mean),
            seconds(sd),
            s.p95_estimate.map(seconds).unwrap_or_default(),
            s.min.map(seconds).unwrap_or_default(),
            s.max.map(seconds).unwrap_or_default()
        ),
    }
}

fn seconds(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::parse_span;

    #[test]
    fn spans_read_hours_days_and_weeks_and_refuse_the_rest() {
        assert_eq!(parse_span("24h"), Ok(24 * 3_600_000));
        assert_eq!(parse_span("7d"), Ok(7 * 86_400_000));
        assert_eq!(parse_span("2w"), Ok(14 * 86_400_000));
        for bad in ["", "d", "7", "7x", "-1d", "0h", "99999w"] {
            assert!(parse_span(bad).is_err(), "{bad}");
        }
    }
}
