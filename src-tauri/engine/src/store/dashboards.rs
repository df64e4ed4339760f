//! SQL for `dashboards` and `widgets`.

use sqlx::FromRow;

use super::Store;
use crate::clock::Millis;
use crate::error::{Error, InputError, Result};
use crate::metrics::{Comparison, Dashboard, DateRange, NewWidget, Visual, Widget};

#[derive(FromRow)]
struct WidgetRow {
    id: i64,
    dashboard_id: i64,
    metric: String,
    date_range: String,
    comparison: String,
    visual: String,
    position: i64,
    width: i64,
    height: i64,
}

impl WidgetRow {
    fn into_widget(self) -> Widget {
        Widget {
            id: self.id,
            dashboard_id: self.dashboard_id,
            metric: self.metric,
            // Written by this code from a validated `DateRange`; a row edited by hand
            // falls back to the default rather than hiding the dashboard.
            range: serde_json::from_str(&self.date_range).unwrap_or(DateRange::LastDays { days: 30 }),
            comparison: if self.comparison == "none" {
                Comparison::None
            } else {
                Comparison::PreviousPeriod
            },
            visual: Visual::parse(&self.visual),
            position: self.position,
            width: self.width as u8,
            height: self.height as u8,
        }
    }
}

const WIDGET_COLUMNS: &str =
    "id, dashboard_id, metric, date_range, comparison, visual, position, width, height";

impl Store {
    pub(crate) async fn dashboards(&self, client_id: i64) -> Result<Vec<Dashboard>> {
        Ok(sqlx::query_as(
            "SELECT id, client_id, name, position FROM dashboards WHERE client_id = ? ORDER BY position, id",
        )
        .bind(client_id)
        .fetch_all(self.reader())
        .await?)
    }

    pub(crate) async fn dashboard(&self, id: i64) -> Result<Dashboard> {
        sqlx::query_as("SELECT id, client_id, name, position FROM dashboards WHERE id = ?")
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(Error::DashboardNotFound(id))
    }

    /// Creates a dashboard with its widgets, in one transaction.
    pub(crate) async fn insert_dashboard(
        &self,
        client_id: i64,
        name: &str,
        widgets: &[NewWidget],
        now: Millis,
    ) -> Result<Dashboard> {
        let mut tx = self.write().await?;
        refuse_taken_name(&mut tx, client_id, name, None).await?;
        let dashboard: Dashboard = sqlx::query_as(
            "INSERT INTO dashboards (client_id, name, position, created_at, updated_at) \
             VALUES (?1, ?2, (SELECT COALESCE(MAX(position) + 1, 0) FROM dashboards WHERE client_id = ?1), ?3, ?3) \
             RETURNING id, client_id, name, position",
        )
        .bind(client_id)
        .bind(name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for widget in widgets {
            insert_widget(&mut tx, dashboard.id, widget, now).await?;
        }
        tx.commit().await?;
        Ok(dashboard)
    }

    pub(crate) async fn rename_dashboard(&self, id: i64, name: &str, now: Millis) -> Result<Dashboard> {
        let mut tx = self.write().await?;
        let client_id: i64 = sqlx::query_scalar("SELECT client_id FROM dashboards WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::DashboardNotFound(id))?;
        refuse_taken_name(&mut tx, client_id, name, Some(id)).await?;
        let dashboard = sqlx::query_as(
            "UPDATE dashboards SET name = ?, updated_at = ? WHERE id = ? RETURNING id, client_id, name, position",
        )
        .bind(name)
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::DashboardNotFound(id))?;
        tx.commit().await?;
        Ok(dashboard)
    }

    pub(crate) async fn delete_dashboard(&self, id: i64) -> Result<()> {
        match self
            .write_one(sqlx::query("DELETE FROM dashboards WHERE id = ?").bind(id))
            .await?
        {
            0 => Err(Error::DashboardNotFound(id)),
            _ => Ok(()),
        }
    }

    pub(crate) async fn widgets(&self, dashboard_id: i64) -> Result<Vec<Widget>> {
        let sql =
            format!("SELECT {WIDGET_COLUMNS} FROM widgets WHERE dashboard_id = ? ORDER BY position, id");
        let rows: Vec<WidgetRow> = sqlx::query_as(&sql)
            .bind(dashboard_id)
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().map(WidgetRow::into_widget).collect())
    }

