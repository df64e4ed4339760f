//! The dashboard snapshot cache: computed widget values kept in memory, so opening a
//! dashboard again costs a map lookup. A sync's rollup of a client's source drops that
//! client's snapshots; editing a dashboard drops its own. A generation counter keeps a
//! snapshot computed before an invalidation from being stored after it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::DashboardView;
use crate::clock::Millis;
use crate::connector::daily::Window;
use crate::models::Source;

#[derive(Debug)]
pub(crate) struct Snapshot {
    pub client_id: i64,
    /// Ranges are relative to today in each widget's zone: a snapshot is not used once any
    /// of those days has ended.
    pub todays: Vec<(Option<String>, NaiveDate)>,
    /// Everything but freshness, which is added at each read (it moves with the clock).
    pub view: DashboardView,
    /// The client's sources when the snapshot was computed.
    pub sources: Vec<Source>,
}

impl Snapshot {
    fn current(&self, now: Millis) -> bool {
        self.todays
            .iter()
            .all(|(zone, today)| Window::today_in(zone.as_deref(), now) == *today)
    }
}

#[derive(Debug, Default)]
pub(crate) struct SnapshotCache {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    snapshots: HashMap<i64, Arc<Snapshot>>,
}

impl SnapshotCache {
    /// The cached snapshot of a dashboard, if its days have not ended, and the generation
    /// to pass to `put` otherwise.
    pub fn get(&self, dashboard_id: i64, now: Millis) -> Result<Arc<Snapshot>, u64> {
        let inner = self.inner.lock().expect("snapshot cache");
        match inner.snapshots.get(&dashboard_id) {
            Some(s) if s.current(now) => Ok(Arc::clone(s)),
            _ => Err(inner.generation),
        }
    }

    /// Stores a snapshot unless something was invalidated since `generation` was read.
    pub fn put(&self, dashboard_id: i64, generation: u64, snapshot: Arc<Snapshot>) {
        let mut inner = self.inner.lock().expect("snapshot cache");
        if inner.generation == generation {
            inner.snapshots.insert(dashboard_id, snapshot);
        }
    }

    pub fn invalidate_dashboard(&self, dashboard_id: i64) {
        let mut inner = self.inner.lock().expect("snapshot cache");
        inner.generation += 1;
        inner.snapshots.remove(&dashboard_id);
    }

    pub fn invalidate_client(&self, client_id: i64) {
        let mut inner = self.inner.lock().expect("snapshot cache");
        inner.generation += 1;
        inner.snapshots.retain(|_, s| s.client_id != client_id);
    }

    pub fn clear(&self) {
        let mut inner = self.inner.lock().expect("snapshot cache");
        inner.generation += 1;
        inner.snapshots.clear();
    }
}
