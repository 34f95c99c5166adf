//! Recorders: per-endpoint HDR histograms, per-second windows (written to `latency.hlog`), cache
//! counters, the engines' load signals; plus the probes beside the load: resource samples and the
//! target's cache counters.
//!
//! The engines record through a [`LocalRecorder`] per task (no lock per sample); the [`Recorder`]
//! they were cloned from closes one window per second and, at the end, hands over [`Recorded`].

mod aggregate;
pub mod hlog;
mod local;
pub mod prometheus;
pub mod recorded;
pub mod recorder;
pub mod resources;
pub mod sample;
pub mod scrape;

#[cfg(test)]
mod scrape_tests;
#[cfg(test)]
mod tests;

pub use local::LocalRecorder;
pub use recorded::{EndpointRecord, Recorded};
pub use recorder::{Progress, Recorder, RecorderConfig};
pub use resources::ResourceSampler;
pub use sample::{CacheOutcome, Sample};
pub use scrape::{CacheScraper, ScrapeConfig, ScrapeError};
