//! Setting up what watches a command live (`--dashboard`, `--output` and the scenario's `output`
//! key) and closing it: the dashboard starts before the load so its URL can be opened at once,
//! and after the run it shows the final result and its report for `--dashboard-linger`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::RunError;
use crate::live::{Dashboard, LiveSpec, RunLabels};
use crate::model::RunResult;
use crate::scenario::Plan;
use crate::scenario::output::OutputTarget;

/// What the command line asks to watch.
#[derive(Debug, Clone, Default)]
pub struct WatchSettings {
    /// `--dashboard [ADDR]`: serve the live page on this address.
    pub dashboard: Option<SocketAddr>,
    /// `--dashboard-linger`: keep serving the final page this long after the run.
    pub linger: Duration,
    /// `--output KIND=URL`, added to the scenario's `output`.
    pub outputs: Vec<OutputTarget>,
    /// A dashboard already serving, used instead of starting one (the demo's two runs share
    /// one page).
    pub running: Option<Arc<Dashboard>>,
}

impl PartialEq for WatchSettings {
    fn eq(&self, other: &WatchSettings) -> bool {
        self.dashboard == other.dashboard
            && self.linger == other.linger
            && self.outputs == other.outputs
            && self.running.as_ref().map(|d| d.url()) == other.running.as_ref().map(|d| d.url())
    }
}

/// `settings` with its dashboard started now (its URL on `err`), so several runs share it;
/// unchanged without one.
pub async fn share_dashboard(
    settings: &WatchSettings,
    title: &str,
    err: &mut dyn Write,
) -> Result<WatchSettings, RunError> {
    let mut shared = settings.clone();
    if let (Some(addr), None) = (settings.dashboard, &settings.running) {
        let dashboard = bind(addr, title).await?;
        let _ = writeln!(err, "dashboard: {}", dashboard.url());
        shared.running = Some(Arc::new(dashboard));
    }
    Ok(shared)
}

async fn bind(addr: SocketAddr, title: &str) -> Result<Dashboard, RunError> {
    Dashboard::start(addr, title).await.map_err(|e| {
        RunError::Usage(format!(
            "--dashboard {addr}: cannot listen there ({e}); give another address, or \
             127.0.0.1:0 for any free port"
        ))
    })
}

/// Starts the dashboard (its URL on `err`) and gathers the outputs; `None` when nothing watches.
/// `run_dir` names the run in the outputs' `run_id` label.
pub async fn start(
    plan: &Plan,
    settings: &WatchSettings,
    run_dir: &Path,
    segment: Option<String>,
    err: &mut dyn Write,
) -> Result<Option<LiveSpec>, RunError> {
    let mut outputs = plan.outputs.clone();
    for o in &settings.outputs {
        if !outputs.contains(o) {
            outputs.push(o.clone());
        }
    }
    let scenario = plan.redact(&plan.name);
    // A shared dashboard's URL was printed by whoever started it.
    let dashboard = match (&settings.running, settings.dashboard) {
        (Some(running), _) => Some(Arc::clone(running)),
        (None, Some(addr)) => {
            let dashboard = bind(addr, &scenario).await?;
            let _ = writeln!(err, "dashboard: {}", dashboard.url());
            Some(Arc::new(dashboard))
        }
        (None, None) => None,
    };
    for o in &outputs {
        let _ = writeln!(err, "output: {o} (once a second)");
    }
    let spec = LiveSpec {
        dashboard,
        outputs,
        labels: RunLabels {
            scenario,
            run_id: run_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            segment: segment.unwrap_or_else(|| "1/1".into()),
            side: String::new(),
        },
        phase: "measured phase".into(),
    };
    Ok((!spec.is_empty()).then_some(spec))
}

/// Shows `result` (and its report) as the dashboard's last frame and keeps serving it for the
/// linger time, or until Ctrl-C.
pub async fn end(
    live: Option<&LiveSpec>,
    result: &RunResult,
    report: Option<&Path>,
    settings: &WatchSettings,
    cancel: &CancellationToken,
    err: &mut dyn Write,
) {
    let Some(dashboard) = live.and_then(|l| l.dashboard.as_ref()) else {
        return;
    };
    dashboard.show_final(result, report);
    if !settings.linger.is_zero() && !cancel.is_cancelled() {
        let _ = writeln!(
            err,
            "dashboard: the final page stays at {} for {} (Ctrl-C ends it)",
            dashboard.url(),
            humantime::format_duration(settings.linger)
        );
        dashboard.linger(settings.linger, cancel).await;
    }
}
