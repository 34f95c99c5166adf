//! The `stampede` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use stampede::cli::{self, Cli, Exit};

fn main() -> ExitCode {
    // clap prints help/version (exit 0) and usage errors (exit 2, matching the contract) itself.
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            Exit::Usage.into()
        }
    }
}
