//! Stampede: a performance-testing toolkit. The library behind the `stampede` CLI and its tests.
//!
//! The pipeline: a scenario file becomes a [`scenario::Plan`]; the [`engine`] drives the load and
//! records into the [`metrics`] recorders while the [`probe`]s sample resources and the target's
//! cache counters; [`results`] assembles a [`model::RunResult`] (with the [`analysis`] findings);
//! [`report`] renders it and [`compare`] judges it against another; [`run`] orchestrates a command's
//! stages, [`ui`] shows progress, [`live`] serves the
//! live dashboard and feeds the metric outputs, [`demo`] is the guided tour and [`cli`] the command line.
//!
//! Each stage imports only the stages listed before it here (a test, `tests/layering.rs`, reads
//! every `crate::` path outside test code and fails on any edge against this order). A lower stage
//! that needs something from a higher one gets it passed in, or the thing moves down.
//!
//! stage order: units, exit, model, scenario, metrics, engine, probe, analysis, results, report, compare, ui, live, run, demo, cli

pub mod units;

pub mod exit;

pub mod model;

pub mod scenario;

pub mod metrics;

pub mod engine;

pub mod probe;

pub mod analysis;

pub mod results;

pub mod report;

pub mod compare;

pub mod ui;

pub mod live;

pub mod run;

pub mod demo;

pub mod cli;
