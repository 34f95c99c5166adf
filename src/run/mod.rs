//! `stampede run`: plan → target → engine → results → thresholds → exit code, and Ctrl-C.
//!
//! The steps, each knowing only the one before it: load and validate the scenario (an invalid one
//! sends nothing, exit 2); apply the command line's overrides; start the bundled SalesHub or check
//! that the target URL answers (unreachable: a clear message and exit 3 within seconds, no results
//! written); create the run directory; start the recorder, resource sampler, cache scraper and
//! progress display; run the engine for the load model until its stages end or Ctrl-C; build the
//! RunResult, evaluate the thresholds, write `results.json`, print the summary and the path; stop
//! what we started; map the outcome to an exit code ([`decide_exit`]).

pub mod live;
pub mod measure;
pub mod overrides;
pub mod reach;
pub mod segment;
pub mod signal;
pub mod start;
pub mod target;
pub mod trials;
pub mod watching;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::analysis::stall::stall_warning;
use crate::engine::bundled::BundledTarget;
use crate::exit::Exit;
use crate::model::{OutcomeStatus, TargetInfo};
use crate::report::write_summary;
use crate::results::RunResult;
use crate::results::{
    REPORTS_DIR, ResultInputs, build_result, create_run_dir, detect_environment, write_results,
};
use crate::scenario::Plan;
use crate::scenario::plan::{LoadModel, TlsTrust};
use crate::ui::ProgressMode;
use measure::{MeasureSpec, Measured, measure};

/// What `stampede run` was asked to do, free of clap: the command line's settings, typed and
/// validated (`cli::run` builds it; the demo builds one per side).
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub scenario: PathBuf,
    /// The run directory; default `reports/<scenario>-<YYYYmmdd-HHMMSS>/`.
    pub out: Option<PathBuf>,
    /// Replaces the measured duration (stages are scaled to it).
    pub duration: Option<Duration>,
    /// Multiplies rates, users and connections (`--scale 0.1`: a tenth of the load).
    pub scale: Option<f64>,
    /// No live progress.
    pub quiet: bool,
    /// Replaces the scenario's target by this URL.
    pub target: Option<String>,
    /// Compare with this baseline afterwards (a saved name, a results file or a run directory).
    pub baseline: Option<String>,
    /// With `baseline`: the verdict sets the exit code.
    pub gate: bool,
    /// With `gate`: an inconclusive verdict fails.
    pub strict: bool,
    /// Regression gate overrides (`--trials`, `--alpha`, ...); trials also turn a plain
    /// open-model scenario into repeated trials.
    pub gate_overrides: overrides::GateOverrides,
    /// `--segment i/N`: send only this worker's slice of the load.
    pub segment: Option<segment::Segment>,
    /// `--start-at`: prepare, then begin the load at this time (see [`start`]).
    pub start_at: Option<std::time::SystemTime>,
    /// `--dry-run`: prepare the plan and describe it; send nothing.
    pub dry_run: bool,
    /// `--dashboard`, `--dashboard-linger`, `--output`.
    pub watch: watching::WatchSettings,
    /// The `stampede` binary that serves the bundled SalesHub (normally this process's own).
    pub exe: PathBuf,
}

impl RunSettings {
    /// Settings for running `scenario` as it is, with no override.
    pub fn new(scenario: PathBuf) -> RunSettings {
        RunSettings {
            scenario,
            out: None,
            duration: None,
            scale: None,
            quiet: false,
            target: None,
            baseline: None,
            gate: false,
            strict: false,
            gate_overrides: overrides::GateOverrides::default(),
            segment: None,
            start_at: None,
            dry_run: false,
            watch: watching::WatchSettings::default(),
            exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("stampede")),
        }
    }
}

