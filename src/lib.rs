//! Stampede: a performance-testing toolkit. The library behind the `stampede` CLI and its tests.
//!
//! The pipeline, each stage knowing only the one before it:
//! scenario file → [`scenario::Plan`] → [`engine`] → [`metrics`] → [`results::RunResult`] →
//! [`report`], thresholds, [`compare`].

pub mod analysis;
pub mod cli;
pub mod compare;
pub mod demo;
pub mod engine;
pub mod metrics;
pub mod report;
pub mod results;
pub mod run;
pub mod scenario;
pub mod ui;
pub mod units;
