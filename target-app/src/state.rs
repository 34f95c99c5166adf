//! What every request handler shares: the store, the cache (and what writes refresh in it), the
//! search index, metrics, fault knobs and the failed-sign-in counters.

use std::sync::Arc;
use std::time::Duration;

use crate::cache::Cache;
use crate::faults::Faults;
use crate::metrics::Metrics;
use crate::refresh::Registry;
use crate::search::SearchIndex;
use crate::store::Store;
use crate::throttle::LoginThrottle;

/// Shared by all handlers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub cache: Cache,
    pub search: SearchIndex,
    pub metrics: Arc<Metrics>,
    pub faults: Arc<Faults>,
    /// The cached queries writes recompute (see `crate::refresh`).
    pub refresh: Arc<Registry>,
    /// Failed sign-ins, per account and per client address (see `crate::throttle`).
    pub throttle: Arc<LoginThrottle>,
}

impl AppState {
    /// Added to every database load behind a cache miss (`--inject-db-delay`), to make a slow
    /// database visible; zero by default.
    pub fn db_delay(&self) -> Duration {
        self.faults.db_delay
    }
}
