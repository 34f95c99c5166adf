//! Baselines, statistics, verdicts and the regression gate.
