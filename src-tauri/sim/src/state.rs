//! State shared by every handler. Each part has its own lock so Stripe reads,
//! GitHub reads and bookkeeping never wait on each other; no lock is held
//! across an await.

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::clock::Clock;
use crate::config::Config;
use crate::faults::Faults;
use crate::github::auth::GithubAuth;
use crate::github::store::GithubStore;
use crate::google::GoogleState;
use crate::latency::Latency;
use crate::limits::{Limits, Secondary};
use crate::meta::MetaState;
use crate::oauth::OAuthServer;
use crate::stats::Stats;
use crate::stripe::gate::StripeAuth;
use crate::stripe::store::StripeStore;

pub struct Shared {
    /// "http://127.0.0.1:PORT", for GitHub's absolute Link and `url` fields.
    pub base_url: String,
    pub clock: Clock,
    pub stripe: RwLock<StripeStore>,
    pub stripe_auth: Mutex<StripeAuth>,
    pub github: RwLock<GithubStore>,
    pub github_auth: Mutex<GithubAuth>,
    pub oauth: Mutex<OAuthServer>,
    pub google: GoogleState,
    pub meta: MetaState,
    pub faults: Mutex<Faults>,
    pub stats: Mutex<Stats>,
    pub latency: Latency,
    pub secondary: Secondary,
    pub limits: Mutex<Limits>,
}

pub type AppState = Arc<Shared>;

/// A panicking handler must not wedge the whole sim, so poisoned locks are
/// taken anyway: every mutation leaves the data consistent before it can panic.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn new(config: Config, base_url: String) -> Shared {
        let clock = match &config.external_clock {
            Some(external) => Clock::external(external.0.clone()),
            None => Clock::starting_at(config.now.unwrap_or_else(crate::clock::wall_now)),
        };
        let now0 = clock.now();
        Shared {
            base_url,
            clock,
            stripe: RwLock::new(StripeStore::new(config.seed, config.stripe.clone(), now0)),
            stripe_auth: Mutex::new(StripeAuth::new(&config.stripe)),
            github: RwLock::new(GithubStore::new(config.seed, &config.github, now0)),
            github_auth: Mutex::new(GithubAuth::new(config.github.quota_per_hour)),
            oauth: Mutex::new(OAuthServer::default()),
            google: GoogleState::new(config.seed, config.google.clone()),
            meta: MetaState::new(config.seed, config.meta.clone()),
            faults: Mutex::new(Faults::default()),
            stats: Mutex::new(Stats::default()),
            latency: Latency::new(config.latency),
            secondary: Secondary {
                concurrency: config.github.secondary_concurrency,
                points_per_minute: config.github.secondary_points_per_minute,
            },
            limits: Mutex::new(Limits::default()),
        }
    }
}
