//! One measured phase, the same for a single run and for each trial of a regression run: start the
//! recorder and its per-second ticker, the resource sampler, the cache scraper (first read when
//! the measured phase starts, so its counts cover the same requests as the `X-Cache` headers) and,
//! when asked, the live progress and the live feed (dashboard, metric outputs); drive the engine;
//! stop them all and hand back what they recorded.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::engine::context::{EngineContext, EngineError, EngineSummary, StartGate};
use crate::live::{FeedInputs, LiveFeed, LiveSpec};
use crate::metrics::{Recorded, Recorder, RecorderConfig};
use crate::model::{ResourceSample, ServerCache};
use crate::probe::{CacheScraper, LatestServerCache, ResourceSampler, ScrapeConfig};
use crate::scenario::Plan;
use crate::ui::{LoadUnit, Phases, ProgressDisplay, ProgressMode};

/// What to measure and where.
pub struct MeasureSpec<'a> {
    pub plan: &'a Arc<Plan>,
    pub base_url: &'a str,
    /// The target's process when it runs on this machine (its CPU and RSS are sampled).
    pub target_pid: Option<u32>,
    /// Where the per-second histograms go (`latency.hlog`); `None` keeps none.
    pub hlog_path: Option<PathBuf>,
    /// Open model: this worker's shift of the schedule (`--segment`), 0 for a whole run.
    pub arrival_phase: f64,
    /// Live progress on stderr; `None` shows none (trials print a line each instead).
    pub progress: Option<ProgressMode>,
    /// `--start-at`: the engine prepares, then waits until this time to begin the warm-up;
    /// `None` begins as soon as it is ready.
    pub start_at: Option<SystemTime>,
    /// The dashboard and metric outputs to feed once a second; `None` feeds none.
    pub live: Option<&'a LiveSpec>,
}

/// What one measured phase recorded.
#[derive(Debug)]
pub struct Measured {
    pub recorded: Recorded,
    pub resources: Vec<ResourceSample>,
    pub engine: EngineSummary,
    /// Wall-clock start of the measured phase (after the warm-up).
    pub started_at: SystemTime,
    /// When the load (warm-up first) was planned to begin: `--start-at`, else when this phase
    /// was set up.
    pub planned_start: SystemTime,
    /// When the engine, prepared, really began the load; `None` when it never did (Ctrl-C
    /// before the start).
    pub actual_start: Option<SystemTime>,
    pub ended_at: SystemTime,
    /// Measured length: the planned duration, or up to Ctrl-C.
    pub duration: Duration,
    /// The target's own cache counters over the measured phase, when the scenario scrapes them;
    /// why they are missing otherwise.
    pub server_cache: Result<Option<ServerCache>, String>,
}

/// Runs one measured phase of `spec.plan` (warm-up included) until its stages end or `cancel`.
pub async fn measure(
    spec: MeasureSpec<'_>,
    cancel: &CancellationToken,
) -> Result<Measured, EngineError> {
    let plan = spec.plan;
    let warmup = plan.load.warmup;
    let planned = plan.load.duration();
    // The measured phase starts a warm-up after the planned start: the recorder's windows, the
    // samplers and the engines all count from there, and workers given one `--start-at` measure
    // the same seconds.
    let (gate_at, planned_start) = planned_start(spec.start_at);
    let gate = StartGate::at(gate_at);
    let measure_start = gate_at + warmup;
    let started_at = planned_start + warmup;
    let recorder = Recorder::new(RecorderConfig::for_plan(
        plan,
        measure_start,
        spec.hlog_path,
    ));
    let ticker = recorder.start_ticker();
    let warmup_recorder = Recorder::new(RecorderConfig::for_plan(plan, gate_at, None));
    let warmup_ticker = warmup_recorder.start_ticker();
    let sampler = ResourceSampler::start(measure_start, spec.target_pid);
    let server_cache_so_far = LatestServerCache::default();
    let scraper =
        ScrapeConfig::from_spec(spec.base_url, &plan.cache, &plan.target.tls, measure_start).map(
            |config| {
                let latest = server_cache_so_far.clone();
                tokio::spawn(async move {
                    tokio::time::sleep_until(measure_start.into()).await;
                    CacheScraper::start(config, latest).await
                })
            },
        );
    let mut live_warnings = Vec::new();
    let feed = spec.live.and_then(|live| {
        let inputs = FeedInputs {
            plan: plan.clone(),
            recorder: recorder.clone(),
            resources: sampler.latest(),
            server_cache: server_cache_so_far.clone(),
            base_url: spec.base_url.to_string(),
            started_at,
            planned,
            phase: live.phase.clone(),
        };
        LiveFeed::start(live, inputs, &mut live_warnings)
    });
    let progress = spec.progress.map(|mode| {
        ProgressDisplay::start(
            Phases {
                measured: recorder.clone(),
                // Only the closed model records its warm-up (the others discard it).
                warmup: (!warmup.is_zero()
                    && matches!(
                        plan.load.model,
                        crate::scenario::plan::LoadModel::Closed { .. }
                    ))
                .then(|| warmup_recorder.clone()),
                warmup_duration: warmup,
                measured_duration: planned,
            },
            LoadUnit::of(&plan.load.model),
            mode,
        )
    });
    let ctx = EngineContext {
        plan: plan.clone(),
        base_url: spec.base_url.to_string(),
        recorder: recorder.clone(),
        warmup_recorder,
        cancel: cancel.clone(),
        arrival_phase: spec.arrival_phase,
        start: gate.clone(),
    };
    let engine = crate::engine::drive(&ctx).await;
    let ended = Instant::now();
    let ended_at = SystemTime::now();
    drop(ctx);
    if let Some(progress) = progress {
        progress.finish();
    }
    let resources = sampler.stop();
    let server_cache = match scraper {
        None => Ok(None),
        Some(task) => match task.await {
            Ok(scraper) => scraper.stop().await.map(Some).map_err(|e| e.to_string()),
            Err(e) => Err(format!("the cache scraper failed: {e}")),
        },
    };
    let duration = ended.saturating_duration_since(measure_start).min(planned);
    let recorded = recorder.finish_at(duration);
    ticker.abort();
    warmup_ticker.abort();
    if let Some(feed) = feed {
        live_warnings.extend(feed.finish(&recorded, &resources).await);
    }
    let mut engine = engine?;
    engine.warnings.extend(live_warnings);
    Ok(Measured {
        recorded,
        resources,
        engine,
        started_at,
        planned_start,
        actual_start: gate.opened(),
        ended_at,
        duration,
        server_cache,
    })
}

/// The planned start as a monotonic instant (for the timers) and a wall-clock time (for the
/// results): `start_at` when given (an instant in the past when it is past), else now.
fn planned_start(start_at: Option<SystemTime>) -> (Instant, SystemTime) {
    let (now, wall) = (Instant::now(), SystemTime::now());
    let Some(at) = start_at else {
        return (now, wall);
    };
    let instant = match at.duration_since(wall) {
        Ok(ahead) => now + ahead,
        Err(past) => now.checked_sub(past.duration()).unwrap_or(now),
    };
    (instant, at)
}
