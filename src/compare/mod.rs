//! Baselines, statistics, verdicts and the regression gate.

pub mod comparison;
pub mod stats;
pub mod verdict;
