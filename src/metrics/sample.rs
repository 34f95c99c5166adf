//! What the engine hands the recorder for each request: the contract between the request path
//! (`engine`) and the recording (`metrics`). Kept small and plain so recording stays cheap.

use crate::model::{ErrorKind, Protocol};

/// What a response said about the cache (from the configured header, default `X-Cache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// The header carried one of the hit values.
    Hit,
    /// The header carried one of the miss values.
    Miss,
    /// The header was present with another value (e.g. `BYPASS`).
    Other,
    /// No header (or cache tracking is off).
    Absent,
}

/// One request, as measured by us.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Index of the endpoint in `Plan::endpoints()` order.
    pub endpoint: usize,
    /// Microseconds from the *intended* start (open model) or from the send (other models) to the
    /// last byte of the response (or the failure). Ignored for a `template` failure: that request
    /// was never sent, so it is counted (as a request and a failure) but kept out of every latency
    /// histogram.
    pub latency_us: u64,
    /// Open model only: microseconds from the actual send to the last byte.
    pub send_latency_us: Option<u64>,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The HTTP version of the response, when one arrived.
    pub protocol: Option<Protocol>,
    /// `None` for a success; otherwise the failure kind and a short message (never a secret).
    pub error: Option<(ErrorKind, String)>,
    pub cache: CacheOutcome,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Redirects followed before the final response (the latency and bytes cover them all).
    pub redirects: u32,
}
