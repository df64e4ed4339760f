//! Search Console's tables, on Pacific Time dates as Google reports them. Site totals come from
//! the date-only report; queries and pages from their own reports, whose rows add up to less
//! (Google leaves out anonymised queries), so totals are never summed from them.

use crate::connector::{Day, Table};

pub(super) static DAILY: Table = Table {
    name: "gsc_daily",
    key: &["date"],
    columns: &["date", "clicks", "impressions", "ctr", "position"],
    days: &[Day::Date("date")],
    watch: &["clicks", "impressions", "position"],
};

pub(super) static QUERIES: Table = Table {
    name: "gsc_queries_daily",
    key: &["date", "query"],
    columns: &["date", "query", "clicks", "impressions", "ctr", "position"],
    days: &[Day::Date("date")],
    watch: &["clicks", "impressions", "position"],
};

pub(super) static PAGES: Table = Table {
    name: "gsc_pages_daily",
    key: &["date", "page"],
    columns: &["date", "page", "clicks", "impressions", "ctr", "position"],
    days: &[Day::Date("date")],
    watch: &["clicks", "impressions", "position"],
};
