//! GitHub's per-day truth, per repository, with the engine's metric definitions
//! (providers/github/metrics.rs): stars by `starred_at`, commits by commit date, PRs
//! opened by `created_at` and merged by `merged_at` (with each merged PR's
//! merged_at − created_at in seconds), issues (PRs excluded) opened by `created_at`,
//! closed by `closed_at`, and open at the end of each day; `commits_by_author` over the
//! whole range, keyed by the author's login, else the commit's author name.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::model::{login, BOT_NAME};
use super::store::GithubStore;
use crate::truth_daily::{Days, Stock};

#[derive(Default, Serialize)]
struct Day {
    stars: u64,
    commits: u64,
    prs_opened: u64,
    prs_merged: u64,
    issues_opened: u64,
    issues_closed: u64,
    open_issues: i64,
    merge_seconds: Vec<i64>,
}

pub fn daily(st: &GithubStore, days: Days) -> Value {
    let mut repos = Map::new();
    for r in &st.repos {
        let mut out: Vec<Day> = (0..days.len()).map(|_| Day::default()).collect();
        let mut open: Stock<i64> = Stock::new(days);
        for it in &r.items {
            let created = days.index(it.created);
            if it.is_pr {
                if let Some(i) = created {
                    out[i].prs_opened += 1;
                }
                if let Some(m) = it.merged {
                    if let Some(i) = days.index(m) {
                        out[i].prs_merged += 1;
                        out[i].merge_seconds.push(m - it.created);
                    }
                }
                continue;
            }
            if let Some(i) = created {
                out[i].issues_opened += 1;
            }
            if let Some(i) = it.closed.and_then(|c| days.index(c)) {
                out[i].issues_closed += 1;
            }
            open.add(it.created, it.closed, 1);
        }
        for (d, n) in out.iter_mut().zip(open.values()) {
            d.open_issues = n;
        }
        let mut by_author: BTreeMap<String, u64> = BTreeMap::new();
        for c in &r.commits {
            if let Some(i) = days.index(c.date) {
                out[i].commits += 1;
                let who = c.author.map_or_else(|| BOT_NAME.to_string(), login);
                *by_author.entry(who).or_default() += 1;
            }
        }
        for s in &r.stars {
            if let Some(i) = days.index(s.at) {
                out[i].stars += 1;
            }
        }
        let mut repo = Map::new();
        for ((_, label), mut day) in days.labels().zip(out) {
            day.merge_seconds.sort_unstable();
            repo.insert(label, serde_json::to_value(day).unwrap_or_default());
        }
        repo.insert("commits_by_author".into(), json!(by_author));
        repos.insert(r.full_name.clone(), Value::Object(repo));
    }
    Value::Object(repos)
}
