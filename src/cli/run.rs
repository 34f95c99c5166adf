//! `stampede run <scenario>`: validates the scenario, then drives the load (see [`crate::run`]) and
//! exits per the contract in [`Exit`]: 0 passed, 1 a threshold failed, 2 an invalid scenario or
//! usage (nothing sent), 3 an unreachable target or an invalid run, 130 interrupted (partial
//! results written).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::Args;

use super::gate_args::GateArgs;
use super::validate::write_load_error;
use super::{Exit, block_on, quiet_broken_pipe, values};
use crate::compare::baseline::resolve_baseline;
use crate::compare::report::{Reporting, report_comparison};
use crate::results::read_results;
use crate::run::overrides::apply;
use crate::run::segment::Segment;
use crate::run::{self, RunError, RunSettings};
use crate::scenario;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub scenario: PathBuf,
    /// Directory for results.json and latency.hlog [default: reports/<scenario>-<YYYYmmdd-HHMMSS>]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Measured duration, replacing the scenario's (stages and the warm-up are scaled to it),
    /// e.g. 30s, 5m.
    #[arg(long, value_name = "DURATION", value_parser = values::parse_duration)]
    pub duration: Option<Duration>,
    /// Multiply the scenario's rates, users and connections by this factor, e.g. 0.1 for a tenth
    /// of the load or 2 for twice it (users and connections are rounded, at least 1).
    #[arg(long, value_name = "FACTOR", value_parser = values::parse_scale, allow_negative_numbers = true)]
    pub scale: Option<f64>,
    /// No live progress (the summary is still printed).
    #[arg(long, short)]
    pub quiet: bool,
    /// Send the load to this URL instead of the scenario's target.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Compare with this baseline afterwards: a saved name (reports/baselines/NAME), a results
    /// file or a run directory. Writes comparison.{json,md,junit.xml} into the run directory.
    #[arg(long, value_name = "NAME|FILE")]
    pub baseline: Option<String>,
    /// With --baseline: the verdict sets the exit code (0 pass/improved, 1 regressed, 3 invalid;
    /// inconclusive 0 with a warning).
    #[arg(long, requires = "baseline")]
    pub gate: bool,
    /// With --gate: an inconclusive verdict fails (exit 1).
    #[arg(long, requires = "gate")]
    pub strict: bool,
    #[command(flatten)]
    pub gate_args: GateArgs,
    /// Run only worker I's slice of the load, of N workers running the same scenario (1 ≤ I ≤ N):
    /// the rate, users or connections divided so the workers together send the whole load, and
    /// sequential feeders dealt (worker I takes rows I, I+N, ...). `auto/N` takes I from
    /// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's 0-based pod index, plus one).
    /// Merge their results with `stampede merge`.
    #[arg(long, value_name = "I/N", value_parser = values::parse_segment)]
    pub segment: Option<Segment>,
    /// Prepare everything (target check, setup journeys), then wait until this RFC 3339 time
    /// (e.g. 2026-12-03T10:00:00Z) to begin the warm-up and the load, so that workers on several
    /// machines start together. A time more than 2 s past is an error.
    #[arg(long, value_name = "TIME", value_parser = values::parse_start_at)]
    pub start_at: Option<SystemTime>,
    /// Parse and validate the scenario, apply the overrides and the segment, print the plan and
    /// exit 0: nothing is sent and nothing waits.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub watch: super::watch_args::WatchArgs,
}

