//! Counters of what the cache did, per namespace: what Stampede's hit rates are checked against and
//! what `/metrics` exports. Lock-free atomics, read as a snapshot by [`Stats::snapshot`].

use super::config::Backend;
use super::namespace::Namespace;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};

/// What one namespace saw since start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct NamespaceStats {
    /// Which namespace.
    pub namespace: Namespace,
    /// Reads served from the cache.
    pub hits: u64,
    /// Reads not found in the cache (loaded by the reader or shared with a concurrent load).
    pub misses: u64,
    /// Failed cache operations (Redis errors and timeouts), each also served without the cache.
    pub errors: u64,
    /// Reads served without the cache (backend off, Redis failing, breaker open).
    pub bypasses: u64,
    /// Loader runs.
    pub loads: u64,
    /// Misses served by another request's concurrent load (single-flight followers).
    pub shared_loads: u64,
    /// Values recomputed and stored by a write (write-through and refresh on write), with no
    /// reader waiting; neither hits nor misses.
    pub refreshes: u64,
}

/// A snapshot of the cache's counters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// The configured backend.
    pub backend: Backend,
    /// One entry per namespace, in [`Namespace::ALL`] order.
    pub namespaces: Vec<NamespaceStats>,
    /// Invalidation calls.
    pub invalidations: u64,
    /// Invalidation calls that could not reach Redis (each one forces a new epoch).
    pub invalidation_errors: u64,
    /// Times the key prefix was re-drawn because invalidations had been lost.
    pub epoch_changes: u64,
}

impl CacheStats {
    /// The counters of `ns`.
    pub fn namespace(&self, ns: Namespace) -> NamespaceStats {
        self.namespaces
            .iter()
            .find(|s| s.namespace == ns)
            .copied()
            .unwrap_or(NamespaceStats::zero(ns))
    }
}

impl NamespaceStats {
    /// All counters at zero.
    pub fn zero(namespace: Namespace) -> NamespaceStats {
        NamespaceStats {
            namespace,
            hits: 0,
            misses: 0,
            errors: 0,
            bypasses: 0,
            loads: 0,
            shared_loads: 0,
            refreshes: 0,
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
    bypasses: AtomicU64,
    loads: AtomicU64,
    shared_loads: AtomicU64,
    refreshes: AtomicU64,
}

/// Which counter to bump.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    Hit,
    Miss,
    Error,
    Bypass,
    Load,
    SharedLoad,
    Refresh,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    namespaces: [Counters; 5],
    invalidations: AtomicU64,
    invalidation_errors: AtomicU64,
    epoch_changes: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    pub(crate) fn record(&self, ns: Namespace, event: Event) {
        let c = &self.namespaces[ns.index()];
        bump(match event {
            Event::Hit => &c.hits,
            Event::Miss => &c.misses,
            Event::Error => &c.errors,
            Event::Bypass => &c.bypasses,
            Event::Load => &c.loads,
            Event::SharedLoad => &c.shared_loads,
            Event::Refresh => &c.refreshes,
        });
    }

    pub(crate) fn invalidation(&self, failed: bool) {
        bump(&self.invalidations);
        if failed {
            bump(&self.invalidation_errors);
        }
    }

    pub(crate) fn epoch_changed(&self) {
        bump(&self.epoch_changes);
    }

    pub(crate) fn snapshot(&self, backend: Backend) -> CacheStats {
        let read = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CacheStats {
            backend,
            namespaces: Namespace::ALL
                .iter()
                .map(|&ns| {
                    let c = &self.namespaces[ns.index()];
                    NamespaceStats {
                        namespace: ns,
                        hits: read(&c.hits),
                        misses: read(&c.misses),
                        errors: read(&c.errors),
                        bypasses: read(&c.bypasses),
                        loads: read(&c.loads),
                        shared_loads: read(&c.shared_loads),
                        refreshes: read(&c.refreshes),
                    }
                })
                .collect(),
            invalidations: read(&self.invalidations),
            invalidation_errors: read(&self.invalidation_errors),
            epoch_changes: read(&self.epoch_changes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_in_their_namespace() {
        let stats = Stats::default();
        stats.record(Namespace::Search, Event::Hit);
        stats.record(Namespace::Search, Event::Hit);
        stats.record(Namespace::Sessions, Event::Error);
        stats.invalidation(true);
        let snap = stats.snapshot(Backend::Memory);
        assert_eq!(snap.namespace(Namespace::Search).hits, 2);
        assert_eq!(snap.namespace(Namespace::Sessions).errors, 1);
        assert_eq!(
            snap.namespace(Namespace::Records),
            NamespaceStats::zero(Namespace::Records)
        );
        assert_eq!((snap.invalidations, snap.invalidation_errors), (1, 1));
    }
}
