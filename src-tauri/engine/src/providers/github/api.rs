//! GitHub: page-numbered lists with `Link` headers, `per_page=100`, and ETags — a request
//! answered 304 costs no quota, so a sync with nothing new is free.
//!
//! - issues: `since` + `sort=updated&direction=asc`. Each request asks again from the newest
//!   `updated_at` seen (minus a 5-minute overlap) instead of following page numbers, because
//!   an issue updated mid-walk moves to the end and shifts the pages: following `page=N`
//!   would skip an item. Pull requests also appear here; the pulls stream stores them.
//! - pulls: `sort=updated&direction=desc`, walked until items are older than the last sync.
//! - commits: newest first, walked until known commits; stargazers: oldest first, resumed
//!   at the last page.
//! - repo: the repository's counters, one snapshot per day.

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use super::tables::*;
use crate::clock::Millis;
use crate::connector::{
    cursor_from, fields, to_value, Account, Cell, ConnectorError, Context, Page, Rows, Table,
};
use crate::http::{Fetched, Request};

const PER_PAGE: usize = 100;
const OVERLAP_MS: Millis = 5 * 60 * 1000;

/// One cursor shape serves every GitHub stream; each uses the fields it needs.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Cursor {
    /// Newest `updated_at` / commit date stored (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    since: Option<Millis>,
    /// Page within a walk under way (pulls, commits), or the page to resume at (stargazers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u32>,
    /// Newest value seen by the walk under way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    walk_newest: Option<Millis>,
    /// ETag of the request the next sync starts with, and that request's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<(String, String)>,
}

impl Cursor {
    fn etag_for(&self, url: &reqwest::Url) -> Option<&str> {
        self.etag
            .as_ref()
            .filter(|(u, _)| u == url.as_str())
            .map(|(_, e)| e.as_str())
    }
}

fn repo_path(ctx: &Context<'_>, tail: &str) -> String {
    format!("/repos/{}{tail}", ctx.account)
}

pub(super) async fn validate(ctx: &Context<'_>) -> Result<Account, ConnectorError> {
    let request = api_request(ctx, ctx.url(&repo_path(ctx, ""), &[]), api_headers(), None);
    let repo: Value = match ctx.json(&request).await {
        Err(ConnectorError::Http(crate::http::HttpError::Rejected { status: 404, .. })) => {
            return Err(ConnectorError::Account(format!(
                "GitHub has no repository {} that this token can read. Check the name and the token's access.",
                ctx.account
            )))
        }
        other => other?,
    };
    let name = repo["full_name"]
        .as_str()
        .ok_or_else(|| ConnectorError::BadData("repository without full_name".into()))?;
    Ok(repository(name))
}

fn repository(name: &str) -> Account {
    Account {
        id: name.to_owned(),
        label: name.to_owned(),
        parent: None,
        time_zone: None,
        currency: None,
    }
}

/// The repositories the token can read (`owner/name`, sorted), up to 10 pages of 100.
pub(super) async fn repositories(ctx: &Context<'_>) -> Result<Vec<Account>, ConnectorError> {
    let mut names = Vec::new();
    for page in 1..=10 {
        let query = [
            ("per_page", "100".to_owned()),
            ("page", page.to_string()),
            ("sort", "full_name".to_owned()),
        ];
        let request = api_request(ctx, ctx.url("/user/repos", &query), api_headers(), None);
        let batch: Vec<Value> = ctx.json(&request).await?;
        names.extend(
            batch
                .iter()
                .filter_map(|r| r["full_name"].as_str().map(str::to_owned)),
        );
        if batch.len() < 100 {
            break;
        }
    }
    names.sort();
    names.dedup();
    Ok(names.iter().map(|n| repository(n)).collect())
}

fn api_request<'a>(
    ctx: &'a Context<'a>,
    url: reqwest::Url,
    headers: Vec<(HeaderName, HeaderValue)>,
    etag: Option<&'a str>,
) -> Request<'a> {
    Request {
        headers,
        if_none_match: etag,
        ..ctx.get(url)
    }
}

