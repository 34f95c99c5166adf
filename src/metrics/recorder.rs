//! The recorder shared by every task of a run: cheap to clone, handing out one [`LocalRecorder`] per
//! task for the hot path, keeping the load-level signals of the engines in atomics, and closing the
//! per-second windows from a ticker. See `aggregate.rs` for how windows are closed and `local.rs` for
//! why recording needs no lock per sample.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use super::aggregate::{Aggregator, GRACE};
use super::hlog::HlogWriter;
use super::local::{Batch, LocalRecorder};
use super::recorded::{EndpointRecord, Recorded};
use crate::scenario::Plan;
use crate::scenario::plan::LoadModel;

/// How often the ticker wakes: second boundaries are seen within this much of their time.
const TICK: Duration = Duration::from_millis(100);

/// What the recorder needs to know up front.
#[derive(Debug, Clone)]
pub struct RecorderConfig {
    /// `(name, method)` per endpoint, in `Plan::endpoints()` order (a `Sample::endpoint` indexes it).
    pub endpoints: Vec<(String, String)>,
    /// Where to write the per-second interval log; `None` for none.
    pub hlog_path: Option<PathBuf>,
    /// Start of the measured phase: offset zero of every window.
    pub started: Instant,
    /// Open model: samples carry a send latency beside the intended-start latency.
    pub open_model: bool,
}

impl RecorderConfig {
    /// The configuration for recording `plan`'s endpoints with a measured phase starting at
    /// `started`.
    pub fn for_plan(plan: &Plan, started: Instant, hlog_path: Option<PathBuf>) -> RecorderConfig {
        RecorderConfig {
            endpoints: plan
                .endpoints()
                .iter()
                .map(|(n, m)| (n.to_string(), m.to_string()))
                .collect(),
            hlog_path,
            started,
            open_model: matches!(plan.load.model, LoadModel::Open { .. }),
        }
    }
}

/// A live view for progress displays.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Time since the measured phase started.
    pub elapsed: Duration,
    /// Requests and failures handed to the recorder so far (tasks hand over about once a second).
    pub requests: u64,
    pub failures: u64,
    /// Requests in the last closed window (one second), when one has closed.
    pub last_window_rps: Option<f64>,
    pub last_window_p95_us: Option<u64>,
    /// Current users (closed), target arrival rate (open) or connections (throughput).
    pub load: f64,
    /// Requests or iterations in flight, when the engine reports it.
    pub in_flight: Option<u64>,
    /// Open model: starts dropped so far.
    pub dropped: u64,
}

/// The state every clone and every local recorder share.
pub(crate) struct Shared {
    started: Instant,
    open_model: bool,
    hlog_path: Option<PathBuf>,
    /// The current window (whole seconds since `started`), advanced by the ticker.
    pub(crate) epoch: AtomicU32,
    load_bits: AtomicU64,
    scheduled: AtomicU64,
    dropped: AtomicU64,
    /// `u64::MAX` until an engine reports it.
    in_flight: AtomicU64,
    pub(crate) live_locals: AtomicUsize,
    finished: AtomicBool,
    state: Mutex<Aggregator>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Aggregator> {
        // A panic while holding the lock leaves counters that are still usable; keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn load(&self) -> f64 {
        f64::from_bits(self.load_bits.load(Ordering::Relaxed))
    }

    pub(crate) fn absorb(&self, batch: &Batch) {
        let load = self.load();
        self.lock().absorb(batch, load);
    }
}

/// Collects every sample of a run. `Clone + Send + Sync`; clones share one recording.
#[derive(Clone)]
pub struct Recorder {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("started", &self.shared.started)
            .field("open_model", &self.shared.open_model)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// A recorder for one run. An interval log that cannot be created does not stop the run: the
    /// reason is reported in [`Recorded::hlog_error`].
    pub fn new(cfg: RecorderConfig) -> Recorder {
        let endpoints = cfg
            .endpoints
            .iter()
            .map(|(name, method)| EndpointRecord::new(name, Some(method)))
            .collect();
        let base = SystemTime::now()
            .checked_sub(cfg.started.elapsed())
            .unwrap_or_else(SystemTime::now);
        let (hlog, hlog_error) = match &cfg.hlog_path {
            None => (None, None),
            Some(path) => match HlogWriter::create(path, base) {
                Ok(writer) => (Some(writer), None),
                Err(e) => (None, Some(e.to_string())),
            },
        };
        Recorder {
            shared: Arc::new(Shared {
                started: cfg.started,
                open_model: cfg.open_model,
                hlog_path: cfg.hlog_path,
                epoch: AtomicU32::new(0),
                load_bits: AtomicU64::new(0f64.to_bits()),
                scheduled: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                in_flight: AtomicU64::new(u64::MAX),
                live_locals: AtomicUsize::new(0),
                finished: AtomicBool::new(false),
                state: Mutex::new(Aggregator::new(cfg.open_model, endpoints, hlog, hlog_error)),
            }),
        }
    }

    /// The start of the measured phase.
    pub fn started(&self) -> Instant {
        self.shared.started
    }

    /// A recorder for one task (virtual user, connection, worker): record into it without locks.
    pub fn local(&self) -> LocalRecorder {
        LocalRecorder::new(Arc::clone(&self.shared))
    }

    /// Sets the current load level: users (closed), target arrival rate (open) or connections.
    pub fn set_load(&self, load: f64) {
        self.shared
            .load_bits
            .store(load.to_bits(), Ordering::Relaxed);
    }

    /// Sets the number of requests or iterations currently in flight (for progress).
    pub fn set_in_flight(&self, n: u64) {
        self.shared.in_flight.store(n, Ordering::Relaxed);
    }

