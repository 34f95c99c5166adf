//! `stampede report <results.json|run-dir>`: renders a report again from a results file alone:
//! HTML (default), Markdown, JUnit or the results as JSON, optionally against a baseline results
//! file. Without `-o` the report goes beside the results file under its usual name (report.html,
//! summary.md, junit.xml; JSON goes to stdout); `-o -` writes to stdout.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{Exit, quiet_broken_pipe};
use crate::report::{self, ReportFormat};
use crate::results::read_results;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The results file (results.json) or the run directory holding it.
    #[arg(value_name = "RESULTS")]
    pub results: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = FormatArg::Html)]
    pub format: FormatArg,
    /// Where to write: a file, or `-` for stdout [default: beside the results file as
    /// report.html, summary.md or junit.xml; stdout for json]
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A previous run's results file (or run directory) to compare with: its spectrum is overlaid
    /// and the tables show the changes.
    #[arg(long, value_name = "RESULTS")]
    pub baseline: Option<PathBuf>,
}

/// The formats on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// The self-contained HTML page.
    Html,
    /// GitHub-flavoured Markdown summary.
    Md,
    /// JUnit XML: each threshold a test case.
    Junit,
    /// The results file itself, normalized.
    Json,
}

/// Where the report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

/// What `report` needs, free of clap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSettings {
    pub results: PathBuf,
    pub format: ReportFormat,
    pub destination: Destination,
    pub baseline: Option<PathBuf>,
}

impl ReportArgs {
    pub fn into_settings(self) -> ReportSettings {
        let format = match self.format {
            FormatArg::Html => ReportFormat::Html,
            FormatArg::Md => ReportFormat::Markdown,
            FormatArg::Junit => ReportFormat::Junit,
            FormatArg::Json => ReportFormat::Json,
        };
        let destination = match self.output {
            Some(path) if path.as_os_str() == "-" => Destination::Stdout,
            Some(path) => Destination::File(path),
            None if format == ReportFormat::Json => Destination::Stdout,
            None => Destination::File(run_dir_of(&self.results).join(format.file_name())),
        };
        ReportSettings {
            results: self.results,
            format,
            destination,
            baseline: self.baseline,
        }
    }
}

/// The directory a results path belongs to (itself when it is a run directory).
fn run_dir_of(results: &Path) -> PathBuf {
    if results.is_dir() {
        results.to_path_buf()
    } else {
        results
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

/// Reads the results (and baseline), renders, writes. Exit 0, or 2 when a file cannot be read
/// or written (the message names it).
pub fn execute(
    settings: &ReportSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let result = match read_results(&settings.results) {
        Ok(result) => result,
        Err(e) => return quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage),
    };
    let baseline = match settings.baseline.as_deref().map(read_results).transpose() {
        Ok(baseline) => baseline,
        Err(e) => {
            return quiet_broken_pipe(writeln!(err, "error: baseline: {e}"), Exit::Usage);
        }
    };
    let text = report::render(settings.format, &result, baseline.as_ref());
    match &settings.destination {
        Destination::Stdout => quiet_broken_pipe(out.write_all(text.as_bytes()), Exit::Passed),
        Destination::File(path) => match report::write_file(path, &text) {
            Ok(()) => quiet_broken_pipe(writeln!(out, "report: {}", path.display()), Exit::Passed),
            Err(e) => quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage),
        },
    }
}
