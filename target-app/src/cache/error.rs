//! Errors the cache reports to its caller. Only construction can fail: once a `Cache` exists, every
//! failure of Redis is absorbed (the request is served without the cache and the failure counted).

use std::time::Duration;

/// Why a cache could not be configured or connected.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// `--cache` (or the config file) named a backend that does not exist.
    #[error("unknown cache backend '{given}': expected one of redis, memory, off")]
    UnknownBackend {
        /// What was given.
        given: String,
    },
    /// The Redis URL does not parse.
    #[error("invalid Redis URL '{url}': {source}")]
    InvalidUrl {
        /// The URL as configured.
        url: String,
        /// The parser's complaint.
        #[source]
        source: redis::RedisError,
    },
    /// Redis did not answer PING: it is down, unreachable, or refuses us.
    #[error(
        "Redis at '{url}' is unreachable: {reason} (start redis-server, or use the memory/off cache backend)"
    )]
    Unreachable {
        /// The URL as configured.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Redis did not answer PING within the connect timeout.
    #[error(
        "Redis at '{url}' did not answer PING within {timeout:?} (start redis-server, or use the memory/off cache backend)"
    )]
    ConnectTimeout {
        /// The URL as configured.
        url: String,
        /// How long we waited.
        timeout: Duration,
    },
}
