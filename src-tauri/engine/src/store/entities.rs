//! Writing replicated rows: the batched `INSERT … ON CONFLICT DO UPDATE` of a page of rows,
//! replacing a report's re-read days, and the rollup triggers every entity table gets,
//! generated from what its provider declares.

use chrono::NaiveDate;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::clock::Millis;
use crate::connector::{Cell, Day, Rows, Table};
use crate::error::Result;
use crate::providers::Provider;

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
    let full = (MAX_PARAMS / per_row).max(1);
    for chunk in rows.rows.chunks(full) {
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
                    Cell::Real(v) => b.push_bind(*v),
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
        // A full chunk's statement is the same every time: sqlx keeps it prepared. A shorter
        // one (a page's last rows) is prepared for once only: kept, every length would stay
        // in the statement cache, and a statement of thousands of rows holds megabytes.
        query
            .build()
            .persistent(chunk.len() == full)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Deletes a report's stored rows for `from..=to` (provider dates), before the days' new rows
/// are written in the same transaction: a row the provider no longer returns goes too.
pub(crate) async fn replace_days(
    conn: &mut SqliteConnection,
    source_id: i64,
    table: &Table,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<()> {
    let Some(date) = table.date_column() else {
        return Ok(());
    };
    sqlx::query(&format!(
        "DELETE FROM {} WHERE source_id = ? AND {date} BETWEEN ? AND ?",
        table.name
    ))
    .bind(source_id)
    .bind(from.to_string())
    .bind(to.to_string())
    .execute(conn)
    .await?;
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

/// The rollup triggers of every entity table: each write marks the days it touches (old and
/// new values of the table's day columns) in `rollup_dirty`, inside the writing transaction,
/// so no change is missed even across a crash. An update marks only when a watched column
/// changed. `ON CONFLICT DO NOTHING`, not `INSERT OR IGNORE`: a trigger's OR clause is
/// overridden by the statement that fired it; the SELECT keeps a WHERE so SQLite does not read
/// the ON CONFLICT as a join constraint.
pub(crate) fn rollup_triggers() -> Vec<(String, String)> {
    let mut triggers = Vec::new();
    for provider in Provider::ALL {
        for table in provider.connector().tables().filter(|t| !t.days.is_empty()) {
            let t = table.name;
            let mark = |row: &str| {
                let days: Vec<String> = table
                    .days
                    .iter()
                    .map(|d: &Day| format!("SELECT {} AS d", d.number_sql(row)))
                    .collect();
                format!(
                    "    INSERT INTO rollup_dirty (source_id, tbl, day)\n    SELECT {row}source_id, '{t}', d FROM ({}) WHERE d IS NOT NULL\n    ON CONFLICT DO NOTHING;\n",
                    days.join(" UNION ALL ")
                )
            };
            triggers.push((
                format!("{t}_rollup_insert"),
                format!(
                    "CREATE TRIGGER {t}_rollup_insert AFTER INSERT ON {t} BEGIN\n{}END",
                    mark("NEW.")
                ),
            ));
            let changed: Vec<String> = table
                .watch
                .iter()
                .map(|c| format!("OLD.{c} IS NOT NEW.{c}"))
                .collect();
            if !changed.is_empty() {
                triggers.push((
                    format!("{t}_rollup_update"),
                    format!(
                        "CREATE TRIGGER {t}_rollup_update AFTER UPDATE ON {t}\nWHEN {}\nBEGIN\n{}{}END",
                        changed.join(" OR "),
                        mark("OLD."),
                        mark("NEW.")
                    ),
                ));
            }
            triggers.push((
                format!("{t}_rollup_delete"),
                format!(
                    "CREATE TRIGGER {t}_rollup_delete AFTER DELETE ON {t} BEGIN\n{}END",
                    mark("OLD.")
                ),
            ));
        }
    }
    triggers
}
