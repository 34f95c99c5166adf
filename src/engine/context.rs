//! What every engine is given (the plan, where to send, where to record, when to stop) and what it
//! hands back. Request failures are not errors here: they are recorded as samples. An
//! [`EngineError`] means the engine could not run at all.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::metrics::Recorder;
use crate::scenario::Plan;

/// The inputs of one engine run.
#[derive(Clone)]
pub struct EngineContext {
    pub plan: Arc<Plan>,
    /// The target's base URL without a trailing slash (for a bundled target, the address SalesHub
    /// printed); step paths are appended to it.
    pub base_url: String,
    pub recorder: Recorder,
    /// The warm-up's traffic, for the live progress only (never in the results): its windows
    /// count from the start of the warm-up. The closed model records into it; the open and
    /// throughput models discard warm-up samples on their lanes' hot path and leave it empty.
    pub warmup_recorder: Recorder,
    /// Fired on Ctrl-C: engines stop promptly, dropping what is in flight.
    pub cancel: CancellationToken,
    /// Open model: the fraction of an arrival this worker's schedule is shifted by (`--segment
    /// i/N`: (i − 1)/N, see `run::segment`); 0 for a whole run.
    pub arrival_phase: f64,
    /// When the load begins: every engine prepares first (client, setup journeys), then waits
    /// here before its warm-up.
    pub start: StartGate,
}

/// The instant an engine's load begins (`--start-at`, or as soon as it is ready), and when it
/// really began. Engines call [`StartGate::wait`] once their preparation is done and before the
/// warm-up; the recorder's measured phase is set from the same planned instant (plus the warm-up),
/// so workers that pass their gates together measure the same seconds.
#[derive(Debug, Clone)]
pub struct StartGate {
    planned: Instant,
    opened: Arc<OnceLock<SystemTime>>,
}

impl StartGate {
    /// A gate opening at `planned` (at once when that is past).
    pub fn at(planned: Instant) -> StartGate {
        StartGate {
            planned,
            opened: Arc::new(OnceLock::new()),
        }
    }

    /// When the load is planned to begin.
    pub fn planned(&self) -> Instant {
        self.planned
    }

    /// Waits until the planned instant (returns at once when it is past) and notes the
    /// wall-clock time the load really began; `false` when `cancel` fired first.
    pub async fn wait(&self, cancel: &CancellationToken) -> bool {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return false,
            () = tokio::time::sleep_until(self.planned.into()) => {}
        }
        self.opened.get_or_init(SystemTime::now);
        true
    }

    /// The wall-clock time the gate was first passed, when it was.
    pub fn opened(&self) -> Option<SystemTime> {
        self.opened.get().copied()
    }
}

/// What an engine did, beside what it recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineSummary {
    /// Measured time actually run (shorter than planned when cancelled).
    pub measured: Duration,
    /// Open model: starts scheduled during the measured time (also given to the recorder).
    pub scheduled: u64,
    /// Open model: scheduled starts not issued because `max_in_flight` was reached.
    pub dropped: u64,
    /// Journey iterations completed during the measured time (setup and warm-up excluded).
    pub iterations: u64,
    /// True when `cancel` fired before the planned end.
    pub cancelled: bool,
    /// Things the user should know (e.g. a setup journey that failed), already free of secrets.
    pub warnings: Vec<String>,
}

/// Why an engine could not run.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("'{url}' is not a usable base URL: {reason}")]
    BadBaseUrl { url: String, reason: String },
    #[error("cannot set up TLS for https targets: {0}")]
    Tls(String),
    #[error("cannot prepare the scenario: {0}")]
    Prepare(String),
    #[error("the {engine} engine cannot run a '{model}' load model")]
    WrongModel {
        engine: &'static str,
        model: &'static str,
    },
}
