//! Refresh on write: the cached queries a write changes are recomputed right after the write, off
//! the request path, so the next read is a hit on the new value instead of a miss.
//!
//! Invalidation alone makes every read after a write a miss, and a sales rep reads back what they
//! just changed (their deal list, their dashboard) at once. So reads of queries scoped to one
//! owner (lists, timelines, dashboards, revenue reports, searches) *remember* how to recompute
//! themselves here (their [`Read`], built in [`crate::reads`]), under the invalidation groups that can make them stale; a write, after bumping
//! its groups, recomputes the remembered entries of those groups ([`refresh`]). The recomputation
//! is an ordinary cache-aside load under the new generations (see [`crate::cache::Cache::refresh`]),
//! so it can never store a value older than the write.
//!
//! Writes do not wait for it ([`Registry::refresh_later`]): the invalidation before the response
//! is what keeps reads exact, and the recomputation only decides whether the next read is a hit.
//! Waiting made every write pay for up to a few dozen loads (a deal update's median went from
//! 1.4 ms to 5.7 ms). At most [`MAX_IN_FLIGHT`] writes' recomputations are pending at once; a
//! write beyond that leaves its entries cold (counted in `cache_refreshes_skipped_total`) rather
//! than queueing work an overloaded service cannot do. Of all pending recomputations, at most one
//! per core loads at a time, so they never take every pooled SQLite connection from the reads.
//!
//! What is remembered is bounded: only groups [`crate::groups::refreshed_on_write`] accepts (one
//! owner's scope, one record's timeline; never the admins' `all` scope, whose aggregates over
//! everything would be recomputed on every rep's write), at most [`PER_GROUP`] entries per group
//! (the most recently read), each forgotten [`WINDOW`] after its last read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::future::join_all;

use crate::cache::Cache;
use crate::groups;
use crate::reads::Read;

/// How long after its last read an entry is still refreshed: the lists' TTL, after which an
/// unread value would have expired anyway.
pub const WINDOW: Duration = Duration::from_secs(5 * 60);

/// Entries refreshed per group at most: the most recently read ones.
pub const PER_GROUP: usize = 16;

/// Background recomputations (one per write) running at once at most.
pub const MAX_IN_FLIGHT: u64 = 64;

/// Registrations between two sweeps of groups nobody read within [`WINDOW`].
const SWEEP_EVERY: u64 = 4096;

/// The remembered entries, by group.
#[derive(Debug, Default)]
pub struct Registry {
    inner: Mutex<Inner>,
    /// Background recomputations started and not yet finished.
    in_flight: AtomicU64,
    /// Writes whose recomputation was skipped because [`MAX_IN_FLIGHT`] were running.
    skipped: AtomicU64,
}

/// Counts a background recomputation as finished when dropped, even if it panicked.
struct InFlight(Arc<Registry>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Debug, Default)]
struct Inner {
    groups: HashMap<String, Vec<(Arc<Read>, Instant)>>,
    registrations: u64,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the map consistent; a panic elsewhere cannot break it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers `entry` (just read) under each of its groups that writes refresh.
    pub fn remember(&self, entry: &Arc<Read>) {
        let now = Instant::now();
        let mut inner = self.lock();
        let mut any = false;
        for group in entry.deps.iter().filter(|g| groups::refreshed_on_write(g)) {
            any = true;
            // Kept in the order of their last read: the oldest goes first when the group is full.
            let entries = inner.groups.entry(group.clone()).or_default();
            if let Some(at) = entries.iter().position(|(e, _)| e.same_value(entry)) {
                entries.remove(at);
            } else if entries.len() >= PER_GROUP {
                entries.remove(0);
            }
            entries.push((entry.clone(), now));
        }
        if any {
            inner.registrations += 1;
            if inner.registrations.is_multiple_of(SWEEP_EVERY) {
                inner.groups.retain(|_, entries| {
                    entries.retain(|(_, read)| now.duration_since(*read) <= WINDOW);
                    !entries.is_empty()
                });
            }
        }
    }

