//! GitHub's tables and how its objects map to rows. Timestamps become UTC milliseconds.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::clock::Millis;
use crate::connector::{fields, Cell, ConnectorError, Day, Table};

pub(super) fn parse_time(s: &str) -> Result<Millis, ConnectorError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| ConnectorError::BadData(format!("timestamp {s:?}: {e}")))
}

pub(super) fn parse_opt(s: &Option<String>) -> Result<Option<Millis>, ConnectorError> {
    s.as_deref().map(parse_time).transpose()
}

#[derive(Deserialize)]
pub(super) struct IssueHead {
    pub updated_at: String,
    #[serde(default)]
    pull_request: Option<Value>,
}

impl IssueHead {
    pub(super) fn is_pull_request(&self) -> bool {
        self.pull_request.as_ref().is_some_and(|v| !v.is_null())
    }
}

#[derive(Deserialize)]
struct User {
    login: String,
}

pub(super) static REPO_STATS: Table = Table {
    name: "github_repo_stats",
    key: &["day"],
    columns: &[
        "day",
        "stargazers_count",
        "forks_count",
        "open_issues_count",
        "watchers_count",
        "raw",
    ],
    days: &[],
    watch: &[],
};

pub(super) fn repo_row(raw: &str, now: Millis) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        stargazers_count: i64,
        forks_count: i64,
        open_issues_count: i64,
        #[serde(default)]
        subscribers_count: Option<i64>,
        watchers_count: i64,
    }
    let f: F = fields(raw, "repository")?;
    let day = DateTime::<Utc>::from_timestamp_millis(now)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    // `watchers_count` is stars for historical reasons; subscribers are the real watchers.
    Ok(vec![
        day.into(),
        f.stargazers_count.into(),
        f.forks_count.into(),
        f.open_issues_count.into(),
        f.subscribers_count.unwrap_or(f.watchers_count).into(),
        raw.into(),
    ])
}

pub(super) static ISSUES: Table = Table {
    name: "github_issues",
    key: &["number"],
    columns: &[
        "number",
        "id",
        "state",
        "title",
        "author",
        "comments",
        "created_at",
        "updated_at",
        "closed_at",
        "raw",
    ],
    days: &[Day::Millis("created_at"), Day::Millis("closed_at")],
    watch: &["created_at", "closed_at"],
};

pub(super) fn issue_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        number: i64,
        id: i64,
        state: String,
        title: String,
        user: Option<User>,
        #[serde(default)]
        comments: i64,
        created_at: String,
        updated_at: String,
        closed_at: Option<String>,
    }
    let f: F = fields(raw, "issue")?;
    Ok(vec![
        f.number.into(),
        f.id.into(),
        f.state.into(),
        f.title.into(),
        f.user.map(|u| u.login).into(),
        f.comments.into(),
        parse_time(&f.created_at)?.into(),
        parse_time(&f.updated_at)?.into(),
        parse_opt(&f.closed_at)?.into(),
        raw.into(),
    ])
}

pub(super) static PULL_REQUESTS: Table = Table {
    name: "github_pull_requests",
    key: &["number"],
    columns: &[
        "number",
        "id",
        "state",
        "title",
        "author",
        "draft",
        "created_at",
        "updated_at",
        "closed_at",
        "merged_at",
        "raw",
    ],
    days: &[Day::Millis("created_at"), Day::Millis("merged_at")],
    watch: &["created_at", "merged_at"],
};

pub(super) fn pull_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct F {
        number: i64,
        id: i64,
        state: String,
        title: String,
        user: Option<User>,
        #[serde(default)]
        draft: bool,
        created_at: String,
        updated_at: String,
        closed_at: Option<String>,
        merged_at: Option<String>,
    }
    let f: F = fields(raw, "pull request")?;
    Ok(vec![
        f.number.into(),
        f.id.into(),
        f.state.into(),
        f.title.into(),
        f.user.map(|u| u.login).into(),
        f.draft.into(),
        parse_time(&f.created_at)?.into(),
        parse_time(&f.updated_at)?.into(),
        parse_opt(&f.closed_at)?.into(),
        parse_opt(&f.merged_at)?.into(),
        raw.into(),
    ])
}

#[derive(Deserialize)]
struct CommitF {
    sha: String,
    commit: CommitInner,
    author: Option<User>,
}

#[derive(Deserialize)]
struct CommitInner {
    author: Option<Signature>,
    committer: Option<Signature>,
}

#[derive(Deserialize)]
struct Signature {
    name: Option<String>,
    date: String,
}

pub(super) fn commit_date(raw: &str) -> Result<Millis, ConnectorError> {
    let f: CommitF = fields(raw, "commit")?;
    let signature = f
        .commit
        .committer
        .or(f.commit.author)
        .ok_or_else(|| ConnectorError::BadData(format!("commit {} has no date", f.sha)))?;
    parse_time(&signature.date)
}

pub(super) static COMMITS: Table = Table {
    name: "github_commits",
    key: &["sha"],
    columns: &[
        "sha",
        "author_login",
        "author_name",
        "authored_at",
        "committed_at",
        "raw",
    ],
    days: &[Day::Millis("committed_at")],
    watch: &["committed_at", "author_login", "author_name"],
};

pub(super) fn commit_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    let committed_at = commit_date(raw)?;
    let f: CommitF = fields(raw, "commit")?;
    let authored_at = match &f.commit.author {
        Some(a) => parse_time(&a.date)?,
        None => committed_at,
    };
    Ok(vec![
        f.sha.into(),
        f.author.map(|u| u.login).into(),
        f.commit.author.and_then(|a| a.name).into(),
        authored_at.into(),
        committed_at.into(),
        raw.into(),
    ])
}

pub(super) static STARGAZERS: Table = Table {
    name: "github_stargazers",
    key: &["user_id"],
    columns: &["user_id", "login", "starred_at", "raw"],
    days: &[Day::Millis("starred_at")],
    watch: &["starred_at"],
};

pub(super) fn stargazer_row(raw: &str) -> Result<Vec<Cell>, ConnectorError> {
    #[derive(Deserialize)]
    struct Star {
        starred_at: String,
        user: StarUser,
    }
    #[derive(Deserialize)]
    struct StarUser {
        id: i64,
        login: String,
    }
    let f: Star = fields(raw, "stargazer")?;
    Ok(vec![
        f.user.id.into(),
        f.user.login.into(),
        parse_time(&f.starred_at)?.into(),
        raw.into(),
    ])
}
