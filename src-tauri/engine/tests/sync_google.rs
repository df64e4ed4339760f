//! GA4, Search Console and Google Ads on one Google sign-in, against the simulator over
//! real HTTP: stored rows and metrics equal its truth after a full and an incremental sync;
//! a day restated inside the lookback window is re-read, one outside it never fetched again;
//! paging stops where GA4 says; Search Console totals never come from summed query rows; an
//! Ads account under a manager is reached with `login-customer-id`; a backfill walks its days
//! as slices at once, reading every day once, within GA4's concurrency, and a walk cancelled
//! midway resumes every slice.

mod common;

use chrono::{Days, Duration, NaiveDate, TimeZone, Utc};
use common::*;
use freshboard_engine::{Clock, Engine, NewSource, Provider, Source};
use serde_json::{json, Value};

const NORTHWIND: &str = "412345678";
const TOKYO: &str = "498765432";
const SITE: &str = "sc-domain:northwind.example";
const ADS_CLIENT: &str = "4445556666";
const ADS_MANAGER: &str = "1112223333";
const ADS_DIRECT: &str = "7778889999";

async fn add(
    engine: &Engine,
    client: i64,
    provider: Provider,
    connection: i64,
    account: &str,
    history: u32,
) -> Source {
    engine
        .add_source(NewSource {
            history_days: Some(history),
            ..NewSource::on_connection(client, provider, connection, account)
        })
        .await
        .unwrap_or_else(|e| panic!("{provider:?} {account} added: {e}"))
}

async fn truth(sim: &Sim, product: &str, account: &str, from: NaiveDate, to: NaiveDate) -> Value {
    let account: String = url_encode(account);
    sim.get(&format!(
        "/_sim/google/truth?product={product}&account={account}&from={from}&to={to}"
    ))
    .await
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every GA4 daily row the engine stored for a source, as the truth lists it.
async fn ga4_daily(pool: &sqlx::SqlitePool, source: i64) -> Vec<Value> {
    let rows: Vec<(String, i64, i64, i64, i64, f64, i64)> = sqlx::query_as(
        "SELECT date, sessions, total_users, new_users, engaged_sessions, key_events, revenue \
         FROM ga4_daily WHERE source_id = ? ORDER BY date",
    )
    .bind(source)
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(date, s, u, n, e, k, r)| {
            json!({"date": date, "sessions": s, "totalUsers": u, "newUsers": n, "engagedSessions": e,
                   "keyEvents": k, "revenueMinor": r})
        })
        .collect()
}

/// Truth's GA4 daily rows with revenue in minor units (2 decimals, or 0 for yen).
fn ga4_truth_daily(truth: &Value, digits: u32) -> Vec<Value> {
    truth["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let revenue = d["totalRevenue"].as_str().unwrap();
            let minor = (revenue.parse::<f64>().unwrap() * 10f64.powi(digits as i32)).round() as i64;
            json!({"date": d["date"], "sessions": d["sessions"], "totalUsers": d["totalUsers"],
                   "newUsers": d["newUsers"], "engagedSessions": d["engagedSessions"],
                   "keyEvents": d["keyEvents"].as_f64().unwrap(), "revenueMinor": minor})
        })
        .collect()
}

