//! The regression gate: a [`Comparison`] becomes an exit code (0 pass or improved, 1 regressed,
//! 3 an invalid run, inconclusive 0 with a loud warning or 1 with `--strict`), and its files are
//! written beside the results for CI: `comparison.json`, `comparison.md` (for a step summary or a
//! pull-request comment) and `comparison.junit.xml`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::comparison::Comparison;
use super::render::{junit, markdown};
use super::verdict::Verdict;
use crate::cli::Exit;
use crate::results::RunResult;
use crate::results::schema::OutcomeStatus;

/// File names of the gate's outputs in a run (or comparison) directory.
pub const COMPARISON_JSON: &str = "comparison.json";
pub const COMPARISON_MD: &str = "comparison.md";
pub const COMPARISON_JUNIT: &str = "comparison.junit.xml";

/// The exit code of a gated comparison.
pub fn gate_exit(
    c: &Comparison,
    baseline: &RunResult,
    candidate: &RunResult,
    strict: bool,
) -> Exit {
    let invalid = [baseline, candidate]
        .iter()
        .any(|r| r.outcome.status == OutcomeStatus::Invalid);
    if invalid {
        return Exit::Invalid;
    }
    match c.verdict {
        Verdict::Pass | Verdict::Improved => Exit::Passed,
        Verdict::Regressed => Exit::Failed,
        Verdict::Inconclusive if strict => Exit::Failed,
        Verdict::Inconclusive => Exit::Passed,
    }
}

/// The warning an inconclusive gate prints on stderr: it passes the build, so it must be seen.
pub fn write_inconclusive_warning(
    err: &mut dyn Write,
    c: &Comparison,
    strict: bool,
) -> std::io::Result<()> {
    if c.verdict != Verdict::Inconclusive {
        return Ok(());
    }
    let bar = "!".repeat(78);
    writeln!(err, "{bar}")?;
    writeln!(
        err,
        "WARNING: the regression gate is INCONCLUSIVE: it cannot tell whether this build is slower."
    )?;
    for line in c.explain_lines() {
        writeln!(err, "  - {line}")?;
    }
    if strict {
        writeln!(err, "--strict is set: the gate FAILS (exit 1).")?;
    } else {
        writeln!(
            err,
            "The gate passes anyway (exit 0); pass --strict to fail on an inconclusive verdict."
        )?;
    }
    writeln!(err, "{bar}")
}

/// Writes `comparison.json`, `comparison.md` and `comparison.junit.xml` into `dir`.
pub fn write_gate_files(
    dir: &Path,
    c: &Comparison,
    title: &str,
    strict: bool,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(c).map_err(std::io::Error::other)?;
    let files = [
        (COMPARISON_JSON, json + "\n"),
        (COMPARISON_MD, markdown(c, title)),
        (COMPARISON_JUNIT, junit(c, title, strict)),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write '{}': {e}", path.display()))
        })?;
        written.push(path);
    }
    Ok(written)
}
