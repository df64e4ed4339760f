//! What to generate. Sizes are free (10 rows to millions): nothing below is
//! materialised up front except GitHub repositories.

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub stripe: StripeConfig,
    pub github: GithubConfig,
    /// Unix seconds the sim's clock starts at; None = system time now.
    pub now: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct StripeConfig {
    pub customers: u64,
    pub charges: u64,
    pub invoices: u64,
    pub subscriptions: u64,
    pub balance_transactions: u64,
    /// Base objects' `created` spread evenly over this many days before the start clock.
    pub history_days: u32,
    /// requests per second per API key; 0 = unlimited
    pub rate_limit_per_sec: u32,
}

#[derive(Clone, Debug)]
pub struct GithubConfig {
    /// "owner/name"
    pub repos: Vec<String>,
    /// per repo, excluding PRs
    pub issues: u64,
    pub pulls: u64,
    pub commits: u64,
    pub stargazers: u64,
    pub history_days: u32,
    /// primary quota per token per hour
    pub quota_per_hour: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 42,
            stripe: StripeConfig::default(),
            github: GithubConfig::default(),
            now: None,
        }
    }
}

impl Default for StripeConfig {
    fn default() -> StripeConfig {
        StripeConfig {
            customers: 50,
            charges: 500,
            invoices: 100,
            subscriptions: 40,
            balance_transactions: 500,
            history_days: 90,
            rate_limit_per_sec: 25,
        }
    }
}

impl Default for GithubConfig {
    fn default() -> GithubConfig {
        GithubConfig {
            repos: vec!["acme/website".to_string()],
            issues: 60,
            pulls: 40,
            commits: 200,
            stargazers: 150,
            history_days: 90,
            quota_per_hour: 5000,
        }
    }
}
