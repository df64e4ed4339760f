//! Ground truth for GitHub, per repository.

use serde_json::{json, Map, Value};

use super::model::Item;
use super::store::GithubStore;

pub fn truth(st: &GithubStore) -> Value {
    let mut out = Map::new();
    for r in &st.repos {
        let count =
            |pr: bool, f: &dyn Fn(&Item) -> bool| r.items.iter().filter(|it| it.is_pr == pr && f(it)).count();
        out.insert(
            r.full_name.clone(),
            json!({
                "issues": {
                    "count": count(false, &|_| true),
                    "open": count(false, &|it| it.is_open()),
                    "closed": count(false, &|it| !it.is_open()),
                },
                "pulls": {
                    "count": count(true, &|_| true),
                    "open": count(true, &|it| it.is_open()),
                    "closed": count(true, &|it| !it.is_open()),
                    "merged": count(true, &|it| it.merged.is_some()),
                    "merge_seconds_median": median_merge_seconds(&r.items),
                },
                "commits": {"count": r.commits.len()},
                "stargazers": {"count": r.stars.len()},
            }),
        );
    }
    Value::Object(out)
}

/// The median time from opening to merging, over merged PRs; null when none merged.
fn median_merge_seconds(items: &[Item]) -> Option<f64> {
    let mut secs: Vec<i64> = items
        .iter()
        .filter(|it| it.is_pr)
        .filter_map(|it| Some(it.merged? - it.created))
        .collect();
    secs.sort_unstable();
    let mid = secs.len() / 2;
    match secs.len() {
        0 => None,
        n if n % 2 == 0 => Some((secs[mid - 1] + secs[mid]) as f64 / 2.0),
        _ => Some(secs[mid] as f64),
    }
}

/// Sorted ids of one collection. Issues and pulls are identified by their
/// `number` (the per-repo key, and what `/_sim/github/…/issues/{number}`
/// takes); `issues` excludes PRs. Commits: shas. Stargazers: user ids.
pub fn ids(st: &GithubStore, repo: &str, what: &str, api: &str) -> Option<Value> {
    let (owner, name) = repo.split_once('/')?;
    let index = st.find(owner, name)?;
    let r = &st.repos[index];
    let ctx = st.ctx(index, api);
    // Items are stored in number order.
    let numbers = |pr: bool| {
        json!(r
            .items
            .iter()
            .filter(|it| it.is_pr == pr)
            .map(|it| it.number)
            .collect::<Vec<_>>())
    };
    Some(match what {
        "issues" => numbers(false),
        "pulls" => numbers(true),
        "commits" => {
            let mut v: Vec<String> = r.commits.iter().map(|c| ctx.commit_sha(c)).collect();
            v.sort();
            json!(v)
        }
        "stargazers" => {
            let mut v: Vec<u64> = r.stars.iter().map(|s| s.user.id).collect();
            v.sort_unstable();
            json!(v)
        }
        _ => return None,
    })
}
