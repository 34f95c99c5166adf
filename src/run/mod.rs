//! `stampede run`: plan → target → engine → results → thresholds → exit code, and Ctrl-C.
//!
//! The steps, each knowing only the one before it: load and validate the scenario (an invalid one
//! sends nothing, exit 2); apply the command line's overrides; start the bundled SalesHub or check
//! that the target URL answers (unreachable: a clear message and exit 3 within seconds, no results
//! written); create the run directory; start the recorder, resource sampler, cache scraper and
//! progress display; run the engine for the load model until its stages end or Ctrl-C; build the
//! RunResult, evaluate the thresholds, write `results.json`, print the summary and the path; stop
//! what we started; map the outcome to an exit code ([`decide_exit`]).

pub mod api;
pub mod outdir;
pub mod overrides;
pub mod reach;
pub mod segment;
pub mod signal;
pub mod term;
pub mod trials;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::cli::Exit;
use crate::engine::bundled::{BundledOptions, BundledTarget};
use crate::engine::closed::{run_closed, stall_warning};
use crate::metrics::{CacheScraper, Recorder, RecorderConfig, ResourceSampler, ScrapeConfig};
use crate::report::write_summary;
use crate::results::RunResult;
use crate::results::schema::{OutcomeStatus, TargetInfo};
use crate::results::{ResultInputs, build_result, detect_environment, write_results};
use crate::scenario::Plan;
use crate::scenario::plan::{LoadModel, TargetKind};
use crate::ui::{LoadUnit, ProgressDisplay, ProgressMode};
use api::{EngineContext, run_open, run_throughput};

