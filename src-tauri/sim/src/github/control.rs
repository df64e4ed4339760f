//! `/_sim/github/…`: mutations for tests and demo mode (no auth).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::model::{CommitView, IssueView, StarView};
use super::mutate::ItemChange;
use crate::control::{parse_body, ControlError};
use crate::state::{lock, write, AppState};

type Reply = Result<Response, ControlError>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens/revoke", post(revoke_token))
        .route("/{owner}/{repo}/issues", post(create_issue))
        .route("/{owner}/{repo}/issues/{number}", post(update_issue))
        .route("/{owner}/{repo}/commits", post(create_commit))
        .route("/{owner}/{repo}/stargazers", post(add_stargazer))
}

fn repo_index(st: &super::store::GithubStore, owner: &str, name: &str) -> Result<usize, ControlError> {
    st.find(owner, name)
        .ok_or_else(|| ControlError::new(404, format!("No repository {owner}/{name}")))
}

#[derive(Deserialize)]
struct NewIssue {
    title: String,
    #[serde(default)]
    pull_request: bool,
}

async fn create_issue(State(s): State<AppState>, Path((o, r)): Path<(String, String)>, body: Bytes) -> Reply {
    let req: NewIssue = parse_body(&body)?;
    let now = s.clock.now();
    let mut st = write(&s.github);
    let repo = repo_index(&st, &o, &r)?;
    let item = st.create_item(repo, now, req.title, req.pull_request);
    Ok(Json(IssueView(&st.ctx(repo, &s.base_url), &item)).into_response())
}

#[derive(Deserialize)]
struct IssueUpdate {
    state: Option<String>,
    title: Option<String>,
    merged: Option<bool>,
}

async fn update_issue(
    State(s): State<AppState>,
    Path((o, r, number)): Path<(String, String, u32)>,
    body: Bytes,
) -> Reply {
    let req: IssueUpdate = parse_body(&body)?;
    let now = s.clock.now();
    let mut st = write(&s.github);
    let repo = repo_index(&st, &o, &r)?;
    let change = ItemChange {
        state: req.state,
        title: req.title,
        merged: req.merged,
    };
    let item = st
        .update_item(repo, number, now, change)
        .map_err(|(c, m)| ControlError::new(c, m))?;
    Ok(Json(IssueView(&st.ctx(repo, &s.base_url), &item)).into_response())
}

#[derive(Deserialize)]
struct NewCommit {
    message: String,
}

async fn create_commit(
    State(s): State<AppState>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let req: NewCommit = parse_body(&body)?;
    let now = s.clock.now();
    let mut st = write(&s.github);
    let repo = repo_index(&st, &o, &r)?;
    let commit = st.add_commit(repo, now, req.message);
    Ok(Json(CommitView(&st.ctx(repo, &s.base_url), &commit)).into_response())
}

#[derive(Deserialize)]
struct NewStar {
    login: String,
}

async fn add_stargazer(
    State(s): State<AppState>,
    Path((o, r)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let req: NewStar = parse_body(&body)?;
    let now = s.clock.now();
    let mut st = write(&s.github);
    let repo = repo_index(&st, &o, &r)?;
    let star = st.add_star(repo, now, &req.login);
    Ok(Json(StarView(&star, true)).into_response())
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

async fn revoke_token(State(s): State<AppState>, body: Bytes) -> Reply {
    let req: Token = parse_body(&body)?;
    lock(&s.github_auth).revoke(&req.token);
    lock(&s.oauth).revoke_access(&req.token);
    Ok(Json(serde_json::json!({"revoked": req.token})).into_response())
}
