//! Materialises one repository's base data from the seed. GitHub data is
//! small enough (~300k items total) to hold, and holding it makes
//! `sort=updated` (which mutations reorder) straightforward.

use super::model::*;
use crate::config::GithubConfig;
use crate::rng::{spread, Rng};

const E_ITEM: u64 = 101;
const E_COMMIT: u64 = 102;
const E_REPO: u64 = 103;
/// Issue and commit authors are drawn from this many users.
pub const AUTHORS: u64 = 400;

const SUBJECTS: [&str; 12] = [
    "login page",
    "dark mode",
    "CSV export",
    "search results",
    "billing settings",
    "API client",
    "mobile layout",
    "onboarding flow",
    "webhook retries",
    "cache invalidation",
    "image uploads",
    "error messages",
];
const ISSUE_VERBS: [&str; 6] = [
    "Crash in",
    "Improve",
    "Broken",
    "Slow",
    "Typo in",
    "Support keyboard shortcuts in",
];
const PR_VERBS: [&str; 6] = [
    "Fix",
    "Refactor",
    "Add tests for",
    "Speed up",
    "Document",
    "Rework",
];
const COMMIT_VERBS: [&str; 6] = ["fix", "feat", "chore", "refactor", "docs", "test"];

pub struct Repo {
    pub index: usize,
    pub owner: String,
    pub name: String,
    pub full_name: String,
    pub id: u64,
    pub owner_id: u64,
    pub created: i64,
    /// `items[n - 1]` is number n.
    pub items: Vec<Item>,
    /// Sorted by (date, seq).
    pub commits: Vec<Commit>,
    /// Sorted by starred_at (ties in insertion order).
    pub stars: Vec<Star>,
    pub forks: u64,
    pub subscribers: u64,
    pub pushed: i64,
    pub updated: i64,
}

fn title(r: &mut Rng, is_pr: bool) -> String {
    let verbs = if is_pr { &PR_VERBS } else { &ISSUE_VERBS };
    format!("{} {}", r.pick(verbs), r.pick(&SUBJECTS))
}

/// Issue k of `total` is a PR iff the running share of PRs steps up here,
/// which interleaves exactly `pulls` PRs evenly among the numbers.
fn is_pr(k: u64, pulls: u64, total: u64) -> bool {
    (k + 1) * pulls / total > k * pulls / total
}

pub fn repo(seed: u64, index: usize, full_name: &str, cfg: &GithubConfig, now0: i64) -> Repo {
    let (owner, name) = full_name.split_once('/').unwrap_or((full_name, full_name));
    let salt = (index as u64) << 40;
    let span = cfg.history_days as i64 * 86_400;
    let start = now0 - span;

    let total = cfg.issues + cfg.pulls;
    let items = (0..total)
        .map(|k| {
            let mut r = Rng::new(seed, E_ITEM ^ salt, k);
            let is_pr = is_pr(k, cfg.pulls, total);
            let created = spread(start, span, k, total);
            // Base timestamps stay strictly before now0, so anything changed
            // later sorts after every base item.
            let age = (now0 - created - 1).max(0);
            // Older items are more likely to be closed.
            let close_pct = 30 + 50 * (total - k) / total.max(1);
            let closed = r.chance(close_pct).then(|| created + r.range(0, age));
            let merged = closed.filter(|_| is_pr && r.chance(80));
            let updated = (created + r.range(0, age)).max(closed.unwrap_or(created));
            Item {
                number: (k + 1) as u32,
                is_pr,
                created,
                updated,
                closed,
                merged,
                user: r.below(AUTHORS),
                comments: r.below(12) as u32,
                title: title(&mut r, is_pr),
                labels: r.below(16) as u8 & r.below(16) as u8,
                draft: is_pr && closed.is_none() && r.chance(15),
            }
        })
        .collect::<Vec<_>>();

    let commits = (0..cfg.commits)
        .map(|k| {
            let mut r = Rng::new(seed, E_COMMIT ^ salt, k);
            let message = format!("{}: {}", r.pick(&COMMIT_VERBS), r.pick(&SUBJECTS));
            Commit {
                seq: k,
                date: spread(start, span, k, cfg.commits),
                author: r.chance(90).then(|| r.below(AUTHORS)),
                message,
            }
        })
        .collect::<Vec<_>>();

    let stars = (0..cfg.stargazers)
        .map(|k| Star {
            user: User::generated(k),
            at: spread(start, span, k, cfg.stargazers),
        })
        .collect::<Vec<_>>();

    let mut r = Rng::new(seed, E_REPO, index as u64);
    let created = start - 30 * 86_400;
    let pushed = commits.last().map_or(created, |c| c.date);
    let updated = items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or(created)
        .max(pushed);
    Repo {
        index,
        owner: owner.to_string(),
        name: name.to_string(),
        full_name: full_name.to_string(),
        id: 5_000_000 + index as u64,
        owner_id: 70_000_000
            + crate::rng::splitmix64(
                owner
                    .bytes()
                    .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)),
            ) % 1_000_000,
        created,
        items,
        commits,
        stars,
        forks: r.below(cfg.stargazers / 4 + 1),
        subscribers: r.below(cfg.stargazers / 10 + 1) + 1,
        pushed,
        updated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_pr_count() {
        for (issues, pulls) in [(60, 40), (0, 5), (5, 0), (7, 3)] {
            let total = issues + pulls;
            let prs = (0..total).filter(|k| is_pr(*k, pulls, total)).count() as u64;
            assert_eq!(prs, pulls);
        }
    }
}
