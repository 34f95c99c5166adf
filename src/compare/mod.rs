//! Baselines, verdicts and the regression gate (the statistics they rest on are in
//! `analysis::stats`; the gate's settings are part of the scenario model).
//!
//! Data first: [`comparison::compare`] turns two results files into a [`comparison::Comparison`]
//! (per endpoint and metric: medians, change, p-value, verdict, explanation); [`render`] shows it
//! (terminal table, Markdown, JUnit); [`gate`] maps it to an exit code; [`report`] shows
//! and keeps one comparison; [`baseline`] is the store of named results. Live A/B trials are run
//! by `run::live`.

pub mod baseline;
pub mod comparison;
pub mod gate;
pub mod render;
pub mod report;
pub mod verdict;
