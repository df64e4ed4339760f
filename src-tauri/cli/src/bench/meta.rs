//! `bench sync --provider meta_ads`: a Meta system-user token on the in-process simulator, a
//! first sync of `days` of history at `rows_per_day` campaigns (90-day report runs), then — a
//! day's conversions restated, as Meta's keep arriving — the incremental sync, which re-reads
//! the last 28 days only. Then a line saying whether the stored rows equal the simulator's
//! truth, row for row, spend to the cent.
//!
//! The engine and the simulator share a manual clock that moves only when the engine waits:
//! Meta's time to run a report is Meta's, so the polls between a run's start and "Job
//! Completed" are not counted; every request and row is.

use std::collections::BTreeMap;
use std::sync::Arc;

use freshboard_engine::connections::OAuthSettings;
use freshboard_engine::{
    AccountProvider, Clock, Engine, EngineOptions, ManualClock, MemoryStore, NewSource, Provider, Result,
};
use serde_json::{json, Value};

use super::{measured, print_header, print_row};

const ACCOUNT: &str = "act_1010000000001";

pub(super) async fn sync(days: u32, campaigns: u32) -> Result<()> {
    let provider = Provider::MetaAds;
    let days = days.min(provider.connector().max_history_days);
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let mut config = provider_sim::Config::default();
    config.meta.history_days = days;
    for account in &mut config.meta.ad_accounts {
        account.campaigns = campaigns;
    }
    let sim_clock = clock.clone();
    let sim = provider_sim::start_with_clock(config, Arc::new(move || sim_clock.now_millis()))
        .await
        .expect("simulator starts");
    let base = sim.base_url();
    let dir = tempfile::tempdir().expect("temp dir");
    let options = EngineOptions {
        clock: clock.clone(),
        secrets: Arc::new(MemoryStore::default()),
        pace_requests: false,
        ..EngineOptions::default()
    };
    let engine = Engine::open_with(dir.path(), options).await?;
    let http = reqwest::Client::new();
    let settings = OAuthSettings {
        api_base_url: Some(base.clone()),
        ..OAuthSettings::default()
    };
    engine
        .set_oauth_settings(AccountProvider::Meta, &settings)
        .await?;
    let token: Value = http
        .post(format!("{base}/_sim/oauth/system_user_token"))
        .send()
        .await
        .expect("a system-user token")
        .json()
        .await
        .expect("json");
    let meta = engine
        .connect_with_token(
            AccountProvider::Meta,
            token["access_token"].as_str().unwrap_or_default(),
        )
        .await?;
    let client = engine.create_client("Bench").await?;
    let source = engine
        .add_source(NewSource {
            history_days: Some(days),
            ..NewSource::on_connection(client.id, provider, meta.id, ACCOUNT)
        })
        .await?;
    println!(
        "bench sync: Meta Ads provider, {days} days × {campaigns} campaigns a day, release={}",
        !cfg!(debug_assertions)
    );
    println!("(report runs' processing time is Meta's: polls wait on a clock shared with the simulator)");
    print_header();
    let initial = measured(&engine, source.id).await?;
    print_row("initial", &initial);

    let zone: chrono_tz::Tz = source
        .time_zone
        .as_deref()
        .and_then(|z| z.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let today = clock.now().with_timezone(&zone).date_naive();
    let restated = today - chrono::Days::new(10);
    http.post(format!("{base}/_sim/meta/restate"))
        .json(&json!({"account": ACCOUNT, "date": restated.to_string(), "percent": 5}))
        .send()
        .await
        .expect("restate");
    let incremental = measured(&engine, source.id).await?;
    print_row(&format!("incr ({} days)", source.lookback_days + 1), &incremental);

    let from = today - chrono::Days::new(u64::from(days) - 1);
    match compare(&engine, &http, &base, source.id, from, today).await {
        Ok(rows) => println!("stored rows equal the simulator's truth: yes ({rows} rows)"),
        Err(why) => println!("stored rows equal the simulator's truth: NO — {why}"),
    }
    engine.close().await;
    super::print_database_size(&engine);
    sim.shutdown().await;
    Ok(())
}

/// Row for row: each stored (day, campaign)'s spend and purchases against the truth's.
async fn compare(
    engine: &Engine,
    http: &reqwest::Client,
    base: &str,
    source: i64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> std::result::Result<usize, String> {
    let truth: Value = http
        .get(format!(
            "{base}/_sim/meta/truth?account={ACCOUNT}&since={from}&until={to}"
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let expected: BTreeMap<(String, String), (String, i64)> = truth["rows"]
        .as_array()
        .ok_or("no truth")?
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            (
                (text("date"), text("campaign_id")),
                (text("spend"), r["purchases"].as_i64().unwrap_or(-1)),
            )
        })
        .collect();
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", engine.database_path().display()))
        .await
        .map_err(|e| e.to_string())?;
    let stored: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT date, campaign_id, spend, purchases FROM meta_ads_campaigns_daily WHERE source_id = ?",
    )
    .bind(source)
    .fetch_all(&pool)
    .await
    .map_err(|e| e.to_string())?;
    let stored: BTreeMap<(String, String), (String, i64)> = stored
        .into_iter()
        .map(|(date, id, spend, purchases)| ((date, id), (spend, purchases)))
        .collect();
    super::same_rows(&stored, &expected)
}
