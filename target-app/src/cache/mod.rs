//! Cache-aside layer: Redis, in-memory or off, with generations, single-flight and a breaker.
//!
//! Stampede measures SalesHub's hit rates, so this cache has to be right before it is fast:
//!
//! - **No stale reads after a write.** Every value is stored under a key versioned by the generations
//!   of the invalidation groups it depends on, read in the same round trip as the value; writers bump
//!   the generations after committing. A load that started before a write stores its result under
//!   the old generations, where no later read looks.
//! - **No stampedes.** Concurrent misses on the same versioned key in this process run the loader once.
//! - **Redis failures never fail a request.** Operations are bounded by `op_timeout`; failures open a
//!   breaker; requests are then served by their loader (`BYPASS`). Invalidations lost while Redis was
//!   unreachable switch the whole key space to a new epoch.
//!
//! The HTTP layer only sees [`Cache`]: `get_or_load`, `invalidate`, sessions, and counters.

mod breaker;
mod config;
mod error;
mod keys;
mod memory_backend;
mod namespace;
mod redis_backend;
mod scripts;
mod single_flight;
mod stats;
mod unavailable;

#[cfg(test)]
mod tests;

pub use config::{Backend, CacheConfig, NamespaceTtls};
pub use error::CacheError;
pub use namespace::{CacheStatus, Namespace};
pub use stats::{CacheStats, NamespaceStats};

use memory_backend::MemoryBackend;
use redis_backend::RedisBackend;
use serde::Serialize;
use single_flight::{Role, SingleFlight};
use stats::{Event, Stats};
use std::future::Future;
use std::sync::Arc;
use unavailable::{Lookup, Unavailable};

/// The cache. Cheap to clone (an `Arc` inside); clones share everything.
#[derive(Clone, Debug)]
pub struct Cache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cfg: CacheConfig,
    store: Store,
    flights: SingleFlight,
    stats: Arc<Stats>,
}

#[derive(Debug)]
enum Store {
    Redis(RedisBackend),
    Memory(MemoryBackend),
    Off,
}

/// What `/health` reports about the cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CacheHealth {
    /// The configured backend.
    pub backend: Backend,
    /// `"up"`, `"down"` (Redis did not answer PING within `op_timeout`) or `"disabled"` (backend off).
    pub state: &'static str,
}

impl Cache {
    /// Builds the cache. For Redis, connects and PINGs within a bounded time and fails with a clear
    /// error when Redis is unreachable; the caller decides whether to fall back to another backend.
    pub async fn connect(cfg: CacheConfig) -> Result<Cache, CacheError> {
        let stats = Arc::new(Stats::default());
        let store = match cfg.backend {
            Backend::Redis => Store::Redis(RedisBackend::connect(&cfg, stats.clone()).await?),
            Backend::Memory => Store::Memory(MemoryBackend::new(cfg.memory_capacity_bytes)),
            Backend::Off => Store::Off,
        };
        Ok(Cache {
            inner: Arc::new(Inner {
                cfg,
                store,
                flights: SingleFlight::default(),
                stats,
            }),
        })
    }

    /// The configuration the cache was built with.
    pub fn config(&self) -> &CacheConfig {
        &self.inner.cfg
    }

    /// The configured backend.
    pub fn backend(&self) -> Backend {
        self.inner.cfg.backend
    }

