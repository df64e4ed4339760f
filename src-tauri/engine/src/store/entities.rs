//! Upserting replicated rows: the tables, their keys and columns, and the batched
//! `INSERT … ON CONFLICT DO UPDATE` that writes a page of them.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::clock::Millis;
use crate::error::Result;

/// A table of replicated rows. `columns` lists every column but `source_id` and `synced_at`,
/// in the order connectors build rows; `key` names the primary key columns besides `source_id`.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub key: &'static [&'static str],
    pub columns: &'static [&'static str],
}

/// One value of a row, as a connector maps it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
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

/// SQLite allows 32,766 bound parameters per statement; stay well under.
const MAX_PARAMS: usize = 30_000;

pub(crate) async fn upsert(
    conn: &mut SqliteConnection,
    source_id: i64,
    rows: &Rows,
    now: Millis,
) -> Result<()> {
    let table = rows.table;
    let per_row = table.columns.len() + 2;
    for chunk in rows.rows.chunks((MAX_PARAMS / per_row).max(1)) {
        let mut query: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "INSERT INTO {} (source_id, synced_at, {}) ",
            table.name,
            table.columns.join(", ")
        ));
        query.push_values(chunk, |mut b, row| {
            debug_assert_eq!(row.len(), table.columns.len(), "{} row shape", table.name);
            b.push_bind(source_id).push_bind(now);
            for cell in row {
                match cell {
                    Cell::Int(v) => b.push_bind(*v),
                    Cell::Text(v) => b.push_bind(v.as_str()),
                    Cell::Null => b.push_bind(Option::<i64>::None),
                };
            }
        });
        query.push(format!(
            " ON CONFLICT (source_id, {}) DO UPDATE SET synced_at = excluded.synced_at",
            table.key.join(", ")
        ));
        for column in table.columns.iter().filter(|c| !table.key.contains(c)) {
            query.push(format!(", {column} = excluded.{column}"));
        }
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn count(conn: &mut SqliteConnection, table: &Table, source_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {} WHERE source_id = ?",
        table.name
    ))
    .bind(source_id)
    .fetch_one(conn)
    .await?)
}