/// Why a run stopped before it could produce results. Each maps to an exit code.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Unreachable(#[from] reach::Unreachable),
    #[error("{0}")]
    Bundled(#[from] crate::engine::bundled::BundledError),
    #[error("{0}")]
    Engine(#[from] crate::engine::context::EngineError),
    #[error("cannot write the results: {0}")]
    Io(#[from] std::io::Error),
    #[error("interrupted before the load started: nothing was measured")]
    InterruptedEarly,
}

impl RunError {
    /// The exit code for this error (see [`Exit`]).
    pub fn exit(&self) -> Exit {
        match self {
            RunError::Usage(_) => Exit::Usage,
            RunError::Unreachable(_)
            | RunError::Bundled(_)
            | RunError::Engine(_)
            | RunError::Io(_) => Exit::Invalid,
            RunError::InterruptedEarly => Exit::Interrupted,
        }
    }
}

/// A finished run: its result (already written) and where.
#[derive(Debug)]
pub struct Finished {
    pub result: RunResult,
    pub results_path: PathBuf,
    /// The HTML report, when it could be written.
    pub report_html: Option<PathBuf>,
}

/// The plan this worker will run: the command line's overrides and `--segment` applied, and
/// `--start-at` checked (not past beyond the grace; not with a regression scenario's trials).
pub fn prepare_plan(plan: Plan, settings: &RunSettings) -> Result<Plan, RunError> {
    let mut plan = overrides::apply(plan, settings)?;
    if let Some(segment) = settings.segment {
        segment
            .apply(&mut plan)
            .map_err(|e| RunError::Usage(e.to_string()))?;
    }
    if let Some(at) = settings.start_at {
        if plan.regression.is_some() {
            return Err(RunError::Usage(
                "--start-at starts one measured phase; a regression scenario runs repeated \
                 trials: run it without --start-at"
                    .into(),
            ));
        }
        start::check_start(at, std::time::SystemTime::now())
            .map_err(|e| RunError::Usage(e.to_string()))?;
    }
    Ok(plan)
}

/// Runs a validated plan. `cancel` is the Ctrl-C token ([`signal::install`]); `err` gets notes
/// and the progress of the bundled target's start.
pub async fn run_plan(
    plan: Plan,
    settings: &RunSettings,
    cancel: CancellationToken,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Finished, RunError> {
    let plan = Arc::new(prepare_plan(plan, settings)?);
    let target = target::prepare(&plan, settings, &cancel, err).await?;
    let dir = create_run_dir(
        settings.out.as_deref(),
        Path::new(REPORTS_DIR),
        &plan.redact(&plan.name),
        SystemTime::now(),
    )
    .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;
    let segment = settings.segment.map(|s| s.to_string());
    let live = watching::start(&plan, &settings.watch, &dir, segment, err).await?;
    let result = match &plan.regression {
        Some(spec) => trials::run_trials(&plan, spec, &target, live.as_ref(), &cancel, err).await?,
        None => single_run(&plan, settings, &target, &dir, live.as_ref(), &cancel).await?,
    };
    let finished = finish(result, &dir, &plan, target.bundled, out, err).await?;
    let report = finished.report_html.clone();
    watching::end(
        live.as_ref(),
        &finished.result,
        report.as_deref(),
        &settings.watch,
        &cancel,
        err,
    )
    .await;
    Ok(finished)
}

/// One measured phase (no regression trials) and its result, with the distributed run's start
/// and segment recorded.
async fn single_run(
    plan: &Arc<Plan>,
    settings: &RunSettings,
    target: &target::ReadyTarget,
    dir: &Path,
    live: Option<&crate::live::LiveSpec>,
    cancel: &CancellationToken,
) -> Result<RunResult, RunError> {
    let measured = measure(
        MeasureSpec {
            plan,
            base_url: &target.base_url,
            target_pid: target.pid,
            hlog_path: Some(dir.join(crate::results::HLOG_FILE)),
            arrival_phase: settings.segment.map_or(0.0, |s| s.phase()),
            progress: Some(ProgressMode::detect(settings.quiet)),
            start_at: settings.start_at,
            live,
        },
        cancel,
    )
    .await?;
    let (planned_start, actual_start) = (measured.planned_start, measured.actual_start);
    let mut result = single_result(plan, measured, target.info.clone(), cancel.is_cancelled())?;
    result.actual_start = actual_start.map(crate::results::build::rfc3339);
    if let Some(planned) = settings.start_at.map(|_| planned_start) {
        result.planned_start = Some(crate::results::build::rfc3339(planned));
        if let Some(warning) = actual_start.and_then(|a| start::late_warning(planned, a)) {
            result.outcome.warnings.push(warning);
        }
    }
    if let Some(segment) = settings.segment {
        result.segments = vec![segment.info(&result)];
    }
    Ok(result)
}

/// The RunResult of one measured phase, with the run's warnings.
fn single_result(
    plan: &Plan,
    measured: Measured,
    target: TargetInfo,
    interrupted: bool,
) -> Result<RunResult, RunError> {
    let planned = plan.load.duration();
    let mut warnings = Vec::new();
    if let Err(e) = measured.server_cache.as_ref() {
        warnings.push(e.clone());
    }
    warnings.extend(measured.engine.warnings);
    warnings.extend(target.notes.iter().cloned());
    if matches!(plan.target.tls, TlsTrust::Insecure) {
        warnings.push(crate::engine::tls::INSECURE_WARNING.to_string());
    }
    if interrupted {
        warnings.push(format!(
            "interrupted by Ctrl-C after {:.1} s of {:.1} s",
            measured.duration.as_secs_f64(),
            planned.as_secs_f64()
        ));
    }
    let mut result = build_result(ResultInputs {
        plan,
        recorded: measured.recorded,
        target,
        environment: detect_environment(),
        started_at: measured.started_at,
        ended_at: measured.ended_at,
        duration: Some(measured.duration),
        interrupted,
        invalid_reasons: Vec::new(),
        warnings,
        resources: measured.resources,
        server_cache: measured.server_cache.ok().flatten(),
    })
    .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;
    if matches!(plan.load.model, LoadModel::Closed { .. })
        && let Some(warning) = stall_warning(&result.totals)
    {
        result.outcome.warnings.push(warning);
    }
    Ok(result)
}

/// Writes `results.json`, prints the summary, warnings and the path, and stops the bundled target.
async fn finish(
    result: RunResult,
    dir: &std::path::Path,
    plan: &Plan,
    bundled: Option<BundledTarget>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Finished, RunError> {
    let results_path = write_results(dir, &result, plan)
        .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;

    let _ = write_summary(out, &result);
    for warning in &result.outcome.warnings {
        let _ = writeln!(err, "warning: {}", plan.redact(warning));
    }
    for reason in &result.outcome.reasons {
        let _ = writeln!(
            err,
            "{}: {}",
            status_word(result.outcome.status),
            plan.redact(reason)
        );
    }
    let _ = writeln!(out, "results: {}", results_path.display());
    // The reports are extras: failing to render one is said, and results.json stays.
    let report_html = match crate::report::write_run_reports(dir, &result, None) {
        Ok(reports) => {
            let _ = writeln!(out, "report: {}", reports.html.display());
            Some(reports.html)
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "warning: {e}; results.json is kept: render it again with `stampede report`"
            );
            None
        }
    };
    let _ = out.flush();
    if let Some(target) = bundled {
        target.stop(Duration::from_secs(5)).await;
    }
    Ok(Finished {
        result,
        results_path,
        report_html,
    })
}

fn status_word(status: OutcomeStatus) -> &'static str {
    match status {
        OutcomeStatus::Completed => "completed",
        OutcomeStatus::Interrupted => "interrupted",
        OutcomeStatus::Invalid => "invalid",
    }
}

/// The exit code of a finished run: 130 interrupted, 3 invalid, 1 a threshold failed, else 0.
pub fn decide_exit(result: &RunResult) -> Exit {
    match result.outcome.status {
        OutcomeStatus::Interrupted => Exit::Interrupted,
        OutcomeStatus::Invalid => Exit::Invalid,
        OutcomeStatus::Completed if result.thresholds.iter().any(|t| !t.passed) => Exit::Failed,
        OutcomeStatus::Completed => Exit::Passed,
    }
}
