//! Helpers of the `report_*` tests: the fixed results files, and a synthetic results file the
//! size of a one-hour run (for the render benchmark and the browser test of a busy page).
#![allow(dead_code)] // each test binary uses a different part

pub mod browser;
pub mod synthetic;

use std::path::PathBuf;

use stampede::results::{RunResult, read_results};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixed results file `fixtures/results/<name>/results.json`.
pub fn fixture(name: &str) -> RunResult {
    let path = repo_root().join("fixtures/results").join(name);
    read_results(&path).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}
