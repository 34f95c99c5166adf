//! What the cache is told at start-up: which backend, where Redis is, how long each namespace lives,
//! and how quickly to give up on a failing Redis. Defaults are the spec's.

use super::error::CacheError;
use super::namespace::Namespace;
use rand::Rng;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Where cached values live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A Redis server shared by every SalesHub process.
    Redis,
    /// A bounded in-process cache (moka): same semantics, nothing shared between processes.
    Memory,
    /// No cache: every request runs its loader and is reported `BYPASS`.
    Off,
}

impl Backend {
    /// The name used on the command line and in `/health`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Redis => "redis",
            Backend::Memory => "memory",
            Backend::Off => "off",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Backend {
    type Err = CacheError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "redis" => Ok(Backend::Redis),
            "memory" => Ok(Backend::Memory),
            "off" => Ok(Backend::Off),
            _ => Err(CacheError::UnknownBackend {
                given: s.to_string(),
            }),
        }
    }
}

/// Time to live of each namespace, before jitter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceTtls {
    /// One record.
    pub records: Duration,
    /// A list page.
    pub lists: Duration,
    /// Search results and suggestions.
    pub search: Duration,
    /// Dashboard and revenue.
    pub analytics: Duration,
    /// Sessions.
    pub sessions: Duration,
}

impl NamespaceTtls {
    /// The same TTL for every namespace (handy in tests).
    pub fn uniform(ttl: Duration) -> NamespaceTtls {
        NamespaceTtls {
            records: ttl,
            lists: ttl,
            search: ttl,
            analytics: ttl,
            sessions: ttl,
        }
    }

    /// The TTL of `ns`.
    pub fn get(&self, ns: Namespace) -> Duration {
        match ns {
            Namespace::Records => self.records,
            Namespace::Lists => self.lists,
            Namespace::Search => self.search,
            Namespace::Analytics => self.analytics,
            Namespace::Sessions => self.sessions,
        }
    }
}

impl Default for NamespaceTtls {
    fn default() -> Self {
        NamespaceTtls {
            records: Duration::from_secs(5 * 60),
            lists: Duration::from_secs(5 * 60),
            search: Duration::from_secs(10 * 60),
            analytics: Duration::from_secs(30 * 60),
            sessions: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Everything the cache needs to start.
#[derive(Clone, Debug)]
pub struct CacheConfig {
    /// Which backend to use.
    pub backend: Backend,
    /// Redis URL (`redis://host:port/db`), used by the Redis backend only.
    pub redis_url: String,
    /// Per-namespace TTLs.
    pub ttls: NamespaceTtls,
    /// Relative TTL jitter: each stored value lives `ttl * (1 ± jitter)`, so entries written together
    /// do not all expire together. Clamped to `0.0..=0.9`.
    pub jitter: f64,
    /// Upper bound of one Redis operation (connecting included); beyond it the request bypasses.
    pub op_timeout: Duration,
    /// Consecutive Redis failures that open the breaker.
    pub breaker_failures: u32,
    /// How long an open breaker skips Redis before one probe call may try again.
    pub breaker_cooldown: Duration,
    /// Memory backend capacity (sum of key and value bytes).
    pub memory_capacity_bytes: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            backend: Backend::Redis,
            redis_url: "redis://127.0.0.1:6379".to_string(),
            ttls: NamespaceTtls::default(),
            jitter: 0.1,
            op_timeout: Duration::from_millis(100),
            breaker_failures: 3,
            breaker_cooldown: Duration::from_secs(1),
            memory_capacity_bytes: 64 * 1024 * 1024,
        }
    }
}

impl CacheConfig {
    /// A TTL for a value of `ns` about to be stored: the namespace TTL ± jitter. Sessions only jitter
    /// downwards, so a cached session never outlives the namespace TTL.
    pub(crate) fn jittered_ttl(&self, ns: Namespace) -> Duration {
        let ttl = self.ttls.get(ns);
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 0.9)
        } else {
            0.0
        };
        if jitter == 0.0 {
            return ttl;
        }
        let high = if ns == Namespace::Sessions {
            0.0
        } else {
            jitter
        };
        let factor = 1.0 + rand::rng().random_range(-jitter..=high);
        ttl.mul_f64(factor).max(Duration::from_millis(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_parses_and_prints() {
        for b in [Backend::Redis, Backend::Memory, Backend::Off] {
            assert_eq!(b.to_string().parse::<Backend>().ok(), Some(b));
        }
        let err = "memcached".parse::<Backend>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("unknown cache backend 'memcached': expected one of redis, memory, off")
        );
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let cfg = CacheConfig::default();
        for _ in 0..1000 {
            let ttl = cfg.jittered_ttl(Namespace::Records).as_secs_f64();
            assert!((269.99..=330.01).contains(&ttl), "{ttl}");
            let ttl = cfg.jittered_ttl(Namespace::Sessions).as_secs_f64();
            assert!((77_759.99..=86_400.01).contains(&ttl), "{ttl}");
        }
        let flat = CacheConfig {
            jitter: 0.0,
            ..CacheConfig::default()
        };
        assert_eq!(
            flat.jittered_ttl(Namespace::Analytics),
            Duration::from_secs(1800)
        );
    }
}
