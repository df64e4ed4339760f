//! Meta Ads against the simulator over real HTTP, on one clock shared by the engine and the
//! simulator: stored rows and metrics equal its truth after a full and an incremental sync,
//! spend to the cent; a day restated 20 days back is re-read, one 40 days back never fetched
//! again; report runs are read only once "Job Completed" (not at 100% while still running);
//! failed and stuck runs are split until they complete; usage headers pace a backfill so Meta
//! never throttles it; every rate-limit code is a wait of its scope for the time Meta names;
//! and an expired token marks the connection for reconnecting, after which the sync resumes.

mod common;

use std::sync::Arc;

use chrono::{Days, Duration, NaiveDate};
use common::*;
use freshboard_engine::connections::{OAuthSettings, SignInMethod};
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{
    AccountProvider, Clock, Connection, ConnectionStatus, Engine, ErrorKind, JobReason, ManualClock,
    NewSource, Provider, Source,
};
use serde_json::{json, Value};

/// The simulator's ad accounts: New York in dollars, Tokyo in yen.
const SHOP: &str = "act_1010000000001";
const TOKYO: &str = "act_1010000000002";

struct Setup {
    sim: Sim,
    engine: Engine,
    clock: Arc<ManualClock>,
    client: i64,
    _dir: tempfile::TempDir,
}

