//! GitHub REST read endpoints: repository, issues, pulls, commits,
//! stargazers and /rate_limit.

use axum::extract::{Extension, OriginalUri, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::json;

use super::auth::Caller;
use super::errors;
use super::gate::gate;
use super::model::{CommitView, IssueView, PullView, StarView};
use super::paging::{add_link, Paging};
use super::store::{GithubStore, ListKey, SortBy, StateFilter};
use crate::clock::{iso, parse_iso};
use crate::latency::Objects;
use crate::query::Query;
use crate::state::{lock, read, AppState};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/rate_limit", get(rate_limit))
        .route("/user", get(user))
        .route("/user/repos", get(user_repos))
        .route("/repos/{owner}/{repo}", get(repo))
        .route("/repos/{owner}/{repo}/issues", get(issues))
        .route("/repos/{owner}/{repo}/issues/{number}", get(issue))
        .route("/repos/{owner}/{repo}/pulls", get(pulls))
        .route("/repos/{owner}/{repo}/pulls/{number}", get(pull))
        .route("/repos/{owner}/{repo}/commits", get(commits))
        .route("/repos/{owner}/{repo}/stargazers", get(stargazers))
        .fallback(|| async { errors::not_found() })
        .method_not_allowed_fallback(|| async { errors::not_found() })
        .layer(from_fn_with_state(state.clone(), gate))
        .with_state(state)
}

type RepoPath = Path<(String, String)>;
type Reply = Result<Response, Fail>;

/// Why a GitHub read failed; small, so `?` stays cheap.
pub enum Fail {
    NotFound,
    /// 422 for a bad value of (field, resource).
    Invalid(&'static str, &'static str),
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        match self {
            Fail::NotFound => errors::not_found(),
            Fail::Invalid(field, resource) => errors::invalid(field, resource),
        }
    }
}

fn page_response<T: Serialize>(
    data: Vec<T>,
    s: &AppState,
    uri: &OriginalUri,
    q: &Query,
    p: Paging,
    total: usize,
) -> Response {
    let objects = Objects(data.len() as u64);
    let mut resp = Json(data).into_response();
    add_link(&mut resp, &s.base_url, uri.path(), q, p, total);
    resp.extensions_mut().insert(objects);
    resp
}

/// A single-object answer (one object, for latency).
fn one(body: impl IntoResponse) -> Response {
    let mut resp = body.into_response();
    resp.extensions_mut().insert(Objects(1));
    resp
}

fn with_repo(st: &GithubStore, owner: &str, name: &str) -> Result<usize, Fail> {
    st.find(owner, name).ok_or(Fail::NotFound)
}

async fn repo(State(s): State<AppState>, Path((owner, name)): RepoPath) -> Reply {
    let st = read(&s.github);
    let i = with_repo(&st, &owner, &name)?;
    let r = &st.repos[i];
    let open = r.items.iter().filter(|it| it.is_open()).count();
    let stars = r.stars.len();
    Ok(Json(json!({
        "id": r.id,
        "node_id": format!("R_sim{}", r.id),
        "name": r.name,
        "full_name": r.full_name,
        "private": false,
        "owner": {"login": r.owner, "id": r.owner_id, "type": "Organization"},
        "html_url": format!("https://github.com/{}", r.full_name),
        "description": format!("{} — simulated repository", r.name),
        "url": format!("{}/repos/{}", s.base_url, r.full_name),
        "stargazers_count": stars,
        "watchers_count": stars,
        "forks_count": r.forks,
        "open_issues_count": open,
        "subscribers_count": r.subscribers,
        "default_branch": "main",
        "created_at": iso(r.created),
        "updated_at": iso(r.updated),
        "pushed_at": iso(r.pushed),
    }))
    .into_response())
}

/// Shared `/issues` and `/pulls` filter parsing.
fn list_key(repo: usize, q: &Query, pulls_only: bool) -> Result<(ListKey, bool), Fail> {
    let state = match q.get("state").unwrap_or("open") {
        "open" => StateFilter::Open,
        "closed" => StateFilter::Closed,
        "all" => StateFilter::All,
        _ => return Err(Fail::Invalid("state", "Issue")),
    };
    let sort = match q.get("sort").unwrap_or("created") {
        "created" => SortBy::Created,
        "updated" => SortBy::Updated,
        // Accepted but approximated: nothing here tracks comment counts over time.
        "comments" | "popularity" | "long-running" => SortBy::Created,
        _ => return Err(Fail::Invalid("sort", "Issue")),
    };
    // /pulls defaults to asc unless sorting by created; /issues always desc.
    let default_desc = !pulls_only || matches!(q.get("sort"), None | Some("created"));
    let desc = match q.get("direction") {
        None => default_desc,
        Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(Fail::Invalid("direction", "Issue")),
    };
    let since = match q.get("since").filter(|_| !pulls_only) {
        None => None,
        Some(v) => Some(parse_iso(v).ok_or(Fail::Invalid("since", "Issue"))?),
    };
    Ok((
        ListKey {
            repo,
            pulls_only,
            state,
            sort,
            since,
        },
        desc,
    ))
}

async fn list_items(
    s: AppState,
    owner: String,
    name: String,
    uri: OriginalUri,
    raw: Option<String>,
    pulls: bool,
) -> Reply {
    let q = Query::parse(raw.as_deref());
    let st = read(&s.github);
    let repo = with_repo(&st, &owner, &name)?;
    let (key, desc) = list_key(repo, &q, pulls)?;
    let order = st.listing(key);
    let p = Paging::parse(&q);
    let range = p.range(order.len());
    let ctx = st.ctx(repo, &s.base_url);
    let items = &st.repos[repo].items;
    let at = |k: usize| &items[order[if desc { order.len() - 1 - k } else { k }] as usize];
    Ok(if pulls {
        let data: Vec<_> = range.map(|k| PullView(&ctx, at(k))).collect();
        page_response(data, &s, &uri, &q, p, order.len())
    } else {
        let data: Vec<_> = range.map(|k| IssueView(&ctx, at(k))).collect();
        page_response(data, &s, &uri, &q, p, order.len())
    })
}

