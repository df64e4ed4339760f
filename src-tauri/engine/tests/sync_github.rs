//! GitHub, full then incremental, against the simulator's ground truth; an unchanged
//! repository costs no quota.

mod common;

use common::*;
use serde_json::json;

async fn assert_equals_truth(engine: &freshboard_engine::Engine, sim: &Sim) {
    let pool = db(engine).await;
    let truth = sim.truth().await;
    let repo = &truth["github"][REPO];
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM github_issues").await as u64,
        repo["issues"]["count"].as_u64().unwrap(),
        "issues"
    );
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM github_issues WHERE state = 'open'").await as u64,
        repo["issues"]["open"].as_u64().unwrap(),
        "open issues"
    );
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM github_pull_requests").await as u64,
        repo["pulls"]["count"].as_u64().unwrap(),
        "pulls"
    );
    assert_eq!(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM github_pull_requests WHERE merged_at IS NOT NULL"
        )
        .await as u64,
        repo["pulls"]["merged"].as_u64().unwrap(),
        "merged"
    );
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM github_commits").await as u64,
        repo["commits"]["count"].as_u64().unwrap(),
        "commits"
    );
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM github_stargazers").await as u64,
        repo["stargazers"]["count"].as_u64().unwrap(),
        "stars"
    );
    let stars: i64 =
        sqlx::query_scalar("SELECT stargazers_count FROM github_repo_stats ORDER BY day DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        stars as u64,
        repo["stargazers"]["count"].as_u64().unwrap(),
        "repo stats"
    );
}

async fn quota_remaining(sim: &Sim) -> u64 {
    let response = sim
        .http
        .get(format!("{}/rate_limit", sim.url()))
        .bearer_auth(GITHUB_TOKEN)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    body["resources"]["core"]["remaining"].as_u64().unwrap()
}

#[tokio::test]
async fn full_then_incremental_sync_equals_truth_and_unchanged_costs_no_quota() {
    let mut config = small_config();
    // More than a page of each, so pagination is exercised.
    config.github.issues = 230;
    config.github.pulls = 140;
    config.github.commits = 260;
    config.github.stargazers = 250;
    let sim = Sim::start(config).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = engine(dir.path()).await;
    let source = add_github(&engine, &sim).await;

    let first = sync(&engine, &source).await;
    assert!(first.succeeded(), "{:?}", first.streams);
    assert_equals_truth(&engine, &sim).await;

    // Nothing changed: every request is answered 304, which costs no quota.
    let before = quota_remaining(&sim).await;
    let unchanged = sync(&engine, &source).await;
    assert!(unchanged.succeeded(), "{:?}", unchanged.streams);
    assert_eq!(unchanged.records, 0, "{:?}", unchanged.streams);
    assert_eq!(
        quota_remaining(&sim).await,
        before,
        "an unchanged sync spent quota"
    );

    let base = format!("/_sim/github/{REPO}");
    sim.control(&format!("{base}/issues"), json!({"title": "A new issue"}))
        .await;
    sim.control(
        &format!("{base}/issues"),
        json!({"title": "A new PR", "pull_request": true}),
    )
    .await;
    sim.control(&format!("{base}/issues/1"), json!({"state": "closed"}))
        .await;
    let pr = sqlx::query_scalar::<_, i64>(
        "SELECT number FROM github_pull_requests WHERE merged_at IS NULL AND state = 'open' LIMIT 1",
    )
    .fetch_optional(&db(&engine).await)
    .await
    .unwrap();
    if let Some(number) = pr {
        sim.control(&format!("{base}/issues/{number}"), json!({"merged": true}))
            .await;
    }
    sim.control(&format!("{base}/commits"), json!({"message": "Fix the footer"}))
        .await;
    sim.control(&format!("{base}/stargazers"), json!({"login": "newfan"}))
        .await;

    let second = sync(&engine, &source).await;
    assert!(second.succeeded(), "{:?}", second.streams);
    assert!(second.records < first.records);
    assert_equals_truth(&engine, &sim).await;
}

#[tokio::test]
async fn rate_limits_are_waits_or_a_later_retry_never_a_lost_page() {
    let sim = Sim::start(small_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = std::sync::Arc::new(freshboard_engine::MemoryStore::default());
    let engine = engine_with_secrets(dir.path(), secrets.clone()).await;
    let source = add_github(&engine, &sim).await;
    let issues = format!("/repos/{REPO}/issues");

    // A secondary limit says how long to wait: the sync waits and carries on.
    sim.fault(json!({"route": issues, "kind": "rate_limit", "retry_after": 1, "count": 1}))
        .await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);

    // An exhausted hourly quota resets far beyond what a job should wait for: the stream
    // stops as rate limited (to be retried later), with nothing stored from that response.
    sim.fault(json!({"route": issues, "kind": "primary_exhausted", "count": 1}))
        .await;
    sim.control(
        &format!("/_sim/github/{REPO}/issues"),
        json!({"title": "Filed during the limit"}),
    )
    .await;
    let report = sync(&engine, &source).await;
    let stream = report.streams.iter().find(|s| s.stream == "issues").unwrap();
    assert_eq!(
        stream.error_kind,
        Some(freshboard_engine::JobErrorKind::RateLimited),
        "{:?}",
        report.streams
    );
    sim.clear_faults().await;

    // Later (here: the app restarted, which forgets the in-memory pause), the stream
    // resumes from its cursor and nothing was lost.
    engine.close().await;
    let engine = engine_with_secrets(dir.path(), secrets).await;
    let report = sync(&engine, &source).await;
    assert!(report.succeeded(), "{:?}", report.streams);
    assert_equals_truth(&engine, &sim).await;
}
