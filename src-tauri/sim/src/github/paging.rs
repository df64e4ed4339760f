//! GitHub page-number pagination: `per_page`/`page` and the `Link` header with
//! absolute URLs that keep every other query parameter.

use axum::http::HeaderValue;
use axum::response::Response;

use crate::query::Query;

#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub per_page: usize,
    pub page: usize,
}

impl Paging {
    /// GitHub clamps `per_page` to 100 and treats junk as the default.
    pub fn parse(q: &Query) -> Paging {
        let per_page = match q.get("per_page").and_then(|v| v.parse::<usize>().ok()) {
            None | Some(0) => 30,
            Some(n) => n.min(100),
        };
        let page = q
            .get("page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        Paging { per_page, page }
    }

    /// Display positions `[start, end)` of this page among `total` items.
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = (self.page - 1).saturating_mul(self.per_page).min(total);
        start..(start + self.per_page).min(total)
    }

    pub fn last_page(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }
}

/// Adds `Link` (prev, next, last, first — as GitHub orders them) when there is
/// more than one page, or when the requested page is past the end.
pub fn add_link(resp: &mut Response, base: &str, path: &str, q: &Query, p: Paging, total: usize) {
    let last = p.last_page(total);
    let url = |page: usize| format!("<{base}{path}?{}>", q.with("page", &page.to_string()));
    let mut rels = Vec::new();
    if p.page > 1 {
        rels.push(format!("{}; rel=\"prev\"", url((p.page - 1).min(last))));
    }
    if p.page < last {
        rels.push(format!("{}; rel=\"next\"", url(p.page + 1)));
        rels.push(format!("{}; rel=\"last\"", url(last)));
    }
    if p.page > 1 {
        rels.push(format!("{}; rel=\"first\"", url(1)));
    }
    if rels.is_empty() {
        return;
    }
    if let Ok(v) = HeaderValue::from_str(&rels.join(", ")) {
        resp.headers_mut().insert("link", v);
    }
}
