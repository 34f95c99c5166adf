//! Command-line definitions (clap) and their translation into validated settings. Nothing below this
//! module imports clap.
//!
//! Each subcommand lives in its own file with its clap `Args` struct, the typed settings it turns
//! into, and an `execute` function taking the settings and the output streams. Adding a command is
//! one variant in [`Command`] and one arm in [`run`].

pub mod exit;
pub mod report;
pub mod run;
pub mod validate;

use std::io::{self, Write};

use clap::{Parser, Subcommand};

pub use exit::Exit;

/// Stampede: load, stress, endurance, spike and regression tests for HTTP services.
#[derive(Debug, Parser)]
#[command(name = "stampede", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files without sending any request.
    Validate(validate::ValidateArgs),
    /// Run a scenario (validates it first).
    Run(run::RunArgs),
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
        Command::Validate(args) => validate::execute(&args.into_settings(), &mut out, &mut err),
        Command::Run(args) => run::execute(&args.into_settings(), &mut out, &mut err),
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
