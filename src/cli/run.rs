//! `stampede run <scenario>`: validates the scenario, then drives the load (see [`crate::run`]) and
//! exits per the contract in [`Exit`]: 0 passed, 1 a threshold failed, 2 an invalid scenario or
//! usage (nothing sent), 3 an unreachable target or an invalid run, 130 interrupted (partial
//! results written).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::validate::write_load_error;
use super::{Exit, quiet_broken_pipe};
use crate::run::{self, RunError, RunOptions};
use crate::scenario;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Directory for results.json and latency.hlog [default: reports/<scenario>-<YYYYmmdd-HHMMSS>]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Measured duration, replacing the scenario's (stages are scaled to it), e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Multiply the scenario's rates, users and connections by this factor, e.g. 0.1 for a tenth
    /// of the load or 2 for twice it (users and connections are rounded, at least 1).
    #[arg(long, value_name = "FACTOR", value_parser = parse_scale)]
    pub scale: Option<f64>,
    /// No live progress (the summary is still printed).
    #[arg(long, short)]
    pub quiet: bool,
    /// Send the load to this URL instead of the scenario's target.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    match crate::units::parse_duration(text) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be greater than zero".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!(
            "'{text}' is not a factor above zero: expected e.g. 0.1, 0.5 or 2"
        )),
    }
}

/// What `run` needs, free of clap.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub scenario: PathBuf,
    pub out: Option<PathBuf>,
    pub duration: Option<Duration>,
    pub scale: Option<f64>,
    pub quiet: bool,
    pub target: Option<String>,
}

impl RunArgs {
    pub fn into_settings(self) -> RunSettings {
        RunSettings {
            scenario: self.scenario,
            out: self.out,
            duration: self.duration,
            scale: self.scale,
            quiet: self.quiet,
            target: self.target,
        }
    }
}

pub fn execute(
    settings: &RunSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    // Before anything else (goose above all), so ours is the process's Ctrl-C handler.
    let cancel = run::signal::install();
    let plan = match scenario::load_file(&settings.scenario) {
        Ok(plan) => plan,
        Err(e) => {
            return quiet_broken_pipe(write_load_error(err, &e), Exit::Usage);
        }
    };
    let options = RunOptions {
        scenario: settings.scenario.clone(),
        out: settings.out.clone(),
        duration: settings.duration,
        scale: settings.scale,
        quiet: settings.quiet,
        target: settings.target.clone(),
        exe: std::env::current_exe()
            .map_err(|e| anyhow::anyhow!("cannot find the stampede binary itself: {e}"))?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    let outcome = runtime.block_on(run::run_plan(plan, &options, cancel, out, err));
    // Whatever is still running (a hung goose user) must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match outcome {
        Ok(finished) => Ok(run::decide_exit(&finished.result)),
        Err(e) => {
            let status = e.exit();
            let hint = match &e {
                RunError::Unreachable(_) => "\nnothing was sent and no results were written",
                RunError::Bundled(_) => "\nno results were written",
                _ => "",
            };
            quiet_broken_pipe(writeln!(err, "error: {e}{hint}"), status)
        }
    }
}
