//! The Graph object routes: `/v26.0/{node}` and `/v26.0/{node}/insights`, where a node is an
//! ad account (`act_{id}`) or a report run (digits) — one path shape, told apart by the
//! `act_` prefix. Sync insights, async run creation, run polls and run results live here;
//! what a call asks for and its rows are `report.rs`, the run lifecycle `runs.rs`.

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{header, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::errors::GraphError;
use super::paging;
use super::params::Params;
use super::report::{Report, Snapshot, Spec};
use super::{accounts, today};
use crate::config::MetaAdAccount;
use crate::latency::Objects;
use crate::state::{lock, AppState};

fn is_run_id(node: &str) -> bool {
    !node.is_empty() && node.bytes().all(|b| b.is_ascii_digit())
}

/// `/v26.0/{node}`: an ad account, or a report run's status.
pub async fn node(
    State(s): State<AppState>,
    method: Method,
    Path(node): Path<String>,
    Extension(p): Extension<Params>,
) -> Response {
    match (method.as_str(), node.starts_with("act_"), is_run_id(&node)) {
        ("GET", true, _) => accounts::get(&s, &node, &p),
        ("GET", _, true) => poll(&s, &node, &p),
        (m, _, _) => GraphError::no_object(m, &node).into_response(),
    }
}

/// `/v26.0/{node}/{edge}`: only the `insights` edge exists here.
pub async fn edge(
    State(s): State<AppState>,
    method: Method,
    uri: Uri,
    RawQuery(raw): RawQuery,
    Path((node, edge)): Path<(String, String)>,
    Extension(p): Extension<Params>,
) -> Response {
    if edge != "insights" {
        return GraphError::unknown_path(&format!("/{edge}")).into_response();
    }
    let url = format!("{}{}", s.base_url, uri.path());
    let answer = match (method.as_str(), node.starts_with("act_"), is_run_id(&node)) {
        ("GET", true, _) => sync(&s, &node, &p, &url, raw.as_deref()),
        ("POST", true, _) => create_run(&s, &node, &p),
        ("GET", _, true) => run_results(&s, &node, &p, &url, raw.as_deref()),
        (m, _, _) => Err(GraphError::no_object(m, &node)),
    };
    answer.unwrap_or_else(|e| e.into_response())
}

/// Paths Graph has no node or edge for (and other versions, which the gate refuses first).
pub async fn unknown_path(uri: Uri) -> Response {
    let rest = uri.path().splitn(3, '/').nth(2).unwrap_or_default();
    GraphError::unknown_path(&format!("/{rest}")).into_response()
}

fn account<'a>(s: &'a AppState, node: &str) -> Result<&'a MetaAdAccount, GraphError> {
    s.meta
        .account(node)
        .ok_or_else(|| GraphError::no_object("GET", node))
}

/// Spec and snapshot of an insights call on `node` at the sim's now.
fn prepare(s: &AppState, node: &str, p: &Params) -> Result<(Spec, Snapshot), GraphError> {
    let a = account(s, node)?;
    let now = s.clock.now();
    let spec = Spec::parse(p, today(a, now))?;
    Ok((spec, Snapshot::now(&s.meta, a, now)))
}

/// One page of rows, with the row count for the latency layer.
fn rows_page(report: &Report, p: &Params, url: &str, query: Option<&str>) -> Result<Response, GraphError> {
    // The page is written as text, row after row: `{"data":[…],"paging":{…}}`.
    let range = paging::window(p, report.len())?;
    let (start, n) = (range.start, range.len());
    let mut body = String::with_capacity(64 + n * 640);
    body.push_str("{\"data\":[");
    for i in range {
        if i > start {
            body.push(',');
        }
        report.write_row(i, &mut body);
    }
    body.push(']');
    if let Some(paging) = paging::paging(start, n, report.len(), url, query) {
        body.push_str(",\"paging\":");
        body.push_str(&paging.to_string());
    }
    body.push('}');
    let mut resp = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    resp.extensions_mut().insert(Objects(n as u64));
    Ok(resp)
}

fn sync(
    s: &AppState,
    node: &str,
    p: &Params,
    url: &str,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let (spec, snap) = prepare(s, node, p)?;
    if spec.days() * snap.account.campaigns as u64 > s.meta.cfg.sync_max_rows as u64 {
        return Err(GraphError::reduce_data());
    }
    rows_page(&Report::new(snap, spec), p, url, query)
}

fn create_run(s: &AppState, node: &str, p: &Params) -> Result<Response, GraphError> {
    let (spec, snap) = prepare(s, node, p)?;
    let account = snap.account.id.clone();
    let id = lock(&s.meta.runs).create(&account, Report::new(snap, spec));
    Ok(Json(json!({ "report_run_id": id })).into_response())
}

/// The `AdReportRun` fields a poll answers.
const RUN_FIELDS: [&str; 6] = [
    "id",
    "account_id",
    "async_status",
    "async_percent_completion",
    "date_start",
    "date_stop",
];

/// A status poll: one step of the run (see `runs.rs`). Every field is sent whatever
/// `fields` asks, but an unknown one is refused.
fn poll(s: &AppState, id: &str, p: &Params) -> Response {
    for name in p.get("fields").unwrap_or("").split(',').map(str::trim) {
        if !name.is_empty() && !RUN_FIELDS.contains(&name) {
            return GraphError::invalid(format!(
                "Tried accessing nonexisting field ({name}) on node type (AdReportRun)"
            ))
            .into_response();
        }
    }
    let polled = lock(&s.meta.runs).poll(id, s.meta.cfg.async_polls);
    let Some(run) = polled else {
        return GraphError::no_object("GET", id).into_response();
    };
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    out.insert("account_id".into(), json!(run.account));
    out.insert("async_status".into(), json!(run.status));
    out.insert("async_percent_completion".into(), json!(run.percent));
    out.insert("date_start".into(), json!(run.since));
    out.insert("date_stop".into(), json!(run.until));
    Json(Value::Object(out)).into_response()
}

fn run_results(
    s: &AppState,
    id: &str,
    p: &Params,
    url: &str,
    query: Option<&str>,
) -> Result<Response, GraphError> {
    let results = lock(&s.meta.runs).results(id, s.meta.cfg.async_polls);
    let report = results.ok_or_else(|| GraphError::no_object("GET", id))??;
    rows_page(&report, p, url, query)
}