pub(super) async fn next_page(
    ctx: &Context<'_>,
    stream: &str,
    cursor: Option<Value>,
) -> Result<Page, ConnectorError> {
    let cursor: Cursor = cursor_from(cursor);
    match stream {
        "repo" => repo_page(ctx, cursor).await,
        "issues" => issues_page(ctx, cursor).await,
        "pull_requests" => pulls_page(ctx, cursor).await,
        "commits" => commits_page(ctx, cursor).await,
        "stargazers" => stargazers_page(ctx, cursor).await,
        other => Err(ConnectorError::BadData(format!("no GitHub stream {other}"))),
    }
}

fn api_headers() -> Vec<(HeaderName, HeaderValue)> {
    vec![
        (ACCEPT, HeaderValue::from_static("application/vnd.github+json")),
        (
            HeaderName::from_static("x-github-api-version"),
            HeaderValue::from_static("2022-11-28"),
        ),
    ]
}

/// GETs a list; `None` when the ETag matched (nothing changed, no quota spent).
async fn fetch(
    ctx: &Context<'_>,
    url: reqwest::Url,
    headers: Vec<(HeaderName, HeaderValue)>,
    etag: Option<&str>,
) -> Result<Option<(Vec<Box<RawValue>>, Option<String>, bool)>, ConnectorError> {
    match ctx
        .http
        .send_json::<Vec<Box<RawValue>>>(&api_request(ctx, url, headers, etag))
        .await?
    {
        Fetched::NotModified => Ok(None),
        Fetched::Body { body, headers } => {
            let has_next = link_has_next(&headers);
            Ok(Some((body, etag_of(&headers), has_next)))
        }
    }
}

fn etag_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn link_has_next(headers: &HeaderMap) -> bool {
    headers
        .get("link")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|l| l.split(',').any(|part| part.contains("rel=\"next\"")))
}

fn done(rows: Rows, cursor: &Cursor) -> Result<Page, ConnectorError> {
    Ok(Page::last(rows, to_value(cursor)))
}

async fn repo_page(ctx: &Context<'_>, mut cursor: Cursor) -> Result<Page, ConnectorError> {
    let url = ctx.url(&repo_path(ctx, ""), &[]);
    let mut rows = Rows::new(&REPO_STATS);
    let etag = cursor.etag_for(&url).map(str::to_owned);
    match ctx
        .http
        .send_json::<Box<RawValue>>(&api_request(ctx, url.clone(), api_headers(), etag.as_deref()))
        .await?
    {
        // Unchanged: the last snapshot still holds.
        Fetched::NotModified => {}
        Fetched::Body { body, headers } => {
            rows.rows.push(repo_row(body.get(), ctx.now)?);
            cursor.etag = etag_of(&headers).map(|e| (url.to_string(), e));
        }
    }
    done(rows, &cursor)
}

async fn issues_page(ctx: &Context<'_>, mut cursor: Cursor) -> Result<Page, ConnectorError> {
    let mut query = vec![
        ("state", "all".to_owned()),
        ("sort", "updated".to_owned()),
        ("direction", "asc".to_owned()),
        ("per_page", PER_PAGE.to_string()),
    ];
    if let Some(since) = cursor.since {
        query.push(("since", iso(since - OVERLAP_MS)));
    }
    let page = cursor.page.unwrap_or(1);
    if page > 1 {
        query.push(("page", page.to_string()));
    }
    let url = ctx.url(&repo_path(ctx, "/issues"), &query);
    let mut rows = Rows::new(&ISSUES);
    let etag = cursor.etag_for(&url).map(str::to_owned);
    let Some((items, new_etag, _)) = fetch(ctx, url.clone(), api_headers(), etag.as_deref()).await? else {
        return done(rows, &cursor);
    };
    let mut newest = cursor.since;
    for item in &items {
        let head: IssueHead = fields(item.get(), "issue")?;
        newest = newest.max(Some(parse_time(&head.updated_at)?));
        if !head.is_pull_request() {
            rows.rows.push(issue_row(item.get())?);
        }
    }
    if items.len() < PER_PAGE {
        // The end. `since` stays what this request used, so the next sync starts with this
        // very request and its ETag makes an unchanged repository cost nothing; the items
        // between it and the newest are re-read only when something changed.
        cursor.page = None;
        cursor.etag = new_etag.map(|e| (url.to_string(), e));
        return done(rows, &cursor);
    }
    if newest > cursor.since {
        cursor.since = newest;
        cursor.page = None;
    } else {
        // A whole page with one timestamp: step through pages until time moves on.
        cursor.page = Some(page + 1);
    }
    Ok(Page::more(rows, to_value(&cursor)))
}

