//! Metric outputs: the run's figures as named series ([`series`]), sent once a second and a last
//! time at the end by each configured receiver's [`Sink`], in its protocol (Prometheus remote
//! write or OTLP/HTTP). A receiver that is down or slow costs warnings (said with the results),
//! never the run: a push still in flight is not queued behind, the next second's cumulative
//! counters simply replace it.

pub mod otlp;
pub mod push;
pub mod remote_write;
pub mod series;

use std::time::Duration;

pub use push::Sink;
pub use series::{Figures, Point, points};

/// How long one push may take before it counts as failed.
pub const PUSH_TIMEOUT: Duration = Duration::from_secs(5);
