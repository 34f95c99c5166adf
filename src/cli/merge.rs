//! `stampede merge <results.json|run dir>... -o DIR`: the results of the workers of one distributed
//! run (`stampede run --segment i/N` on N machines), or of several runs of one scenario, merged
//! exactly into one `DIR/results.json` (+ `DIR/latency.hlog` when every input has its log); see
//! [`crate::results::merge`]. Prints the merged summary and how far apart the inputs' loads
//! really began (warning at 100 ms or more). Exit codes as for `run`, from the merged
//! outcome and its thresholds (0 passed, 1 a threshold failed, 3 invalid, 130 an input was
//! interrupted); 2 when the inputs cannot be read or merged.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Exit, quiet_broken_pipe};
use crate::report::write_summary;
use crate::results::merge::{MergeInput, merge, start_spread};
use crate::results::{HLOG_FILE, RESULTS_FILE, read_results, write_results_as_is};

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Results files or run directories (each holding results.json, and latency.hlog) to merge:
    /// two or more runs of the same scenario file.
    #[arg(required = true, num_args = 2.., value_name = "RESULTS")]
    pub inputs: Vec<PathBuf>,
    /// Directory for the merged results.json and latency.hlog (created; must not hold results).
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
}

/// What `merge` needs, free of clap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeSettings {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
}

impl MergeArgs {
    pub fn into_settings(self) -> MergeSettings {
        MergeSettings {
            inputs: self.inputs,
            out: self.out,
        }
    }
}

/// Why `merge` stopped before writing anything useful.
#[derive(Debug, thiserror::Error)]
enum MergeCliError {
    #[error(transparent)]
    Read(#[from] crate::results::RunDirError),
    #[error(transparent)]
    Merge(#[from] crate::results::merge::MergeError),
    #[error("'{0}' already holds a results.json: choose a new directory for the merged results")]
    OutExists(PathBuf),
    #[error("cannot create '{path}': {source}")]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Hlog(#[from] crate::metrics::hlog::HlogError),
}

pub fn execute(
    settings: &MergeSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    match merge_into(settings) {
        Ok((result, path)) => {
            let status = crate::run::decide_exit(&result);
            let written = write_summary(out, &result).and_then(|()| {
                if let Some(spread) = start_spread(&result.segments) {
                    writeln!(
                        out,
                        "start: the {} inputs began {:.1} ms apart (latest actual start − earliest)",
                        result.segments.len(),
                        spread.as_secs_f64() * 1e3
                    )?;
                }
                for warning in &result.outcome.warnings {
                    writeln!(err, "warning: {warning}")?;
                }
                writeln!(out, "merged results: {}", path.display())
            });
            quiet_broken_pipe(written, status)
        }
        Err(e) => quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage),
    }
}

fn merge_into(args: &MergeSettings) -> Result<(crate::results::RunResult, PathBuf), MergeCliError> {
    if args.out.join(RESULTS_FILE).exists() {
        return Err(MergeCliError::OutExists(args.out.clone()));
    }
    let inputs = args
        .inputs
        .iter()
        .map(|p| read_input(p))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = merge(&inputs)?;
    std::fs::create_dir_all(&args.out).map_err(|source| MergeCliError::Create {
        path: args.out.clone(),
        source,
    })?;
    if merged.hlog.is_some() {
        merged.write_hlog(&args.out.join(HLOG_FILE))?;
    }
    let path = write_results_as_is(&args.out, &merged.result)?;
    Ok((merged.result, path))
}

/// A results file or a run directory, with the interval log it names when that file exists.
fn read_input(path: &Path) -> Result<MergeInput, crate::results::RunDirError> {
    let file = if path.is_dir() {
        path.join(RESULTS_FILE)
    } else {
        path.to_path_buf()
    };
    let result = read_results(&file)?;
    let hlog = result
        .interval_log
        .as_ref()
        .and_then(|name| file.parent().map(|dir| dir.join(name)))
        .filter(|p| p.is_file());
    Ok(MergeInput {
        path: file,
        result,
        hlog,
    })
}