async fn setup(configure: impl FnOnce(&mut provider_sim::Config)) -> Setup {
    let clock = manual_clock();
    let mut config = small_config();
    configure(&mut config);
    let sim = Sim::start_on_clock(config, clock.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let client = engine.create_client("Northwind").await.unwrap().id;
    Setup {
        sim,
        engine,
        clock,
        client,
        _dir: dir,
    }
}

/// A pasted system-user token, as a business admin would make one.
async fn connect_system_user(s: &Setup) -> Connection {
    let settings = OAuthSettings {
        api_base_url: Some(s.sim.url()),
        ..OAuthSettings::default()
    };
    s.engine
        .set_oauth_settings(AccountProvider::Meta, &settings)
        .await
        .unwrap();
    let token = s.sim.control("/_sim/oauth/system_user_token", json!({})).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    s.engine
        .connect_with_token(AccountProvider::Meta, &token)
        .await
        .expect("system-user token accepted")
}

async fn add(s: &Setup, connection: i64, account: &str, history: u32) -> Source {
    s.engine
        .add_source(NewSource {
            history_days: Some(history),
            ..NewSource::on_connection(s.client, Provider::MetaAds, connection, account)
        })
        .await
        .unwrap_or_else(|e| panic!("{account}: {e}"))
}

fn today(s: &Setup, zone: &str) -> NaiveDate {
    let tz: chrono_tz::Tz = zone.parse().unwrap();
    s.clock.now().with_timezone(&tz).date_naive()
}

async fn truth(sim: &Sim, account: &str, from: NaiveDate, to: NaiveDate) -> Value {
    sim.get(&format!(
        "/_sim/meta/truth?account={account}&since={from}&until={to}"
    ))
    .await
}

/// The simulator's insights requests since the last call (and forgets them).
async fn requests(sim: &Sim) -> Vec<Value> {
    let log = sim.get("/_sim/meta/requests").await;
    sim.http
        .delete(format!("{}/_sim/meta/requests", sim.url()))
        .send()
        .await
        .unwrap();
    log.as_array().cloned().unwrap_or_default()
}

const STORED: &str =
    "SELECT date, campaign_id, campaign_name, spend, impressions, reach, clicks, link_clicks, \
                      purchases, leads, purchase_value FROM meta_ads_campaigns_daily WHERE source_id = ? \
                      ORDER BY date, campaign_id";

/// Every stored row, as the truth lists it.
async fn stored(engine: &Engine, source: i64) -> Vec<Value> {
    type Row = (
        String,
        String,
        Option<String>,
        String,
        i64,
        i64,
        i64,
        i64,
        i64,
        i64,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(STORED)
        .bind(source)
        .fetch_all(&db(engine).await)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(date, id, name, spend, imp, reach, clicks, links, purchases, leads, value)| {
            json!({"date": date, "campaign_id": id, "campaign_name": name, "spend": spend, "impressions": imp,
                   "reach": reach, "clicks": clicks, "link_clicks": links, "purchases": purchases,
                   "leads": leads, "purchase_value": value})
        })
        .collect()
}

fn truth_rows(truth: &Value) -> Vec<Value> {
    let mut rows = truth["rows"].as_array().unwrap().clone();
    rows.sort_by_key(|r| {
        (
            r["date"].as_str().unwrap().to_owned(),
            r["campaign_id"].as_str().unwrap().to_owned(),
        )
    });
    rows
}

/// The days a request asked for.
fn range(request: &Value) -> Option<(NaiveDate, NaiveDate)> {
    let since = request["since"].as_str()?.parse().ok()?;
    let until = request["until"].as_str()?.parse().ok()?;
    Some((since, until))
}

async fn run_all(s: &Setup) -> Vec<freshboard_engine::schedule::JobOutcome> {
    s.engine.run_due_jobs(&WorkerConfig::default()).await.unwrap()
}

#[tokio::test]
async fn rows_and_metrics_equal_the_truth_and_only_the_last_28_days_are_read_again() {
    let s = setup(|_| {}).await;
    let meta = connect_system_user(&s).await;
    let mut picked: Vec<String> = s
        .engine
        .connection_accounts(meta.id, Provider::MetaAds)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    picked.sort();
    assert_eq!(picked, vec![SHOP, TOKYO]);

    let shop = add(&s, meta.id, "1010000000001", 120).await;
    assert_eq!(shop.external_id, SHOP, "the digits alone name the account");
    assert_eq!(shop.time_zone.as_deref(), Some("America/New_York"));
    assert_eq!(shop.lookback_days, 28);
    let tokyo = add(&s, meta.id, TOKYO, 120).await;
    requests(&s.sim).await;
    for source in [&shop, &tokyo] {
        let report = sync(&s.engine, source).await;
        assert!(report.succeeded(), "{:?}", report.streams);
    }
    // The backfill went through report runs, and nothing was read before a run completed.
    let log = requests(&s.sim).await;
    assert!(log.iter().any(|r| r["async"] == true), "{log:#?}");
    assert!(log.iter().all(|r| r["status"] == 200), "{log:#?}");

    let shop_today = today(&s, "America/New_York");
    let from = shop_today - Days::new(119);
    let t = truth(&s.sim, SHOP, from, shop_today).await;
    assert_eq!(
        stored(&s.engine, shop.id).await,
        truth_rows(&t),
        "120 days, as the truth has them"
    );
    let tokyo_today = today(&s, "Asia/Tokyo");
    let tt = truth(&s.sim, TOKYO, tokyo_today - Days::new(119), tokyo_today).await;
    assert_eq!(
        stored(&s.engine, tokyo.id).await,
        truth_rows(&tt),
        "yen, on Tokyo's days"
    );

    // Spend adds up to the truth's exact decimal total, in minor units (no float on the way).
    let pool = db(&s.engine).await;
    let spend_minor = scalar(
        &pool,
        &format!(
            "SELECT SUM(spend_minor) FROM meta_ads_campaigns_daily WHERE source_id = {}",
            shop.id
        ),
    )
    .await;
    let total = t["totals"]["spend"].as_str().unwrap();
    assert_eq!(spend_minor, cents(total), "{total}");
    // …and so does the metric over the same days (Tokyo's yen are a currency of their own).
    let report = s
        .engine
        .metric_report(
            s.client,
            "meta_ads.spend",
            &from.to_string(),
            &shop_today.to_string(),
        )
        .await
        .unwrap();
    let usd = report
        .series
        .iter()
        .find(|series| series.dim == "usd")
        .expect("a dollar series");
    assert_eq!(usd.total, Some(cents(total) as f64));

    // A day later Meta has restated two days: 20 days back (inside the 28) and 40 back.
    s.clock.advance(Duration::days(1));
    let shop_today = today(&s, "America/New_York");
    let (inside, outside) = (shop_today - Days::new(20), shop_today - Days::new(40));
    for date in [inside, outside] {
        s.sim
            .control(
                "/_sim/meta/restate",
                json!({"account": SHOP, "date": date.to_string(), "percent": 10}),
            )
            .await;
    }
    let before = stored(&s.engine, shop.id).await;
    let report = sync(&s.engine, &shop).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let log = requests(&s.sim).await;
    let ranges: Vec<_> = log.iter().filter_map(range).collect();
    assert_eq!(
        ranges,
        vec![(shop_today - Days::new(28), shop_today)],
        "one direct read of the last 28 days and today: {log:#?}"
    );
    assert!(log.iter().all(|r| r["async"] != true), "{log:#?}");
    let after = stored(&s.engine, shop.id).await;
    let t = truth(&s.sim, SHOP, shop_today - Days::new(120), shop_today).await;
    let on = |rows: &[Value], date: NaiveDate| -> Vec<Value> {
        rows.iter()
            .filter(|r| r["date"] == date.to_string())
            .cloned()
            .collect()
    };
    assert_eq!(
        on(&after, inside),
        on(&truth_rows(&t), inside),
        "restated inside the window: re-read"
    );
    assert_ne!(on(&after, inside), on(&before, inside));
    assert_eq!(
        on(&after, outside),
        on(&before, outside),
        "40 days back: never fetched again"
    );
    assert_ne!(on(&after, outside), on(&truth_rows(&t), outside));
    // Every day from the window on equals the truth (conversions matured by a day too).
    let window_start = (shop_today - Days::new(28)).to_string();
    let recent = |rows: Vec<Value>| -> Vec<Value> {
        rows.into_iter()
            .filter(|r| r["date"].as_str().unwrap() >= window_start.as_str())
            .collect()
    };
    assert_eq!(recent(after), recent(truth_rows(&t)));
}

/// "12.34" → 1234; "120" (yen) is not used here.
fn cents(decimal: &str) -> i64 {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    let fraction = format!("{fraction:0<2}");
    whole.parse::<i64>().unwrap() * 100 + fraction[..2].parse::<i64>().unwrap()
}

#[tokio::test]
async fn report_runs_are_read_once_completed_and_failed_or_stuck_ones_are_split_until_they_complete() {
    let s = setup(|config| config.meta.async_polls = 5).await;
    let meta = connect_system_user(&s).await;
    let shop = add(&s, meta.id, SHOP, 200).await;
    // Runs over 40 days or more fail; and the first of the smaller ones never finishes.
    s.sim
        .control("/_sim/meta/async", json!({"fail_min_days": 40, "count": 100}))
        .await;
    s.sim.control("/_sim/meta/async", json!({"stuck": 1})).await;
    requests(&s.sim).await;
    let report = sync(&s.engine, &shop).await;
    assert!(report.succeeded(), "{:?}", report.streams);

    let log = requests(&s.sim).await;
    let runs: Vec<(NaiveDate, NaiveDate)> = log
        .iter()
        .filter(|r| r["async"] == true)
        .filter_map(range)
        .collect();
    assert!(
        runs.iter().any(|(a, b)| (*b - *a).num_days() >= 39),
        "big runs were tried: {runs:?}"
    );
    assert!(
        runs.iter().any(|(a, b)| (*b - *a).num_days() < 39),
        "and split: {runs:?}"
    );
    // No result page was asked for before its run said "Job Completed" (Meta's 2601).
    assert!(log.iter().all(|r| r["status"] == 200), "{log:#?}");

    let t = today(&s, "America/New_York");
    let truth = truth(&s.sim, SHOP, t - Days::new(199), t).await;
    assert_eq!(stored(&s.engine, shop.id).await, truth_rows(&truth));
}

#[tokio::test]
async fn usage_headers_pace_a_backfill_so_meta_never_throttles_it() {
    // A small hourly budget: the backfill needs several hours of it.
    let s = setup(|config| {
        for account in &mut config.meta.ad_accounts {
            account.campaigns = 20;
        }
        config.meta.calls_per_hour = 12;
    })
    .await;
    let meta = connect_system_user(&s).await;
    let shop = add(&s, meta.id, SHOP, 400).await;
    s.engine.enqueue(shop.id, JobReason::Manual).await.unwrap();
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 50, "the backfill never finished");
        let outcomes = run_all(&s).await;
        if outcomes.iter().any(|o| o.state == "succeeded") {
            break;
        }
        // Held back until the budget's hour resets: come back then (the clock is shared).
        let next: Option<i64> = sqlx::query_scalar("SELECT MIN(run_after) FROM jobs WHERE state = 'queued'")
            .fetch_one(&db(&s.engine).await)
            .await
            .unwrap();
        let next = next.expect("a job waits for the budget");
        let now = s.clock.now_millis();
        s.clock.advance(Duration::milliseconds((next - now).max(0)));
    }
    assert!(runs > 1, "the budget held the backfill back");
    let usage = s.sim.get("/_sim/meta/usage").await;
    assert_eq!(usage[SHOP]["throttled"], 0, "{usage}");
    let t = today(&s, "America/New_York");
    let truth = truth(&s.sim, SHOP, t - Days::new(399), t).await;
    assert_eq!(stored(&s.engine, shop.id).await, truth_rows(&truth));
}

