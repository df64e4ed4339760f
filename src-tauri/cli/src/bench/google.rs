//! `bench sync --provider ga4|search_console|google_ads`: a Google sign-in on the in-process
//! simulator, a first sync of `days` of history at `rows_per_day` (landing pages, queries or
//! campaigns), then — a day restated, as Google does — the incremental sync, which reads only
//! the lookback window. Then a line saying whether the stored rows equal the simulator's
//! truth, row for row. With `--latency` the simulator answers as slowly as Google does and
//! enforces its documented limits (GA4: 10 requests at once a property; Search Console: 1,200
//! a minute a site), the engine paces at them, and the first sync is set against reading its
//! requests one after another.

use std::collections::BTreeMap;

use freshboard_engine::connections::{OAuthSettings, SignInMethod};
use freshboard_engine::{AccountProvider, Connection, Engine, NewSource, Provider, Result};
use serde_json::{json, Value};

use super::{measured, open_engine_paced, print_header, print_row, Measured};

#[derive(Clone, Copy)]
pub(super) enum Product {
    Ga4,
    SearchConsole,
    GoogleAds,
}

impl Product {
    fn provider(self) -> Provider {
        match self {
            Product::Ga4 => Provider::Ga4,
            Product::SearchConsole => Provider::SearchConsole,
            Product::GoogleAds => Provider::GoogleAds,
        }
    }

    /// The simulator's account, its truth's name, and the table and truth list compared.
    fn account(self) -> &'static str {
        match self {
            Product::Ga4 => "412345678",
            Product::SearchConsole => "sc-domain:northwind.example",
            Product::GoogleAds => "4445556666",
        }
    }

    fn truth_product(self) -> &'static str {
        match self {
            Product::Ga4 => "ga4",
            Product::SearchConsole => "search_console",
            Product::GoogleAds => "google_ads",
        }
    }

    /// (table, key columns, value column, truth list, truth key fields, truth value field).
    fn compared(
        self,
    ) -> (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        [&'static str; 2],
        &'static str,
    ) {
        match self {
            Product::Ga4 => (
                "ga4_landing_pages_daily",
                "date, landing_page",
                "sessions",
                "landingPages",
                ["date", "landingPage"],
                "sessions",
            ),
            Product::SearchConsole => (
                "gsc_queries_daily",
                "date, query",
                "clicks",
                "queries",
                ["date", "query"],
                "clicks",
            ),
            Product::GoogleAds => (
                "google_ads_campaigns_daily",
                "date, campaign_id",
                "cost_micros",
                "campaigns",
                ["date", "campaignId"],
                "costMicros",
            ),
        }
    }
}

pub(super) async fn sync(product: Product, days: u32, rows_per_day: u32, latency: bool) -> Result<()> {
    let provider = product.provider();
    let max = provider.connector().max_history_days;
    let days = if max > 0 { days.min(max) } else { days };
    let mut config = provider_sim::Config::default();
    config.google.history_days = days;
    for property in &mut config.google.properties {
        property.landing_pages = rows_per_day;
        property.tokens_per_hour = u32::MAX;
        property.tokens_per_day = u32::MAX;
    }
    for site in &mut config.google.sites {
        site.queries = rows_per_day;
        site.pages = (rows_per_day / 5).max(1);
    }
    for customer in &mut config.google.customers {
        customer.campaigns = rows_per_day;
    }
    if latency {
        config = config.with_documented_limits();
        config.latency = Some(provider_sim::LatencyConfig {
            google: Some(provider_sim::ProviderLatency::GOOGLE),
            ..Default::default()
        });
    }
    let sim = provider_sim::start(config).await.expect("simulator starts");
    let base = sim.base_url();
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = open_engine_paced(dir.path(), latency).await?;
    let google = connect(&engine, &base).await?;
    let client = engine.create_client("Bench").await?;
    let source = engine
        .add_source(NewSource {
            history_days: Some(days),
            ..NewSource::on_connection(client.id, provider, google.id, product.account())
        })
        .await?;
    println!(
        "bench sync: {} provider, {days} days × {rows_per_day} rows a day, latency={latency}, release={}",
        provider.label(),
        !cfg!(debug_assertions)
    );
    print_header();
    let http = reqwest::Client::new();
    http.delete(format!("{base}/_sim/google/requests"))
        .send()
        .await
        .expect("request log cleared");
    let initial = measured(&engine, source.id).await?;
    print_row("initial", &initial);
    if latency {
        print_against_sequential(&http, &base, &initial).await;
    }

    // Google restates yesterday; the next sync re-reads the lookback window only.
    let today = chrono::Utc::now()
        .with_timezone(&zone(&source.time_zone))
        .date_naive();
    let yesterday = today - chrono::Days::new(1);
    http.post(format!("{base}/_sim/google/restate"))
        .json(
            &json!({"product": product.truth_product(), "account": product.account(),
                      "date": yesterday.to_string(), "percent": 5}),
        )
        .send()
        .await
        .expect("restate");
    let incremental = measured(&engine, source.id).await?;
    print_row(&format!("incr ({} days)", source.lookback_days + 1), &incremental);

    let from = today - chrono::Days::new(u64::from(days) - 1);
    match compare(&engine, &http, &base, product, source.id, from, today).await {
        Ok(rows) => println!("stored rows equal the simulator's truth: yes ({rows} rows)"),
        Err(why) => println!("stored rows equal the simulator's truth: NO — {why}"),
    }
    engine.close().await;
    super::print_database_size(&engine);
    sim.shutdown().await;
    Ok(())
}

