//! What a finished recorder hands over: whole-run histograms and counters per endpoint and in total,
//! the closed per-second windows and the generator's health inputs. `results::build_result` turns it
//! into the `RunResult`; nothing here is summarized yet, so no precision is lost on the way.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::model::histogram::new_latency_histogram;
use crate::model::{CacheCounts, ErrorKind, Protocol, Window};

/// Everything recorded for one endpoint (or for all together).
#[derive(Debug, Clone)]
pub struct EndpointRecord {
    pub name: String,
    /// `None` for the totals when endpoints use several methods.
    pub method: Option<String>,
    /// Latency from the intended start (open model) or the send (other models), µs.
    pub latency: Histogram<u64>,
    /// Open model: latency from the actual send, µs; `None` when no sample carried one.
    pub send_latency: Option<Histogram<u64>>,
    pub requests: u64,
    pub failures: u64,
    /// Responses by HTTP status.
    pub status_counts: BTreeMap<u16, u64>,
    /// Responses by the HTTP version that carried them.
    pub protocols: BTreeMap<Protocol, u64>,
    /// Failures by kind: count and the first message seen.
    pub errors: BTreeMap<ErrorKind, (u64, String)>,
    pub cache: CacheCounts,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Redirects followed, over all requests.
    pub redirects: u64,
}

impl EndpointRecord {
    pub(crate) fn new(name: &str, method: Option<&str>) -> EndpointRecord {
        EndpointRecord {
            name: name.to_string(),
            method: method.map(str::to_string),
            latency: new_latency_histogram(),
            send_latency: None,
            requests: 0,
            failures: 0,
            status_counts: BTreeMap::new(),
            protocols: BTreeMap::new(),
            errors: BTreeMap::new(),
            cache: CacheCounts::default(),
            bytes_in: 0,
            bytes_out: 0,
            redirects: 0,
        }
    }

    /// Adds another record's data into this one (histograms merged, never percentiles averaged).
    pub fn merge(&mut self, other: &EndpointRecord) {
        // Both histograms share the same bounds, so `add` cannot fail; saturate defensively anyway.
        let _ = self.latency.add(&other.latency);
        if let Some(send) = &other.send_latency {
            let mine = self.send_latency.get_or_insert_with(new_latency_histogram);
            let _ = mine.add(send);
        }
        self.requests += other.requests;
        self.failures += other.failures;
        for (status, n) in &other.status_counts {
            *self.status_counts.entry(*status).or_default() += n;
        }
        for (protocol, n) in &other.protocols {
            *self.protocols.entry(*protocol).or_default() += n;
        }
        for (kind, (n, message)) in &other.errors {
            let entry = self
                .errors
                .entry(*kind)
                .or_insert_with(|| (0, message.clone()));
            entry.0 += n;
        }
        self.cache.hits += other.cache.hits;
        self.cache.misses += other.cache.misses;
        self.cache.other += other.cache.other;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
        self.redirects += other.redirects;
    }
}

/// The recorder's output, consumed by `results::build_result`.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// One per endpoint, in `RecorderConfig::endpoints` order.
    pub endpoints: Vec<EndpointRecord>,
    /// All endpoints merged; named "total".
    pub total: EndpointRecord,
    /// Closed per-second windows, in order, offset 0 first.
    pub windows: Vec<Window>,
    /// Time from `RecorderConfig::started` to the end passed to `finish`.
    pub elapsed: Duration,
    pub open_model: bool,
    /// Open model: starts scheduled and starts dropped at the in-flight cap.
    pub scheduled: u64,
    pub dropped: u64,
    /// Open model: how late starts were issued against the schedule, µs; `None` when none recorded.
    pub schedule_lag: Option<Histogram<u64>>,
    /// Where the interval log was written, when one was configured.
    pub hlog_path: Option<PathBuf>,
    /// Why the interval log is incomplete or missing, when writing it failed (the run still counts).
    pub hlog_error: Option<String>,
    /// Samples that reached the recorder after their second had been closed (an idle task handing
    /// over late); they are counted in full and placed in the next open window.
    pub late_samples: u64,
    /// `LocalRecorder`s still alive at `finish`; whatever they had not flushed is not in these
    /// figures. Should be 0: drop (or flush) every local recorder before finishing.
    pub unflushed_locals: usize,
}