    /// Open model: counts starts scheduled by the pacer.
    pub fn add_scheduled(&self, n: u64) {
        self.shared.scheduled.fetch_add(n, Ordering::Relaxed);
    }

    /// Open model: counts starts that could not be issued (in-flight cap reached).
    pub fn add_dropped(&self, n: u64) {
        self.shared.dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// Records one schedule lag (µs). Takes the shared lock: from a hot loop prefer
    /// [`LocalRecorder::record_lag_us`].
    pub fn record_lag_us(&self, us: u64) {
        let batch = Batch {
            window: self.shared.epoch.load(Ordering::Relaxed),
            lags: vec![us],
            ..Batch::default()
        };
        self.shared.absorb(&batch);
    }

    /// Starts the task that advances the current second and closes windows (needs a tokio
    /// runtime). It ends by itself after [`Recorder::finish`]; aborting it early is harmless
    /// (`finish` closes whatever is left).
    pub fn start_ticker(&self) -> tokio::task::JoinHandle<()> {
        let recorder = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(TICK);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                if recorder.shared.finished.load(Ordering::Relaxed) {
                    break;
                }
                recorder.advance(recorder.shared.started.elapsed());
            }
        })
    }

    /// Moves the recorder's clock to `elapsed` since the start: passes second boundaries and
    /// closes the windows whose grace period is over. The ticker calls this; tests call it with
    /// chosen times to get a deterministic window sequence.
    pub fn advance(&self, elapsed: Duration) {
        let second = u32::try_from(elapsed.as_secs()).unwrap_or(u32::MAX);
        let load = self.shared.load();
        let dropped = self.shared.dropped.load(Ordering::Relaxed);
        let mut state = self.shared.lock();
        if state.finished {
            return;
        }
        state.pass_boundaries(second, load, dropped);
        // Publish the new second only after its predecessor is stamped, so data recorded in it
        // never lands in a window that is about to close.
        self.shared.epoch.fetch_max(second, Ordering::Relaxed);
        let closable = elapsed.saturating_sub(GRACE).as_secs();
        state.close_until(u32::try_from(closable).unwrap_or(u32::MAX));
    }

    /// A snapshot for progress displays.
    pub fn progress(&self) -> Progress {
        let in_flight = self.shared.in_flight.load(Ordering::Relaxed);
        let state = self.shared.lock();
        let last = state.closed.last();
        Progress {
            elapsed: self.shared.started.elapsed(),
            requests: state.requests,
            failures: state.failures,
            last_window_rps: last.map(|w| w.requests as f64),
            last_window_p95_us: last.map(|w| w.p95_us),
            load: self.shared.load(),
            in_flight: (in_flight != u64::MAX).then_some(in_flight),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
        }
    }

    /// Ends the recording now. Drop (or flush) every [`LocalRecorder`] first: what they still hold
    /// is not counted.
    pub fn finish(self) -> Recorded {
        let end = self.shared.started.elapsed();
        self.finish_at(end)
    }

    /// Ends the recording as of `end` since the start (the end of the measured phase): data after
    /// it is folded into the last window, and windows cover `[0, end)`.
    pub fn finish_at(self, end: Duration) -> Recorded {
        let load = self.shared.load();
        let dropped = self.shared.dropped.load(Ordering::Relaxed);
        let mut state = self.shared.lock();
        if !state.finished {
            state.finish(end, load, dropped);
        }
        self.shared.finished.store(true, Ordering::Relaxed);
        let endpoints = std::mem::take(&mut state.endpoints);
        let windows = std::mem::take(&mut state.closed);
        let lag = state.lag.take();
        self.recorded(&state, endpoints, windows, lag, end, dropped)
    }

    /// The figures so far, for live outputs: every endpoint's whole-run record as handed over
    /// until now, and the windows closed from index `first_window` on (a live reader keeps the
    /// earlier ones it already has). Leaves the recording untouched; `elapsed` is now.
    pub fn snapshot(&self, first_window: usize) -> Recorded {
        let dropped = self.shared.dropped.load(Ordering::Relaxed);
        let end = self.shared.started.elapsed();
        let state = self.shared.lock();
        let endpoints = state.endpoints.clone();
        let windows = state
            .closed
            .get(first_window..)
            .unwrap_or_default()
            .to_vec();
        let lag = state.lag.clone();
        self.recorded(&state, endpoints, windows, lag, end, dropped)
    }

    fn recorded(
        &self,
        state: &Aggregator,
        endpoints: Vec<EndpointRecord>,
        windows: Vec<crate::model::Window>,
        schedule_lag: Option<hdrhistogram::Histogram<u64>>,
        end: Duration,
        dropped: u64,
    ) -> Recorded {
        let methods: Vec<&str> = endpoints
            .iter()
            .filter_map(|e| e.method.as_deref())
            .collect();
        let shared_method = match methods.first() {
            Some(first) if methods.iter().all(|m| m == first) => Some(*first),
            _ => None,
        };
        let mut total = EndpointRecord::new("total", shared_method);
        for endpoint in &endpoints {
            total.merge(endpoint);
        }
        Recorded {
            endpoints,
            total,
            windows,
            elapsed: end,
            open_model: self.shared.open_model,
            scheduled: self.shared.scheduled.load(Ordering::Relaxed),
            dropped,
            schedule_lag,
            hlog_path: self.shared.hlog_path.clone(),
            hlog_error: state.hlog_error.clone(),
            late_samples: state.late_samples,
            unflushed_locals: self.shared.live_locals.load(Ordering::Relaxed),
        }
    }
}
