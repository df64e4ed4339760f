//! The shape of replicated rows: a provider declares its tables, maps each API object to a
//! row of cells, and the store writes them with one batched upsert. A table also says which
//! of its columns date a row for the daily rollups, from which the store generates the
//! triggers that mark the days every write touches.

/// A table of replicated rows. `columns` lists every column but `source_id` and `synced_at`,
/// in the order rows are built; `key` names the primary key columns besides `source_id`.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// The columns that date a row for rollups: a write touches the day of each (old and new
    /// values). Empty for a table no metric reads.
    pub days: &'static [Day],
    /// The columns whose change alters a rollup. An upsert that changes none of them (the
    /// same object re-read) marks nothing, so an incremental sync's rollups cost in
    /// proportion to what changed.
    pub watch: &'static [&'static str],
}

impl Table {
    /// The provider's calendar-date column of a date-keyed report table, whose days a sync
    /// replaces as a whole when it re-reads them.
    pub fn date_column(&self) -> Option<&'static str> {
        self.days.iter().find_map(|d| match d {
            Day::Date(column) => Some(*column),
            Day::Millis(_) => None,
        })
    }
}

/// How a column (or expression) dates a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    /// UTC milliseconds: the row's day is its UTC day (Stripe, GitHub).
    Millis(&'static str),
    /// A `YYYY-MM-DD` date in the provider's own calendar and zone (GA4, Search Console, Ads,
    /// Meta): the row's day is that date, as the provider reports it.
    Date(&'static str),
}

pub const DAY_MS: i64 = 86_400_000;

impl Day {
    pub fn expr(self) -> &'static str {
        match self {
            Day::Millis(e) | Day::Date(e) => e,
        }
    }

    /// SQL for the day number (days since 1970-01-01) of the expression, with `prefix` on
    /// column names (`NEW.`, `OLD.` in triggers; `` in queries).
    pub fn number_sql(self, prefix: &str) -> String {
        match self {
            Day::Millis(e) => format!("({prefix}{e}) / {DAY_MS}"),
            Day::Date(e) => format!("CAST(julianday({prefix}{e}) - 2440587.5 AS INTEGER)"),
        }
    }

    /// SQL for the day as `YYYY-MM-DD`.
    pub fn text_sql(self) -> String {
        match self {
            Day::Millis(e) => format!("date(({e}) / {DAY_MS} * 86400, 'unixepoch')"),
            Day::Date(e) => e.to_owned(),
        }
    }

    /// SQL keeping rows whose day lies in an inclusive range of day numbers bound at `?N`
    /// (`from`) and `?N+1` (`to`), in the form an index on the column can serve.
    pub fn range_sql(self, first_param: u8) -> String {
        let (a, b) = (first_param, first_param + 1);
        match self {
            Day::Millis(e) => format!("({e}) >= ?{a} * {DAY_MS} AND ({e}) < (?{b} + 1) * {DAY_MS}"),
            Day::Date(e) => format!(
                "({e}) >= date(?{a} * 86400, 'unixepoch') AND ({e}) <= date(?{b} * 86400, 'unixepoch')"
            ),
        }
    }
}

/// One value of a row, as a connector maps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Real(f64),
    Text(String),
    Null,
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Real(v)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(v)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(v.to_owned())
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

/// A page's rows for one table.
#[derive(Debug)]
pub struct Rows {
    pub table: &'static Table,
    pub rows: Vec<Vec<Cell>>,
}

impl Rows {
    pub fn new(table: &'static Table) -> Self {
        Self {
            table,
            rows: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
