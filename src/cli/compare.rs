//! `stampede compare BASELINE CANDIDATE` (two results files, run directories or saved baseline
//! names) and `stampede compare --live --a URL --b URL SCENARIO` (trials interleaved against two
//! targets). Both print the comparison table and the verdict in words, write `comparison.json`,
//! `comparison.md` and `comparison.junit.xml`, and with `--gate` exit per the gate's contract
//! (0 pass/improved, 1 regressed, 3 invalid, inconclusive 0 with a loud warning or 1 with
//! `--strict`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::gate_args::GateArgs;
use super::validate::write_load_error;
use super::{Exit, block_on, quiet_broken_pipe, values};
use crate::compare::baseline::resolve_baseline;
use crate::compare::report::{Reporting, report_comparison};
use crate::results::{RunResult, read_results};
use crate::run::live::{LiveTargets, run_live};
use crate::run::overrides::{GateOverrides, apply_gate, parse_target, scale_duration};
use crate::run::watching::share_dashboard;
use crate::run::{RunError, signal};
use crate::scenario;
use crate::scenario::gate::GateSettings;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// BASELINE CANDIDATE: results files, run directories or saved baseline names. With --live:
    /// the regression SCENARIO to run against both targets.
    #[arg(value_name = "BASELINE CANDIDATE | SCENARIO", num_args = 1..=2, required = true)]
    pub inputs: Vec<String>,
    /// Run the scenario's trials interleaved (A B, B A, A B ...) against --a and --b now.
    #[arg(long, requires_all = ["a", "b"])]
    pub live: bool,
    /// Live: base URL of the baseline side.
    #[arg(long, value_name = "URL", requires = "live")]
    pub a: Option<String>,
    /// Live: base URL of the candidate side.
    #[arg(long, value_name = "URL", requires = "live")]
    pub b: Option<String>,
    /// Directory for comparison.{json,md,junit.xml} (and, live, a/ and b/ results)
    /// [default: beside the candidate's results; live: reports/<scenario>-ab-<time>]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Set the exit code from the verdict: 0 pass or improved, 1 regressed, 3 invalid.
    #[arg(long)]
    pub gate: bool,
    /// With --gate: an inconclusive verdict fails (exit 1) instead of passing with a warning.
    #[arg(long, requires = "gate")]
    pub strict: bool,
    /// Gate settings from this scenario's [regression] table (files mode; live uses SCENARIO's).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub gate_args: GateArgs,
    /// Live: each trial's measured duration, e.g. 5s.
    #[arg(long, value_name = "DURATION", value_parser = values::parse_duration)]
    pub duration: Option<Duration>,
    /// No progress lines.
    #[arg(long, short)]
    pub quiet: bool,
    /// Live: --dashboard, --dashboard-linger, --output.
    #[command(flatten)]
    pub watch: super::watch_args::WatchArgs,
}

/// What `compare` needs, free of clap.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareSettings {
    /// BASELINE and CANDIDATE, or (live) the SCENARIO.
    pub inputs: Vec<String>,
    pub live: bool,
    pub a: Option<String>,
    pub b: Option<String>,
    pub out: Option<PathBuf>,
    pub gate: bool,
    pub strict: bool,
    pub scenario: Option<PathBuf>,
    pub gate_overrides: GateOverrides,
    pub duration: Option<Duration>,
    pub quiet: bool,
    /// Live: the dashboard and metric outputs.
    pub watch: crate::run::watching::WatchSettings,
}

impl CompareArgs {
    pub fn into_settings(self) -> CompareSettings {
        CompareSettings {
            inputs: self.inputs,
            live: self.live,
            a: self.a,
            b: self.b,
            out: self.out,
            gate: self.gate,
            strict: self.strict,
            scenario: self.scenario,
            gate_overrides: self.gate_args.into_overrides(),
            duration: self.duration,
            quiet: self.quiet,
            watch: self.watch.into_settings(),
        }
    }
}

