//! The Redis backend: versioned reads in one round trip, generation bumps, sessions, all bounded by
//! `op_timeout` and guarded by the breaker. Also owns the epoch: when an invalidation could not reach
//! Redis, the next operation switches every key to a fresh prefix, so nothing written before the
//! outage can be served stale.

use super::breaker::Breaker;
use super::config::CacheConfig;
use super::error::CacheError;
use super::keys;
use super::namespace::Namespace;
use super::scripts::Scripts;
use super::stats::Stats;
use super::unavailable::{Lookup, Unavailable};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, RedisResult};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Generation keys outlive any cached value (the longest default TTL is 30 min, sessions excepted,
/// which have no generations); when one expires its group just starts cold.
const GENERATION_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A connected Redis backend.
#[derive(Debug)]
pub(crate) struct RedisBackend {
    conn: ConnectionManager,
    op_timeout: Duration,
    breaker: Breaker,
    scripts: Scripts,
    /// `saleshub:{epoch}`.
    prefix: RwLock<Arc<str>>,
    /// Set when an invalidation (or session deletion) may not have reached Redis.
    lost_invalidations: AtomicBool,
    stats: Arc<Stats>,
}

/// How long `connect` may take, and how long one (re)connection attempt may take: generous compared
/// with `op_timeout`, because a slow handshake should still succeed in the background.
fn connect_timeout(op_timeout: Duration) -> Duration {
    (op_timeout * 10).max(Duration::from_secs(1))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisBackend {
    /// Connects and PINGs, within [`connect_timeout`].
    pub(crate) async fn connect(
        cfg: &CacheConfig,
        stats: Arc<Stats>,
    ) -> Result<RedisBackend, CacheError> {
        let url = cfg.redis_url.clone();
        let client =
            redis::Client::open(url.as_str()).map_err(|source| CacheError::InvalidUrl {
                url: url.clone(),
                source,
            })?;
        let timeout = connect_timeout(cfg.op_timeout);
        // Few retries with short delays: while Redis is down every operation fails fast (and the
        // breaker opens), and each later operation triggers a fresh reconnection attempt, so the
        // manager picks Redis up again within one probe once it is back.
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(cfg.op_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let connect = async {
            let mut conn = ConnectionManager::new_with_config(client, manager_config).await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await?;
            Ok::<_, redis::RedisError>(conn)
        };
        let conn = match tokio::time::timeout(timeout, connect).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                return Err(CacheError::Unreachable {
                    url,
                    reason: e.to_string(),
                });
            }
            Err(_) => return Err(CacheError::ConnectTimeout { url, timeout }),
        };
        Ok(RedisBackend {
            conn,
            op_timeout: cfg.op_timeout,
            breaker: Breaker::new(cfg.breaker_failures, cfg.breaker_cooldown),
            scripts: Scripts::new(),
            prefix: RwLock::new(Arc::from(keys::redis_prefix(&keys::new_epoch()))),
            lost_invalidations: AtomicBool::new(false),
            stats,
        })
    }

    /// The current key prefix, re-drawn first if invalidations were lost.
    fn prefix(&self) -> Arc<str> {
        if self.lost_invalidations.load(Ordering::SeqCst) {
            // Swap under the write lock: a reader that sees the flag cleared then waits for the
            // new prefix, so no read after a lost invalidation uses the old one.
            let mut prefix = self.prefix.write().unwrap_or_else(|p| p.into_inner());
            if self.lost_invalidations.swap(false, Ordering::SeqCst) {
                let epoch = keys::new_epoch();
                tracing::warn!(%epoch, "cache invalidations were lost while Redis was unreachable; switching to a new key epoch");
                *prefix = Arc::from(keys::redis_prefix(&epoch));
                self.stats.epoch_changed();
            }
            return prefix.clone();
        }
        self.prefix
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The current epoch (the part of the prefix after `saleshub:`).
    #[cfg(test)]
    pub(crate) fn epoch(&self) -> String {
        let prefix = self.prefix();
        prefix
            .strip_prefix("saleshub:")
            .unwrap_or(&prefix)
            .to_string()
    }

    fn invalidations_lost(&self) {
        self.lost_invalidations.store(true, Ordering::SeqCst);
    }

    /// Runs one operation through the breaker, bounded by `op_timeout`.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, Unavailable>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let permit = self.breaker.try_acquire().ok_or(Unavailable::BreakerOpen)?;
        match tokio::time::timeout(self.op_timeout, op(self.conn.clone())).await {
            Ok(Ok(value)) => {
                permit.success();
                Ok(value)
            }
            Ok(Err(e)) => {
                permit.failure();
                Err(Unavailable::Redis(e))
            }
            Err(_) => {
                permit.failure();
                Err(Unavailable::Timeout(self.op_timeout))
            }
        }
    }

    /// Reads the generations of `deps` and the value versioned by them, in one round trip.
    pub(crate) async fn read(
        &self,
        ns: Namespace,
        deps: &[&str],
        key: &str,
    ) -> Result<Lookup, Unavailable> {
        let prefix = self.prefix();
        let generation_keys: Vec<String> = deps
            .iter()
            .map(|group| keys::generation_key(&prefix, group))
            .collect();
        let base = keys::value_base(&prefix, ns, key);
        let (vkey, value): (String, Option<String>) = self
            .run(|mut conn| async move {
                let mut invocation = self.scripts.read.prepare_invoke();
                invocation
                    .key(generation_keys)
                    .arg(base)
                    .arg(millis(GENERATION_TTL));
                invocation.invoke_async(&mut conn).await
            })
            .await?;
        Ok(Lookup {
            vkey,
            value: value.map(Arc::from),
        })
    }

    /// Stores `value` under the versioned key `vkey`.
    pub(crate) async fn store(
        &self,
        vkey: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), Unavailable> {
        self.run(|mut conn| async move { conn.pset_ex(vkey, value, millis(ttl)).await })
            .await
    }

    /// Bumps the generation of every group. A failure marks the invalidation as lost.
    pub(crate) async fn invalidate(&self, groups: &[&str]) -> Result<(), Unavailable> {
        let prefix = self.prefix();
        let generation_keys: Vec<String> = groups
            .iter()
            .map(|group| keys::generation_key(&prefix, group))
            .collect();
        let result = self
            .run(|mut conn| async move {
                let mut invocation = self.scripts.invalidate.prepare_invoke();
                invocation.key(generation_keys).arg(millis(GENERATION_TTL));
                invocation.invoke_async::<i64>(&mut conn).await
            })
            .await;
        if result.is_err() {
            self.invalidations_lost();
        }
        result.map(|_| ())
    }

    pub(crate) async fn session_get(
        &self,
        token_hash: &str,
    ) -> Result<Option<String>, Unavailable> {
        let key = keys::session_key(&self.prefix(), token_hash);
        self.run(|mut conn| async move { conn.get(key).await })
            .await
    }

    pub(crate) async fn session_put(
        &self,
        token_hash: &str,
        user_json: &str,
        ttl: Duration,
    ) -> Result<(), Unavailable> {
        let key = keys::session_key(&self.prefix(), token_hash);
        self.run(|mut conn| async move { conn.pset_ex(key, user_json, millis(ttl)).await })
            .await
    }

    /// Deletes a session. A failure is a lost invalidation: a logged-out session must not come back.
    pub(crate) async fn session_delete(&self, token_hash: &str) -> Result<(), Unavailable> {
        let key = keys::session_key(&self.prefix(), token_hash);
        let result = self
            .run(|mut conn| async move { conn.del::<_, ()>(key).await })
            .await;
        if result.is_err() {
            self.invalidations_lost();
        }
        result
    }

    /// Whether Redis answers PING within `op_timeout` (ignores the breaker: this is what it reports).
    pub(crate) async fn ping(&self) -> bool {
        let mut conn = self.conn.clone();
        let ping = async move { redis::cmd("PING").query_async::<String>(&mut conn).await };
        matches!(tokio::time::timeout(self.op_timeout, ping).await, Ok(Ok(_)))
    }

    pub(crate) fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }
}
