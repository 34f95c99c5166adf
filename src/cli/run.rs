//! `stampede run <scenario>`: validates the scenario and (once the engine exists) drives the load.
//! Until then it stops after validation and says so, exiting 2: it never pretends to have run.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::validate::{summary_line, write_load_error};
use super::{Exit, quiet_broken_pipe};
use crate::scenario;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
}

/// What `run` needs, free of clap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    pub scenario: PathBuf,
}

impl RunArgs {
    pub fn into_settings(self) -> RunSettings {
        RunSettings {
            scenario: self.scenario,
        }
    }
}

pub fn execute(
    settings: &RunSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let mut write = || -> std::io::Result<()> {
        match scenario::load_file(&settings.scenario) {
            Err(e) => write_load_error(err, &e),
            Ok(plan) => {
                writeln!(out, "{}", summary_line(&settings.scenario, &plan))?;
                writeln!(
                    err,
                    "error: the load engine is not built yet: nothing was sent"
                )
            }
        }
    };
    quiet_broken_pipe(write(), Exit::Usage)
}