    /// The entries remembered under any of `groups` and read within [`WINDOW`], each once.
    /// Recomputes `entries` in a task of its own and returns at once; skipped (and counted) when
    /// [`MAX_IN_FLIGHT`] recomputations are already running.
    pub fn refresh_later(
        self: &Arc<Self>,
        cache: &Cache,
        db_delay: Duration,
        entries: Vec<Arc<Read>>,
    ) {
        if entries.is_empty() {
            return;
        }
        let started = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_IN_FLIGHT).then_some(n + 1)
            });
        if started.is_err() {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                entries = entries.len(),
                "refresh after a write skipped: too many running"
            );
            return;
        }
        let guard = InFlight(self.clone());
        let cache = cache.clone();
        tokio::spawn(async move {
            let _guard = guard;
            refresh(&cache, db_delay, &entries).await;
        });
    }

    /// Background recomputations running now.
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Writes whose recomputation was skipped so far.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    pub fn due(&self, groups: &[String]) -> Vec<Arc<Read>> {
        let now = Instant::now();
        let inner = self.lock();
        let mut due: Vec<Arc<Read>> = Vec::new();
        for group in groups {
            for (entry, read) in inner.groups.get(group).into_iter().flatten() {
                if now.duration_since(*read) <= WINDOW && !due.iter().any(|d| d.same_value(entry)) {
                    due.push(entry.clone());
                }
            }
        }
        due
    }

    /// Entries remembered (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().groups.values().map(Vec::len).sum()
    }
}

/// Recomputes and stores `entries` under the current generations, concurrently; call it after the
/// write's invalidation. `db_delay` is the injected database delay (see
/// [`crate::state::AppState::db_delay`]): a slow database makes refreshing writes slow too. A
/// failed load is logged and leaves its key cold (the next read loads it).
pub async fn refresh(cache: &Cache, db_delay: Duration, entries: &[Arc<Read>]) {
    let delay = db_delay;
    join_all(entries.iter().map(|entry| async move {
        // One recomputation per core at a time, across all writes: unbounded, a burst of writes
        // held every pooled SQLite connection with recomputations (each write recomputes dozens
        // of entries), and the reads of every user queued behind them for a connection.
        let Ok(_core) = loads_at_once().acquire().await else {
            return;
        };
        let deps = entry.dep_refs();
        let result = cache
            .refresh(entry.ns, &deps, &entry.key, || async move {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                entry.load().await
            })
            .await;
        if let Err(error) = result {
            // Not a fault of the write: e.g. the record was deleted, or its reader lost sight of
            // it, meanwhile. The next read loads (or answers) it.
            tracing::debug!(%error, key = entry.key, "refresh after a write failed; the key stays cold");
        }
    }))
    .await;
}

/// The recomputations that may load at once: one per core.
fn loads_at_once() -> &'static tokio::sync::Semaphore {
    static LOADS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    LOADS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Namespace;

    fn entry(key: &str, deps: &[&str]) -> Arc<Read> {
        let value = key.to_string();
        Arc::new(Read::new(
            Namespace::Lists,
            key.to_string(),
            deps.iter().map(|d| d.to_string()).collect(),
            move || {
                let value = value.clone();
                async move { Ok(value) }
            },
        ))
    }

    fn keys(entries: &[Arc<Read>]) -> Vec<&str> {
        entries.iter().map(|e| e.key.as_str()).collect()
    }

    #[test]
    fn entries_are_found_by_their_owner_scoped_groups_only() {
        let registry = Registry::default();
        registry.remember(&entry("deals?a|owner7", &["deals", "deals@owner7"]));
        registry.remember(&entry("deals?a|all", &["deals", "deals@all"]));
        registry.remember(&entry(
            "dashboard|owner7",
            &["analytics", "analytics@owner7"],
        ));
        let due = registry.due(&[
            "deals".into(),
            "deals@owner7".into(),
            "deals@all".into(),
            "analytics@owner7".into(),
        ]);
        assert_eq!(keys(&due), ["deals?a|owner7", "dashboard|owner7"]);
        assert!(registry.due(&["deals@owner8".into()]).is_empty());
    }

    #[test]
    fn a_key_read_again_is_remembered_once_and_each_group_keeps_the_latest_reads() {
        let registry = Registry::default();
        for _ in 0..3 {
            registry.remember(&entry("k", &["deals@owner7"]));
        }
        assert_eq!(registry.len(), 1);
        for i in 0..PER_GROUP + 4 {
            registry.remember(&entry(&format!("k{i}"), &["deals@owner7"]));
        }
        let due = registry.due(&["deals@owner7".into(), "deals@owner7".into()]);
        assert_eq!(due.len(), PER_GROUP);
        assert!(keys(&due).contains(&format!("k{}", PER_GROUP + 3).as_str()));
        assert!(!keys(&due).contains(&"k"));
    }

    #[tokio::test]
    async fn an_entry_loads_again_and_again() {
        let e = entry("v", &[]);
        assert_eq!(e.load().await.ok().as_deref(), Some("v"));
        assert_eq!(e.load().await.ok().as_deref(), Some("v"));
    }
}
