//! Baselines, statistics, verdicts and the regression gate.

pub mod stats;
pub mod verdict;
