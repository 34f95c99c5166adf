//! A comparison shown and kept: the table and the verdict in words on the terminal, the comparison
//! files (`comparison.json`, `.md`, `.junit.xml`) on disk, the candidate's own reports rewritten
//! with the baseline overlaid when asked, and the gate's exit code. `stampede compare` (files or
//! live) and `stampede run --baseline` all end here, so they report alike.

use std::io::Write;
use std::path::Path;

use super::comparison::compare;
use super::gate::{gate_exit, report_extras, write_gate_files, write_inconclusive_warning};
use super::render::write_terminal;
use crate::exit::Exit;
use crate::model::RunResult;
use crate::report::write_run_reports_with;
use crate::scenario::gate::GateSettings;

/// Where and how a comparison is reported.
pub struct Reporting<'a> {
    pub dir: &'a Path,
    pub title: &'a str,
    /// The verdict sets the exit code.
    pub gate: bool,
    pub strict: bool,
    /// `dir` is the candidate's run directory: rewrite its report.html, summary.md and junit.xml
    /// with the comparison (run --baseline).
    pub run_reports: bool,
}

/// Compares, prints the table and verdict, writes the comparison files, and returns the gate's
/// exit code (`Passed` without `gate`).
pub fn report_comparison(
    baseline: &RunResult,
    candidate: &RunResult,
    settings: &GateSettings,
    how: &Reporting<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<Exit> {
    let c = compare(baseline, candidate, settings);
    writeln!(out, "\ncomparison: {}", how.title)?;
    write_terminal(out, &c)?;
    let extras = report_extras(&c, candidate, how.title, how.strict);
    match write_gate_files(how.dir, &c, baseline, candidate, &extras, how.title) {
        Ok(files) => {
            let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
            writeln!(out, "comparison files: {}", names.join(", "))?;
        }
        Err(e) => writeln!(err, "warning: {e}")?,
    }
    if how.run_reports {
        // The run's own reports get the baseline overlaid, the gate's section and its cases.
        if let Err(e) = write_run_reports_with(how.dir, candidate, Some(baseline), &extras) {
            writeln!(err, "warning: {e}")?;
        }
    }
    if !how.gate {
        return Ok(Exit::Passed);
    }
    write_inconclusive_warning(err, &c, how.strict)?;
    let exit = gate_exit(&c, baseline, candidate, how.strict);
    writeln!(
        out,
        "gate: {} (exit {})",
        c.verdict.label().to_uppercase(),
        exit.code()
    )?;
    Ok(exit)
}
