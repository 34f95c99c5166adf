//! `stampede baseline save|list|show`: named results files under `reports/baselines/`, meant to
//! be committed, that `stampede run --baseline NAME` and `stampede compare NAME ...` compare with.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use tabled::builder::Builder;
use tabled::settings::Style;

use super::{Exit, quiet_broken_pipe};
use crate::compare::baseline::{Baseline, BaselineStore};
use crate::units::format_micros;

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub command: BaselineCommand,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Save a results file (or run directory) as a named baseline in reports/baselines/<NAME>/.
    Save {
        /// results.json, or the run directory holding it.
        #[arg(value_name = "RESULTS")]
        results: PathBuf,
        /// The baseline's name (letters, digits, '.', '_', '-'), e.g. main or v1.4.
        #[arg(long)]
        name: String,
        /// Replace a baseline of that name.
        #[arg(long)]
        force: bool,
    },
    /// List the saved baselines with their scenario, machine and trials.
    List,
    /// Show one baseline: where it is, its environment and its per-trial figures.
    Show {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

/// What `baseline` needs, free of clap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineSettings {
    Save {
        results: PathBuf,
        name: String,
        force: bool,
    },
    List,
    Show {
        name: String,
    },
}

impl BaselineArgs {
    pub fn into_settings(self) -> BaselineSettings {
        match self.command {
            BaselineCommand::Save {
                results,
                name,
                force,
            } => BaselineSettings::Save {
                results,
                name,
                force,
            },
            BaselineCommand::List => BaselineSettings::List,
            BaselineCommand::Show { name } => BaselineSettings::Show { name },
        }
    }
}

pub fn execute(
    settings: &BaselineSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let store = BaselineStore::default();
    let written = match settings {
        BaselineSettings::Save {
            results,
            name,
            force,
        } => match store.save(results, name, *force) {
            Ok(path) => writeln!(out, "saved baseline '{name}': {}", path.display()),
            Err(e) => return quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage),
        },
        BaselineSettings::List => list(&store, out, err),
        BaselineSettings::Show { name } => match store.show(name) {
            Ok(b) => show(&b, out),
            Err(e) => return quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage),
        },
    };
    quiet_broken_pipe(written, Exit::Passed)
}

fn list(store: &BaselineStore, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<()> {
    let all = store.list();
    if all.is_empty() {
        return writeln!(
            out,
            "no baselines in {}/ (save one: stampede baseline save <results.json> --name <name>)",
            store.root().display()
        );
    }
    let mut builder = Builder::default();
    builder.push_record([
        "name", "scenario", "started", "host", "cores", "version", "trials", "p50", "p95",
    ]);
    for entry in all {
        match entry {
            Ok(b) => {
                let r = &b.result;
                builder.push_record([
                    b.name.clone(),
                    r.scenario.name.clone(),
                    r.started_at.chars().take(19).collect(),
                    r.environment.hostname.clone(),
                    r.environment.cores.to_string(),
                    r.tool.version.clone(),
                    r.trials.len().to_string(),
                    format_micros(r.totals.latency.p50_us as f64),
                    format_micros(r.totals.latency.p95_us as f64),
                ]);
            }
            Err((name, e)) => writeln!(err, "warning: baseline '{name}' cannot be read: {e}")?,
        }
    }
    let mut table = builder.build();
    table.with(Style::rounded());
    writeln!(out, "{table}")
}

fn show(b: &Baseline, out: &mut dyn Write) -> std::io::Result<()> {
    let r = &b.result;
    let e = &r.environment;
    writeln!(out, "baseline '{}': {}", b.name, b.results_path.display())?;
    writeln!(
        out,
        "scenario: {} ({}), file sha256 {}",
        r.scenario.name, r.scenario.kind, r.scenario.file_sha256
    )?;
    writeln!(out, "target: {}", r.target.url)?;
    writeln!(
        out,
        "environment: {} · {} · {} · {} cores · Stampede {}{}",
        e.hostname,
        e.os,
        e.cpu_model,
        e.cores,
        r.tool.version,
        e.git_commit
            .as_deref()
            .map(|c| format!(" · commit {c}"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "run: {} · {} · {:.1}s measured · {:?}",
        r.started_at, r.load.summary, r.duration_secs, r.outcome.status
    )?;
    if r.trials.is_empty() {
        return writeln!(
            out,
            "no trials: a comparison against this baseline cannot reach a verdict (save a run of a regression scenario)"
        );
    }
    let mut builder = Builder::default();
    builder.push_record([
        "trial", "requests", "p50", "p95", "p99", "rate", "errors", "valid",
    ]);
    for t in &r.trials {
        let s = &t.total;
        builder.push_record([
            (t.index + 1).to_string(),
            s.requests.to_string(),
            format_micros(s.p50_us as f64),
            format_micros(s.p95_us as f64),
            format_micros(s.p99_us as f64),
            format!("{:.1}/s", s.throughput_rps),
            format!("{:.2}%", s.error_rate * 100.0),
            if t.valid { "yes" } else { "no" }.to_string(),
        ]);
    }
    let mut table = builder.build();
    table.with(Style::rounded());
    writeln!(out, "{table}")
}
