//! Google's failures as Google sends them, through the engine's workers on the manual clock:
//! quotas are waits for the right scope (a GA4 property, every Ads account of a developer
//! token, or one Ads account), a 401 refreshes the token once, a stream cut mid-array keeps
//! the days already committed and resumes, and a product the person did not grant says so.

mod common;

use chrono::Duration;
use common::*;
use freshboard_engine::connections::OAuthSettings;
use freshboard_engine::schedule::WorkerConfig;
use freshboard_engine::{AccountProvider, Clock, Engine, ErrorKind, JobReason, NewSource, Provider, Source};
use serde_json::{json, Value};

const NORTHWIND: &str = "412345678";
const TOKYO: &str = "498765432";

async fn add(engine: &Engine, client: i64, provider: Provider, connection: i64, account: &str) -> Source {
    engine
        .add_source(NewSource {
            history_days: Some(35),
            ..NewSource::on_connection(client, provider, connection, account)
        })
        .await
        .unwrap_or_else(|e| panic!("{account}: {e}"))
}

/// The source's last finished job: state, error kind, when to come back, attempt.
async fn job(engine: &Engine, source: &Source) -> (String, Option<String>, Option<i64>, i64) {
    let pool = db(engine).await;
    sqlx::query_as(
        "SELECT state, error_kind, retry_at, attempt FROM jobs WHERE source_id = ? \
         AND state NOT IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
    )
    .bind(source.id)
    .fetch_one(&pool)
    .await
    .unwrap()
}

async fn fired(sim: &Sim) -> Vec<u64> {
    sim.get("/_sim/faults")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fired"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_exhausted_ga4_property_waits_for_its_quota_while_other_properties_go_on() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();
    let ny = add(&engine, client.id, Provider::Ga4, google.id, NORTHWIND).await;
    let tokyo = add(&engine, client.id, Provider::Ga4, google.id, TOKYO).await;
    // One request's worth of tokens this hour: the first answer says none are left.
    sim.control(
        "/_sim/google/ga4/quota",
        json!({"property": NORTHWIND, "tokens_per_hour": 1}),
    )
    .await;
    for source in [&ny, &tokyo] {
        engine.enqueue(source.id, JobReason::Manual).await.unwrap();
    }
    let started = clock.now_millis();
    engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();

    let (state, kind, retry_at, attempt) = job(&engine, &ny).await;
    assert_eq!(
        (state.as_str(), kind.as_deref()),
        ("failed", Some("rate_limited"))
    );
    // 08:00 UTC on the manual clock: the hour's tokens come back at 09:00 (and a minute).
    let next_hour = started + 61 * 60_000;
    assert_eq!(retry_at, Some(next_hour));
    assert_eq!(
        job(&engine, &tokyo).await.0,
        "succeeded",
        "the other property went on"
    );
    // The wait queued a retry at that time, with no attempt spent.
    let pool = db(&engine).await;
    let (run_after, retry_attempt): (i64, i64) =
        sqlx::query_as("SELECT run_after, attempt FROM jobs WHERE source_id = ? AND state = 'queued'")
            .bind(ny.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((run_after, retry_attempt), (next_hour, attempt));
    assert!(
        engine
            .run_due_jobs(&WorkerConfig::default())
            .await
            .unwrap()
            .is_empty(),
        "nothing due yet"
    );

    // An hour on, with a day's ordinary quota again, the property syncs.
    advance_both(&sim, &clock, Duration::minutes(62)).await;
    sim.control(
        "/_sim/google/ga4/quota",
        json!({"property": NORTHWIND, "tokens_per_hour": 40000}),
    )
    .await;
    let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        (outcomes[0].source_id, outcomes[0].state.as_str()),
        (ny.id, "succeeded")
    );
}

async fn ads_setup() -> (
    Sim,
    Engine,
    std::sync::Arc<freshboard_engine::ManualClock>,
    Source,
    Source,
    tempfile::TempDir,
) {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Agency").await.unwrap();
    let managed = add(&engine, client.id, Provider::GoogleAds, google.id, "4445556666").await;
    let direct = add(&engine, client.id, Provider::GoogleAds, google.id, "7778889999").await;
    (sim, engine, clock, managed, direct, dir)
}

#[tokio::test]
async fn a_developer_token_limit_holds_every_ads_account_and_an_account_limit_only_its_own() {
    let (sim, engine, clock, managed, direct, _dir) = ads_setup().await;
    let route = "/v26/customers/4445556666/googleAds:searchStream";
    sim.fault(
        json!({"route": route, "kind": "rate_limit", "scope": "DEVELOPER", "retry_after": 600, "count": 1}),
    )
    .await;
    engine.enqueue(managed.id, JobReason::Manual).await.unwrap();
    engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    let (_, kind, retry_at, _) = job(&engine, &managed).await;
    assert_eq!(kind.as_deref(), Some("rate_limited"));
    assert_eq!(
        retry_at,
        Some(clock.now_millis() + 600_000),
        "Google's retryDelay"
    );
    assert_eq!(fired(&sim).await, vec![1]);

    // The other account of the same developer token waits too.
    engine.enqueue(direct.id, JobReason::Manual).await.unwrap();
    assert!(engine
        .run_due_jobs(&WorkerConfig::default())
        .await
        .unwrap()
        .is_empty());
    advance_both(&sim, &clock, Duration::seconds(601)).await;
    let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(outcomes.len(), 2, "both run once the limit lifts");
    assert!(outcomes.iter().all(|o| o.state == "succeeded"), "{outcomes:?}");

    // An account-scoped limit holds only that account.
    sim.clear_faults().await;
    sim.fault(
        json!({"route": route, "kind": "rate_limit", "scope": "ACCOUNT", "retry_after": 600, "count": 1}),
    )
    .await;
    engine.enqueue(managed.id, JobReason::Manual).await.unwrap();
    engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(job(&engine, &managed).await.1.as_deref(), Some("rate_limited"));
    engine.enqueue(direct.id, JobReason::Manual).await.unwrap();
    let outcomes = engine.run_due_jobs(&WorkerConfig::default()).await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        (outcomes[0].source_id, outcomes[0].state.as_str()),
        (direct.id, "succeeded")
    );
}