#[tokio::test]
async fn every_rate_limit_code_waits_the_named_time_in_its_scope_without_spending_an_attempt() {
    // (code, subcode, whether the other ad account on the connection goes on)
    let cases = [
        (80_000, None, true),
        (17, Some(2_446_079), true),
        (613, None, true),
        (17, None, false),
        (32, None, false),
        (4, None, false),
    ];
    for (code, subcode, others_go_on) in cases {
        let s = setup(|_| {}).await;
        let meta = connect_system_user(&s).await;
        let shop = add(&s, meta.id, SHOP, 30).await;
        let tokyo = add(&s, meta.id, TOKYO, 30).await;
        let mut fault = json!({"route": format!("/v26.0/{SHOP}/insights"), "kind": "rate_limit", "code": code,
                               "regain_minutes": 20, "count": 1});
        if let Some(subcode) = subcode {
            fault["subcode"] = json!(subcode);
        }
        s.sim.fault(fault).await;
        s.engine.enqueue(shop.id, JobReason::Manual).await.unwrap();
        let started = s.clock.now_millis();
        let outcomes = run_all(&s).await;
        let shop_outcome = outcomes.iter().find(|o| o.source_id == shop.id).unwrap();
        assert_eq!(shop_outcome.state, "failed", "code {code}");
        let pool = db(&s.engine).await;
        let (kind, retry_at, attempt): (Option<String>, Option<i64>, i64) = sqlx::query_as(
            "SELECT error_kind, retry_at, attempt FROM jobs WHERE source_id = ? AND state = 'failed'",
        )
        .bind(shop.id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(kind.as_deref(), Some("rate_limited"), "code {code}");
        assert_eq!(retry_at, Some(started + 20 * 60_000), "code {code}: Meta's time");
        let (run_after, queued_attempt): (i64, i64) =
            sqlx::query_as("SELECT run_after, attempt FROM jobs WHERE source_id = ? AND state = 'queued'")
                .bind(shop.id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            (run_after, queued_attempt),
            (started + 20 * 60_000, attempt),
            "code {code}: no attempt spent"
        );

        // The other ad account on the same connection: on at once, or held as long.
        s.engine.enqueue(tokyo.id, JobReason::Manual).await.unwrap();
        let outcomes = run_all(&s).await;
        let tokyo_ran = outcomes
            .iter()
            .any(|o| o.source_id == tokyo.id && o.state == "succeeded");
        assert_eq!(tokyo_ran, others_go_on, "code {code} {subcode:?}");

        // Twenty minutes on, everything syncs.
        s.clock.advance(Duration::minutes(21));
        run_all(&s).await;
        for source in [&shop, &tokyo] {
            let state: String =
                sqlx::query_scalar("SELECT state FROM jobs WHERE source_id = ? ORDER BY id DESC LIMIT 1")
                    .bind(source.id)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            assert_eq!(state, "succeeded", "code {code}: {}", source.external_id);
        }
    }
}

#[tokio::test]
async fn a_read_meta_finds_too_large_goes_through_a_report_run() {
    let s = setup(|_| {}).await;
    let meta = connect_system_user(&s).await;
    let shop = add(&s, meta.id, SHOP, 60).await;
    assert!(sync(&s.engine, &shop).await.succeeded());
    s.clock.advance(Duration::days(1));
    s.sim
        .fault(json!({"route": format!("/v26.0/{SHOP}/insights"), "kind": "reduce_data", "count": 1}))
        .await;
    requests(&s.sim).await;
    let report = sync(&s.engine, &shop).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let log = requests(&s.sim).await;
    assert!(log.iter().any(|r| r["async"] == true), "{log:#?}");
    let t = today(&s, "America/New_York");
    let truth = truth(&s.sim, SHOP, t - Days::new(60), t).await;
    assert_eq!(stored(&s.engine, shop.id).await, truth_rows(&truth));
}

#[tokio::test]
async fn an_expired_token_asks_for_a_reconnect_keeps_the_data_and_a_reconnect_resumes() {
    let s = setup(|_| {}).await;
    let port = free_port();
    s.sim
        .control(
            "/_sim/oauth",
            json!({"meta_redirect_uri": format!("http://127.0.0.1:{port}/callback")}),
        )
        .await;
    let settings = OAuthSettings {
        client_id: Some(provider_sim::OAUTH_CLIENT_ID.into()),
        client_secret: Some(provider_sim::OAUTH_CLIENT_SECRET.into()),
        auth_url: Some(format!("{}/dialog/oauth", s.sim.url())),
        token_url: Some(format!("{}/oauth/access_token", s.sim.url())),
        api_base_url: Some(s.sim.url()),
        redirect_port: Some(port),
        ..OAuthSettings::default()
    };
    s.engine
        .set_oauth_settings(AccountProvider::Meta, &settings)
        .await
        .unwrap();
    let meta = sign_in(&s.engine, None).await;
    // 200 days: three report runs; Meta ends the session (a password change) before the second.
    let shop = add(&s, meta.id, SHOP, 200).await;
    s.sim
        .fault(json!({"route": format!("/v26.0/{SHOP}/insights"), "kind": "unauthorized", "after": 1, "count": 1}))
        .await;
    let err = s
        .engine
        .sync_source(shop.id, JobReason::Manual, None)
        .await
        .expect_err("the sync stops at the refused token");
    assert_eq!(err.kind(), ErrorKind::NeedsReauth, "{err}");
    assert!(err.to_string().contains("Reconnect"), "says what to do: {err}");
    let connection = s
        .engine
        .connections()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == meta.id)
        .unwrap();
    assert_eq!(connection.status, ConnectionStatus::NeedsReauth);
    let pool = db(&s.engine).await;
    let kind: Option<String> =
        sqlx::query_scalar("SELECT error_kind FROM jobs WHERE source_id = ? ORDER BY id DESC LIMIT 1")
            .bind(shop.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(kind.as_deref(), Some("needs_reauth"));
    let cursor: String = sqlx::query_scalar("SELECT cursor FROM stream_state WHERE source_id = ?")
        .bind(shop.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let next = serde_json::from_str::<Value>(&cursor).unwrap()["next"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = stored(&s.engine, shop.id).await;
    assert!(!kept.is_empty(), "the first run's rows stay");
    assert!(
        kept.iter().all(|r| r["date"].as_str().unwrap() < next.as_str()),
        "…and nothing past the cursor"
    );

    let again = sign_in(&s.engine, Some(meta.id)).await;
    assert_eq!(again.id, meta.id, "renewed in place");
    assert_eq!(again.status, ConnectionStatus::Ok);
    requests(&s.sim).await;
    let report = sync(&s.engine, &shop).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    let resumed = requests(&s.sim).await;
    let first = resumed.iter().find_map(range).expect("a range was read");
    assert_eq!(first.0.to_string(), next, "the sync resumes where it stopped");
    let t = today(&s, "America/New_York");
    let truth = truth(&s.sim, SHOP, t - Days::new(199), t).await;
    assert_eq!(stored(&s.engine, shop.id).await, truth_rows(&truth));
}

/// A Meta sign-in in the browser (played here), new or renewing `existing`.
async fn sign_in(engine: &Engine, existing: Option<i64>) -> Connection {
    let pending = engine
        .begin_connect(AccountProvider::Meta, existing, SignInMethod::Browser)
        .await
        .unwrap();
    let (connection, ()) = tokio::join!(engine.finish_connect(pending.id), play_browser(&pending.url));
    connection.expect("signed in to Meta")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
