//! TEMPORARY stand-in for the recorder (`crate::metrics::Recorder`), which is being written in
//! parallel. REMOVE AT MERGE: replace this file's whole body by
//! `pub use crate::metrics::{LocalRecorder, Recorder, RecorderConfig};` — the engine imports the
//! recorder only through this module, so nothing else has to change.
//!
//! It imitates the spec's API (names and signatures) and the real hot-path cost: a `LocalRecorder`
//! keeps per-endpoint HDR histograms and counters without any lock and merges them into the shared
//! state on `flush()` and on drop. Tests read the merged totals through [`Recorder::snapshot`],
//! which the real recorder does not have (it has `finish`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hdrhistogram::Histogram;

use crate::metrics::Sample;

/// As in the spec.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    pub endpoints: Vec<(String, String)>,
    pub hlog_path: Option<PathBuf>,
    pub started: Instant,
    pub open_model: bool,
}

/// Everything recorded so far (shim only, for tests).
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Every sample, in the order the local recorders were flushed.
    pub samples: Vec<Sample>,
    /// Samples recorded (kept or not).
    pub recorded: u64,
    pub latency: Histogram<u64>,
    pub send_latency: Histogram<u64>,
    pub lag: Histogram<u64>,
    pub scheduled: u64,
    pub dropped: u64,
    pub load: f64,
}

#[derive(Debug)]
struct Shared {
    endpoints: usize,
    keep_samples: bool,
    merged: Mutex<Snapshot>,
    scheduled: AtomicU64,
    dropped: AtomicU64,
    load_bits: AtomicU64,
}

/// The recorder handle: `Clone + Send + Sync`.
#[derive(Debug, Clone)]
pub struct Recorder {
    shared: Arc<Shared>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

impl Recorder {
    pub fn new(cfg: RecorderConfig) -> Recorder {
        Self::build(cfg, false)
    }

    /// Shim only: a recorder that also keeps every sample, for tests to inspect.
    pub fn new_keeping_samples(cfg: RecorderConfig) -> Recorder {
        Self::build(cfg, true)
    }

    fn build(cfg: RecorderConfig, keep_samples: bool) -> Recorder {
        Recorder {
            shared: Arc::new(Shared {
                endpoints: cfg.endpoints.len(),
                keep_samples,
                merged: Mutex::new(Snapshot {
                    samples: Vec::new(),
                    recorded: 0,
                    latency: histogram(),
                    send_latency: histogram(),
                    lag: histogram(),
                    scheduled: 0,
                    dropped: 0,
                    load: 0.0,
                }),
                scheduled: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                load_bits: AtomicU64::new(0),
            }),
        }
    }

    /// A per-task recorder.
    pub fn local(&self) -> LocalRecorder {
        LocalRecorder {
            shared: self.shared.clone(),
            latency: (0..self.shared.endpoints.max(1))
                .map(|_| histogram())
                .collect(),
            send_latency: histogram(),
            samples: Vec::new(),
            count: 0,
        }
    }

    pub fn set_load(&self, load: f64) {
        self.shared
            .load_bits
            .store(load.to_bits(), Ordering::Relaxed);
    }

    pub fn add_scheduled(&self, n: u64) {
        self.shared.scheduled.fetch_add(n, Ordering::Relaxed);
    }

    pub fn add_dropped(&self, n: u64) {
        self.shared.dropped.fetch_add(n, Ordering::Relaxed);
    }

    pub fn record_lag_us(&self, us: u64) {
        if let Ok(mut m) = self.shared.merged.lock() {
            m.lag.saturating_record(us.max(1));
        }
    }

    /// Shim only: what has been flushed so far.
    pub fn snapshot(&self) -> Snapshot {
        let mut s = self.shared.merged.lock().expect("shim lock").clone();
        s.scheduled = self.shared.scheduled.load(Ordering::Relaxed);
        s.dropped = self.shared.dropped.load(Ordering::Relaxed);
        s.load = f64::from_bits(self.shared.load_bits.load(Ordering::Relaxed));
        s
    }
}

/// A per-task recorder: no lock on `record`.
#[derive(Debug)]
pub struct LocalRecorder {
    shared: Arc<Shared>,
    latency: Vec<Histogram<u64>>,
    send_latency: Histogram<u64>,
    /// The shim keeps samples so tests can inspect them (the real recorder keeps none).
    samples: Vec<Sample>,
    count: u64,
}

impl LocalRecorder {
    pub fn record(&mut self, sample: &Sample) {
        if let Some(h) = self.latency.get_mut(sample.endpoint) {
            h.saturating_record(sample.latency_us.max(1));
        }
        if let Some(send) = sample.send_latency_us {
            self.send_latency.saturating_record(send.max(1));
        }
        if self.shared.keep_samples {
            self.samples.push(sample.clone());
        }
        self.count += 1;
    }

    pub fn flush(&mut self) {
        if let Ok(mut m) = self.shared.merged.lock() {
            for h in &mut self.latency {
                let _ = m.latency.add(&*h);
                h.reset();
            }
            let _ = m.send_latency.add(&self.send_latency);
            self.send_latency.reset();
            m.samples.append(&mut self.samples);
            m.recorded += std::mem::take(&mut self.count);
        }
    }
}

impl Drop for LocalRecorder {
    fn drop(&mut self) {
        self.flush();
    }
}