#[tokio::test]
async fn a_401_refreshes_the_google_token_once_and_the_stream_resumes() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let client = engine.create_client("Northwind").await.unwrap();
    let source = add(&engine, client.id, Provider::Ga4, google.id, NORTHWIND).await;
    let refreshes = |s: Value| s["refreshes"].as_u64().unwrap();
    let before = refreshes(sim.get("/_sim/oauth").await);
    sim.fault(json!({"route": format!("/v1beta/properties/{NORTHWIND}:runReport"), "kind": "unauthorized", "count": 1}))
        .await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    assert_eq!(fired(&sim).await, vec![1], "the provider refused once");
    assert_eq!(
        refreshes(sim.get("/_sim/oauth").await) - before,
        1,
        "one refresh, then on"
    );
}

#[tokio::test]
async fn a_stream_cut_mid_array_keeps_the_committed_days_and_resumes_there() {
    let (sim, engine, clock, managed, _direct, _dir) = ads_setup().await;
    let route = "/v26/customers/4445556666/googleAds:searchStream";
    // The first slice (30 days) answers whole; every answer after it is cut mid-array.
    sim.fault(json!({"route": route, "kind": "stream_cut", "batches": 0, "after": 1}))
        .await;
    let report = sync(&engine, &managed).await;
    assert!(!report.succeeded());
    assert_eq!(
        report.streams[0].error_kind,
        Some(freshboard_engine::JobErrorKind::BadPage)
    );
    let pool = db(&engine).await;
    let days_kept: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT date) FROM google_ads_campaigns_daily WHERE source_id = ?")
            .bind(managed.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(days_kept, 30, "the whole first slice stayed");

    sim.clear_faults().await;
    sim.http
        .delete(format!("{}/_sim/google/requests", sim.url()))
        .send()
        .await
        .unwrap();
    assert!(sync(&engine, &managed).await.succeeded());
    let log = sim.get("/_sim/google/requests").await;
    let query = log[0]["body"]["query"].as_str().unwrap().to_owned();
    let today = clock
        .now()
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive();
    let second_slice = today - chrono::Days::new(4);
    assert!(
        query.contains(&format!("BETWEEN '{second_slice}'")),
        "resumes at the second slice: {query}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM google_ads_campaigns_daily WHERE source_id = ?")
        .bind(managed.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let from = today - chrono::Days::new(34);
    let truth = sim
        .get(&format!(
            "/_sim/google/truth?product=google_ads&account=4445556666&from={from}&to={today}"
        ))
        .await;
    assert_eq!(rows as usize, truth["campaigns"].as_array().unwrap().len());
}

#[tokio::test]
async fn a_product_the_person_did_not_grant_says_so_and_offers_a_reconnect() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    // On Google's consent screen the person left only Analytics ticked.
    sim.control(
        "/_sim/oauth",
        json!({"google_granted_scopes": ["openid", "email", "https://www.googleapis.com/auth/analytics.readonly"]}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    assert!(google.grants(Provider::Ga4));
    assert!(!google.grants(Provider::SearchConsole));
    assert!(!google.grants(Provider::GoogleAds));
    let client = engine.create_client("Northwind").await.unwrap();
    add(&engine, client.id, Provider::Ga4, google.id, NORTHWIND).await;
    for (provider, account) in [
        (Provider::SearchConsole, "sc-domain:northwind.example"),
        (Provider::GoogleAds, "4445556666"),
    ] {
        let listed = engine.connection_accounts(google.id, provider).await.unwrap_err();
        assert_eq!(listed.kind(), ErrorKind::NeedsReauth, "{listed}");
        assert!(listed.to_string().contains(provider.label()), "{listed}");
        let err = engine
            .add_source(NewSource::on_connection(client.id, provider, google.id, account))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NeedsReauth, "{err}");
    }

    // Reconnecting with everything ticked fixes it in place.
    sim.control("/_sim/oauth", json!({"google_granted_scopes": null}))
        .await;
    let again = connect_google(&engine, &sim).await;
    assert_eq!(again.id, google.id);
    assert!(again.grants(Provider::SearchConsole) && again.grants(Provider::GoogleAds));
    add(
        &engine,
        client.id,
        Provider::SearchConsole,
        google.id,
        "sc-domain:northwind.example",
    )
    .await;
}

#[tokio::test]
async fn google_ads_without_a_developer_token_says_where_to_enter_it() {
    let clock = manual_clock();
    let sim = Sim::start(google_config(&clock)).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_at(dir.path(), clock.clone()).await;
    let google = connect_google(&engine, &sim).await;
    let settings = OAuthSettings {
        app_token: Some(String::new()),
        ..engine.oauth_settings(AccountProvider::Google).await.unwrap()
    };
    engine
        .set_oauth_settings(AccountProvider::Google, &settings)
        .await
        .unwrap();
    let shown = engine.oauth_settings(AccountProvider::Google).await.unwrap();
    assert!(!shown.has_app_token);
    assert_eq!(
        shown.app_token_label.as_deref(),
        Some("Google Ads developer token")
    );
    let client = engine.create_client("Northwind").await.unwrap();
    let err = engine
        .add_source(NewSource::on_connection(
            client.id,
            Provider::GoogleAds,
            google.id,
            "4445556666",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("account"), "{err}");
    assert!(err.to_string().contains("developer token"), "{err}");
}
