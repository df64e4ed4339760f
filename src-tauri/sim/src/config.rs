//! What to generate. Sizes are free (10 rows to millions): nothing below is
//! materialised up front except GitHub repositories.

#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub stripe: StripeConfig,
    pub github: GithubConfig,
    pub google: GoogleConfig,
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
            google: GoogleConfig::default(),
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

/// Google's three products (GA4, Search Console, Google Ads). Every value is a pure
/// function of (seed, product, account, key, date), so history and breadth cost no memory.
#[derive(Clone, Debug)]
pub struct GoogleConfig {
    pub properties: Vec<Ga4Property>,
    pub sites: Vec<GscSite>,
    pub customers: Vec<AdsCustomer>,
    /// Data exists for this many days before today (in each account's zone).
    pub history_days: u32,
    /// The Ads `developer-token` header the sim accepts.
    pub developer_token: String,
}

/// A GA4 property; `id` and `account` are digits.
#[derive(Clone, Debug)]
pub struct Ga4Property {
    pub id: String,
    pub account: String,
    pub account_name: String,
    pub name: String,
    /// IANA zone the property reports in (see `google/tz.rs` for the zones the sim knows).
    pub time_zone: String,
    pub currency: String,
    /// Distinct landing pages with traffic per day.
    pub landing_pages: u32,
    /// Landing pages beyond the first N are folded into one "(other)" row.
    pub other_after: Option<u32>,
    pub sampled: bool,
    pub thresholded: bool,
    pub tokens_per_hour: u32,
    pub tokens_per_day: u32,
}

/// A Search Console property: `sc-domain:example.com` or a URL prefix `https://www.example.com/`.
#[derive(Clone, Debug)]
pub struct GscSite {
    pub url: String,
    /// siteOwner, siteFullUser, siteRestrictedUser or siteUnverifiedUser (no data access).
    pub permission: String,
    /// Distinct queries per day.
    pub queries: u32,
    /// Distinct pages per day.
    pub pages: u32,
    /// searchAnalytics.query calls per sim-clock minute; 0 = no limit.
    pub queries_per_minute: u32,
}

/// A Google Ads customer; `id` is 10 digits.
#[derive(Clone, Debug)]
pub struct AdsCustomer {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    pub manager: bool,
    /// The manager this client is reached through (it needs `login-customer-id` = that id).
    pub parent: Option<String>,
    /// Managers have none, whatever this says.
    pub campaigns: u32,
}

impl Default for GoogleConfig {
    fn default() -> GoogleConfig {
        GoogleConfig {
            properties: vec![
                Ga4Property::new(
                    "412345678",
                    "100200300",
                    "Northwind Coffee",
                    "Northwind Coffee — Web",
                )
                .zone("America/New_York", "USD"),
                Ga4Property::new("498765432", "100200400", "Globex", "Globex Japan")
                    .zone("Asia/Tokyo", "JPY"),
            ],
            sites: vec![
                GscSite::new("sc-domain:northwind.example", "siteOwner"),
                GscSite::new("https://www.globex.example/", "siteFullUser"),
                GscSite::new("https://pending.example/", "siteUnverifiedUser"),
            ],
            customers: vec![
                AdsCustomer::new("1112223333", "Sim Agency MCC", "USD", "America/New_York").manager(),
                AdsCustomer::new("4445556666", "Northwind Coffee Ads", "USD", "America/Chicago")
                    .under("1112223333"),
                AdsCustomer::new("7778889999", "Globex Direct", "EUR", "Europe/Berlin"),
            ],
            history_days: 800,
            developer_token: "sim-developer-token".to_string(),
        }
    }
}

impl Ga4Property {
    /// A property with the default sizes and quotas, in America/New_York and USD.
    pub fn new(id: &str, account: &str, account_name: &str, name: &str) -> Ga4Property {
        Ga4Property {
            id: id.to_string(),
            account: account.to_string(),
            account_name: account_name.to_string(),
            name: name.to_string(),
            time_zone: "America/New_York".to_string(),
            currency: "USD".to_string(),
            landing_pages: 25,
            other_after: None,
            sampled: false,
            thresholded: false,
            tokens_per_hour: 40_000,
            tokens_per_day: 200_000,
        }
    }

    pub fn zone(mut self, time_zone: &str, currency: &str) -> Ga4Property {
        self.time_zone = time_zone.to_string();
        self.currency = currency.to_string();
        self
    }
}

impl GscSite {
    pub fn new(url: &str, permission: &str) -> GscSite {
        GscSite {
            url: url.to_string(),
            permission: permission.to_string(),
            queries: 120,
            pages: 30,
            queries_per_minute: 0,
        }
    }
}

impl AdsCustomer {
    /// A directly reachable, non-manager account with the default campaign count.
    pub fn new(id: &str, name: &str, currency: &str, time_zone: &str) -> AdsCustomer {
        AdsCustomer {
            id: id.to_string(),
            name: name.to_string(),
            currency: currency.to_string(),
            time_zone: time_zone.to_string(),
            manager: false,
            parent: None,
            campaigns: 8,
        }
    }

    pub fn manager(mut self) -> AdsCustomer {
        self.manager = true;
        self
    }

    pub fn under(mut self, manager: &str) -> AdsCustomer {
        self.parent = Some(manager.to_string());
        self
    }
}
