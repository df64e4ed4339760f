//! Demo mode: on a first start with an empty database, a demo client whose Stripe account
//! and GitHub repository live in the bundled simulator, with schedules, so a newcomer sees
//! syncing, freshness and (later) dashboards with no accounts. The simulator gets a new
//! port every start, so the demo's connections are re-pointed at it each time.

use crate::error::Result;
use crate::schedule::{Preset, ScheduleSpec};
use crate::{Engine, JobReason, NewSource, Provider};

pub const DEMO_CLIENT: &str = "Demo — Northwind Coffee";
/// Not secrets: the simulator accepts any key of this shape.
const DEMO_STRIPE_KEY: &str = "rk_test_freshboard_demo";
const DEMO_GITHUB_TOKEN: &str = "ghp_freshboard_demo";
pub const DEMO_REPO: &str = "northwind/website";

impl Engine {
    /// Points the demo's connections at the simulator now running at `base_url`, and creates
    /// the demo client if the database has no client at all. Returns the demo client's id
    /// when it was created.
    pub async fn start_demo(&self, base_url: &str) -> Result<Option<i64>> {
        self.store.repoint_demo_connections(base_url).await?;
        if !self.list_clients(true).await?.is_empty() {
            return Ok(None);
        }
        let client = self.create_client(DEMO_CLIENT).await?;
        let sources = [
            (Provider::Stripe, DEMO_STRIPE_KEY, None, Preset::Hourly),
            (
                Provider::Github,
                DEMO_GITHUB_TOKEN,
                Some(DEMO_REPO.to_owned()),
                Preset::EveryNHours { hours: 6 },
            ),
        ];
        for (provider, secret, repo, preset) in sources {
            let new = NewSource::with_secret(client.id, provider, secret, repo.as_deref(), Some(base_url));
            let source = self.add_source(new).await?;
            self.store.mark_demo_connection(source.connection_id).await?;
            self.set_schedule(
                source.id,
                &ScheduleSpec {
                    preset,
                    time_zone: None,
                },
            )
            .await?;
            self.enqueue(source.id, JobReason::Manual).await?;
        }
        tracing::info!(client = client.id, "demo client created");
        Ok(Some(client.id))
    }
}
