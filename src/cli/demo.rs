//! `stampede demo`: the README's first command. Runs the demo scenario (1,000 reps) against the bundled
//! SalesHub with its cache on, then off, and prints the comparison (see [`crate::demo`]). Exits 0
//! when both runs completed (their thresholds are shown, not enforced: this is a showcase), 3 when
//! a run could not be made, 130 on Ctrl-C.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::validate::write_load_error;
use super::{Exit, block_on, quiet_broken_pipe, values};
use crate::demo::{DemoError, DemoOptions, run_demo};
use crate::model::OutcomeStatus;
use crate::results::default_dir;
use crate::{run, scenario};

/// The scenario the demo runs unless told otherwise.
pub const DEFAULT_SCENARIO: &str = "scenarios/demo.toml";

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The load scenario to run twice (its target must be the bundled SalesHub).
    #[arg(long, value_name = "SCENARIO", default_value = DEFAULT_SCENARIO)]
    pub scenario: PathBuf,
    /// Measured duration of each of the two runs, e.g. 45s, 2m; the warm-up is scaled with it
    /// [default: the scenario's own]
    #[arg(long, value_name = "DURATION", value_parser = values::parse_duration)]
    pub duration: Option<Duration>,
    /// Directory for the two runs (cache-on/, cache-off/) and the page comparing them (index.html)
    /// [default: reports/demo-<YYYYmmdd-HHMMSS>]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Seed SalesHub from this data-set definition instead of the scenario's (e.g.
    /// fixtures/seed-small.toml, which seeds in seconds; the default data set takes about a minute
    /// the first time).
    #[arg(long, value_name = "FILE")]
    pub seed_config: Option<PathBuf>,
    /// No live progress (the summaries and the comparison are still printed).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub watch: super::watch_args::WatchArgs,
}

/// The scenario as given, or, for the default one run outside the repository, the copy in the
/// source tree this binary was built from.
fn resolve_scenario(path: &Path) -> PathBuf {
    if path.exists() || path != Path::new(DEFAULT_SCENARIO) {
        return path.to_path_buf();
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_SCENARIO);
    if built_from.exists() {
        built_from
    } else {
        path.to_path_buf()
    }
}

impl DemoArgs {
    pub fn into_settings(self) -> DemoOptions {
        DemoOptions {
            scenario: resolve_scenario(&self.scenario),
            duration: self.duration,
            out: self
                .out
                .unwrap_or_else(|| default_dir("demo", std::time::SystemTime::now())),
            seed_config: self.seed_config,
            quiet: self.quiet,
            watch: self.watch.into_settings(),
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("stampede")),
        }
    }
}

pub fn execute(
    options: &DemoOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let cancel = run::signal::install();
    if let Some(seed) = &options.seed_config
        && !seed.is_file()
    {
        let _ = writeln!(
            err,
            "error: --seed-config '{}' is not a file",
            seed.display()
        );
        return Ok(Exit::Usage);
    }
    let plan = match scenario::load_file(&options.scenario) {
        Ok(plan) => plan,
        Err(e) => return quiet_broken_pipe(write_load_error(err, &e), Exit::Usage),
    };
    let outcome = block_on(run_demo(plan, options, cancel, out, err))?;
    match outcome {
        Ok(runs) => {
            let statuses = [
                runs.cache_on.result.outcome.status,
                runs.cache_off.result.outcome.status,
            ];
            Ok(if statuses.contains(&OutcomeStatus::Interrupted) {
                Exit::Interrupted
            } else if statuses.contains(&OutcomeStatus::Invalid) {
                Exit::Invalid
            } else {
                Exit::Passed
            })
        }
        Err(e) => {
            let status = match &e {
                DemoError::Run(run_error) => run_error.exit(),
                DemoError::Interrupted => Exit::Interrupted,
                DemoError::NotBundled(_) => Exit::Usage,
            };
            quiet_broken_pipe(writeln!(err, "error: {e}"), status)
        }
    }
}
