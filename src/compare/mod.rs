//! Baselines, statistics, verdicts and the regression gate.
//!
//! Data first: [`comparison::compare`] turns two results files into a [`comparison::Comparison`]
//! (per endpoint and metric: medians, change, p-value, verdict, explanation); [`render`] shows it
//! (terminal table, Markdown, JUnit); [`gate`] maps it to an exit code; [`baseline`] is the store
//! of named results; [`live`] runs an interleaved A/B session.

pub mod baseline;
pub mod comparison;
pub mod gate;
pub mod live;
pub mod render;
pub mod stats;
pub mod verdict;
