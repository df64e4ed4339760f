//! Graph's cursor paging: `limit` (default 25, at most 500: larger is clamped) and
//! `after=<paging.cursors.after>`; each page answers `{"data":[…],"paging":{"cursors":
//! {"before","after"},"next"}}` with `next` an absolute URL (the request's own query with
//! `after` replaced, so an `access_token` parameter rides along), absent on the last page.
//! A cursor is the row's position, base64url-encoded: opaque to clients, free to decode.

use base64::Engine as _;
use serde_json::{json, Value};

use super::errors::GraphError;
use super::params::Params;
use crate::query::Query;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 500;

pub fn limit(p: &Params) -> Result<usize, GraphError> {
    match p.get("limit") {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<i64>()
            .map(|n| n.clamp(1, MAX_LIMIT as i64) as usize)
            .map_err(|_| GraphError::invalid(format!("param limit must be an integer, got {v}"))),
    }
}

pub fn cursor(position: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(position.to_string())
}

/// The first position of the page `after` asks for (0 without one).
pub fn start(p: &Params) -> Result<usize, GraphError> {
    let Some(after) = p.get("after").filter(|a| !a.is_empty()) else {
        return Ok(0);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(after)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse::<usize>().ok())
        .map(|at| at + 1)
        .ok_or_else(|| GraphError::invalid(format!("The after cursor {after} is not valid")))
}

/// The `paging` of a page of `n` rows starting at `start` out of `total` (none for an empty
/// page); `url` is the request's `base + path` and `query` its raw query string.
pub fn paging(start: usize, n: usize, total: usize, url: &str, query: Option<&str>) -> Option<Value> {
    if n == 0 {
        return None;
    }
    let last = start + n - 1;
    let mut paging = json!({"cursors": {"before": cursor(start), "after": cursor(last)}});
    if last + 1 < total {
        paging["next"] = json!(format!(
            "{url}?{}",
            Query::parse(query).with("after", &cursor(last))
        ));
    }
    Some(paging)
}

/// The items of `total` a request's `limit` and `after` ask for: `start..end`.
pub fn window(p: &Params, total: usize) -> Result<std::ops::Range<usize>, GraphError> {
    let (start, limit) = (start(p)?, limit(p)?);
    Ok(start..total.min(start.saturating_add(limit)).max(start))
}

/// `total` items made by `item(i)`, paged by the request's `limit` and `after`.
pub fn answer(
    p: &Params,
    total: usize,
    url: &str,
    query: Option<&str>,
    item: impl Fn(usize) -> Value,
) -> Result<(Value, usize), GraphError> {
    let range = window(p, total)?;
    let start = range.start;
    let rows: Vec<Value> = range.map(item).collect();
    let n = rows.len();
    let page = match paging(start, n, total, url, query) {
        Some(paging) => json!({"data": rows, "paging": paging}),
        None => json!({"data": []}),
    };
    Ok((page, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_cursors() {
        let p = |q: &str| Params::collect(Some(q), None, b"");
        let (first, n) = answer(
            &p("limit=2&access_token=t"),
            5,
            "http://x/v26.0/a",
            Some("limit=2&access_token=t"),
            |i| json!(i),
        )
        .unwrap();
        assert_eq!((first["data"].clone(), n), (json!([0, 1]), 2));
        let next = first["paging"]["next"].as_str().unwrap();
        assert!(next.starts_with("http://x/v26.0/a?limit=2&access_token=t&after="));
        let query = next.split_once('?').unwrap().1;
        let (last, _) = answer(&p(&format!("{query}&limit=10")), 5, "u", Some(query), |i| {
            json!(i)
        })
        .unwrap();
        assert_eq!(last["data"], json!([2, 3, 4]));
        assert!(last["paging"].get("next").is_none());
        assert_eq!(limit(&p("limit=100000")).unwrap(), MAX_LIMIT);
        assert_eq!(limit(&p("")).unwrap(), DEFAULT_LIMIT);
        assert!(start(&p("after=%21%21")).is_err());
    }
}
