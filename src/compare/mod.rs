//! Baselines, statistics, verdicts and the regression gate.

pub mod stats;
