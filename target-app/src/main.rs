//! The `saleshub` binary: parse arguments, run, exit.
use clap::Parser;

fn main() -> std::process::ExitCode {
    saleshub::cli::run(saleshub::cli::Cli::parse())
}
