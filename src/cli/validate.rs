//! `stampede validate <files...>`: loads each scenario file as `run` would, sending nothing, and
//! prints one `ok` line per valid file (stdout) or every problem of an invalid one as
//! `file:line:col: key: message` (stderr). Exit 0 when all are valid, 2 otherwise.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, quiet_broken_pipe};
use crate::scenario::{self, LoadError, Plan};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML) to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// What `validate` needs, free of clap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateSettings {
    pub files: Vec<PathBuf>,
}

impl ValidateArgs {
    pub fn into_settings(self) -> ValidateSettings {
        ValidateSettings { files: self.files }
    }
}

/// One line describing a valid plan: `ok <file>: <name> (<kind>, <model>, N journeys, M steps)`.
pub fn summary_line(file: &std::path::Path, plan: &Plan) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "ok {}: {} ({}, {}, {}, {})",
        file.display(),
        plan.name,
        plan.kind.name(),
        plan.load.model.name(),
        plural(plan.journeys.len(), "journey"),
        plural(plan.step_count(), "step"),
    )
}

/// Writes every problem of a file that failed to load.
pub fn write_load_error(err: &mut dyn Write, error: &LoadError) -> std::io::Result<()> {
    match error {
        LoadError::Invalid(diagnostics) => {
            for d in diagnostics {
                writeln!(err, "{d}")?;
            }
            Ok(())
        }
        LoadError::Io { .. } => writeln!(err, "error: {error}"),
    }
}

pub fn execute(
    settings: &ValidateSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    // Load everything first, so the exit status is known even if the output pipe closes early.
    let results: Vec<_> = settings
        .files
        .iter()
        .map(|f| (f, scenario::load_file(f)))
        .collect();
    let invalid = results.iter().filter(|(_, r)| r.is_err()).count();
    let status = if invalid == 0 {
        Exit::Passed
    } else {
        Exit::Usage
    };
    let mut write = || -> std::io::Result<()> {
        for (file, result) in &results {
            match result {
                Ok(plan) => writeln!(out, "{}", summary_line(file, plan))?,
                Err(e) => write_load_error(err, e)?,
            }
        }
        if invalid > 0 {
            writeln!(err, "{invalid} of {} scenario files invalid", results.len())?;
        }
        Ok(())
    };
    quiet_broken_pipe(write(), status)
}
