//! Changes made through the control API. Every change to an item bumps its
//! `updated_at` to the sim clock, so under `sort=updated` it moves to the end
//! and page-number walks may shift — exactly as on GitHub.

use super::gen::AUTHORS;
use super::model::{Commit, Item, Star, User};
use super::store::GithubStore;

pub type Failure = (u16, String);

pub struct ItemChange {
    pub state: Option<String>,
    pub title: Option<String>,
    pub merged: Option<bool>,
}

impl GithubStore {
    pub fn create_item(&mut self, repo: usize, now: i64, title: String, is_pr: bool) -> Item {
        let r = &mut self.repos[repo];
        let number = r.items.len() as u32 + 1;
        let item = Item {
            number,
            is_pr,
            created: now,
            updated: now,
            closed: None,
            merged: None,
            user: number as u64 % AUTHORS,
            comments: 0,
            title,
            labels: 0,
            draft: false,
        };
        r.items.push(item.clone());
        r.updated = r.updated.max(now);
        self.invalidate();
        item
    }

    pub fn update_item(
        &mut self,
        repo: usize,
        number: u32,
        now: i64,
        change: ItemChange,
    ) -> Result<Item, Failure> {
        let r = &mut self.repos[repo];
        let name = r.full_name.clone();
        let item = number
            .checked_sub(1)
            .and_then(|k| r.items.get_mut(k as usize))
            .ok_or_else(|| (404, format!("No issue #{number} in {name}")))?;
        if change.merged == Some(true) {
            if !item.is_pr {
                return Err((422, format!("#{number} is an issue, not a pull request")));
            }
            if item.merged.is_none() {
                if item.closed.is_some() {
                    return Err((422, format!("Pull request #{number} is closed")));
                }
                // Merging closes the PR at the same instant.
                item.merged = Some(now);
                item.closed = Some(now);
            }
        }
        match change.state.as_deref() {
            None => {}
            Some("closed") => {
                item.closed.get_or_insert(now);
            }
            Some("open") => {
                if item.merged.is_some() {
                    return Err((
                        422,
                        format!("Pull request #{number} is merged and cannot be reopened"),
                    ));
                }
                item.closed = None;
            }
            Some(other) => return Err((422, format!("Unknown state: {other}"))),
        }
        if let Some(title) = change.title {
            item.title = title;
        }
        item.draft = item.draft && item.closed.is_none();
        item.updated = now;
        let out = item.clone();
        r.updated = r.updated.max(now);
        self.invalidate();
        Ok(out)
    }

    pub fn add_commit(&mut self, repo: usize, now: i64, message: String) -> Commit {
        let r = &mut self.repos[repo];
        let commit = Commit {
            seq: r.commits.len() as u64,
            date: now,
            author: Some(0),
            message,
        };
        // Keep date order even if the clock was moved back.
        let at = r
            .commits
            .partition_point(|c| (c.date, c.seq) <= (commit.date, commit.seq));
        r.commits.insert(at, commit.clone());
        r.pushed = now;
        r.updated = r.updated.max(now);
        commit
    }

    /// Stars `repo` as `login`; starring twice returns the existing star.
    pub fn add_star(&mut self, repo: usize, now: i64, login: &str) -> Star {
        if let Some(existing) = self.repos[repo]
            .stars
            .iter()
            .find(|s| s.user.login.eq_ignore_ascii_case(login))
        {
            return existing.clone();
        }
        // The same login keeps one id across repositories.
        let id = self
            .repos
            .iter()
            .flat_map(|r| r.stars.iter())
            .find(|s| s.user.login.eq_ignore_ascii_case(login))
            .map(|s| s.user.id)
            .unwrap_or_else(|| {
                self.next_user_id += 1;
                self.next_user_id
            });
        let star = Star {
            user: User {
                id,
                login: login.to_string(),
            },
            at: now,
        };
        let stars = &mut self.repos[repo].stars;
        let at = stars.partition_point(|s| s.at <= now);
        stars.insert(at, star.clone());
        star
    }
}