    /// The value of `key` in `ns`, versioned by the invalidation groups `deps` (e.g.
    /// `["contacts:42"]`), or else the loader's value, stored for the namespace TTL ± jitter.
    ///
    /// Returns the JSON text and how it was served: `Hit`, `Miss` (loaded here, or by a concurrent
    /// request for the same key whose load this one shared), or `Bypass` (the cache was off or
    /// failing; the loader ran directly). The only error is the loader's own.
    pub async fn get_or_load<F, Fut, E>(
        &self,
        ns: Namespace,
        deps: &[&str],
        key: &str,
        load: F,
    ) -> Result<(Arc<str>, CacheStatus), E>
    where
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<String, E>> + Send,
    {
        let stats = &self.inner.stats;
        let lookup = match self.read(ns, deps, key).await {
            Ok(lookup) => lookup,
            Err(why) => {
                self.count_unavailable(ns, &why);
                stats.record(ns, Event::Bypass);
                stats.record(ns, Event::Load);
                let value = load().await?;
                return Ok((Arc::from(value), CacheStatus::Bypass));
            }
        };
        if let Some(value) = lookup.value {
            stats.record(ns, Event::Hit);
            return Ok((value, CacheStatus::Hit));
        }
        stats.record(ns, Event::Miss);
        match self.inner.flights.join(&lookup.vkey) {
            Role::Leader(mut leader) => {
                stats.record(ns, Event::Load);
                let value: Arc<str> = Arc::from(load().await?);
                leader.publish(value.clone());
                // The flight stays open while storing, so requests arriving meanwhile share the
                // value instead of loading it again.
                self.store(ns, &lookup.vkey, value.clone()).await;
                drop(leader);
                Ok((value, CacheStatus::Miss))
            }
            Role::Follower(follower) => {
                if let Some(value) = follower.wait().await {
                    stats.record(ns, Event::SharedLoad);
                    return Ok((value, CacheStatus::Miss));
                }
                // The leader failed or was cancelled; its error is not ours to share: load here.
                stats.record(ns, Event::Load);
                let value: Arc<str> = Arc::from(load().await?);
                self.store(ns, &lookup.vkey, value.clone()).await;
                Ok((value, CacheStatus::Miss))
            }
        }
    }

    /// Makes sure the value of `key` under the *current* generations of `deps` is cached: when it
    /// is not, runs `load` and stores its result, as a miss would, but without counting a hit or a
    /// miss (no response carries it; it counts as a refresh). Writers call it after
    /// [`Cache::invalidate`], so the next read is a hit on a value loaded after the write.
    ///
    /// Correct for the same reason a miss is: the generations are read before loading, so a write
    /// committed after the load started bumps them and the stored value is never read again.
    /// Concurrent reads of the same key share this load (single-flight); when a reader already
    /// loads it, this waits for that load instead. When the cache is off or failing it does
    /// nothing. The only error is the loader's own.
    pub async fn refresh<F, Fut, E>(
        &self,
        ns: Namespace,
        deps: &[&str],
        key: &str,
        load: F,
    ) -> Result<(), E>
    where
        F: FnOnce() -> Fut + Send,
        Fut: Future<Output = Result<String, E>> + Send,
    {
        let lookup = match self.read(ns, deps, key).await {
            Ok(lookup) => lookup,
            Err(why) => {
                self.count_unavailable(ns, &why);
                return Ok(());
            }
        };
        if lookup.value.is_some() {
            return Ok(());
        }
        match self.inner.flights.join(&lookup.vkey) {
            Role::Leader(mut leader) => {
                self.inner.stats.record(ns, Event::Refresh);
                let value: Arc<str> = Arc::from(load().await?);
                leader.publish(value.clone());
                self.store(ns, &lookup.vkey, value).await;
                drop(leader);
            }
            Role::Follower(follower) => {
                // A reader loads it; its value is as fresh as ours would be.
                follower.wait().await;
            }
        }
        Ok(())
    }

    /// Makes every value depending on any of `groups` unreachable (one generation bump per group).
    /// Call it after the write is committed. Never fails: an invalidation that cannot reach Redis is
    /// remembered, and the next Redis operation moves the whole cache to a fresh epoch.
    pub async fn invalidate(&self, groups: &[&str]) {
        if groups.is_empty() {
            return;
        }
        let failed = match &self.inner.store {
            Store::Redis(redis) => match redis.invalidate(groups).await {
                Ok(()) => false,
                Err(why) => {
                    tracing::debug!(error = %why, ?groups, "cache invalidation lost");
                    true
                }
            },
            Store::Memory(memory) => {
                memory.invalidate(groups);
                false
            }
            Store::Off => false,
        };
        self.inner.stats.invalidation(failed);
    }

