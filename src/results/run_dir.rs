//! The run directory and its files: `reports/<scenario>-<YYYYmmdd-HHMMSS>/` holding `results.json`
//! (the `RunResult`, redacted again on the way out) and `latency.hlog` (written by the recorder
//! while the run goes). Everything a later report or comparison needs is in that directory.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use time::OffsetDateTime;
use time::macros::format_description;

use super::redact::redact_value;
use crate::model::RunResult;
use crate::scenario::Plan;

/// File name of the results in a run directory.
pub const RESULTS_FILE: &str = "results.json";
/// File name of the per-second interval log in a run directory.
pub const HLOG_FILE: &str = "latency.hlog";

/// Why a run directory or results file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error("cannot create the run directory '{path}': {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write '{path}': {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read '{path}': {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("'{path}' is not a Stampede results file: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("'{path}' has results schema version {found}; this Stampede reads version {expected}")]
    Version {
        path: PathBuf,
        found: u64,
        expected: u32,
    },
}

/// Creates a new, empty run directory `<out>/<scenario>-<YYYYmmdd-HHMMSS>` (UTC; `-2`, `-3`, ...
/// appended when a run of the same second exists). The scenario name is redacted and made safe
/// for file names.
pub fn create_run_dir(
    out: &Path,
    plan: &Plan,
    started: SystemTime,
) -> Result<PathBuf, RunDirError> {
    let scenario = plan.redact(&plan.name);
    std::fs::create_dir_all(out).map_err(|source| RunDirError::Create {
        path: out.to_path_buf(),
        source,
    })?;
    let stamp = OffsetDateTime::from(started)
        .format(format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_else(|_| "00000000-000000".into());
    let base = format!("{}-{stamp}", slug(&scenario));
    for n in 1u32.. {
        let name = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let path = out.join(name);
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(source) => return Err(RunDirError::Create { path, source }),
        }
    }
    unreachable!("the loop returns")
}

/// Writes `results.json` into `dir` (through a temporary file, so a reader never sees half of
/// it), with every string redacted by `plan`. Returns the file's path.
pub fn write_results(dir: &Path, result: &RunResult, plan: &Plan) -> Result<PathBuf, RunDirError> {
    let path = dir.join(RESULTS_FILE);
    let write_err = |source| RunDirError::Write {
        path: path.clone(),
        source,
    };
    let mut tree = serde_json::to_value(result).map_err(|e| write_err(e.into()))?;
    if !plan.secrets.is_empty() {
        redact_value(&mut tree, &|s| plan.redact(s));
    }
    write_tree(dir, &tree)
}

/// Writes `results.json` into `dir` as it is, for results made from results files (a merge),
/// whose strings were redacted when those were written.
pub fn write_results_as_is(dir: &Path, result: &RunResult) -> Result<PathBuf, RunDirError> {
    let tree = serde_json::to_value(result).map_err(|e| RunDirError::Write {
        path: dir.join(RESULTS_FILE),
        source: e.into(),
    })?;
    write_tree(dir, &tree)
}

fn write_tree(dir: &Path, tree: &serde_json::Value) -> Result<PathBuf, RunDirError> {
    let path = dir.join(RESULTS_FILE);
    let write_err = |source| RunDirError::Write {
        path: path.clone(),
        source,
    };
    let mut text = serde_json::to_string_pretty(tree).map_err(|e| write_err(e.into()))?;
    text.push('\n');
    let tmp = dir.join(format!(".{RESULTS_FILE}.tmp"));
    std::fs::write(&tmp, text).map_err(write_err)?;
    std::fs::rename(&tmp, &path).map_err(write_err)?;
    Ok(path)
}

/// Reads a results file (or the `results.json` of a run directory).
pub fn read_results(path: &Path) -> Result<RunResult, RunDirError> {
    let path = if path.is_dir() {
        path.join(RESULTS_FILE)
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&path).map_err(|source| RunDirError::Read {
        path: path.clone(),
        source,
    })?;
    let parse_err = |source| RunDirError::Parse {
        path: path.clone(),
        source,
    };
    let tree: serde_json::Value = serde_json::from_str(&text).map_err(parse_err)?;
    let found = tree
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    if found != u64::from(super::SCHEMA_VERSION) {
        return Err(RunDirError::Version {
            path,
            found,
            expected: super::SCHEMA_VERSION,
        });
    }
    serde_json::from_value(tree).map_err(parse_err)
}

/// `Checkout: p95 / EU` → `checkout-p95-eu`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "run".into()
    } else {
        out.into()
    }
}
