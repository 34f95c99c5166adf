//! The run directory and its files: `reports/<scenario>-<YYYYmmdd-HHMMSS>/` (or `--out DIR`),
//! created only once the target is known to answer, so an aborted start leaves nothing that looks
//! like a run; it holds `results.json`
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

/// Where runs go unless told otherwise.
pub const REPORTS_DIR: &str = "reports";

/// The run directory, created: `explicit` as given (a `--out DIR`; created when missing), else a
/// new `<parent>/<name>-<YYYYmmdd-HHMMSS>` (UTC; `-2`, `-3`, ... appended when a run of the same
/// second exists, so two runs never share one). `name` is made safe for file names; redact it
/// first when it comes from a scenario.
pub fn create_run_dir(
    explicit: Option<&Path>,
    parent: &Path,
    name: &str,
    started: SystemTime,
) -> Result<PathBuf, RunDirError> {
    let create_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunDirError::Create { path, source }
    };
    if let Some(dir) = explicit {
        std::fs::create_dir_all(dir).map_err(create_err(dir))?;
        return Ok(dir.to_path_buf());
    }
    std::fs::create_dir_all(parent).map_err(create_err(parent))?;
    let base = default_dir_in(parent, name, started);
    for n in 1u32..1000 {
        let path = if n == 1 {
            base.clone()
        } else {
            PathBuf::from(format!("{}-{n}", base.display()))
        };
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(RunDirError::Create { path, source }),
        }
    }
    Err(RunDirError::Create {
        path: base,
        source: std::io::Error::other("999 runs of that name in the same second already exist"),
    })
}

/// `reports/<safe name>-<YYYYmmdd-HHMMSS>` (UTC), not created: where a run of `name` started at
/// `started` goes by default.
pub fn default_dir(name: &str, started: SystemTime) -> PathBuf {
    default_dir_in(Path::new(REPORTS_DIR), name, started)
}

fn default_dir_in(parent: &Path, name: &str, started: SystemTime) -> PathBuf {
    let stamp = OffsetDateTime::from(started)
        .format(format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_else(|_| "00000000-000000".into());
    parent.join(format!("{}-{stamp}", slug(name)))
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
