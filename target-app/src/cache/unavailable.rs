//! Why a cache operation did not happen. Internal: the facade turns every one of these into a
//! `BYPASS` (or an ignored write) and counts the real failures; callers never see them.

use std::time::Duration;

/// A cache operation that was skipped or failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Unavailable {
    /// The backend is `off`.
    #[error("the cache is off")]
    Disabled,
    /// The breaker is open: Redis was not even asked.
    #[error("the Redis breaker is open")]
    BreakerOpen,
    /// Redis did not answer within `op_timeout`.
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    /// Redis answered with an error, or the connection failed.
    #[error("Redis failed: {0}")]
    Redis(#[from] redis::RedisError),
}

impl Unavailable {
    /// Whether this is a failure to count (as opposed to a deliberate skip).
    pub(crate) fn is_failure(&self) -> bool {
        matches!(self, Unavailable::Timeout(_) | Unavailable::Redis(_))
    }
}

/// The result of reading a value with its generations.
#[derive(Debug)]
pub(crate) struct Lookup {
    /// The key versioned by the generations just read: where a freshly loaded value must go.
    pub(crate) vkey: String,
    /// The cached value, if any.
    pub(crate) value: Option<std::sync::Arc<str>>,
}
