//! Demo mode: on a first start with an empty database, a demo client whose Stripe account,
//! GitHub repository, GA4 property, Search Console site, Google Ads account and Meta ad
//! account live in the bundled simulator, with schedules, so a newcomer sees syncing, freshness
//! and dashboards with no accounts. The simulator gets a new port (and forgets its grants)
//! every start, so the demo's connections are re-pointed at it, and its Google and Meta tokens
//! renewed, each time.

use crate::connector::{AccountProvider, AuthKind};
use crate::error::Result;
use crate::schedule::{Preset, ScheduleSpec};
use crate::secrets::Credential;
use crate::{Engine, JobReason, NewSource, Provider};

pub const DEMO_CLIENT: &str = "Demo — Northwind Coffee";
/// Not secrets: the simulator accepts any key of this shape.
const DEMO_STRIPE_KEY: &str = "rk_test_freshboard_demo";
const DEMO_GITHUB_TOKEN: &str = "ghp_freshboard_demo";
pub const DEMO_REPO: &str = "northwind/website";
/// The simulator's Google Ads developer token (not a secret): the demo's Ads account uses it
/// instead of the one in Settings, which belongs to the person's real app.
pub(crate) const DEMO_ADS_DEVELOPER_TOKEN: &str = "sim-developer-token";
/// The simulator's Google and Meta accounts the demo shows.
const DEMO_GOOGLE: [(Provider, &str); 3] = [
    (Provider::Ga4, "412345678"),
    (Provider::SearchConsole, "sc-domain:northwind.example"),
    (Provider::GoogleAds, "4445556666"),
];
const DEMO_META: (Provider, &str) = (Provider::MetaAds, "act_1010000000001");
/// The demo's first sync of a date-keyed report reads this far back: enough for every
/// widget's range, quick on a first start.
const DEMO_HISTORY_DAYS: u32 = 120;

impl Engine {
    /// Points the demo's connections at the simulator now running at `base_url`, and creates
    /// the demo client if the database has no client at all. Returns the demo client's id
    /// when it was created.
    pub async fn start_demo(&self, base_url: &str) -> Result<Option<i64>> {
        // Every demo source has a key or token in the keyring: without one, write nothing
        // (a demo client with no sources would stay half made).
        self.check_keyring().await?;
        self.store.repoint_demo_connections(base_url).await?;
        for demo in self.connections().await?.into_iter().filter(|c| c.demo) {
            if let Some(kind) = DemoToken::of(demo.provider) {
                self.renew_demo_token(kind, demo.id, base_url).await?;
            }
        }
        if !self.list_clients(true).await?.is_empty() {
            return Ok(None);
        }
        let client = self.create_client(DEMO_CLIENT).await?;
        let keyed = [
            (Provider::Stripe, DEMO_STRIPE_KEY, None, Preset::Hourly),
            (
                Provider::Github,
                DEMO_GITHUB_TOKEN,
                Some(DEMO_REPO),
                Preset::EveryNHours { hours: 6 },
            ),
        ];
        let mut sources = Vec::new();
        for (provider, secret, repo, preset) in keyed {
            let source = self
                .add_source(NewSource::with_secret(
                    client.id,
                    provider,
                    secret,
                    repo,
                    Some(base_url),
                ))
                .await?;
            self.store.mark_demo_connection(source.connection_id).await?;
            sources.push((source, preset));
        }
        let google = self.demo_token_connection(DemoToken::Google, base_url).await?;
        let meta = self.demo_token_connection(DemoToken::Meta, base_url).await?;
        let on_connections = DEMO_GOOGLE
            .into_iter()
            .map(|(provider, account)| (provider, account, google))
            .chain([(DEMO_META.0, DEMO_META.1, meta)]);
        for (provider, account, connection) in on_connections {
            let source = self
                .add_source(NewSource {
                    history_days: Some(DEMO_HISTORY_DAYS),
                    ..NewSource::on_connection(client.id, provider, connection, account)
                })
                .await?;
            sources.push((source, Preset::EveryNHours { hours: 6 }));
        }
        for (source, preset) in sources {
            let spec = ScheduleSpec {
                preset,
                time_zone: None,
            };
            self.set_schedule(source.id, &spec).await?;
            self.enqueue(source.id, JobReason::Manual).await?;
        }
        tracing::info!(client = client.id, "demo client created");
        Ok(Some(client.id))
    }

    /// A Google or Meta connection on the simulator, with a token that never expires: the demo
    /// has no OAuth app of its own and must not use (or change) the person's.
    async fn demo_token_connection(&self, kind: DemoToken, base_url: &str) -> Result<i64> {
        let (token, scopes) = self.demo_token(kind, base_url).await?;
        let connection = self
            .store_grant(
                crate::connections::Grant {
                    provider: kind.provider(),
                    label: kind.label(),
                    auth_kind: AuthKind::Token,
                    api_base_url: Some(base_url),
                    scopes,
                },
                &Credential::token(token),
                None,
            )
            .await?;
        self.store.mark_demo_connection(Some(connection.id)).await?;
        Ok(connection.id)
    }

    async fn renew_demo_token(&self, kind: DemoToken, connection: i64, base_url: &str) -> Result<()> {
        let (token, _) = self.demo_token(kind, base_url).await?;
        let keyring_ref = self.store.connection_keyring_ref(connection).await?;
        self.secrets.set(&keyring_ref, &Credential::token(token)).await?;
        Ok(())
    }

    async fn demo_token(&self, kind: DemoToken, base_url: &str) -> Result<(String, String)> {
        let fail = |detail: String| crate::auth::AuthError::Network {
            provider: "the demo's simulator".into(),
            step: kind.step(),
            detail,
        };
        let answer: serde_json::Value = self
            .token_http
            .post(format!(
                "{}/_sim/oauth/{}",
                base_url.trim_end_matches('/'),
                kind.path()
            ))
            .send()
            .await
            .map_err(|e| fail(e.without_url().to_string()))?
            .json()
            .await
            .map_err(|e| fail(e.without_url().to_string()))?;
        let token = answer["access_token"].as_str().unwrap_or_default().to_owned();
        let scopes = answer["scope"].as_str().unwrap_or_default().to_owned();
        Ok((token, scopes))
    }
}

/// The demo's grants that are a token from the simulator rather than a key.
#[derive(Clone, Copy)]
enum DemoToken {
    Google,
    Meta,
}

impl DemoToken {
    fn of(provider: AccountProvider) -> Option<DemoToken> {
        match provider {
            AccountProvider::Google => Some(DemoToken::Google),
            AccountProvider::Meta => Some(DemoToken::Meta),
            _ => None,
        }
    }

    fn provider(self) -> AccountProvider {
        match self {
            DemoToken::Google => AccountProvider::Google,
            DemoToken::Meta => AccountProvider::Meta,
        }
    }

    /// Who the demo's connection says signed in.
    fn label(self) -> &'static str {
        match self {
            DemoToken::Google => "reports@northwind.example",
            DemoToken::Meta => "Northwind Ads (system user)",
        }
    }

    /// The simulator's control call that issues one: a Google grant with every product's
    /// scope, or a Meta system-user token (which never expires).
    fn path(self) -> &'static str {
        match self {
            DemoToken::Google => "google_demo_token",
            DemoToken::Meta => "system_user_token",
        }
    }

    fn step(self) -> &'static str {
        match self {
            DemoToken::Google => "get the demo's Google token",
            DemoToken::Meta => "get the demo's Meta token",
        }
    }
}
