//! The registry: every source provider, and the one place that maps each to its connector.
//! Adding a provider is a folder beside these, a variant and an arm here, a migration for its
//! tables, and a simulator module.

mod ga4;
mod github;
mod google;
mod google_ads;
mod meta_ads;
mod search_console;
mod stripe;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use github::valid_repo;

use crate::connector::{AccountProvider, Connector};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Provider {
    Stripe,
    Github,
    Ga4,
    SearchConsole,
    GoogleAds,
    MetaAds,
}

impl Provider {
    pub const ALL: [Provider; 6] = [
        Provider::Stripe,
        Provider::Github,
        Provider::Ga4,
        Provider::SearchConsole,
        Provider::GoogleAds,
        Provider::MetaAds,
    ];

    pub fn connector(self) -> &'static Connector {
        match self {
            Provider::Stripe => &stripe::CONNECTOR,
            Provider::Github => &github::CONNECTOR,
            Provider::Ga4 => &ga4::CONNECTOR,
            Provider::SearchConsole => &search_console::CONNECTOR,
            Provider::GoogleAds => &google_ads::CONNECTOR,
            Provider::MetaAds => &meta_ads::CONNECTOR,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.connector().key
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        self.connector().label
    }

    /// Who issues the grant or key its sources use.
    pub fn account(self) -> AccountProvider {
        self.connector().account_provider
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_is_registered_under_its_own_name() {
        for provider in Provider::ALL {
            let connector = provider.connector();
            assert_eq!(Provider::parse(connector.key), Some(provider));
            // The serialised name (what the UI and CLI send) is the stored one.
            assert_eq!(serde_json::to_value(provider).unwrap(), connector.key);
        }
    }

    #[test]
    fn every_metric_belongs_to_one_provider_and_its_tables_exist() {
        let mut keys = std::collections::HashSet::new();
        for provider in Provider::ALL {
            let connector = provider.connector();
            let tables: Vec<&str> = connector.tables().map(|t| t.name).collect();
            for metric in connector.metrics {
                assert!(keys.insert(metric.key), "{} is declared twice", metric.key);
                assert!(
                    metric.key.starts_with(&format!("{}.", connector.key)),
                    "{} is named after its provider",
                    metric.key
                );
                for table in metric.rollup.tables() {
                    assert!(
                        tables.contains(&table),
                        "{} reads {table}, not a table of {}",
                        metric.key,
                        connector.key
                    );
                }
            }
            for widget in connector.default_widgets {
                assert!(
                    connector.metrics.iter().any(|m| m.key == widget.metric),
                    "default widget {} is a metric of {}",
                    widget.metric,
                    connector.key
                );
            }
        }
    }
}