/// The first sync against the same requests one after another at the simulator's latency
/// (its base per request and its part per row), and the requests Google refused.
async fn print_against_sequential(http: &reqwest::Client, base: &str, initial: &Measured) {
    let log: Vec<Value> = http
        .get(format!("{base}/_sim/google/requests"))
        .send()
        .await
        .expect("request log")
        .json()
        .await
        .expect("request log json");
    let refused = log.iter().filter(|r| r["status"] == 429).count();
    let latency = provider_sim::ProviderLatency::GOOGLE;
    let report = &initial.report;
    let sequential_secs = (report.requests as f64 * latency.base_ms as f64 * 1000.0
        + report.records as f64 * latency.per_object_us as f64)
        / 1e6;
    let secs = initial.secs.max(1e-9);
    println!(
        "requests/s: {:.1}; refused (429): {refused}; one request after another at {} ms + {} µs a row: {sequential_secs:.1} s (computed); {:.1}x",
        report.requests as f64 / secs,
        latency.base_ms,
        latency.per_object_us,
        sequential_secs / secs
    );
}

fn zone(time_zone: &Option<String>) -> chrono_tz::Tz {
    time_zone
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::UTC)
}

/// Signs in to the simulator's Google, playing the browser as a person would.
pub(super) async fn connect(engine: &Engine, base: &str) -> Result<Connection> {
    let settings = OAuthSettings {
        client_id: Some(provider_sim::OAUTH_CLIENT_ID.into()),
        client_secret: Some(provider_sim::OAUTH_CLIENT_SECRET.into()),
        auth_url: Some(format!("{base}/o/oauth2/v2/auth")),
        token_url: Some(format!("{base}/token")),
        api_base_url: Some(base.to_owned()),
        app_token: Some("sim-developer-token".into()),
        ..OAuthSettings::default()
    };
    engine
        .set_oauth_settings(AccountProvider::Google, &settings)
        .await?;
    let pending = engine
        .begin_connect(AccountProvider::Google, None, SignInMethod::Browser)
        .await?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let browse = async {
        let consent = browser.get(&pending.url).send().await.expect("consent page");
        let back = consent.headers()["location"]
            .to_str()
            .expect("a redirect")
            .to_owned();
        browser.get(back).send().await.expect("back to the app");
    };
    let (connection, ()) = tokio::join!(engine.finish_connect(pending.id), browse);
    connection
}

/// Row for row: the stored report's keys and values against the simulator's truth. Returns
/// the number of rows, or what differs.
async fn compare(
    engine: &Engine,
    http: &reqwest::Client,
    base: &str,
    product: Product,
    source: i64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> std::result::Result<usize, String> {
    let (table, keys, value, list, truth_keys, truth_value) = product.compared();
    let account: String = form_urlencoded::byte_serialize(product.account().as_bytes()).collect();
    let truth: Value = http
        .get(format!(
            "{base}/_sim/google/truth?product={}&account={account}&from={from}&to={to}",
            product.truth_product()
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let expected: BTreeMap<(String, String), String> = truth[list]
        .as_array()
        .ok_or("no truth")?
        .iter()
        .map(|r| {
            (
                (text(&r[truth_keys[0]]), text(&r[truth_keys[1]])),
                text(&r[truth_value]),
            )
        })
        .collect();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", engine.database_path().display()))
        .await
        .map_err(|e| e.to_string())?;
    let stored: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "SELECT {keys}, {value} FROM {table} WHERE source_id = ? ORDER BY 1, 2"
    ))
    .bind(source)
    .fetch_all(&pool)
    .await
    .map_err(|e| e.to_string())?;
    let stored: BTreeMap<(String, String), String> = stored
        .into_iter()
        .map(|(a, b, v)| ((a, b), v.to_string()))
        .collect();
    super::same_rows(&stored, &expected)
}
