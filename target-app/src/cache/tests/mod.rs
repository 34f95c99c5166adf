//! Behaviour tests of the cache against a real `redis-server` (started per test on a free port) and
//! against the memory and off backends. Scenarios shared by Redis and memory live in `semantics`, so
//! both backends are held to the same contract.

mod off;
mod redis_outage;
mod semantics;

use super::{Backend, Cache, CacheConfig, CacheStatus, Namespace, NamespaceTtls};
use crate::redis_server::RedisServer;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Upper bound that only catches hangs: everything guarded by it should take milliseconds.
pub(super) const HANG: Duration = Duration::from_secs(10);

pub(super) type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A config for `backend` with no jitter (TTLs exact) and a generous `op_timeout`, so that a slow,
/// shared test machine never turns an expected HIT or MISS into a BYPASS. Tests of timeouts set
/// their own.
pub(super) fn config(backend: Backend) -> CacheConfig {
    CacheConfig {
        backend,
        jitter: 0.0,
        op_timeout: Duration::from_secs(2),
        ..CacheConfig::default()
    }
}

/// A config with every TTL set to `ttl`.
pub(super) fn with_ttl(mut cfg: CacheConfig, ttl: Duration) -> CacheConfig {
    cfg.ttls = NamespaceTtls::uniform(ttl);
    cfg
}

/// A Redis server and a cache connected to it.
pub(super) async fn redis_cache(
    cfg: CacheConfig,
) -> Result<(RedisServer, Cache), Box<dyn std::error::Error>> {
    let server = RedisServer::start()?;
    let cache = Cache::connect(CacheConfig {
        backend: Backend::Redis,
        redis_url: server.url(),
        ..cfg
    })
    .await?;
    Ok((server, cache))
}

/// A stand-in for the database: a value and a count of the loads that read it.
#[derive(Clone, Default)]
pub(super) struct Source {
    value: Arc<std::sync::Mutex<String>>,
    loads: Arc<AtomicUsize>,
}

impl Source {
    pub(super) fn new(value: &str) -> Source {
        let source = Source::default();
        source.set(value);
        source
    }

    pub(super) fn set(&self, value: &str) {
        *self.value.lock().unwrap_or_else(|p| p.into_inner()) = value.to_string();
    }

    pub(super) fn get(&self) -> String {
        self.value.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }

    /// A loader reading the current value.
    pub(super) fn loader(
        &self,
    ) -> impl FnOnce() -> std::future::Ready<Result<String, Infallible>> + Send + 'static {
        let source = self.clone();
        move || {
            source.loads.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(source.get()))
        }
    }
}

/// `get_or_load` of one record (`records`, key `contacts/1`, group `contacts:1`) from `source`,
/// bounded by [`HANG`].
pub(super) async fn read(cache: &Cache, source: &Source) -> (String, CacheStatus) {
    read_key(cache, "contacts/1", "contacts:1", source).await
}

pub(super) async fn read_key(
    cache: &Cache,
    key: &str,
    group: &str,
    source: &Source,
) -> (String, CacheStatus) {
    let deps = [group];
    let call = cache.get_or_load(Namespace::Records, &deps, key, source.loader());
    match bounded(call).await {
        Ok((value, status)) => (value.to_string(), status),
        Err(never) => match never {},
    }
}

/// Awaits `fut`, panicking if it hangs for [`HANG`].
pub(super) async fn bounded<T>(fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(HANG, fut).await {
        Ok(value) => value,
        Err(_) => panic!("cache operation hung for {HANG:?}"),
    }
}
