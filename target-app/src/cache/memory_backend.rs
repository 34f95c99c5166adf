//! The in-process backend: the same versioned-key semantics as Redis, for running SalesHub without
//! Redis. Values live in a moka cache bounded by bytes, each with its own (jittered) TTL; generations
//! live in a plain map (one small counter per invalidation group; never evicted, so a generation can
//! never go backwards and revive an old value).

use super::keys;
use super::namespace::Namespace;
use super::unavailable::Lookup;
use moka::Expiry;
use moka::future::Cache as MokaCache;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const PREFIX: &str = "mem";

#[derive(Clone, Debug)]
struct Entry {
    value: Arc<str>,
    ttl: Duration,
}

/// Each entry expires after the TTL it was stored with.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _at: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _at: Instant,
        _remaining: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// The memory backend.
pub(crate) struct MemoryBackend {
    values: MokaCache<String, Entry>,
    generations: Mutex<HashMap<String, u64>>,
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend")
            .field("entries", &self.values.entry_count())
            .field("weighted_bytes", &self.values.weighted_size())
            .finish()
    }
}

impl MemoryBackend {
    /// An empty backend holding at most `capacity_bytes` of keys and values.
    pub(crate) fn new(capacity_bytes: u64) -> MemoryBackend {
        let values = MokaCache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.value.len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        MemoryBackend {
            values,
            generations: Mutex::new(HashMap::new()),
        }
    }

    fn generations(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        // Single map operations only: a poisoned map is still consistent.
        self.generations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) async fn read(&self, ns: Namespace, deps: &[&str], key: &str) -> Lookup {
        let gens: Vec<u64> = {
            let generations = self.generations();
            deps.iter()
                .map(|group| generations.get(*group).copied().unwrap_or(0))
                .collect()
        };
        let vkey = keys::versioned(&keys::value_base(PREFIX, ns, key), &gens);
        let value = self.values.get(&vkey).await.map(|entry| entry.value);
        Lookup { vkey, value }
    }

    pub(crate) async fn store(&self, vkey: &str, value: Arc<str>, ttl: Duration) {
        self.values
            .insert(vkey.to_string(), Entry { value, ttl })
            .await;
    }

    pub(crate) fn invalidate(&self, groups: &[&str]) {
        let mut generations = self.generations();
        for group in groups {
            *generations.entry((*group).to_string()).or_insert(0) += 1;
        }
    }

    pub(crate) async fn session_get(&self, token_hash: &str) -> Option<String> {
        let key = keys::session_key(PREFIX, token_hash);
        self.values
            .get(&key)
            .await
            .map(|entry| entry.value.to_string())
    }

    pub(crate) async fn session_put(&self, token_hash: &str, user_json: &str, ttl: Duration) {
        let key = keys::session_key(PREFIX, token_hash);
        let value = Arc::from(user_json);
        self.values.insert(key, Entry { value, ttl }).await;
    }

    pub(crate) async fn session_delete(&self, token_hash: &str) {
        let key = keys::session_key(PREFIX, token_hash);
        self.values.invalidate(&key).await;
    }
}
