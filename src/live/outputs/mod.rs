//! Metric outputs: the run's figures as named series ([`series`]), sent once a second and a last
//! time at the end by each configured receiver's sink. A receiver that is down or slow costs
//! warnings (said with the results), never the run: a push still in flight is not queued behind,
//! the next second's cumulative counters simply replace it.

pub mod prometheus;
pub mod remote_write;
pub mod series;

use std::time::Duration;

use crate::live::RunLabels;
use crate::scenario::output::{OutputKind, OutputTarget};

pub use series::{Figures, Point, points};

/// How long one push may take before it counts as failed.
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// A sink for one output.
pub enum Sink {
    Prometheus(prometheus::RemoteWriteSink),
}

impl Sink {
    /// The sink for `target`; `Err` says why it cannot be fed (a warning, never an abort).
    pub fn new(target: &OutputTarget, labels: &RunLabels) -> Result<Sink, String> {
        match target.kind {
            OutputKind::Prometheus => prometheus::RemoteWriteSink::new(target.clone())
                .map(|s| Sink::Prometheus(s.with_run_labels(series::run_labels(labels)))),
            OutputKind::Otlp => Err(format!(
                "output {target}: OTLP is not available in this build yet; use \
                 prometheus=URL (an OpenTelemetry collector can receive Prometheus remote write)"
            )),
        }
    }

    /// Sends this second's points, unless the previous push is still under way.
    pub fn push(&mut self, points: &[Point]) {
        match self {
            Sink::Prometheus(s) => s.push(points),
        }
    }

    /// Sends the final points and waits (bounded) for them to arrive; returns the warnings.
    pub async fn finish(self, points: &[Point]) -> Option<String> {
        match self {
            Sink::Prometheus(s) => s.finish(points).await,
        }
    }
}