    /// Caches a session (the durable copy is in the store) for the Sessions TTL. Failures are
    /// counted and otherwise ignored.
    pub async fn session_put(&self, token_hash: &str, user_json: &str) {
        let ttl = self.inner.cfg.jittered_ttl(Namespace::Sessions);
        match &self.inner.store {
            Store::Redis(redis) => {
                if let Err(why) = redis.session_put(token_hash, user_json, ttl).await {
                    self.count_unavailable(Namespace::Sessions, &why);
                }
            }
            Store::Memory(memory) => memory.session_put(token_hash, user_json, ttl).await,
            Store::Off => {}
        }
    }

    /// The cached session, or `None` (not cached, or the cache is off or failing: ask the store).
    pub async fn session_get(&self, token_hash: &str) -> Option<String> {
        let ns = Namespace::Sessions;
        let found = match &self.inner.store {
            Store::Redis(redis) => redis.session_get(token_hash).await,
            Store::Memory(memory) => Ok(memory.session_get(token_hash).await),
            Store::Off => Err(Unavailable::Disabled),
        };
        match found {
            Ok(Some(user_json)) => {
                self.inner.stats.record(ns, Event::Hit);
                Some(user_json)
            }
            Ok(None) => {
                self.inner.stats.record(ns, Event::Miss);
                None
            }
            Err(why) => {
                self.count_unavailable(ns, &why);
                self.inner.stats.record(ns, Event::Bypass);
                None
            }
        }
    }

    /// Forgets a session (logout). A deletion that cannot reach Redis is treated like a lost
    /// invalidation: the cache moves to a fresh epoch, so the session cannot come back.
    pub async fn session_delete(&self, token_hash: &str) {
        match &self.inner.store {
            Store::Redis(redis) => {
                if let Err(why) = redis.session_delete(token_hash).await {
                    self.count_unavailable(Namespace::Sessions, &why);
                }
            }
            Store::Memory(memory) => memory.session_delete(token_hash).await,
            Store::Off => {}
        }
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> CacheStats {
        self.inner.stats.snapshot(self.inner.cfg.backend)
    }

    /// Whether the Redis breaker currently skips Redis (always `false` for other backends).
    pub fn breaker_open(&self) -> bool {
        match &self.inner.store {
            Store::Redis(redis) => redis.breaker_open(),
            Store::Memory(_) | Store::Off => false,
        }
    }

    /// Whether the cache works, bounded by `op_timeout`.
    pub async fn health(&self) -> CacheHealth {
        let state = match &self.inner.store {
            Store::Redis(redis) => {
                if redis.ping().await {
                    "up"
                } else {
                    "down"
                }
            }
            Store::Memory(_) => "up",
            Store::Off => "disabled",
        };
        CacheHealth {
            backend: self.inner.cfg.backend,
            state,
        }
    }

    async fn read(&self, ns: Namespace, deps: &[&str], key: &str) -> Result<Lookup, Unavailable> {
        match &self.inner.store {
            Store::Redis(redis) => redis.read(ns, deps, key).await,
            Store::Memory(memory) => Ok(memory.read(ns, deps, key).await),
            Store::Off => Err(Unavailable::Disabled),
        }
    }

    async fn store(&self, ns: Namespace, vkey: &str, value: Arc<str>) {
        let ttl = self.inner.cfg.jittered_ttl(ns);
        match &self.inner.store {
            Store::Redis(redis) => {
                if let Err(why) = redis.store(vkey, &value, ttl).await {
                    self.count_unavailable(ns, &why);
                }
            }
            Store::Memory(memory) => memory.store(vkey, value, ttl).await,
            Store::Off => {}
        }
    }

    fn count_unavailable(&self, ns: Namespace, why: &Unavailable) {
        if why.is_failure() {
            tracing::debug!(namespace = ns.as_str(), error = %why, "cache operation failed");
            self.inner.stats.record(ns, Event::Error);
        }
    }

    /// The Redis key epoch, if the backend is Redis (tests check it changes after lost invalidations).
    #[cfg(test)]
    fn epoch(&self) -> Option<String> {
        match &self.inner.store {
            Store::Redis(redis) => Some(redis.epoch()),
            Store::Memory(_) | Store::Off => None,
        }
    }
}