async fn issues(
    State(s): State<AppState>,
    Path((o, r)): RepoPath,
    uri: OriginalUri,
    RawQuery(q): RawQuery,
) -> Reply {
    list_items(s, o, r, uri, q, false).await
}

async fn pulls(
    State(s): State<AppState>,
    Path((o, r)): RepoPath,
    uri: OriginalUri,
    RawQuery(q): RawQuery,
) -> Reply {
    list_items(s, o, r, uri, q, true).await
}

async fn issue(State(s): State<AppState>, Path((o, r, n)): Path<(String, String, String)>) -> Reply {
    let st = read(&s.github);
    let repo = with_repo(&st, &o, &r)?;
    let ctx = st.ctx(repo, &s.base_url);
    // Parsed here so a non-number is GitHub's 404, not axum's 400.
    let n: u32 = n.parse().map_err(|_| Fail::NotFound)?;
    let it = n
        .checked_sub(1)
        .and_then(|k| st.repos[repo].items.get(k as usize))
        .ok_or(Fail::NotFound)?;
    Ok(one(Json(IssueView(&ctx, it))))
}

async fn pull(State(s): State<AppState>, Path((o, r, n)): Path<(String, String, String)>) -> Reply {
    let st = read(&s.github);
    let repo = with_repo(&st, &o, &r)?;
    let ctx = st.ctx(repo, &s.base_url);
    // Parsed here so a non-number is GitHub's 404, not axum's 400.
    let n: u32 = n.parse().map_err(|_| Fail::NotFound)?;
    let items = &st.repos[repo].items;
    let it = n
        .checked_sub(1)
        .and_then(|k| items.get(k as usize))
        .filter(|it| it.is_pr)
        .ok_or(Fail::NotFound)?;
    Ok(one(Json(PullView(&ctx, it))))
}

async fn commits(
    State(s): State<AppState>,
    Path((o, r)): RepoPath,
    uri: OriginalUri,
    RawQuery(q): RawQuery,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let st = read(&s.github);
    let repo = with_repo(&st, &o, &r)?;
    let bound = |key: &'static str| match q.get(key) {
        None => Ok(None),
        Some(v) => parse_iso(v).map(Some).ok_or(Fail::Invalid(key, "Commit")),
    };
    let (since, until) = (bound("since")?, bound("until")?);
    // Commits are sorted by date, so both bounds are binary searches.
    let all = &st.repos[repo].commits;
    let lo = since.map_or(0, |t| all.partition_point(|c| c.date < t));
    let hi = until
        .map_or(all.len(), |t| all.partition_point(|c| c.date <= t))
        .max(lo);
    let window = &all[lo..hi];
    let p = Paging::parse(&q);
    let ctx = st.ctx(repo, &s.base_url);
    let data: Vec<_> = p
        .range(window.len())
        .map(|k| CommitView(&ctx, &window[window.len() - 1 - k]))
        .collect();
    Ok(page_response(data, &s, &uri, &q, p, window.len()))
}

async fn stargazers(
    State(s): State<AppState>,
    Path((o, r)): RepoPath,
    uri: OriginalUri,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let st = read(&s.github);
    let repo = with_repo(&st, &o, &r)?;
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let with_dates = accept.contains("application/vnd.github.star+json");
    let stars = &st.repos[repo].stars;
    let p = Paging::parse(&q);
    let data: Vec<_> = p
        .range(stars.len())
        .map(|k| StarView(&stars[k], with_dates))
        .collect();
    Ok(page_response(data, &s, &uri, &q, p, stars.len()))
}

/// The signed-in user: whoever holds a token is "octocat" here.
async fn user(caller: Option<Extension<Caller>>) -> Response {
    match caller {
        Some(Extension(Caller::Token(_))) => {
            Json(json!({"login": "octocat", "id": 1, "type": "User", "name": "The Octocat"})).into_response()
        }
        _ => errors::requires_authentication(),
    }
}

/// The repositories the signed-in user can read: every repository of the simulator.
async fn user_repos(State(s): State<AppState>, caller: Option<Extension<Caller>>) -> Response {
    if !matches!(caller, Some(Extension(Caller::Token(_)))) {
        return errors::requires_authentication();
    }
    let st = read(&s.github);
    let repos: Vec<serde_json::Value> = st
        .repos
        .iter()
        .map(|r| {
            json!({"id": r.id, "name": r.name, "full_name": r.full_name, "private": false,
                        "owner": {"login": r.owner, "id": r.owner_id}})
        })
        .collect();
    Json(repos).into_response()
}

async fn rate_limit(State(s): State<AppState>, caller: Option<Extension<Caller>>) -> Response {
    let caller = caller.map_or(Caller::Anonymous, |Extension(c)| c);
    let q = lock(&s.github_auth).peek(&caller, s.clock.now());
    let core = json!({
        "limit": q.limit, "remaining": q.remaining(), "reset": q.reset, "used": q.used, "resource": "core",
    });
    let search =
        json!({"limit": 30, "remaining": 30, "reset": s.clock.now() + 60, "used": 0, "resource": "search"});
    Json(json!({"resources": {"core": core, "search": search}, "rate": core})).into_response()
}
