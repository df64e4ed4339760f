//! All GitHub repositories plus a small cache of sorted/filtered issue lists.
//! Page-number pagination needs "the k-th matching item"; caching the
//! filtered order per (repo, filter, sort, since) makes every page of a walk
//! O(per_page) instead of re-filtering and re-sorting the repo each time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::gen::{repo, Repo};
use super::model::Ctx;
use crate::config::GithubConfig;
use crate::state::lock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StateFilter {
    Open,
    Closed,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortBy {
    Created,
    Updated,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub repo: usize,
    /// `/pulls` lists only PRs; `/issues` lists both.
    pub pulls_only: bool,
    pub state: StateFilter,
    pub sort: SortBy,
    /// `updated_at >= since`
    pub since: Option<i64>,
}

/// Enough for a few concurrent walks with different filters.
const CACHE_ENTRIES: usize = 64;

pub struct GithubStore {
    pub seed: u64,
    pub repos: Vec<Repo>,
    by_name: HashMap<String, usize>,
    /// Item positions sorted ascending by the key's sort; cleared on any change.
    cache: Mutex<HashMap<ListKey, Arc<Vec<u32>>>>,
    /// Ids for stargazers added by login through the control API.
    pub next_user_id: u64,
}

impl GithubStore {
    pub fn new(seed: u64, cfg: &GithubConfig, now0: i64) -> GithubStore {
        let mut names: Vec<&String> = Vec::new();
        for name in &cfg.repos {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name);
            }
        }
        let repos: Vec<Repo> = names
            .iter()
            .enumerate()
            .map(|(i, n)| repo(seed, i, n, cfg, now0))
            .collect();
        let by_name = repos
            .iter()
            .map(|r| (r.full_name.to_ascii_lowercase(), r.index))
            .collect();
        GithubStore {
            seed,
            repos,
            by_name,
            cache: Mutex::new(HashMap::new()),
            next_user_id: 900_000_000,
        }
    }

    /// GitHub owner and repository names are case-insensitive.
    pub fn find(&self, owner: &str, name: &str) -> Option<usize> {
        self.by_name
            .get(&format!("{owner}/{name}").to_ascii_lowercase())
            .copied()
    }

    pub fn ctx<'a>(&'a self, repo: usize, api: &'a str) -> Ctx<'a> {
        let r = &self.repos[repo];
        Ctx {
            api,
            full_name: &r.full_name,
            repo_id: r.id,
            seed: self.seed,
        }
    }

    /// Positions (number - 1) of the matching items, ascending by sort key.
    pub fn listing(&self, key: ListKey) -> Arc<Vec<u32>> {
        if let Some(hit) = lock(&self.cache).get(&key) {
            return hit.clone();
        }
        let items = &self.repos[key.repo].items;
        // Incremental clients move `since` on every request: sorted by `updated`, the
        // matching items are a suffix of the since-less order, found by binary search,
        // rather than a fresh filter and sort of the whole repository each time.
        if let (SortBy::Updated, Some(since)) = (key.sort, key.since) {
            let all = self.listing(ListKey { since: None, ..key });
            let start = all.partition_point(|&p| items[p as usize].updated < since);
            return Arc::new(all[start..].to_vec());
        }
        let mut out: Vec<u32> = items
            .iter()
            .enumerate()
            .filter(|(_, it)| !key.pulls_only || it.is_pr)
            .filter(|(_, it)| match key.state {
                StateFilter::Open => it.is_open(),
                StateFilter::Closed => !it.is_open(),
                StateFilter::All => true,
            })
            .filter(|(_, it)| key.since.is_none_or(|s| it.updated >= s))
            .map(|(pos, _)| pos as u32)
            .collect();
        // Already in number order, which is created order unless the clock was
        // moved back; the (stable, near-linear on sorted input) sort keeps that exact.
        match key.sort {
            SortBy::Created => out.sort_by_key(|&p| (items[p as usize].created, p)),
            SortBy::Updated => out.sort_by_key(|&p| (items[p as usize].updated, p)),
        }
        let out = Arc::new(out);
        let mut cache = lock(&self.cache);
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, out.clone());
        out
    }

    /// Must follow every change to items.
    pub fn invalidate(&mut self) {
        self.cache.get_mut().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
