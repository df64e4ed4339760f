//! Shared helpers for the integration tests: start a sim, talk to it.
#![allow(dead_code)]

use provider_sim::{Config, Sim};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

pub const KEY: &str = "sk_test_sim";
pub const TOKEN: &str = "ghp_simtoken";
/// A fixed start clock keeps tests independent of the machine's date.
pub const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// Small default config, fixed clock, no Stripe rate limit (walks are fast).
pub fn config() -> Config {
    let mut c = Config {
        now: Some(NOW),
        ..Config::default()
    };
    c.stripe.rate_limit_per_sec = 0;
    c
}

pub struct Harness {
    pub sim: Sim,
    pub base: String,
    pub http: Client,
}

pub async fn start(config: Config) -> Harness {
    let sim = provider_sim::start(config).await.expect("sim starts");
    let base = sim.base_url();
    Harness {
        sim,
        base,
        http: Client::new(),
    }
}

/// `ch_` + 14 base-36 digits, as the sim encodes indexes.
pub fn id(prefix: &str, mut n: u64) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 14];
    for slot in out.iter_mut().rev() {
        *slot = digits[(n % 36) as usize];
        n /= 36;
    }
    format!("{prefix}{}", std::str::from_utf8(&out).unwrap())
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn stripe_raw(&self, path_and_query: &str) -> Response {
        self.http
            .get(self.url(path_and_query))
            .bearer_auth(KEY)
            .send()
            .await
            .expect("request")
    }

    /// GET a Stripe path expecting 200, returning the JSON.
    pub async fn stripe(&self, path_and_query: &str) -> Value {
        let resp = self.stripe_raw(path_and_query).await;
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "{path_and_query}: {body}");
        body
    }

    pub async fn github_raw(&self, path_and_query: &str) -> Response {
        self.http
            .get(self.url(path_and_query))
            .header("authorization", format!("token {TOKEN}"))
            .send()
            .await
            .expect("request")
    }

    pub async fn github(&self, path_and_query: &str) -> Value {
        let resp = self.github_raw(path_and_query).await;
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "{path_and_query}: {body}");
        body
    }

    /// POST to the control API expecting 200.
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    pub async fn control_status(&self, path: &str, body: Value) -> StatusCode {
        self.http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("request")
            .status()
    }

    pub async fn truth(&self) -> Value {
        self.http
            .get(self.url("/_sim/truth"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The request counters (`/_sim/truth`'s `requests`).
    pub async fn requests(&self) -> Value {
        self.truth().await["requests"].clone()
    }

    /// Moves, freezes or thaws the sim clock (`/_sim/clock`); returns its answer.
    pub async fn clock(&self, change: Value) -> Value {
        self.control("/_sim/clock", change).await
    }

    /// Polls the counters until `done` holds (a wait on the sim's state, not on time);
    /// panics after 20 s.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let requests = self.requests().await;
            if done(&requests) {
                return requests;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}: {requests}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    pub async fn truth_ids(&self, entity: &str) -> Value {
        let url = self.url(&format!("/_sim/truth/ids?entity={entity}"));
        self.http.get(url).send().await.unwrap().json().await.unwrap()
    }

    /// Every object of a Stripe list, following `starting_after`.
    pub async fn walk_stripe(&self, path: &str, extra: &str) -> Vec<Value> {
        let mut all: Vec<Value> = Vec::new();
        loop {
            let cursor = all
                .last()
                .map(|o| format!("&starting_after={}", o["id"].as_str().unwrap()));
            let q = format!("{path}?limit=100{extra}{}", cursor.unwrap_or_default());
            let page = self.stripe(&q).await;
            all.extend(page["data"].as_array().unwrap().iter().cloned());
            if !page["has_more"].as_bool().unwrap() {
                return all;
            }
        }
    }

    /// Every item of a GitHub list, following `Link: rel="next"`.
    pub async fn walk_github(&self, path_and_query: &str) -> Vec<Value> {
        self.walk_github_as(path_and_query, "application/vnd.github+json")
            .await
    }

    /// The same, asking for a media type (`application/vnd.github.star+json` dates stars).
    pub async fn walk_github_as(&self, path_and_query: &str, accept: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut next = Some(self.url(path_and_query));
        while let Some(url) = next {
            let resp = self
                .http
                .get(&url)
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            next = link(resp.headers().get("link").map(|v| v.to_str().unwrap()), "next");
            let page: Vec<Value> = resp.json().await.unwrap();
            all.extend(page);
        }
        all
    }
}

/// The URL for `rel` in a Link header.
pub fn link(header: Option<&str>, rel: &str) -> Option<String> {
    header?.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params.contains(&format!("rel=\"{rel}\"")).then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

pub fn header(resp: &Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}
