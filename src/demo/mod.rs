//! `stampede demo`: what the tool does and what SalesHub's cache is worth, in under five minutes.
//! It runs the demo scenario (1,000 sales reps, `scenarios/demo.toml`) against the bundled SalesHub (with a private Redis, or the memory
//! cache, said loudly, when `redis-server` is not installed), with live progress, the summary and
//! the results path; then the very same plan with SalesHub's cache off; then the two side by side,
//! on the terminal and on one page (`index.html`, see [`page`]) whose `file://` link is printed.
//! Every process it starts is stopped by the runs themselves (the bundled target is stopped at the
//! end of each run, on errors and on Ctrl-C).

pub mod page;
pub mod side_by_side;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::report::figures::format_secs;
use crate::run::{self, RunError, RunSettings};
use crate::scenario::Plan;
use crate::scenario::plan::{BundledCache, Metric, TargetKind};

/// The run directories inside the demo's directory.
pub const CACHE_ON_DIR: &str = "cache-on";
pub const CACHE_OFF_DIR: &str = "cache-off";

/// What `stampede demo` was asked to do, free of clap.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The load scenario (its target must be the bundled SalesHub).
    pub scenario: PathBuf,
    /// Measured duration of each of the two runs (`None`: the scenario's own).
    pub duration: Option<Duration>,
    /// Directory holding the two run directories, `cache-on/` and `cache-off/`.
    pub out: PathBuf,
    /// Another seed-data definition for SalesHub (a small one seeds in seconds).
    pub seed_config: Option<PathBuf>,
    /// No live progress.
    pub quiet: bool,
    /// `--dashboard`, `--dashboard-linger`, `--output`: each of the two runs is watched in turn
    /// (on one dashboard: the demo starts it once).
    pub watch: run::watching::WatchSettings,
    /// The `stampede` binary that serves the bundled SalesHub.
    pub exe: PathBuf,
}

/// The two finished runs.
#[derive(Debug)]
pub struct DemoRuns {
    pub cache_on: run::Finished,
    pub cache_off: run::Finished,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the demo needs a scenario whose target is the bundled SalesHub (`[target] bundled = true`); '{0}' has a URL"
    )]
    NotBundled(String),
    #[error("{0}")]
    Run(#[from] RunError),
    #[error("interrupted after the first run: the cache-off run did not start")]
    Interrupted,
}

/// Runs the demo: `plan` as written (cache on), then the same with the cache off, then the table.
pub async fn run_demo(
    plan: Plan,
    options: &DemoOptions,
    cancel: CancellationToken,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<DemoRuns, DemoError> {
    let TargetKind::Bundled(spec) = &plan.target.kind else {
        return Err(DemoError::NotBundled(
            options.scenario.display().to_string(),
        ));
    };
    let mut spec = spec.clone();
    if options.seed_config.is_some() {
        spec.seed_config = options.seed_config.clone();
    }
    if !saleshub::redis_server::is_installed() && spec.cache == BundledCache::Redis {
        let _ = writeln!(
            err,
            "\n*** redis-server is not installed: SalesHub runs with its IN-MEMORY cache. ***\n\
             *** The figures below are not those of a Redis-backed service; install     ***\n\
             *** redis-server (Debian: apt-get install redis-server) for the real thing. ***\n"
        );
    }
    // With the cache off a hit-rate threshold can only fail, and says nothing about the service.
    let with_cache = |cache: BundledCache| {
        let mut plan = plan.clone();
        let mut spec = spec.clone();
        spec.cache = cache;
        plan.target.kind = TargetKind::Bundled(spec);
        if cache == BundledCache::Off {
            plan.thresholds.retain(|t| t.metric != Metric::CacheHitRate);
        }
        plan
    };
    let unchecked: Vec<&str> = plan
        .thresholds
        .iter()
        .filter(|t| t.metric == Metric::CacheHitRate)
        .map(|t| t.expression.as_str())
        .collect();
    let watch =
        match run::watching::share_dashboard(&options.watch, &plan.redact(&plan.name), err).await {
            Ok(watch) => watch,
            Err(e) => return Err(DemoError::Run(e)),
        };
    let run_options = |side: &str| RunSettings {
        out: Some(options.out.join(side)),
        duration: options.duration,
        quiet: options.quiet,
        exe: options.exe.clone(),
        // The final page lingers after the second run only.
        watch: run::watching::WatchSettings {
            linger: if side == "cache-off" {
                watch.linger
            } else {
                Duration::ZERO
            },
            ..watch.clone()
        },
        ..RunSettings::new(options.scenario.clone())
    };
    let full = plan.load.duration();
    let secs = options.duration.unwrap_or(full).as_secs_f64();
    let _ = writeln!(
        out,
        "== 1/2: '{}' for {secs:.0} s against SalesHub with its cache on ({})\n",
        plan.name,
        cache_name(spec.cache)
    );
    if options.duration.is_some_and(|d| d < full) && !plan.thresholds.is_empty() {
        let _ = writeln!(
            out,
            "   The thresholds are the scenario's, set for its full {} run after {} of warm-up; in \
             this shorter demo the cache is still warming up, so a hit-rate threshold may fail here \
             and pass in the full run (`stampede run {}`).\n",
            format_secs(full.as_secs_f64()),
            format_secs(plan.load.warmup.as_secs_f64()),
            options.scenario.display()
        );
    }
    let on = run::run_plan(
        with_cache(spec.cache),
        &run_options(CACHE_ON_DIR),
        cancel.clone(),
        out,
        err,
    )
    .await?;
    if cancel.is_cancelled() {
        return Err(DemoError::Interrupted);
    }
    let _ = writeln!(
        out,
        "\n== 2/2: the same traffic for {secs:.0} s with SalesHub's cache off (every read from SQLite and the search index)"
    );
    if !unchecked.is_empty() {
        let _ = writeln!(
            out,
            "   not checked without a cache: {}",
            unchecked.join(", ")
        );
    }
    let _ = writeln!(out);
    let off = run::run_plan(
        with_cache(BundledCache::Off),
        &run_options(CACHE_OFF_DIR),
        cancel,
        out,
        err,
    )
    .await?;
    let _ = writeln!(
        out,
        "\n== What the cache buys: all requests, cache on vs off\n{}",
        side_by_side::comparison_table(&on.result, &off.result)
    );
    let _ = writeln!(
        out,
        "runs: {} and {}",
        on.results_path.display(),
        off.results_path.display()
    );
    match write_page(&options.out, &on.result, &off.result) {
        Ok(link) => {
            let _ = writeln!(out, "\nboth runs on one page: {link}");
        }
        Err(e) => {
            let _ = writeln!(err, "warning: {e}");
        }
    }
    Ok(DemoRuns {
        cache_on: on,
        cache_off: off,
    })
}

/// Writes the demo's page into `dir` and returns its `file://` link.
fn write_page(
    dir: &Path,
    on: &crate::model::RunResult,
    off: &crate::model::RunResult,
) -> Result<String, crate::report::ReportError> {
    let path = dir.join(page::PAGE_FILE);
    let html = page::render_page(on, off, CACHE_ON_DIR, CACHE_OFF_DIR);
    crate::report::write_file(&path, &html)?;
    let absolute = std::path::absolute(&path).unwrap_or(path);
    Ok(format!("file://{}", absolute.display()))
}

fn cache_name(cache: BundledCache) -> &'static str {
    match cache {
        BundledCache::Redis if saleshub::redis_server::is_installed() => "a private redis-server",
        BundledCache::Redis | BundledCache::Memory => "the in-memory cache",
        BundledCache::Off => "no cache",
    }
}