/// Walks a newest-first list page by page until an item is older than `since - overlap`;
/// shared by pulls (by `updated_at`) and commits (by commit date).
async fn newest_first_page(
    ctx: &Context<'_>,
    mut cursor: Cursor,
    path: &str,
    mut query: Vec<(&str, String)>,
    table: &'static Table,
    stamp: fn(&str) -> Result<Millis, ConnectorError>,
    row: fn(&str) -> Result<Vec<Cell>, ConnectorError>,
) -> Result<Page, ConnectorError> {
    let page = cursor.page.unwrap_or(1);
    query.push(("per_page", PER_PAGE.to_string()));
    if page > 1 {
        query.push(("page", page.to_string()));
    }
    let url = ctx.url(&repo_path(ctx, path), &query);
    let mut rows = Rows::new(table);
    let etag = if page == 1 {
        cursor.etag_for(&url).map(str::to_owned)
    } else {
        None
    };
    let Some((items, new_etag, has_next)) = fetch(ctx, url.clone(), api_headers(), etag.as_deref()).await?
    else {
        return done(rows, &cursor);
    };
    if page == 1 {
        cursor.etag = new_etag.map(|e| (url.to_string(), e));
    }
    let floor = cursor.since.map(|s| s - OVERLAP_MS);
    let mut reached_known = false;
    for item in &items {
        let at = stamp(item.get())?;
        cursor.walk_newest = cursor.walk_newest.max(Some(at));
        if floor.is_some_and(|f| at < f) {
            reached_known = true;
            break;
        }
        rows.rows.push(row(item.get())?);
    }
    if has_next && !reached_known && !items.is_empty() {
        cursor.page = Some(page + 1);
        return Ok(Page::more(rows, to_value(&cursor)));
    }
    cursor.since = cursor.walk_newest.max(cursor.since);
    cursor.walk_newest = None;
    cursor.page = None;
    done(rows, &cursor)
}

async fn pulls_page(ctx: &Context<'_>, cursor: Cursor) -> Result<Page, ConnectorError> {
    let query = vec![
        ("state", "all".to_owned()),
        ("sort", "updated".to_owned()),
        ("direction", "desc".to_owned()),
    ];
    newest_first_page(
        ctx,
        cursor,
        "/pulls",
        query,
        &PULL_REQUESTS,
        |raw| parse_time(&fields::<IssueHead>(raw, "pull request")?.updated_at),
        pull_row,
    )
    .await
}

async fn commits_page(ctx: &Context<'_>, cursor: Cursor) -> Result<Page, ConnectorError> {
    // No `since` on the URL: page 1's URL then never changes, so its ETag answers "no new
    // commits" for free; the walk stops at known commits by itself.
    newest_first_page(ctx, cursor, "/commits", vec![], &COMMITS, commit_date, commit_row).await
}

async fn stargazers_page(ctx: &Context<'_>, mut cursor: Cursor) -> Result<Page, ConnectorError> {
    let page = cursor.page.unwrap_or(1);
    let url = ctx.url(
        &repo_path(ctx, "/stargazers"),
        &[("per_page", PER_PAGE.to_string()), ("page", page.to_string())],
    );
    let mut headers = api_headers();
    // The star media type adds `starred_at`.
    headers[0] = (
        ACCEPT,
        HeaderValue::from_static("application/vnd.github.star+json"),
    );
    let etag = cursor.etag_for(&url).map(str::to_owned);
    let mut rows = Rows::new(&STARGAZERS);
    let Some((items, new_etag, has_next)) = fetch(ctx, url.clone(), headers, etag.as_deref()).await? else {
        return done(rows, &cursor);
    };
    for item in &items {
        rows.rows.push(stargazer_row(item.get())?);
    }
    if items.len() == PER_PAGE {
        // A full page: whatever comes next starts on the following one.
        cursor.page = Some(page + 1);
        cursor.etag = None;
        return Ok(Page {
            done: !has_next,
            ..Page::more(rows, to_value(&cursor))
        });
    }
    // New stars append to this last page: the next sync re-reads it, with its ETag.
    cursor.page = Some(page);
    cursor.etag = new_etag.map(|e| (url.to_string(), e));
    done(rows, &cursor)
}

fn iso(ms: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
