//! `dashboard`, `metric` and `metrics`: what the app shows, printed — a table on a terminal,
//! JSON for scripts.

use clap::Args;
use freshboard_engine::connector::minor_digits;
use freshboard_engine::metrics::{MetricInfo, Series, Unit};
use freshboard_engine::{DashboardView, Engine, Result};

#[derive(Args)]
pub struct DashboardArgs {
    /// Client name (or id)
    #[arg(long)]
    client: String,
    /// Dashboard name [default: the client's first]
    #[arg(long)]
    dashboard: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct MetricArgs {
    /// Client name (or id)
    #[arg(long)]
    client: String,
    /// Metric key, e.g. stripe.gross_volume (see `metrics`)
    #[arg(long)]
    metric: String,
    /// First day, YYYY-MM-DD (UTC)
    #[arg(long)]
    from: String,
    /// Last day, YYYY-MM-DD (UTC), included
    #[arg(long)]
    to: String,
    #[arg(long)]
    json: bool,
}

pub async fn dashboard(engine: &Engine, args: DashboardArgs) -> Result<()> {
    let client = engine.find_client(&args.client).await?;
    let dashboard = engine
        .find_dashboard(client.id, args.dashboard.as_deref())
        .await?;
    let view = engine.get_dashboard(dashboard.id).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&view).expect("a dashboard serialises")
        );
    } else {
        print_dashboard(&client.name, &view);
    }
    Ok(())
}

fn print_dashboard(client: &str, view: &DashboardView) {
    println!(
        "{client} — {} (today {}{})",
        view.dashboard.name,
        view.today,
        if view.offline { ", offline" } else { "" }
    );
    println!(
        "{:<24} {:<23} {:>16} {:>9}  {:<12} as of",
        "metric", "range", "value", "change", "state"
    );
    for w in &view.widgets {
        let range = format!("{} … {}", w.from, w.to);
        let state = w
            .state
            .map(|s| format!("{s:?}").to_lowercase())
            .unwrap_or_else(|| "no source".into());
        let as_of = w.as_of.map(format_time).unwrap_or_else(|| "never".into());
        let provisional = if w.provisional_from.is_some() {
            " (provisional)"
        } else {
            ""
        };
        let series: Vec<&Series> = if w.series.is_empty() {
            Vec::new()
        } else {
            w.series.iter().collect()
        };
        for (i, s) in series.iter().enumerate() {
            let label = if i == 0 { w.metric.label.as_str() } else { "" };
            println!(
                "{:<24} {:<23} {:>16} {:>9}  {:<12} {}{}",
                label,
                if i == 0 { range.as_str() } else { "" },
                format_value(&w.metric, &s.dim, s.total),
                s.change
                    .map(|c| format!("{:+.1}%", c * 100.0))
                    .unwrap_or_default(),
                if i == 0 { state.as_str() } else { "" },
                if i == 0 { as_of.as_str() } else { "" },
                if i == 0 { provisional } else { "" },
            );
        }
        for part in &w.breakdown {
            println!(
                "{:<24} {:<23} {:>16}",
                "",
                format!("  {}", part.dim),
                format_value(&w.metric, "", Some(part.value))
            );
        }
    }
}

pub async fn metric(engine: &Engine, args: MetricArgs) -> Result<()> {
    let client = engine.find_client(&args.client).await?;
    let report = engine
        .metric_report(client.id, &args.metric, &args.from, &args.to)
        .await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("a report serialises")
        );
        return Ok(());
    }
    println!("{} — {} … {}", report.metric.label, report.from, report.to);
    for s in &report.series {
        let name = if s.dim.is_empty() {
            "value".to_owned()
        } else {
            s.dim.to_uppercase()
        };
        println!(
            "{:<12} total {}",
            name,
            format_value(&report.metric, &s.dim, s.total)
        );
        for (day, point) in report.days.iter().zip(&s.points) {
            println!("  {day}  {:>16}", format_value(&report.metric, &s.dim, *point));
        }
    }
    Ok(())
}

pub fn metrics(engine: &Engine) {
    for m in engine.metrics_catalog() {
        println!("{:<30} {:<22} {}", m.key, m.label, m.description);
    }
}

fn format_value(metric: &MetricInfo, dim: &str, value: Option<f64>) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    match metric.unit {
        Unit::Money => {
            let digits = minor_digits(dim);
            let major = v / 10f64.powi(digits as i32);
            format!("{} {major:.*}", dim.to_uppercase(), digits as usize)
        }
        Unit::Count => format!("{v:.0}"),
        Unit::Number => format!("{v:.2}"),
        Unit::Percent => format!("{:.1}%", v * 100.0),
        Unit::Duration => {
            let secs = v.round() as i64;
            match secs {
                s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
                s if s >= 3600 => format!("{}h {}m", s / 3600, s % 3600 / 60),
                s => format!("{}m {}s", s / 60, s % 60),
            }
        }
    }
}

fn format_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}
