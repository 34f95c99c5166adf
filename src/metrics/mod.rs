//! Recorders: per-endpoint HDR histograms, per-second windows (written to `latency.hlog`), cache
//! counters and the engines' load signals. The probes that run beside the load (resources, the
//! target's `/metrics`) are in `probe`.
//!
//! The engines record through a [`LocalRecorder`] per task (no lock per sample); the [`Recorder`]
//! they were cloned from closes one window per second and, at the end, hands over [`Recorded`].

mod aggregate;
pub mod hlog;
mod local;
pub mod recorded;
pub mod recorder;
pub mod sample;

#[cfg(test)]
mod tests;

pub use local::LocalRecorder;
pub use recorded::{EndpointRecord, Recorded};
pub use recorder::{Progress, Recorder, RecorderConfig};
pub use sample::{CacheOutcome, Sample};
