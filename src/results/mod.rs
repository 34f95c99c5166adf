//! The RunResult schema and its files (`results.json`, `latency.hlog`).

pub mod build;
pub mod environment;
pub mod health;
pub mod json_schema;
pub mod load_profile;
pub mod merge;
pub mod redact;
pub mod run_dir;
pub mod thresholds;

#[cfg(test)]
pub(crate) mod tests;

pub use crate::model::{RunResult, SCHEMA_VERSION};
pub use build::{BuildError, ResultInputs, build_result};
pub use environment::detect_environment;
pub use run_dir::{
    HLOG_FILE, REPORTS_DIR, RESULTS_FILE, RunDirError, create_run_dir, default_dir, read_results,
    write_results, write_results_as_is,
};
pub use thresholds::evaluate;