impl RunArgs {
    pub fn into_settings(self) -> RunSettings {
        RunSettings {
            out: self.out,
            duration: self.duration,
            scale: self.scale,
            quiet: self.quiet,
            target: self.target,
            baseline: self.baseline,
            gate: self.gate,
            strict: self.strict,
            gate_overrides: self.gate_args.into_overrides(),
            segment: self.segment,
            start_at: self.start_at,
            dry_run: self.dry_run,
            watch: self.watch.into_settings(),
            ..RunSettings::new(self.scenario)
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
    // Fail fast on a baseline that does not exist, before any load.
    let baseline = match &settings.baseline {
        None => None,
        Some(arg) => match resolve_baseline(arg)
            .map_err(|e| e.to_string())
            .and_then(|path| read_results(&path).map_err(|e| e.to_string()))
        {
            Ok(result) => Some((arg.clone(), result)),
            Err(e) => {
                return quiet_broken_pipe(writeln!(err, "error: --baseline: {e}"), Exit::Usage);
            }
        },
    };
    if settings.dry_run {
        return dry_run(plan, settings, out, err);
    }
    // The gate settings the run will use (the scenario's, with the command line's overrides).
    let gate_settings = apply(plan.clone(), settings)
        .ok()
        .and_then(|p| p.regression)
        .map(|spec| spec.gate)
        .unwrap_or_default();
    let outcome = block_on(run::run_plan(plan, settings, cancel, out, err))?;
    match outcome {
        Ok(finished) => {
            let exit = run::decide_exit(&finished.result);
            let Some((name, baseline)) = baseline else {
                return Ok(exit);
            };
            if exit == Exit::Interrupted {
                return Ok(exit);
            }
            let dir = finished
                .results_path
                .parent()
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            let title = format!("{} vs baseline {name}", finished.result.scenario.name);
            let how = Reporting {
                dir: &dir,
                title: &title,
                gate: settings.gate,
                strict: settings.strict,
                run_reports: true,
            };
            let gated =
                report_comparison(&baseline, &finished.result, &gate_settings, &how, out, err);
            // The worse of the run's own outcome (thresholds, validity) and the gate's.
            Ok(match gated {
                Ok(g) if exit == Exit::Passed => g,
                _ => exit,
            })
        }
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

/// `--dry-run`: the plan this worker would run (overrides, segment and start applied and checked),
/// described; nothing sent, nothing waited for. Exit 0, or 2 when the command line does not fit
/// the scenario.
fn dry_run(
    plan: scenario::Plan,
    settings: &RunSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let plan = match run::prepare_plan(plan, settings) {
        Ok(plan) => plan,
        Err(e) => return quiet_broken_pipe(writeln!(err, "error: {e}"), e.exit()),
    };
    let text = dry_run_text(&plan, settings);
    quiet_broken_pipe(write!(out, "{text}"), Exit::Passed)
}

fn dry_run_text(plan: &scenario::Plan, settings: &RunSettings) -> String {
    use crate::scenario::plan::{FeederOrder, TargetKind};
    let mut lines = vec![super::validate::summary_line(&settings.scenario, plan)];
    lines.push(match &plan.target.kind {
        TargetKind::Url { base_url } => format!("target: {base_url}"),
        TargetKind::Bundled(_) => "target: the bundled SalesHub (started by the run)".into(),
    });
    let profile = crate::results::load_profile::load_profile(plan);
    lines.push(format!(
        "load: {} (warm-up {})",
        profile.summary,
        humantime::format_duration(plan.load.warmup)
    ));
    if let Some(segment) = settings.segment {
        lines.push(format!(
            "segment: {segment} (the load above is this worker's share)"
        ));
    }
    for feeder in plan.feeders.values() {
        let order = match feeder.order {
            FeederOrder::Sequential if settings.segment.is_some() => "sequential, this segment's",
            FeederOrder::Sequential => "sequential",
            FeederOrder::Random => "random",
        };
        lines.push(format!(
            "feeder {}: {} rows ({order})",
            feeder.name,
            feeder.rows.len()
        ));
    }
    lines.push(match settings.start_at {
        Some(at) => {
            let ahead = at
                .duration_since(SystemTime::now())
                .map_or(0.0, |d| d.as_secs_f64());
            format!(
                "start: at {} ({ahead:.1} s from now), once prepared",
                crate::results::build::rfc3339(at)
            )
        }
        None => "start: as soon as the target answers and the setup journeys ran".into(),
    });
    lines.push(match &settings.out {
        Some(dir) => format!("results: {}", dir.display()),
        None => "results: reports/<scenario>-<YYYYmmdd-HHMMSS>/".into(),
    });
    lines.push("dry run: nothing was sent".into());
    let mut text = lines.join("\n");
    text.push('\n');
    text
}
