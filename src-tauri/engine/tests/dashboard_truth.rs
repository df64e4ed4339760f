//! Dashboard numbers against the simulator's per-day truth (`/_sim/truth/daily`, computed by
//! code that does not serve the API): the last 7 and 30 days, month to date and the previous
//! month, each with its comparison period and change, every day's point, objects made a
//! second before and at midnight, and the same numbers read again offline.

mod common;

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Duration, Months, NaiveDate, TimeZone, Utc};
use common::*;
use freshboard_engine::metrics::WidgetView;
use freshboard_engine::metrics::{Comparison, Visual};
use freshboard_engine::{Clock, DateRange, ManualClock, NewWidget, Provider};
use serde_json::{json, Value};

/// Which truth field a metric is, and how its days add up.
struct Expect {
    metric: &'static str,
    /// `stripe.<field>` or `github.<field>`.
    field: &'static str,
    /// A stock is the value on the range's last day; a flow is the sum of its days.
    stock: bool,
    money: bool,
}

const METRICS: &[Expect] = &[
    Expect {
        metric: "stripe.gross_volume",
        field: "gross",
        stock: false,
        money: true,
    },
    Expect {
        metric: "stripe.net_volume",
        field: "net",
        stock: false,
        money: true,
    },
    Expect {
        metric: "stripe.refunds",
        field: "refunded",
        stock: false,
        money: true,
    },
    Expect {
        metric: "stripe.successful_charges",
        field: "charges_succeeded",
        stock: false,
        money: false,
    },
    Expect {
        metric: "stripe.failed_charges",
        field: "charges_failed",
        stock: false,
        money: false,
    },
    Expect {
        metric: "stripe.new_customers",
        field: "customers_created",
        stock: false,
        money: false,
    },
    Expect {
        metric: "stripe.churned_subscriptions",
        field: "subscriptions_churned",
        stock: false,
        money: false,
    },
    Expect {
        metric: "stripe.active_subscriptions",
        field: "active_subscriptions",
        stock: true,
        money: false,
    },
    Expect {
        metric: "stripe.mrr",
        field: "mrr",
        stock: true,
        money: true,
    },
    Expect {
        metric: "github.stars_gained",
        field: "stars",
        stock: false,
        money: false,
    },
    Expect {
        metric: "github.commits",
        field: "commits",
        stock: false,
        money: false,
    },
    Expect {
        metric: "github.prs_opened",
        field: "prs_opened",
        stock: false,
        money: false,
    },
    Expect {
        metric: "github.prs_merged",
        field: "prs_merged",
        stock: false,
        money: false,
    },
    Expect {
        metric: "github.issues_opened",
        field: "issues_opened",
        stock: false,
        money: false,
    },
    Expect {
        metric: "github.issues_closed",
        field: "issues_closed",
        stock: false,
        money: false,
    },
    Expect {
        metric: "github.open_issues",
        field: "open_issues",
        stock: true,
        money: false,
    },
];

/// The range's days and its comparison's, by the rules the app states (last N days end today;
/// month to date compares with the same days of the month before; a previous month with the
/// month before it) — worked out here, not by the engine's range code.
fn spans(range: &DateRange, today: NaiveDate) -> ((NaiveDate, NaiveDate), (NaiveDate, NaiveDate)) {
    let first_of_month = today.with_day(1).unwrap();
    match range {
        DateRange::LastDays { days } => {
            let n = u64::from(*days);
            let from = today - Days::new(n - 1);
            ((from, today), (from - Days::new(n), from - Days::new(1)))
        }
        DateRange::MonthToDate => {
            let prev_from = first_of_month - Months::new(1);
            ((first_of_month, today), (prev_from, today - Months::new(1)))
        }
        DateRange::PreviousMonth => {
            let from = first_of_month - Months::new(1);
            (
                (from, first_of_month - Days::new(1)),
                (from - Months::new(1), from - Days::new(1)),
            )
        }
        DateRange::Custom { .. } => unreachable!(),
    }
}

fn days(from: NaiveDate, to: NaiveDate) -> Vec<String> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|d| d.to_string())
        .collect()
}

/// One day's value of a truth field, per dimension ("" for counts, the currency for money).
fn day_values(truth: &Value, e: &Expect, day: &str) -> BTreeMap<String, f64> {
    let (provider, field) = e.metric.split_once('.').map(|(p, _)| (p, e.field)).unwrap();
    let v = match provider {
        "stripe" => &truth["stripe"][day][field],
        _ => &truth["github"][REPO][day][field],
    };
    match v {
        Value::Object(per_currency) => per_currency
            .iter()
            .map(|(c, n)| (c.clone(), n.as_f64().unwrap()))
            .collect(),
        Value::Null => BTreeMap::new(),
        n => BTreeMap::from([(String::new(), n.as_f64().unwrap())]),
    }
}

