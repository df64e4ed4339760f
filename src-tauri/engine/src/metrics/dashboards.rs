//! Dashboards and their widgets: the types, input rules, the default dashboard, and editing.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use ts_rs::TS;

use super::catalog;
use super::range::DateRange;
pub use crate::connector::Visual;
use crate::error::{Error, InputError, Result};
use crate::providers::Provider;
use crate::Engine;

pub const MAX_DASHBOARD_NAME_CHARS: usize = 80;
/// The dashboard a client gets when its first source is added.
pub const DEFAULT_DASHBOARD: &str = "Overview";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, FromRow)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Dashboard {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub client_id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub position: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Comparison {
    None,
    PreviousPeriod,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::None => "none",
            Comparison::PreviousPeriod => "previous_period",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Widget {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub dashboard_id: i64,
    pub metric: String,
    pub range: DateRange,
    pub comparison: Comparison,
    pub visual: Visual,
    #[ts(type = "number")]
    pub position: i64,
    /// Grid columns (1–4) and rows (1–4).
    pub width: u8,
    pub height: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewWidget {
    pub metric: String,
    pub range: DateRange,
    pub comparison: Comparison,
    pub visual: Visual,
    pub width: u8,
    pub height: u8,
}

/// A change to a widget; `None` leaves that part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WidgetChange {
    pub range: Option<DateRange>,
    pub comparison: Option<Comparison>,
    pub visual: Option<Visual>,
    pub width: Option<u8>,
    pub height: Option<u8>,
}

fn dashboard_name(raw: &str) -> Result<String, InputError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(InputError::EmptyDashboardName);
    }
    let len = name.chars().count();
    if len > MAX_DASHBOARD_NAME_CHARS {
        return Err(InputError::DashboardNameTooLong {
            max: MAX_DASHBOARD_NAME_CHARS,
            len,
        });
    }
    Ok(name.to_owned())
}

fn check_size(size: u8) -> Result<(), InputError> {
    if (1..=4).contains(&size) {
        Ok(())
    } else {
        Err(InputError::BadWidgetSize(i64::from(size)))
    }
}

impl NewWidget {
    fn validate(&self) -> Result<(), InputError> {
        catalog::find(&self.metric).ok_or_else(|| InputError::UnknownMetric(self.metric.clone()))?;
        self.range.validate()?;
        check_size(self.width)?;
        check_size(self.height)
    }
}

fn default_widgets(provider: Provider) -> Vec<NewWidget> {
    provider
        .connector()
        .default_widgets
        .iter()
        .map(|w| NewWidget {
            metric: w.metric.to_owned(),
            range: DateRange::LastDays { days: 30 },
            comparison: Comparison::PreviousPeriod,
            visual: w.visual,
            width: w.width,
            height: if w.visual == Visual::Number { 1 } else { 2 },
        })
        .collect()
}

impl Engine {
    // --- dashboards ----------------------------------------------------------------------

    /// A client's dashboards. A client with sources but no dashboard gets the default one.
    pub async fn dashboards(&self, client_id: i64) -> Result<Vec<Dashboard>> {
        self.client(client_id).await?;
        let dashboards = self.store.dashboards(client_id).await?;
        if !dashboards.is_empty() {
            return Ok(dashboards);
        }
        let providers = self.client_providers(client_id).await?;
        if providers.is_empty() {
            return Ok(dashboards);
        }
        let widgets: Vec<NewWidget> = providers.into_iter().flat_map(default_widgets).collect();
        match self
            .store
            .insert_dashboard(client_id, DEFAULT_DASHBOARD, &widgets, self.clock.now_millis())
            .await
        {
            // Another window created it first.
            Ok(_) | Err(Error::Input(InputError::DuplicateDashboardName(_))) => {}
            Err(e) => return Err(e),
        }
        self.store.dashboards(client_id).await
    }

