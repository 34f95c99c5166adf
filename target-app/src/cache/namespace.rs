//! The vocabulary shared by the cache and the HTTP layer: which kind of data a cached value is
//! (`Namespace`, which picks its TTL and its metrics label) and how a response was served
//! (`CacheStatus`, the `X-Cache` header).

use serde::Serialize;
use std::fmt;

/// The kind of data a cached value holds. Each namespace has its own TTL and its own counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Namespace {
    /// One business record (`GET /api/contacts/42`).
    Records,
    /// A page of a list endpoint.
    Lists,
    /// Search results and suggestions.
    Search,
    /// Dashboard and revenue aggregates.
    Analytics,
    /// Bearer-token sessions.
    Sessions,
}

impl Namespace {
    /// Every namespace, in a stable order (the order of `CacheStats::namespaces`).
    pub const ALL: [Namespace; 5] = [
        Namespace::Records,
        Namespace::Lists,
        Namespace::Search,
        Namespace::Analytics,
        Namespace::Sessions,
    ];

    /// The `namespace` label value in `/metrics`, also used inside cache keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Namespace::Records => "records",
            Namespace::Lists => "lists",
            Namespace::Search => "search",
            Namespace::Analytics => "analytics",
            Namespace::Sessions => "sessions",
        }
    }

    /// Position in [`Namespace::ALL`], for per-namespace arrays.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a cacheable response was produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CacheStatus {
    /// Served from the cache.
    #[serde(rename = "HIT")]
    Hit,
    /// Not in the cache: loaded (by this request or by a concurrent one sharing its load) and stored.
    #[serde(rename = "MISS")]
    Miss,
    /// The cache was not used (disabled, unreachable, or its breaker open): loaded directly.
    #[serde(rename = "BYPASS")]
    Bypass,
}

impl CacheStatus {
    /// The `X-Cache` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "HIT",
            CacheStatus::Miss => "MISS",
            CacheStatus::Bypass => "BYPASS",
        }
    }
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_spec() {
        let names: Vec<_> = Namespace::ALL.iter().map(|ns| ns.as_str()).collect();
        assert_eq!(
            names,
            ["records", "lists", "search", "analytics", "sessions"]
        );
        for (i, ns) in Namespace::ALL.iter().enumerate() {
            assert_eq!(ns.index(), i);
        }
        assert_eq!(CacheStatus::Hit.as_str(), "HIT");
        assert_eq!(CacheStatus::Miss.to_string(), "MISS");
        assert_eq!(CacheStatus::Bypass.as_str(), "BYPASS");
    }
}