/// A span's value per dimension: the sum of its days, or its last day for a stock.
fn span_value(truth: &Value, e: &Expect, (from, to): (NaiveDate, NaiveDate)) -> BTreeMap<String, f64> {
    if e.stock {
        return day_values(truth, e, &to.to_string());
    }
    let mut sum: BTreeMap<String, f64> = BTreeMap::new();
    for day in days(from, to) {
        for (dim, v) in day_values(truth, e, &day) {
            *sum.entry(dim).or_default() += v;
        }
    }
    sum
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Checks one widget; returns how many of its expected values were not zero (so a truth read
/// wrongly as empty everywhere cannot pass unnoticed).
fn check(view: &WidgetView, e: &Expect, truth: &Value, range: &DateRange, today: NaiveDate) -> usize {
    let (span, previous) = spans(range, today);
    let what = format!("{} over {range:?}", e.metric);
    assert_eq!(
        (view.from.as_str(), view.to.as_str()),
        (&*span.0.to_string(), &*span.1.to_string()),
        "{what}"
    );
    assert_eq!(
        (view.previous_from.as_deref(), view.previous_to.as_deref()),
        (Some(&*previous.0.to_string()), Some(&*previous.1.to_string())),
        "{what}: the comparison period"
    );
    let expected = span_value(truth, e, span);
    let expected_previous = span_value(truth, e, previous);
    let dims: std::collections::BTreeSet<&String> = expected.keys().chain(expected_previous.keys()).collect();
    let mut nonzero = 0;
    for dim in dims {
        let series = view
            .series
            .iter()
            .find(|s| &s.dim == dim || (!e.money && s.dim.is_empty()));
        let total = series.and_then(|s| s.total).unwrap_or(0.0);
        let previous_total = series.and_then(|s| s.previous).unwrap_or(0.0);
        let want = expected.get(dim).copied().unwrap_or(0.0);
        let want_previous = expected_previous.get(dim).copied().unwrap_or(0.0);
        assert!(close(total, want), "{what} [{dim}]: {total} vs truth {want}");
        nonzero += usize::from(want != 0.0);
        assert!(
            close(previous_total, want_previous),
            "{what} [{dim}] previous: {previous_total} vs truth {want_previous}"
        );
        if want_previous != 0.0 {
            let change = series
                .and_then(|s| s.change)
                .expect("a change against a non-zero base");
            assert!(
                close(change, (want - want_previous) / want_previous),
                "{what} [{dim}] change {change}"
            );
        }
        // Every day's point (a stock's: its value at the day's end), the midnight days included.
        if let Some(series) = series {
            for (i, day) in days(span.0, span.1).iter().enumerate() {
                let want = day_values(truth, e, day).get(dim).copied().unwrap_or(0.0);
                let got = series.points.get(i).copied().flatten().unwrap_or(0.0);
                assert!(close(got, want), "{what} [{dim}] on {day}: {got} vs truth {want}");
            }
        }
    }
    nonzero
}

#[tokio::test]
async fn dashboard_numbers_equal_the_per_day_truth_for_every_range_and_its_comparison() {
    // The simulator and the engine start at 23:59:58 on 20 November and move together.
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 23, 59, 58).unwrap();
    let clock = std::sync::Arc::new(ManualClock::new(start));
    let mut config = google_config(&clock);
    config.stripe.history_days = 120;
    config.github.history_days = 120;
    let sim = Sim::start(config).await;
    sim.control("/_sim/clock", json!({"freeze": true})).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let client = engine.create_client("Acme").await.unwrap();
    let stripe = add_source(&engine, &sim, client.id, Provider::Stripe).await;
    let github = add_source(&engine, &sim, client.id, Provider::Github).await;

    // A charge, an issue and a commit a second before midnight, and again at midnight: each
    // belongs to its own UTC day.
    for expected in ["2026-11-20T23:59:59Z", "2026-11-21T00:00:00Z"] {
        advance_both(&sim, &clock, Duration::seconds(1)).await;
        let charge = sim
            .control("/_sim/stripe/charges", json!({"amount": 4321, "currency": "usd"}))
            .await;
        let at = chrono::DateTime::parse_from_rfc3339(expected)
            .unwrap()
            .timestamp();
        assert_eq!(charge["created"], at, "the charge is made at {expected}");
        sim.control(
            &format!("/_sim/github/{REPO}/issues"),
            json!({"title": "near midnight"}),
        )
        .await;
        sim.control(
            &format!("/_sim/github/{REPO}/commits"),
            json!({"message": "near midnight"}),
        )
        .await;
    }
    assert_eq!(clock.now(), Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap());
    // Then to Monday 23 November, 08:00.
    advance_both(&sim, &clock, Duration::hours(56)).await;
    assert!(sync(&engine, &stripe).await.succeeded());
    assert!(sync(&engine, &github).await.succeeded());

    let ranges = [
        DateRange::LastDays { days: 7 },
        DateRange::LastDays { days: 30 },
        DateRange::MonthToDate,
        DateRange::PreviousMonth,
    ];
    let board = engine.create_dashboard(client.id, "Truth").await.unwrap();
    let mut widgets = Vec::new();
    for e in METRICS {
        for range in &ranges {
            let widget = NewWidget {
                metric: e.metric.to_owned(),
                range: range.clone(),
                comparison: Comparison::PreviousPeriod,
                visual: Visual::Timeseries,
                width: 1,
                height: 1,
            };
            widgets.push((
                engine.add_widget(board.id, widget).await.unwrap().id,
                e,
                range.clone(),
            ));
        }
    }
    let today = clock.now().date_naive();
    let earliest = today - Months::new(3);
    let truth = sim
        .get(&format!("/_sim/truth/daily?from={earliest}&to={today}"))
        .await;

    let view = engine.get_dashboard(board.id).await.unwrap();
    let mut nonzero = 0;
    for (id, e, range) in &widgets {
        let w = view.widgets.iter().find(|w| w.widget.id == *id).unwrap();
        nonzero += check(w, e, &truth, range, today);
    }
    // Most of the 64 widgets have something to compare (a quiet metric may be zero in a week).
    assert!(
        nonzero >= 48,
        "only {nonzero} non-zero truths compared: is the truth read right?"
    );

    // Offline, the same numbers from the local copy alone.
    sim.sim.shutdown().await;
    engine.forget_snapshots();
    let offline = engine.get_dashboard(board.id).await.unwrap();
    for (id, e, range) in &widgets {
        let w = offline.widgets.iter().find(|w| w.widget.id == *id).unwrap();
        check(w, e, &truth, range, today);
    }
}