pub fn execute(
    args: &CompareSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    if args.live {
        return live(args, out, err);
    }
    let [base_arg, cand_arg] = args.inputs.as_slice() else {
        return quiet_broken_pipe(
            writeln!(
                err,
                "error: compare needs BASELINE and CANDIDATE (or --live --a URL --b URL SCENARIO)"
            ),
            Exit::Usage,
        );
    };
    let mut settings = GateSettings::default();
    if let Some(file) = &args.scenario {
        match scenario::load_file(file) {
            Ok(plan) => {
                if let Some(spec) = plan.regression {
                    settings = spec.gate;
                }
            }
            Err(e) => return quiet_broken_pipe(write_load_error(err, &e), Exit::Usage),
        }
    }
    GateOverrides {
        trials: None,
        ..args.gate_overrides.clone()
    }
    .apply_to(&mut settings);
    let read = |arg: &str| -> Result<(RunResult, PathBuf), String> {
        let path = resolve_baseline(arg).map_err(|e| e.to_string())?;
        let result = read_results(&path).map_err(|e| e.to_string())?;
        Ok((result, path))
    };
    let (baseline, candidate) = match (read(base_arg), read(cand_arg)) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => {
            return quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage);
        }
    };
    let dir = args.out.clone().unwrap_or_else(|| {
        candidate
            .1
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    let title = format!("{base_arg} → {cand_arg}");
    let status = report_comparison(
        &baseline.0,
        &candidate.0,
        &settings,
        &Reporting {
            dir: &dir,
            title: &title,
            gate: args.gate,
            strict: args.strict,
            run_reports: false,
        },
        out,
        err,
    );
    finish(status)
}

/// The exit of a reported comparison; a closed stdout keeps the verdict's code quiet.
fn finish(status: std::io::Result<Exit>) -> anyhow::Result<Exit> {
    match status {
        Ok(exit) => Ok(exit),
        Err(e) => quiet_broken_pipe(Err(e), Exit::Invalid),
    }
}

fn live(args: &CompareSettings, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<Exit> {
    let cancel = signal::install();
    let [scenario_arg] = args.inputs.as_slice() else {
        return quiet_broken_pipe(
            writeln!(err, "error: compare --live takes one SCENARIO"),
            Exit::Usage,
        );
    };
    let mut plan = match scenario::load_file(Path::new(scenario_arg)) {
        Ok(plan) => plan,
        Err(e) => return quiet_broken_pipe(write_load_error(err, &e), Exit::Usage),
    };
    let urls = (
        args.a.as_deref().map(parse_target),
        args.b.as_deref().map(parse_target),
    );
    let targets = match urls {
        (Some(Ok(a)), Some(Ok(b))) => LiveTargets { a, b },
        (Some(Err(e)), _) | (_, Some(Err(e))) => {
            return quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage);
        }
        _ => {
            return quiet_broken_pipe(
                writeln!(err, "error: --live needs --a URL and --b URL"),
                Exit::Usage,
            );
        }
    };
    if let Some(d) = args.duration {
        scale_duration(&mut plan.load.model, d);
        if let Some(spec) = &mut plan.regression {
            spec.trial_duration = d;
        }
    }
    let overrides = GateOverrides {
        trials: (args.gate_overrides.trials).or(plan.regression.is_none().then_some(8)),
        ..args.gate_overrides.clone()
    };
    if let Err(e) = apply_gate(&mut plan, &overrides) {
        return quiet_broken_pipe(writeln!(err, "error: {e}"), Exit::Usage);
    }
    let Some(spec) = plan.regression.clone() else {
        return quiet_broken_pipe(writeln!(err, "error: no trials to run"), Exit::Usage);
    };
    let mut progress: Box<dyn Write> = if args.quiet {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::stderr())
    };
    // The dashboard's URL goes to stderr even with --quiet: the page is no use without it. It
    // is started on the session's runtime, which serves it.
    let title = plan.redact(&plan.name);
    let session = block_on(async {
        let watch = share_dashboard(&args.watch, &title, err).await?;
        run_live(
            &plan,
            &spec,
            &targets,
            args.out.as_deref(),
            &watch,
            &cancel,
            &mut *progress,
        )
        .await
    })?;
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            let status = e.exit();
            let hint = if matches!(e, RunError::Unreachable(_)) {
                "\nnothing was sent and no results were written"
            } else {
                ""
            };
            return quiet_broken_pipe(writeln!(err, "error: {e}{hint}"), status);
        }
    };
    writeln!(
        out,
        "results: {} (A), {} (B)",
        session.dir.join("a").display(),
        session.dir.join("b").display()
    )?;
    if cancel.is_cancelled() {
        return quiet_broken_pipe(
            writeln!(err, "interrupted: partial results written, no verdict"),
            Exit::Interrupted,
        );
    }
    let title = format!("{} live A/B: {} → {}", plan.name, targets.a, targets.b);
    let status = report_comparison(
        &session.a,
        &session.b,
        &spec.gate,
        &Reporting {
            dir: &session.dir,
            title: &title,
            gate: args.gate,
            strict: args.strict,
            run_reports: false,
        },
        out,
        err,
    );
    finish(status)
}