    pub(crate) async fn widget(&self, id: i64) -> Result<Widget> {
        let sql = format!("SELECT {WIDGET_COLUMNS} FROM widgets WHERE id = ?");
        let row: Option<WidgetRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(WidgetRow::into_widget).ok_or(Error::WidgetNotFound(id))
    }

    /// Appends widgets to a dashboard.
    pub(crate) async fn add_widgets(
        &self,
        dashboard_id: i64,
        widgets: &[NewWidget],
        now: Millis,
    ) -> Result<Vec<i64>> {
        let mut tx = self.write().await?;
        let mut ids = Vec::with_capacity(widgets.len());
        for widget in widgets {
            ids.push(insert_widget(&mut tx, dashboard_id, widget, now).await?);
        }
        sqlx::query("UPDATE dashboards SET updated_at = ? WHERE id = ?")
            .bind(now)
            .bind(dashboard_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ids)
    }

    pub(crate) async fn put_widget(&self, widget: &Widget, now: Millis) -> Result<()> {
        let query = sqlx::query(
            "UPDATE widgets SET date_range = ?, comparison = ?, visual = ?, width = ?, height = ?, updated_at = ? \
             WHERE id = ?",
        )
        .bind(serde_json::to_string(&widget.range).expect("a range serialises"))
        .bind(widget.comparison.as_str())
        .bind(widget.visual.as_str())
        .bind(widget.width)
        .bind(widget.height)
        .bind(now)
        .bind(widget.id);
        match self.write_one(query).await? {
            0 => Err(Error::WidgetNotFound(widget.id)),
            _ => Ok(()),
        }
    }

    /// Moves a widget to `position` (0-based, clamped) and renumbers the others in order.
    pub(crate) async fn move_widget(&self, id: i64, position: usize, now: Millis) -> Result<i64> {
        let mut tx = self.write().await?;
        let dashboard_id: i64 = sqlx::query_scalar("SELECT dashboard_id FROM widgets WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::WidgetNotFound(id))?;
        let mut order: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM widgets WHERE dashboard_id = ? AND id != ? ORDER BY position, id",
        )
        .bind(dashboard_id)
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        order.insert(position.min(order.len()), id);
        for (index, widget) in order.iter().enumerate() {
            sqlx::query("UPDATE widgets SET position = ?, updated_at = ? WHERE id = ? AND position != ?")
                .bind(index as i64)
                .bind(now)
                .bind(widget)
                .bind(index as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(dashboard_id)
    }

    /// Removes a widget; returns its dashboard.
    pub(crate) async fn delete_widget(&self, id: i64) -> Result<i64> {
        let mut tx = self.write().await?;
        let dashboard_id: i64 = sqlx::query_scalar("DELETE FROM widgets WHERE id = ? RETURNING dashboard_id")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::WidgetNotFound(id))?;
        tx.commit().await?;
        Ok(dashboard_id)
    }
}

/// Dashboard names are unique per client, ignoring case (the schema's UNIQUE does not).
async fn refuse_taken_name(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    client_id: i64,
    name: &str,
    except: Option<i64>,
) -> Result<()> {
    let taken: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM dashboards WHERE client_id = ? AND lower(name) = lower(?) AND id IS NOT ?)",
    )
    .bind(client_id)
    .bind(name)
    .bind(except)
    .fetch_one(&mut **tx)
    .await?;
    if taken {
        return Err(InputError::DuplicateDashboardName(name.to_owned()).into());
    }
    Ok(())
}

async fn insert_widget(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    dashboard_id: i64,
    widget: &NewWidget,
    now: Millis,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO widgets (dashboard_id, metric, date_range, comparison, visual, position, width, height, \
           created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, (SELECT COALESCE(MAX(position) + 1, 0) FROM widgets WHERE dashboard_id = ?1), \
           ?6, ?7, ?8, ?8) RETURNING id",
    )
    .bind(dashboard_id)
    .bind(&widget.metric)
    .bind(serde_json::to_string(&widget.range).expect("a range serialises"))
    .bind(widget.comparison.as_str())
    .bind(widget.visual.as_str())
    .bind(widget.width)
    .bind(widget.height)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}
