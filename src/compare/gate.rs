//! The regression gate: a [`Comparison`] becomes an exit code (0 pass or improved, 1 regressed,
//! 3 an invalid run, inconclusive 0 with a loud warning or 1 with `--strict`), and its files are
//! written beside the results for CI: `comparison.json`, `comparison.md` (for a step summary or a
//! pull-request comment), `comparison.junit.xml` and `comparison.html`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::comparison::Comparison;
use super::render::{html_section, junit_cases, markdown};
use super::verdict::Verdict;
use crate::exit::Exit;
use crate::model::OutcomeStatus;
use crate::report::ReportExtras;
use crate::report::html::render_html_with_verdict;
use crate::report::verdict::Verdict as ReportVerdict;
use crate::results::RunResult;

/// File names of the gate's outputs in a run (or comparison) directory.
pub const COMPARISON_JSON: &str = "comparison.json";
pub const COMPARISON_MD: &str = "comparison.md";
pub const COMPARISON_JUNIT: &str = "comparison.junit.xml";
pub const COMPARISON_HTML: &str = "comparison.html";

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

/// What the gate adds to the reports of the candidate run: its verdict (regressed when it says
/// so), its HTML section, its Markdown section and its JUnit cases.
pub fn report_extras(
    c: &Comparison,
    candidate: &RunResult,
    title: &str,
    strict: bool,
) -> ReportExtras {
    let mut verdict = ReportVerdict::of(candidate);
    if c.verdict == Verdict::Regressed {
        verdict = verdict.regressed(c.explain_lines());
    }
    ReportExtras {
        verdict: Some(verdict),
        html: vec![html_section(c, title)],
        markdown: vec![markdown(c, title)],
        junit: junit_cases(c, strict),
    }
}

/// Writes the comparison into `dir`: `comparison.json` (the data), `comparison.md` (for a step
/// summary or a pull-request comment), `comparison.junit.xml` (the candidate's run cases and one
/// case per gated metric) and `comparison.html` (the candidate's report page with the baseline
/// overlaid and the gate's section at the top).
pub fn write_gate_files(
    dir: &Path,
    c: &Comparison,
    baseline: &RunResult,
    candidate: &RunResult,
    extras: &ReportExtras,
    title: &str,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(c).map_err(std::io::Error::other)?;
    let verdict = extras
        .verdict
        .clone()
        .unwrap_or_else(|| ReportVerdict::of(candidate));
    let files = [
        (COMPARISON_JSON, json + "\n"),
        (COMPARISON_MD, markdown(c, title)),
        (
            COMPARISON_JUNIT,
            crate::report::junit::render_with(candidate, &extras.junit),
        ),
        (
            COMPARISON_HTML,
            render_html_with_verdict(candidate, Some(baseline), &extras.html, &verdict),
        ),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        crate::report::write_file(&path, &text)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        written.push(path);
    }
    Ok(written)
}
