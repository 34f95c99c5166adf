//! Reports rendered from a RunResult alone (never by re-running anything): the HTML page (with SVG
//! charts), the Markdown summary and the JUnit file for CI, and the terminal summary. After a run,
//! [`write_run_reports`] writes the first three into the run directory; `stampede report` renders
//! any of them again from `results.json`.

pub mod escape;
pub mod figures;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod terminal;
pub mod verdict;

use std::path::{Path, PathBuf};

pub use terminal::write_summary;
pub use verdict::{Verdict, VerdictStatus};

use crate::results::RunResult;

/// File name of the HTML report in a run directory.
pub const HTML_FILE: &str = "report.html";
/// File name of the Markdown summary in a run directory.
pub const MARKDOWN_FILE: &str = "summary.md";
/// File name of the JUnit results in a run directory.
pub const JUNIT_FILE: &str = "junit.xml";

/// The output formats of `stampede report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Markdown,
    Junit,
    /// The results file itself, normalized (pretty JSON).
    Json,
}

impl ReportFormat {
    /// The file name used for this format in a run directory.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Html => HTML_FILE,
            ReportFormat::Markdown => MARKDOWN_FILE,
            ReportFormat::Junit => JUNIT_FILE,
            ReportFormat::Json => crate::results::RESULTS_FILE,
        }
    }
}

/// Renders `result` in `format`, with deltas against `baseline` where the format shows them.
pub fn render(format: ReportFormat, result: &RunResult, baseline: Option<&RunResult>) -> String {
    match format {
        ReportFormat::Html => html::render_html(result, baseline, &[]),
        ReportFormat::Markdown => markdown::render(result, baseline),
        ReportFormat::Junit => junit::render(result),
        ReportFormat::Json => {
            // Serializing our own plain data types cannot fail; say so rather than panic if it did.
            let mut text = serde_json::to_string_pretty(result).unwrap_or_else(|e| {
                format!("{{\"error\": \"cannot serialize the results: {e}\"}}")
            });
            text.push('\n');
            text
        }
    }
}

/// The reports written into a run directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReports {
    pub html: PathBuf,
    pub markdown: PathBuf,
    pub junit: PathBuf,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the report '{path}': {source}")]
pub struct ReportError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// What a caller (the regression gate) adds to a run's reports: a verdict of its own (e.g.
/// regressed), HTML sections, Markdown sections (each with its own `###` heading) and JUnit cases.
#[derive(Debug, Clone, Default)]
pub struct ReportExtras {
    /// Replaces [`Verdict::of`] when set.
    pub verdict: Option<Verdict>,
    pub html: Vec<html::HtmlSection>,
    pub markdown: Vec<String>,
    pub junit: Vec<junit::JunitCase>,
}

/// Writes `report.html`, `summary.md` and `junit.xml` into the run directory `dir` (each through
/// a temporary file, so a reader never sees half of one).
pub fn write_run_reports(
    dir: &Path,
    result: &RunResult,
    baseline: Option<&RunResult>,
) -> Result<RunReports, ReportError> {
    write_run_reports_with(dir, result, baseline, &ReportExtras::default())
}

/// As [`write_run_reports`], with what a comparison adds ([`ReportExtras`]).
pub fn write_run_reports_with(
    dir: &Path,
    result: &RunResult,
    baseline: Option<&RunResult>,
    extras: &ReportExtras,
) -> Result<RunReports, ReportError> {
    let verdict = extras
        .verdict
        .clone()
        .unwrap_or_else(|| Verdict::of(result));
    let write = |format: ReportFormat, text: String| -> Result<PathBuf, ReportError> {
        let path = dir.join(format.file_name());
        write_file(&path, &text)?;
        Ok(path)
    };
    Ok(RunReports {
        html: write(
            ReportFormat::Html,
            html::render_html_with_verdict(result, baseline, &extras.html, &verdict),
        )?,
        markdown: write(
            ReportFormat::Markdown,
            markdown::render_with(result, baseline, &verdict, &extras.markdown),
        )?,
        junit: write(
            ReportFormat::Junit,
            junit::render_with(result, &extras.junit),
        )?,
    })
}

/// Writes `text` to `path` through a temporary file beside it.
pub fn write_file(path: &Path, text: &str) -> Result<(), ReportError> {
    let err = |source| ReportError {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}