async fn rows(pool: &sqlx::SqlitePool, sql: &str, source: i64) -> Vec<Vec<String>> {
    use sqlx::Row;
    let mut out: Vec<Vec<String>> = sqlx::query(sql)
        .bind(source)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| {
                    r.try_get::<String, _>(i)
                        .or_else(|_| r.try_get::<i64, _>(i).map(|v| v.to_string()))
                        .or_else(|_| r.try_get::<f64, _>(i).map(|v| format!("{v}")))
                        .unwrap()
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

fn truth_rows(truth: &Value, list: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = truth[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            fields
                .iter()
                .map(|f| match &r[*f] {
                    Value::String(s) => s.clone(),
                    Value::Number(n) if n.is_i64() => n.to_string(),
                    Value::Number(n) => format!("{}", n.as_f64().unwrap()),
                    other => panic!("{f}: {other}"),
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

/// A GA4 source's landing-page rows, and the truth's, to compare.
async fn landing_pages(pool: &sqlx::SqlitePool, source: i64) -> Vec<Vec<String>> {
    rows(
        pool,
        "SELECT date, landing_page, sessions FROM ga4_landing_pages_daily WHERE source_id = ?",
        source,
    )
    .await
}

fn landing_truth(truth: &Value) -> Vec<Vec<String>> {
    truth_rows(truth, "landingPages", &["date", "landingPage", "sessions"])
}

/// A Search Console source's query rows, and the truth's, to compare.
async fn gsc_queries(pool: &sqlx::SqlitePool, source: i64) -> Vec<Vec<String>> {
    rows(
        pool,
        "SELECT date, query, clicks, impressions FROM gsc_queries_daily WHERE source_id = ?",
        source,
    )
    .await
}

fn queries_truth(truth: &Value) -> Vec<Vec<String>> {
    truth_rows(truth, "queries", &["date", "query", "clicks", "impressions"])
}

/// The Google API requests the simulator received (and forgets them).
async fn requests(sim: &Sim) -> Vec<Value> {
    let log = sim.get("/_sim/google/requests").await;
    sim.http
        .delete(format!("{}/_sim/google/requests", sim.url()))
        .send()
        .await
        .unwrap();
    log.as_array().unwrap().clone()
}

/// The engine's Google requests, kept for the spec check (`scripts/check-google-specs
/// --requests`), which holds every body to Google's own discovery documents and protos.
fn keep_for_spec_check(name: &str, log: &[Value]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/spec-samples/google");
    std::fs::create_dir_all(&dir).unwrap();
    let posts: Vec<&Value> = log.iter().filter(|r| r["method"] == "POST").collect();
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_vec_pretty(&posts).unwrap(),
    )
    .unwrap();
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn ga4_rows_and_metrics_equal_the_truth_and_only_the_lookback_window_is_read_again() {
    let clock = manual_clock();
    // 20:00 UTC: still the 23rd in New York, already the 24th in Tokyo.
    clock.set(Utc.with_ymd_and_hms(2026, 11, 23, 20, 0, 0).unwrap());
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();

    let mut picked: Vec<String> = engine
        .connection_accounts(google.id, Provider::Ga4)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    picked.sort();
    assert_eq!(picked, vec![NORTHWIND, TOKYO]);

    let ny = add(
        &engine,
        client.id,
        Provider::Ga4,
        google.id,
        "properties/412345678",
        60,
    )
    .await;
    assert_eq!(ny.external_id, NORTHWIND);
    assert_eq!(ny.time_zone.as_deref(), Some("America/New_York"));
    assert_eq!(ny.lookback_days, 3);
    let tokyo = add(&engine, client.id, Provider::Ga4, google.id, TOKYO, 60).await;
    requests(&sim).await;
    for source in [&ny, &tokyo] {
        let report = sync(&engine, source).await;
        assert!(report.succeeded(), "{:?}", report.streams);
    }
    let first_log = requests(&sim).await;
    keep_for_spec_check("ga4-full", &first_log);

    // Each property keeps its own calendar: Tokyo's newest day is a day ahead of New York's.
    let pool = db(&engine).await;
    let newest = |source: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT MAX(date) FROM ga4_daily WHERE source_id = ?")
                .bind(source)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(newest(ny.id).await, "2026-11-23");
    assert_eq!(newest(tokyo.id).await, "2026-11-24");
    // …and so do its rollups (the provider's day, not a UTC day).
    let rollup_newest: String = sqlx::query_scalar(
        "SELECT MAX(day) FROM metric_daily WHERE source_id = ? AND metric = 'ga4.sessions'",
    )
    .bind(tokyo.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rollup_newest, "2026-11-24");

    let (from, to) = (day("2026-09-25"), day("2026-11-23"));
    let t = truth(&sim, "ga4", NORTHWIND, from, to).await;
    assert_eq!(
        ga4_daily(&pool, ny.id).await,
        ga4_truth_daily(&t, 2),
        "60 days, as the truth has them"
    );
    assert_eq!(
        rows(
            &pool,
            "SELECT date, channel, sessions FROM ga4_channels_daily WHERE source_id = ?",
            ny.id
        )
        .await,
        truth_rows(&t, "channels", &["date", "channel", "sessions"])
    );
    assert_eq!(landing_pages(&pool, ny.id).await, landing_truth(&t));
    let tt = truth(&sim, "ga4", TOKYO, day("2026-09-26"), day("2026-11-24")).await;
    assert_eq!(
        ga4_daily(&pool, tokyo.id).await,
        ga4_truth_daily(&tt, 0),
        "yen has no minor unit"
    );

    // Metrics from the rollups equal sums of the truth over any window.
    let sessions: i64 = t["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sessions"].as_i64().unwrap())
        .sum();
    let report = engine
        .metric_report(client.id, "ga4.sessions", "2026-09-25", "2026-11-23")
        .await
        .unwrap();
    // Both properties' sessions count on their own days: take New York's days from the truth.
    let tokyo_in_range: i64 = tt["daily"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["date"].as_str().unwrap() <= "2026-11-23")
        .map(|d| d["sessions"].as_i64().unwrap())
        .sum();
    assert_eq!(report.series[0].total, Some((sessions + tokyo_in_range) as f64));

    // A day later Google has restated recent days; one inside New York's window (2 days ago)
    // and one outside it (10 days ago) change by 10%.
    advance_both(&sim, &clock, Duration::days(1)).await;
    let today = day("2026-11-24");
    let (inside, outside) = (today - Days::new(2), today - Days::new(10));
    for date in [inside, outside] {
        sim.control(
            "/_sim/google/restate",
            json!({"product": "ga4", "account": NORTHWIND, "date": date.to_string(), "percent": 10}),
        )
        .await;
    }
    let before = ga4_daily(&pool, ny.id).await;
    let report = sync(&engine, &ny).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let log = requests(&sim).await;
    keep_for_spec_check("ga4-incremental", &log);
    // One request per report, each for the last three days and today — not the history.
    assert_eq!(log.len(), 3, "{log:#?}");
    for request in &log {
        let range = &request["body"]["dateRanges"][0];
        assert_eq!(
            range["startDate"],
            (today - Days::new(3)).to_string(),
            "{request}"
        );
        assert_eq!(range["endDate"], today.to_string());
    }
    let t = truth(&sim, "ga4", NORTHWIND, from, today).await;
    let now = ga4_daily(&pool, ny.id).await;
    let truth_now = ga4_truth_daily(&t, 2);
    let row = |rows: &[Value], d: NaiveDate| rows.iter().find(|r| r["date"] == d.to_string()).cloned();
    assert_eq!(
        row(&now, inside),
        row(&truth_now, inside),
        "the restated day in the window is re-read"
    );
    assert_ne!(
        row(&truth_now, outside),
        row(&before, outside),
        "the truth did change 10 days back"
    );
    assert_eq!(
        row(&now, outside),
        row(&before, outside),
        "but that day is never fetched again"
    );
    assert_eq!(row(&now, today), row(&truth_now, today), "the new day is read");
}

#[tokio::test]
async fn ga4_pages_to_the_row_count_and_stops() {
    let clock = manual_clock();
    let mut config = google_config(&clock);
    // 30 days × 1,000 landing pages: 30,000 rows, more than a request's 25,000.
    config.google.properties[0].landing_pages = 1000;
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();
    let source = add(&engine, client.id, Provider::Ga4, google.id, NORTHWIND, 30).await;
    requests(&sim).await;
    assert!(sync(&engine, &source).await.succeeded());
    let landing: Vec<Value> = requests(&sim)
        .await
        .into_iter()
        .filter(|r| r["body"]["dimensions"].to_string().contains("landingPage"))
        .collect();
    let offsets: Vec<Value> = landing.iter().map(|r| r["body"]["offset"].clone()).collect();
    assert_eq!(
        offsets,
        vec![Value::Null, json!("25000")],
        "⌈30,000 / 25,000⌉ requests, then it stops"
    );
    let pool = db(&engine).await;
    let stored = scalar(
        &pool,
        &format!(
            "SELECT COUNT(*) FROM ga4_landing_pages_daily WHERE source_id = {}",
            source.id
        ),
    )
    .await;
    let today = clock
        .now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    let t = truth(&sim, "ga4", NORTHWIND, today - Days::new(29), today).await;
    assert_eq!(stored as usize, t["landingPages"].as_array().unwrap().len());
}

#[tokio::test]
async fn search_console_totals_come_from_the_site_report_and_incomplete_days_are_replaced() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();

    let sites: Vec<String> = engine
        .connection_accounts(google.id, Provider::SearchConsole)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert!(sites.contains(&SITE.to_owned()), "{sites:?}");
    assert!(
        !sites.iter().any(|s| s.contains("pending")),
        "an unverified site has no data: not offered"
    );
    let unverified = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::SearchConsole,
            google.id,
            "https://pending.example/",
        ))
        .await
        .unwrap_err();
    assert_eq!(unverified.field(), Some("account"), "{unverified}");

    let source = add(&engine, client.id, Provider::SearchConsole, google.id, SITE, 20).await;
    assert_eq!(source.time_zone.as_deref(), Some("America/Los_Angeles"));
    requests(&sim).await;
    assert!(sync(&engine, &source).await.succeeded());
    keep_for_spec_check("gsc-full", &requests(&sim).await);

    let pool = db(&engine).await;
    let today = clock
        .now()
        .with_timezone(&chrono_tz::America::Los_Angeles)
        .date_naive();
    let from = today - Days::new(19);
    let t = truth(&sim, "search_console", SITE, from, today).await;
    let fields = ["date", "clicks", "impressions"];
    assert_eq!(
        rows(
            &pool,
            "SELECT date, clicks, impressions FROM gsc_daily WHERE source_id = ?",
            source.id
        )
        .await,
        truth_rows(&t, "daily", &fields)
    );
    assert_eq!(gsc_queries(&pool, source.id).await, queries_truth(&t));
    assert_eq!(
        rows(
            &pool,
            "SELECT date, page, clicks FROM gsc_pages_daily WHERE source_id = ?",
            source.id
        )
        .await,
        truth_rows(&t, "pages", &["date", "page", "clicks"])
    );

    // Clicks: the site's own totals, which are more than the query rows add up to.
    let site_clicks: i64 = t["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["clicks"].as_i64().unwrap())
        .sum();
    let query_clicks: i64 = t["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["clicks"].as_i64().unwrap())
        .sum();
    assert!(query_clicks < site_clicks, "{query_clicks} < {site_clicks}");
    let clicks = engine
        .metric_report(
            client.id,
            "search_console.clicks",
            &from.to_string(),
            &today.to_string(),
        )
        .await
        .unwrap();
    assert_eq!(clicks.series[0].total, Some(site_clicks as f64));
    let by_query = engine
        .metric_report(
            client.id,
            "search_console.clicks_by_query",
            &from.to_string(),
            &today.to_string(),
        )
        .await
        .unwrap();
    assert_eq!(
        by_query.series[0].total,
        Some(site_clicks as f64),
        "the tile's total is the site's"
    );
    let top = &by_query.breakdown[0];
    let truth_top = t["queries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["query"] == top.dim.as_str())
        .map(|q| q["clicks"].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(top.value, truth_top as f64, "a query's part is its own rows");
    // Average position weighted by impressions.
    let (weighted, impressions) = t["daily"]
        .as_array()
        .unwrap()
        .iter()
        .fold((0.0, 0.0), |(w, i), d| {
            let imp = d["impressions"].as_f64().unwrap();
            (w + d["position"].as_f64().unwrap() * imp, i + imp)
        });
    let position = engine
        .metric_report(
            client.id,
            "search_console.position",
            &from.to_string(),
            &today.to_string(),
        )
        .await
        .unwrap();
    let got = position.series[0].total.unwrap();
    assert!(
        (got - weighted / impressions).abs() < 1e-9,
        "{got} vs {}",
        weighted / impressions
    );

    // Two days later the incomplete days have grown: the next sync replaces them, and reads
    // nothing before them.
    let first_incomplete = day(t["firstIncompleteDate"].as_str().unwrap());
    advance_both(&sim, &clock, Duration::days(2)).await;
    let today = today + Days::new(2);
    assert!(sync(&engine, &source).await.succeeded());
    let log = requests(&sim).await;
    keep_for_spec_check("gsc-incremental", &log);
    let earliest = log
        .iter()
        .filter_map(|r| r["body"]["startDate"].as_str())
        .map(day)
        .min()
        .unwrap();
    assert_eq!(earliest, (today - Days::new(4)).min(first_incomplete), "{log:#?}");
    let t = truth(&sim, "search_console", SITE, from, today).await;
    assert_eq!(
        rows(
            &pool,
            "SELECT date, clicks, impressions FROM gsc_daily WHERE source_id = ?",
            source.id
        )
        .await,
        truth_rows(&t, "daily", &fields),
        "the days that were incomplete now hold Google's newer numbers, never appended"
    );
}

#[tokio::test]
async fn google_ads_reaches_a_managed_account_through_its_manager_and_rereads_thirty_days() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();

    let accounts = engine
        .connection_accounts(google.id, Provider::GoogleAds)
        .await
        .unwrap();
    let managed = accounts
        .iter()
        .find(|a| a.id == ADS_CLIENT)
        .expect("the client under the manager");
    assert_eq!(managed.parent.as_deref(), Some(ADS_MANAGER));
    assert!(accounts.iter().any(|a| a.id == ADS_DIRECT && a.parent.is_none()));
    assert!(
        !accounts.iter().any(|a| a.id == ADS_MANAGER),
        "a manager has no campaigns of its own"
    );

    let source = add(
        &engine,
        client.id,
        Provider::GoogleAds,
        google.id,
        "444-555-6666",
        60,
    )
    .await;
    assert_eq!(source.parent_account.as_deref(), Some(ADS_MANAGER));
    assert_eq!(source.time_zone.as_deref(), Some("America/Chicago"));
    requests(&sim).await;
    assert!(sync(&engine, &source).await.succeeded());
    let log = requests(&sim).await;
    keep_for_spec_check("ads-full", &log);
    for request in &log {
        assert_eq!(request["loginCustomerId"], ADS_MANAGER, "{request}");
        assert_eq!(request["developerToken"], true);
    }

    let pool = db(&engine).await;
    let today = clock
        .now()
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive();
    let from = today - Days::new(59);
    let sql = "SELECT date, campaign_id, cost_micros, impressions, clicks, conversions FROM google_ads_campaigns_daily \
               WHERE source_id = ?";
    let fields = [
        "date",
        "campaignId",
        "costMicros",
        "impressions",
        "clicks",
        "conversions",
    ];
    let t = truth(&sim, "google_ads", ADS_CLIENT, from, today).await;
    assert_eq!(
        rows(&pool, sql, source.id).await,
        truth_rows(&t, "campaigns", &fields)
    );
    let micros: i64 = t["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["costMicros"].as_str().unwrap().parse::<i64>().unwrap())
        .sum();
    let cost = engine
        .metric_report(
            client.id,
            "google_ads.cost",
            &from.to_string(),
            &today.to_string(),
        )
        .await
        .unwrap();
    assert_eq!(cost.series[0].dim, "usd");
    let got = cost.series[0].total.unwrap();
    assert!(
        (got - micros as f64 / 10_000.0).abs() < 1e-6,
        "cents from micros: {got}"
    );

    // Conversions for a click 20 days ago keep arriving; 40 days ago is outside the window.
    advance_both(&sim, &clock, Duration::days(1)).await;
    let today = today + Days::new(1);
    let before = rows(&pool, sql, source.id).await;
    for back in [20, 40] {
        sim.control(
            "/_sim/google/restate",
            json!({"product": "google_ads", "account": ADS_CLIENT, "date": (today - Days::new(back)).to_string(), "percent": 25}),
        )
        .await;
    }
    assert!(sync(&engine, &source).await.succeeded());
    let log = requests(&sim).await;
    keep_for_spec_check("ads-incremental", &log);
    assert_eq!(log.len(), 2, "31 days in two 30-day slices: {log:#?}");
    let t = truth(&sim, "google_ads", ADS_CLIENT, from, today).await;
    let now = rows(&pool, sql, source.id).await;
    let on = |rows: &[Vec<String>], d: NaiveDate| -> Vec<Vec<String>> {
        rows.iter().filter(|r| r[0] == d.to_string()).cloned().collect()
    };
    let truth_now = truth_rows(&t, "campaigns", &fields);
    assert_eq!(
        on(&now, today - Days::new(20)),
        on(&truth_now, today - Days::new(20))
    );
    assert_ne!(
        on(&truth_now, today - Days::new(40)),
        on(&before, today - Days::new(40))
    );
    assert_eq!(
        on(&now, today - Days::new(40)),
        on(&before, today - Days::new(40)),
        "never re-fetched"
    );
}

/// The days each report's first pages asked for (offset paging's later pages left out), by
/// report: GA4's `dateRanges` or Search Console's `startDate`/`endDate`.
fn days_read(log: &[Value]) -> std::collections::BTreeMap<String, Vec<(NaiveDate, NaiveDate)>> {
    let mut by_report = std::collections::BTreeMap::<String, Vec<(NaiveDate, NaiveDate)>>::new();
    for r in log.iter().filter(|r| r["method"] == "POST" && r["status"] == 200) {
        let b = &r["body"];
        if !b["offset"].is_null() || !b["startRow"].is_null() {
            continue;
        }
        let range = if b["dateRanges"].is_array() {
            &b["dateRanges"][0]
        } else {
            b
        };
        let (from, to) = (range["startDate"].as_str(), range["endDate"].as_str());
        if let (Some(from), Some(to)) = (from, to) {
            by_report
                .entry(b["dimensions"].to_string())
                .or_default()
                .push((day(from), day(to)));
        }
    }
    for ranges in by_report.values_mut() {
        ranges.sort();
    }
    by_report
}

/// Each report's ranges cover `from..=to` end to end: every day once, none twice.
fn each_day_once(
    by_report: &std::collections::BTreeMap<String, Vec<(NaiveDate, NaiveDate)>>,
    from: NaiveDate,
    to: NaiveDate,
    what: &str,
) {
    for (report, ranges) in by_report {
        assert_eq!(
            ranges.first().map(|r| r.0),
            Some(from),
            "{what} {report}: {ranges:?}"
        );
        assert_eq!(
            ranges.last().map(|r| r.1),
            Some(to),
            "{what} {report}: {ranges:?}"
        );
        for pair in ranges.windows(2) {
            assert_eq!(pair[1].0, pair[0].1 + Days::new(1), "{what} {report}: {ranges:?}");
        }
    }
}

/// The stored cursor of a source's stream.
async fn cursor(pool: &sqlx::SqlitePool, source: i64, stream: &str) -> Value {
    let text: String =
        sqlx::query_scalar("SELECT cursor FROM stream_state WHERE source_id = ? AND stream = ?")
            .bind(source)
            .bind(stream)
            .fetch_one(pool)
            .await
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// GA4 at its documented 10 requests at once per property, answering in a few milliseconds
/// (so requests sent together overlap), with `landing_pages` a day (1,000: a month of them is
/// two pages, so slices also page by offset).
fn sliced_google_config(clock: &freshboard_engine::ManualClock, landing_pages: u32) -> provider_sim::Config {
    let mut config = google_config(clock).with_documented_limits();
    config.google.properties[0].landing_pages = landing_pages;
    config.latency = Some(provider_sim::LatencyConfig {
        google: Some(quick_answers()),
        ..Default::default()
    });
    config
}

#[tokio::test]
async fn backfills_walk_their_days_as_slices_at_once_reading_every_day_once_at_every_span() {
    let clock = manual_clock();
    let paged = Sim::start(sliced_google_config(&clock, 1000)).await;
    let sim = Sim::start(sliced_google_config(&clock, 25)).await;
    let ny_today = clock
        .now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    // One day; one request; one more than a request, its first request two pages long (the
    // slice handed over mid-request, then split); a year and more (15 requests a report).
    for (span, sim) in [(1u32, &paged), (30, &paged), (31, &paged), (434, &sim)] {
        let what = format!("GA4, {span} days");
        let dir = tempfile::tempdir().unwrap();
        let engine = engine_at(dir.path(), clock.clone()).await;
        let google = connect_google(&engine, &sim).await;
        let client = engine.create_client("Northwind").await.unwrap();
        let source = add(&engine, client.id, Provider::Ga4, google.id, NORTHWIND, span).await;
        requests(&sim).await;
        sim.control("/_sim/stats/reset", json!({})).await;
        let report = sync(&engine, &source).await;
        assert!(report.succeeded(), "{what}: {:?}", report.streams);
        let log = requests(&sim).await;
        assert!(
            log.iter().all(|r| r["status"] == 200),
            "{what}: none refused at 10 at once"
        );
        let from = ny_today - Days::new(u64::from(span) - 1);
        let by_report = days_read(&log);
        assert_eq!(by_report.len(), 3, "{what}: three reports");
        each_day_once(&by_report, from, ny_today, &what);
        let in_flight = sim.truth().await["requests"]["in_flight_max"].as_u64().unwrap();
        if span > 30 {
            assert!(
                in_flight > 1,
                "{what}: the slices were read at once ({in_flight})"
            );
        }

        let pool = db(&engine).await;
        let t = truth(&sim, "ga4", NORTHWIND, from, ny_today).await;
        assert_eq!(
            ga4_daily(&pool, source.id).await,
            ga4_truth_daily(&t, 2),
            "{what}"
        );
        assert_eq!(landing_pages(&pool, source.id).await, landing_truth(&t), "{what}");
        // The walk is over: each stream's cursor is its own again, synced through today.
        for stream in ["daily", "channels", "landing_pages"] {
            let c = cursor(&pool, source.id, stream).await;
            assert!(c.get("slices").is_none(), "{what} {stream}: {c}");
            assert_eq!(c["synced_through"], ny_today.to_string(), "{what} {stream}");
        }
    }

    // Search Console reads its queries and pages a day a request: 200 days at once, and the
    // first incomplete day a slice was told decides where the next sync re-reads from.
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();
    let source = add(&engine, client.id, Provider::SearchConsole, google.id, SITE, 200).await;
    requests(&sim).await;
    assert!(sync(&engine, &source).await.succeeded());
    let la_today = clock
        .now()
        .with_timezone(&chrono_tz::America::Los_Angeles)
        .date_naive();
    let from = la_today - Days::new(199);
    each_day_once(
        &days_read(&requests(&sim).await),
        from,
        la_today,
        "Search Console",
    );
    let pool = db(&engine).await;
    let t = truth(&sim, "search_console", SITE, from, la_today).await;
    assert_eq!(gsc_queries(&pool, source.id).await, queries_truth(&t));
    let queries = cursor(&pool, source.id, "queries").await;
    let incomplete = day(queries["incomplete_from"]
        .as_str()
        .expect("a slice's answer said"));
    assert!(incomplete > from && incomplete <= la_today, "{queries}");
    advance_both(&sim, &clock, Duration::days(1)).await;
    assert!(sync(&engine, &source).await.succeeded());
    let again = days_read(&requests(&sim).await);
    let first = again.values().map(|r| r[0].0).min().unwrap();
    assert_eq!(
        first,
        incomplete.min(la_today + Days::new(1) - Days::new(u64::from(source.lookback_days))),
        "re-read from there"
    );
}

#[tokio::test]
async fn a_walk_of_days_cancelled_midway_resumes_every_slice_and_stores_the_truth() {
    let clock = manual_clock();
    let sim = Sim::start(sliced_google_config(&clock, 50)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = std::sync::Arc::new(engine_at(dir.path(), clock.clone()).await);
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();
    let source = add(&engine, client.id, Provider::Ga4, google.id, NORTHWIND, 434).await;
    let pool = db(&engine).await;
    requests(&sim).await;

    let first = sync_cancelled_at_first_commit(&engine, source.id, "landing_pages").await;
    assert!(
        first.cancelled,
        "the walk ended before the cancel: make it longer"
    );
    let stopped = cursor(&pool, source.id, "landing_pages").await;
    let slices = stopped["slices"].as_array().expect("stopped mid-slices");
    assert!(slices.len() > 1, "{stopped}");
    let first_log = requests(&sim).await;

    let second = sync(&engine, &source).await;
    assert!(second.succeeded(), "{:?}", second.streams);
    let ny_today = clock
        .now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive();
    let from = ny_today - Days::new(433);
    let t = truth(&sim, "ga4", NORTHWIND, from, ny_today).await;
    assert_eq!(
        landing_pages(&pool, source.id).await,
        landing_truth(&t),
        "every slice resumed, nothing skipped or doubled"
    );
    assert_eq!(ga4_daily(&pool, source.id).await, ga4_truth_daily(&t, 2));
    // The resumed job read only what the stored slices had left: no day already stored.
    let landing = |log: &[Value]| {
        days_read(log)
            .into_iter()
            .find(|(report, _)| report.contains("landingPage"))
            .map(|(_, ranges)| ranges)
            .unwrap_or_default()
    };
    let left: Vec<(NaiveDate, NaiveDate)> = slices
        .iter()
        .map(|s| {
            (
                day(s["next"].as_str().unwrap()),
                day(s["until"].as_str().unwrap()),
            )
        })
        .collect();
    for (a, b) in landing(&requests(&sim).await) {
        assert!(
            left.iter().any(|(next, until)| *next <= a && b <= *until),
            "{a}..{b} was read again, outside what the slices had left: {left:?}"
        );
    }
    assert!(!landing(&first_log).is_empty());
}
