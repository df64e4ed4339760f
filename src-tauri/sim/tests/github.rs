//! GitHub semantics: Link pagination, filters and sorting, ETag/304 without
//! quota, primary quota exhaustion, tokens, mutations.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const REPO: &str = "/repos/acme/website";

fn numbers(items: &[Value]) -> Vec<u64> {
    items.iter().map(|i| i["number"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn link_pagination_walks_everything() {
    let h = start(config()).await;
    let resp = h
        .github_raw(&format!("{REPO}/issues?state=all&per_page=7&page=3"))
        .await;
    let link_header = header(&resp, "link");
    for rel in ["prev", "next", "last", "first"] {
        let url = link(Some(&link_header), rel).unwrap_or_else(|| panic!("no {rel} in {link_header}"));
        assert!(url.starts_with(&h.base), "absolute on the sim: {url}");
        assert!(
            url.contains("state=all") && url.contains("per_page=7"),
            "keeps params: {url}"
        );
    }
    assert!(link(Some(&link_header), "last").unwrap().contains("page=15"));

    let all = h
        .walk_github(&format!("{REPO}/issues?state=all&per_page=7"))
        .await;
    assert_eq!(all.len(), 100, "60 issues + 40 PRs");
    // Default sort: created desc.
    assert_eq!(numbers(&all), (1..=100).rev().collect::<Vec<_>>());
    assert_eq!(all.iter().filter(|i| i.get("pull_request").is_some()).count(), 40);
    let pr = all.iter().find(|i| i.get("pull_request").is_some()).unwrap();
    assert!(pr["pull_request"]["url"].as_str().unwrap().starts_with(&h.base));
    assert!(pr["pull_request"].get("merged_at").is_some());

    // Default state is open; one page, no Link.
    let open = h.walk_github(&format!("{REPO}/issues?per_page=100")).await;
    assert!(open.iter().all(|i| i["state"] == "open"));
    let single = h.github_raw(&format!("{REPO}/issues?per_page=100")).await;
    assert!(single.headers().get("link").is_none());
    // per_page above 100 clamps; default is 30.
    assert_eq!(
        h.github(&format!("{REPO}/issues?state=all&per_page=500"))
            .await
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(
        h.github(&format!("{REPO}/issues?state=all"))
            .await
            .as_array()
            .unwrap()
            .len(),
        30
    );
    // Past the end: empty page.
    assert_eq!(
        h.github(&format!("{REPO}/issues?state=all&page=99")).await,
        json!([])
    );
    h.sim.shutdown().await;
}

#[tokio::test]
async fn sort_direction_and_since() {
    let h = start(config()).await;
    let asc = h
        .walk_github(&format!("{REPO}/issues?state=all&direction=asc&per_page=50"))
        .await;
    assert_eq!(numbers(&asc), (1..=100).collect::<Vec<_>>());
    let by_updated = h
        .walk_github(&format!("{REPO}/issues?state=all&sort=updated&per_page=50"))
        .await;
    let updated: Vec<&str> = by_updated
        .iter()
        .map(|i| i["updated_at"].as_str().unwrap())
        .collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "updated desc");

    // Updating an issue moves it to the end of sort=updated&direction=asc.
    let changed = h
        .control("/_sim/github/acme/website/issues/3", json!({"title": "Renamed"}))
        .await;
    let since = changed["updated_at"].as_str().unwrap();
    let recent = h
        .walk_github(&format!(
            "{REPO}/issues?state=all&sort=updated&direction=asc&since={since}"
        ))
        .await;
    assert_eq!(recent.last().unwrap()["number"], 3);
    assert!(recent.iter().all(|i| i["updated_at"].as_str().unwrap() >= since));
    assert_eq!(recent.last().unwrap()["title"], "Renamed");
    let all_since = h
        .walk_github(&format!("{REPO}/issues?state=all&since=2000-01-01T00:00:00Z"))
        .await;
    assert_eq!(all_since.len(), 100);
    let bad = h.github_raw(&format!("{REPO}/issues?since=yesterday")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn pulls_commits_stargazers_repo() {
    let h = start(config()).await;
    let pulls = h
        .walk_github(&format!("{REPO}/pulls?state=all&per_page=15"))
        .await;
    assert_eq!(pulls.len(), 40);
    let p = &pulls[0];
    for field in [
        "id",
        "number",
        "state",
        "title",
        "user",
        "created_at",
        "updated_at",
        "merged_at",
        "draft",
        "head",
        "base",
    ] {
        assert!(p.get(field).is_some(), "pull lacks {field}");
    }
    assert!(p["head"]["sha"].as_str().unwrap().len() == 40);

    let commits = h.walk_github(&format!("{REPO}/commits?per_page=100")).await;
    assert_eq!(commits.len(), 200);
    let dates: Vec<&str> = commits
        .iter()
        .map(|c| c["commit"]["author"]["date"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let (since, until) = (dates[150], dates[50]);
    let window = h
        .walk_github(&format!("{REPO}/commits?since={since}&until={until}"))
        .await;
    assert_eq!(
        window.len(),
        dates.iter().filter(|d| **d >= since && **d <= until).count()
    );

    let plain = h.github(&format!("{REPO}/stargazers?per_page=3")).await;
    assert!(plain[0]["login"].is_string() && plain[0]["id"].is_u64());
    let resp = h
        .http
        .get(h.url(&format!("{REPO}/stargazers?per_page=100")))
        .bearer_auth(TOKEN)
        .header("accept", "application/vnd.github.star+json")
        .send()
        .await
        .unwrap();
    let starred: Vec<Value> = resp.json().await.unwrap();
    let at: Vec<&str> = starred
        .iter()
        .map(|s| s["starred_at"].as_str().unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    assert_eq!(starred[0]["user"], plain[0]);

    let repo = h.github(REPO).await;
    assert_eq!(repo["full_name"], "acme/website");
    assert_eq!(repo["stargazers_count"], 150);
    let truth = &h.truth().await["github"]["acme/website"];
    let open = truth["issues"]["open"].as_u64().unwrap() + truth["pulls"]["open"].as_u64().unwrap();
    assert_eq!(repo["open_issues_count"], open);
    assert_eq!(
        h.github_raw("/repos/acme/nope").await.status(),
        StatusCode::NOT_FOUND
    );
    let body: Value = h
        .github_raw("/repos/acme/nope/issues")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["message"], "Not Found");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn etag_304_does_not_spend_quota() {
    let h = start(config()).await;
    let first = h.github_raw(&format!("{REPO}/issues")).await;
    let etag = header(&first, "etag");
    assert!(!etag.is_empty());
    let remaining = header(&first, "x-ratelimit-remaining");
    assert_eq!(header(&first, "x-ratelimit-resource"), "core");
    let again = h
        .http
        .get(h.url(&format!("{REPO}/issues")))
        .bearer_auth(TOKEN)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, "x-ratelimit-remaining"), remaining);
    assert_eq!(header(&again, "etag"), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    // A change invalidates the tag.
    h.control("/_sim/github/acme/website/issues", json!({"title": "New bug"}))
        .await;
    let changed = h
        .http
        .get(h.url(&format!("{REPO}/issues")))
        .bearer_auth(TOKEN)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    let requests = &h.truth().await["requests"];
    assert_eq!(requests["not_modified"], 1);
    assert_eq!(requests["by_route"]["/repos/acme/website/issues"], 3);
    h.sim.shutdown().await;
}

#[tokio::test]
async fn primary_quota_exhausts_and_resets_with_the_clock() {
    let mut c = config();
    c.github.quota_per_hour = 3;
    let h = start(c).await;
    for _ in 0..3 {
        assert_eq!(h.github_raw(REPO).await.status(), StatusCode::OK);
    }
    let rl = h.github("/rate_limit").await;
    assert_eq!(rl["resources"]["core"]["remaining"], 0);
    assert_eq!(rl["rate"]["used"], 3);
    let denied = h.github_raw(REPO).await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&denied, "x-ratelimit-remaining"), "0");
    let reset: i64 = header(&denied, "x-ratelimit-reset").parse().unwrap();
    let body: Value = denied.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("API rate limit exceeded for user ID 1."));
    // Other tokens have their own quota.
    let other = h
        .http
        .get(h.url(REPO))
        .bearer_auth("ghp_other")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    h.control("/_sim/clock", json!({"now": reset})).await;
    let fresh = h.github_raw(REPO).await;
    assert_eq!(fresh.status(), StatusCode::OK);
    assert_eq!(header(&fresh, "x-ratelimit-used"), "1");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn tokens() {
    let h = start(config()).await;
    for good in [
        "Bearer ghp_a",
        "token gho_a",
        "Bearer ghu_a",
        "token ghs_a",
        "Bearer github_pat_a",
    ] {
        let resp = h
            .http
            .get(h.url(REPO))
            .header("authorization", good)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{good}");
    }
    let bad = h
        .http
        .get(h.url(REPO))
        .header("authorization", "Bearer sk_test_x")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(!header(&bad, "x-ratelimit-limit").is_empty());
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["message"], "Bad credentials");
    assert!(body["documentation_url"].is_string());
    h.control("/_sim/github/tokens/revoke", json!({"token": "ghp_a"}))
        .await;
    let revoked = h.http.get(h.url(REPO)).bearer_auth("ghp_a").send().await.unwrap();
    assert_eq!(revoked.status(), StatusCode::UNAUTHORIZED);
    // Anonymous callers get GitHub's unauthenticated quota.
    let anon = h.http.get(h.url(REPO)).send().await.unwrap();
    assert_eq!(anon.status(), StatusCode::OK);
    assert_eq!(header(&anon, "x-ratelimit-limit"), "60");
    h.sim.shutdown().await;
}

#[tokio::test]
async fn mutations() {
    let h = start(config()).await;
    let pr = h
        .control(
            "/_sim/github/acme/website/issues",
            json!({"title": "Add feature", "pull_request": true}),
        )
        .await;
    assert_eq!(pr["number"], 101);
    assert!(pr["pull_request"]["merged_at"].is_null());
    let merged = h
        .control("/_sim/github/acme/website/issues/101", json!({"merged": true}))
        .await;
    assert_eq!(merged["state"], "closed");
    assert!(merged["pull_request"]["merged_at"].is_string());
    assert_eq!(merged["closed_at"], merged["pull_request"]["merged_at"]);
    let pull = h.github(&format!("{REPO}/pulls/101")).await;
    assert_eq!(pull["merged_at"], merged["pull_request"]["merged_at"]);
    // Merging an issue is refused; reopening works for issues.
    let issue = h
        .control("/_sim/github/acme/website/issues", json!({"title": "Bug"}))
        .await;
    assert_eq!(issue["number"], 102);
    assert_eq!(
        h.control_status("/_sim/github/acme/website/issues/102", json!({"merged": true}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    h.control("/_sim/github/acme/website/issues/102", json!({"state": "closed"}))
        .await;
    let reopened = h
        .control("/_sim/github/acme/website/issues/102", json!({"state": "open"}))
        .await;
    assert!(reopened["closed_at"].is_null());

    let commit = h
        .control(
            "/_sim/github/acme/website/commits",
            json!({"message": "feat: sim"}),
        )
        .await;
    let newest = h.github(&format!("{REPO}/commits?per_page=1")).await;
    assert_eq!(newest[0]["sha"], commit["sha"]);
    let star = h
        .control("/_sim/github/acme/website/stargazers", json!({"login": "newfan"}))
        .await;
    assert_eq!(star["user"]["login"], "newfan");
    let again = h
        .control("/_sim/github/acme/website/stargazers", json!({"login": "newfan"}))
        .await;
    assert_eq!(again, star, "starring twice is idempotent");

    let t = &h.truth().await["github"]["acme/website"];
    assert_eq!(t["pulls"]["count"], 41);
    assert_eq!(t["pulls"]["merged"].as_u64().unwrap(), pulls_merged(&h).await);
    assert_eq!(t["issues"]["count"], 61);
    assert_eq!(t["commits"]["count"], 201);
    assert_eq!(t["stargazers"]["count"], 151);
    assert_eq!(
        h.control_status("/_sim/github/acme/nope/issues", json!({"title": "x"}))
            .await,
        StatusCode::NOT_FOUND
    );
    h.sim.shutdown().await;
}

async fn pulls_merged(h: &Harness) -> u64 {
    let pulls = h
        .walk_github(&format!("{REPO}/pulls?state=all&per_page=100"))
        .await;
    pulls.iter().filter(|p| !p["merged_at"].is_null()).count() as u64
}