/// What `stampede run` was asked to do, free of clap.
#[derive(Debug, Clone)]
pub struct RunOptions {
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
    /// The `stampede` binary that serves the bundled SalesHub (`current_exe()` in the CLI).
    pub exe: PathBuf,
    /// Regression gate overrides (`--trials`, `--alpha`); trials also turn a plain open-model
    /// scenario into repeated trials.
    pub gate: overrides::GateOverrides,
    /// `--segment i/N`: send only this worker's slice of the load.
    pub segment: Option<segment::Segment>,
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
    Engine(#[from] api::EngineError),
    #[error("cannot write the results: {0}")]
    Io(#[from] std::io::Error),
    #[error("interrupted before the load started: nothing was measured")]
    InterruptedEarly,
}

impl RunError {
    /// The exit code for this error (DESIGN.md, "Exit codes").
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
}

/// Runs a validated plan. `cancel` is the Ctrl-C token ([`signal::install`]); `err` gets notes
/// and the progress of the bundled target's start.
pub async fn run_plan(
    plan: Plan,
    options: &RunOptions,
    cancel: CancellationToken,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Finished, RunError> {
    let mut plan = overrides::apply(plan, options)?;
    if let Some(segment) = options.segment {
        segment
            .apply(&mut plan)
            .map_err(|e| RunError::Usage(e.to_string()))?;
    }
    let plan = Arc::new(plan);

    // The target: started by us, or checked before any load.
    let mut bundled = None;
    let (base_url, target_info, target_pid) = match &plan.target.kind {
        TargetKind::Bundled(spec) => {
            let mut bundled_options = BundledOptions::new(options.exe.clone(), spec.clone());
            bundled_options.show_notes = !options.quiet;
            if !options.quiet {
                let _ = writeln!(
                    err,
                    "starting the bundled SalesHub (data in '{}'; seeding it the first time can take a minute)",
                    bundled_options.data_dir.display()
                );
            }
            let target = BundledTarget::start(&bundled_options, &cancel)
                .await
                .map_err(|e| match e {
                    crate::engine::bundled::BundledError::Interrupted => RunError::InterruptedEarly,
                    e => RunError::Bundled(e),
                })?;
            let info = TargetInfo {
                url: target.base_url().to_string(),
                bundled: true,
                cache_backend: Some(target.cache_backend().to_string()),
                notes: target.notes().to_vec(),
            };
            for note in target.notes() {
                let _ = writeln!(err, "note: {note}");
            }
            let url = target.base_url().to_string();
            let pid = Some(target.pid());
            bundled = Some(target);
            (url, info, pid)
        }
        TargetKind::Url { base_url } => {
            tokio::select! {
                reached = reach::check_reachable(base_url, plan.target.timeout, &plan.target.tls) => reached?,
                () = cancel.cancelled() => return Err(RunError::InterruptedEarly),
            }
            let info = TargetInfo {
                url: base_url.clone(),
                bundled: false,
                cache_backend: None,
                notes: Vec::new(),
            };
            (base_url.clone(), info, plan.target.pid)
        }
    };

    let dir = outdir::prepare(options.out.as_deref(), &plan.name)?;
    if let Some(spec) = &plan.regression {
        let result = trials::run_trials(
            &plan,
            spec,
            &base_url,
            target_info,
            target_pid,
            &cancel,
            err,
        )
        .await?;
        return finish(result, &dir, &plan, bundled, out, err).await;
    }
    let warmup = plan.load.warmup;
    let planned = plan.load.duration();
    let measure_start = Instant::now() + warmup;
    let started_at = SystemTime::now() + warmup;
    let recorder = Recorder::new(RecorderConfig {
        endpoints: plan
            .endpoints()
            .iter()
            .map(|(n, m)| (n.to_string(), m.to_string()))
            .collect(),
        hlog_path: Some(dir.join("latency.hlog")),
        started: measure_start,
        open_model: matches!(plan.load.model, LoadModel::Open { .. }),
    });
    let ticker = recorder.start_ticker();
    let sampler = ResourceSampler::start(measure_start, target_pid);
    // The server's counters are first read when the measured phase starts, so their delta covers
    // the same requests as the X-Cache counts (warm-up traffic excluded from both).
    let scraper = ScrapeConfig::from_spec(&base_url, &plan.cache, &plan.target.tls, measure_start)
        .map(|config| {
            tokio::spawn(async move {
                tokio::time::sleep_until(measure_start.into()).await;
                CacheScraper::start(config).await
            })
        });
    let progress = ProgressDisplay::start(
        recorder.clone(),
        warmup + planned,
        LoadUnit::of(&plan.load.model),
        ProgressMode::detect(options.quiet),
    );

    let ctx = EngineContext {
        plan: plan.clone(),
        base_url: base_url.clone(),
        recorder: recorder.clone(),
        cancel: cancel.clone(),
        arrival_phase: options.segment.map_or(0.0, |s| s.phase()),
    };
    let engine = match plan.load.model {
        LoadModel::Open { .. } => run_open(&ctx).await,
        LoadModel::Closed { .. } => run_closed(&ctx).await,
        LoadModel::Throughput { .. } => run_throughput(&ctx).await,
    };
    let ended = Instant::now();
    let ended_at = SystemTime::now();
    drop(ctx);
    progress.finish();
    let resources = sampler.stop();
    let mut warnings = Vec::new();
    let scraper = match scraper {
        Some(task) => task.await.ok(),
        None => None,
    };
    let server_cache = match scraper {
        Some(scraper) => match scraper.stop().await {
            Ok(cache) => Some(cache),
            Err(error) => {
                warnings.push(error.to_string());
                None
            }
        },
        None => None,
    };
    let interrupted = cancel.is_cancelled();
    let duration = ended.saturating_duration_since(measure_start).min(planned);
    let recorded = recorder.finish_at(duration);
    ticker.abort();
    let summary = engine?;
    warnings.extend(summary.warnings);
    warnings.extend(target_info.notes.iter().cloned());
    if matches!(plan.target.tls, crate::scenario::plan::TlsTrust::Insecure) {
        warnings.push(crate::engine::tls::INSECURE_WARNING.to_string());
    }
    if interrupted {
        warnings.push(format!(
            "interrupted by Ctrl-C after {:.1} s of {:.1} s",
            duration.as_secs_f64(),
            planned.as_secs_f64()
        ));
    }
    let mut result = build_result(ResultInputs {
        plan: &plan,
        recorded,
        target: target_info,
        environment: detect_environment(),
        started_at,
        ended_at,
        duration: Some(duration),
        interrupted,
        invalid_reasons: Vec::new(),
        warnings,
        resources,
        server_cache,
    })
    .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;
    if matches!(plan.load.model, LoadModel::Closed { .. })
        && let Some(warning) = stall_warning(&result.totals)
    {
        result.outcome.warnings.push(warning);
    }
    if let Some(segment) = options.segment {
        result.segments = vec![segment.info(&result)];
    }
    finish(result, &dir, &plan, bundled, out, err).await
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
    match crate::report::write_run_reports(dir, &result, None) {
        Ok(reports) => {
            let _ = writeln!(out, "report: {}", reports.html.display());
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "warning: {e}; results.json is kept: render it again with `stampede report`"
            );
        }
    }
    if let Some(target) = bundled {
        target.stop(Duration::from_secs(5)).await;
    }
    Ok(Finished {
        result,
        results_path,
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
