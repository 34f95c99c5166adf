//! Recorders: per-endpoint HDR histograms, per-second windows, cache counters, resource samples.

pub mod sample;

pub use sample::{CacheOutcome, Sample};
