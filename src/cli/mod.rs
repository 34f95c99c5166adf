//! Command-line definitions (clap) and their translation into validated settings. Nothing below this
//! module imports clap.
//!
//! Each subcommand lives in its own file with its clap `Args` struct, the typed settings it turns
//! into (`into_settings`), and an `execute` function taking the settings and the output streams:
//! the same shape for every command. Adding a command is
//! one variant in [`Command`] and one arm in [`run`].

pub mod baseline;
pub mod compare;
pub mod demo;
pub mod gate_args;
pub mod merge;
pub mod report;
pub mod run;
pub mod validate;
pub mod values;
pub mod watch_args;

use std::io::{self, Write};

use clap::{Parser, Subcommand};

pub use crate::exit::Exit;

/// Stampede: load, stress, endurance, spike and regression tests for HTTP services.
#[derive(Debug, Parser)]
#[command(name = "stampede", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the bundled SalesHub, load it with its cache on and then off, and compare: the tour.
    Demo(demo::DemoArgs),
    /// Check scenario files without sending any request.
    Validate(validate::ValidateArgs),
    /// Run a scenario (validates it first).
    Run(run::RunArgs),
    /// Compare two results (files, run directories or saved baselines), or two targets live.
    Compare(compare::CompareArgs),
    /// Save, list and show named baselines (reports/baselines/).
    Baseline(baseline::BaselineArgs),
    /// Merge the results of several runs of one scenario (e.g. the workers of `run --segment`).
    Merge(merge::MergeArgs),
    /// Render a report again from a results file: html, md, junit or json.
    Report(report::ReportArgs),
    /// The bundled reference CRM server: `serve` it (seeded with --seed), or only `seed` it.
    Saleshub(saleshub::cli::SaleshubArgs),
}

/// Runs the parsed command line, writing to stdout and stderr. The handles are not held locked:
/// `run` has threads of its own (live progress, the bundled target's notes) writing to them too.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let (mut out, mut err) = (io::stdout(), io::stderr());
    let result = match cli.command {
        Command::Demo(args) => demo::execute(&args.into_settings(), &mut out, &mut err),
        Command::Validate(args) => validate::execute(&args.into_settings(), &mut out, &mut err),
        Command::Run(args) => run::execute(&args.into_settings(), &mut out, &mut err),
        Command::Compare(args) => compare::execute(&args.into_settings(), &mut out, &mut err),
        Command::Baseline(args) => baseline::execute(&args.into_settings(), &mut out, &mut err),
        Command::Merge(args) => merge::execute(&args.into_settings(), &mut out, &mut err),
        Command::Report(args) => report::execute(&args.into_settings(), &mut out, &mut err),
        Command::Saleshub(args) => Ok(if saleshub::cli::run_command(args.command) {
            Exit::Passed
        } else {
            Exit::Usage
        }),
    };
    let _ = out.flush();
    result
}

/// A closed pipe on our output (`stampede validate ... | head`) is not an error: stop quietly
/// with the status already decided.
pub(crate) fn quiet_broken_pipe(result: io::Result<()>, status: Exit) -> anyhow::Result<Exit> {
    match result {
        Ok(()) => Ok(status),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(status),
        Err(e) => Err(anyhow::Error::new(e).context("cannot write output")),
    }
}

/// Runs `future` to completion on a multi-threaded runtime, the one way every command that sends
/// load gets its runtime. Whatever is still running afterwards (a hung goose user) gets a second
/// to stop and is then left behind, so it cannot keep the process alive.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    let output = runtime.block_on(future);
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(output)
}