    /// After a source is added: its provider's default widgets join the client's first
    /// dashboard, unless a dashboard already shows that provider.
    pub(crate) async fn add_default_widgets(&self, client_id: i64, provider: Provider) -> Result<()> {
        let dashboards = self.dashboards(client_id).await?;
        let Some(first) = dashboards.first() else {
            return Ok(());
        };
        for dashboard in &dashboards {
            let widgets = self.store.widgets(dashboard.id).await?;
            if widgets
                .iter()
                .any(|w| catalog::find(&w.metric).is_some_and(|(p, _)| p == provider))
            {
                return Ok(());
            }
        }
        self.store
            .add_widgets(first.id, &default_widgets(provider), self.clock.now_millis())
            .await?;
        self.snapshots.invalidate_dashboard(first.id);
        Ok(())
    }

    async fn client_providers(&self, client_id: i64) -> Result<Vec<Provider>> {
        let mut providers: Vec<Provider> = self
            .store
            .sources(Some(client_id))
            .await?
            .into_iter()
            .map(|s| s.provider)
            .collect();
        providers.dedup();
        providers.sort_by_key(|p| p.as_str());
        providers.dedup();
        Ok(providers)
    }

    /// Finds a client's dashboard by name (case-insensitive), or its first one.
    pub async fn find_dashboard(&self, client_id: i64, name: Option<&str>) -> Result<Dashboard> {
        let dashboards = self.dashboards(client_id).await?;
        match name {
            Some(name) => dashboards
                .into_iter()
                .find(|d| d.name.to_lowercase() == name.trim().to_lowercase())
                .ok_or_else(|| Error::NoDashboardNamed(name.trim().to_owned())),
            None => dashboards
                .into_iter()
                .next()
                .ok_or_else(|| Error::NoDashboardNamed(DEFAULT_DASHBOARD.to_owned())),
        }
    }

    pub async fn create_dashboard(&self, client_id: i64, name: &str) -> Result<Dashboard> {
        let name = dashboard_name(name)?;
        self.client(client_id).await?;
        self.store
            .insert_dashboard(client_id, &name, &[], self.clock.now_millis())
            .await
    }

    pub async fn rename_dashboard(&self, id: i64, name: &str) -> Result<Dashboard> {
        let name = dashboard_name(name)?;
        let dashboard = self
            .store
            .rename_dashboard(id, &name, self.clock.now_millis())
            .await?;
        self.snapshots.invalidate_dashboard(id);
        Ok(dashboard)
    }

    pub async fn delete_dashboard(&self, id: i64) -> Result<()> {
        self.store.delete_dashboard(id).await?;
        self.snapshots.invalidate_dashboard(id);
        Ok(())
    }

    pub async fn add_widget(&self, dashboard_id: i64, widget: NewWidget) -> Result<Widget> {
        widget.validate()?;
        self.store.dashboard(dashboard_id).await?;
        let ids = self
            .store
            .add_widgets(
                dashboard_id,
                std::slice::from_ref(&widget),
                self.clock.now_millis(),
            )
            .await?;
        self.snapshots.invalidate_dashboard(dashboard_id);
        self.store.widget(ids[0]).await
    }

    pub async fn update_widget(&self, id: i64, change: WidgetChange) -> Result<Widget> {
        let mut widget = self.store.widget(id).await?;
        if let Some(range) = change.range {
            range.validate()?;
            widget.range = range;
        }
        if let Some(size) = change.width {
            check_size(size)?;
            widget.width = size;
        }
        if let Some(size) = change.height {
            check_size(size)?;
            widget.height = size;
        }
        widget.comparison = change.comparison.unwrap_or(widget.comparison);
        widget.visual = change.visual.unwrap_or(widget.visual);
        self.store.put_widget(&widget, self.clock.now_millis()).await?;
        self.snapshots.invalidate_dashboard(widget.dashboard_id);
        Ok(widget)
    }

    /// Moves a widget to a 0-based position among its dashboard's widgets.
    pub async fn move_widget(&self, id: i64, position: usize) -> Result<()> {
        let dashboard_id = self
            .store
            .move_widget(id, position, self.clock.now_millis())
            .await?;
        self.snapshots.invalidate_dashboard(dashboard_id);
        Ok(())
    }

    pub async fn remove_widget(&self, id: i64) -> Result<()> {
        let dashboard_id = self.store.delete_widget(id).await?;
        self.snapshots.invalidate_dashboard(dashboard_id);
        Ok(())
    }
}
