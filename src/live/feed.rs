//! The once-a-second task of a measured phase: it takes the recorder's snapshot (the windows closed
//! since the last tick and the whole-run counters), adds the newest resource sample, hands the
//! points to each metric output and, while someone watches, renders the dashboard's frame. At the
//! end [`LiveFeed::finish`] sends the outputs the final figures (the very ones results.json is
//! built from) and returns the outputs' warnings.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::history::History;
use super::outputs::series::run_labels;
use super::outputs::{Figures, Sink, points};
use super::{Dashboard, LiveSpec};
use crate::metrics::{Recorded, Recorder};
use crate::model::{Environment, ResourceSample, TargetInfo};
use crate::probe::LatestServerCache;
use crate::results::{ResultInputs, build_result};
use crate::scenario::Plan;

/// How often the feed runs: the recorder closes one window a second.
const EVERY: Duration = Duration::from_secs(1);

/// What a measured phase gives the feed.
pub struct FeedInputs {
    pub plan: Arc<Plan>,
    pub recorder: Recorder,
    /// Where the resource sampler publishes its newest sample.
    pub resources: Arc<Mutex<Option<ResourceSample>>>,
    /// Where the cache scraper publishes the server's hits and misses so far (stays empty when the
    /// target's `/metrics` is not scraped).
    pub server_cache: LatestServerCache,
    /// The target's base URL (redacted before anything shows it).
    pub base_url: String,
    /// Wall-clock start of the measured phase.
    pub started_at: SystemTime,
    /// Planned length of the measured phase.
    pub planned: Duration,
    /// What this phase is, for the page's status line (e.g. "trial 3 of 8, side B").
    pub phase: String,
}

/// The running feed of one measured phase.
pub struct LiveFeed {
    stop: CancellationToken,
    task: JoinHandle<State>,
}

struct State {
    inputs: FeedInputs,
    dashboard: Option<Arc<Dashboard>>,
    sinks: Vec<Sink>,
    history: History,
    environment: Option<Environment>,
}

impl LiveFeed {
    /// Starts feeding `spec`'s dashboard and outputs; `None` when the spec has neither. Outputs
    /// that cannot be set up are reported in `warnings` (the run goes on without them).
    pub fn start(
        spec: &LiveSpec,
        inputs: FeedInputs,
        warnings: &mut Vec<String>,
    ) -> Option<LiveFeed> {
        if spec.is_empty() {
            return None;
        }
        let run_labels = run_labels(&spec.labels);
        let sinks = spec
            .outputs
            .iter()
            .filter_map(|o| {
                Sink::new(o, run_labels.clone(), inputs.started_at)
                    .map_err(|e| warnings.push(e))
                    .ok()
            })
            .collect();
        let mut state = State {
            inputs,
            dashboard: spec.dashboard.clone(),
            sinks,
            history: History::default(),
            environment: None,
        };
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let mut interval = tokio::time::interval(EVERY);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => state.tick(),
                    () = stopped.cancelled() => break,
                }
            }
            state
        });
        Some(LiveFeed { stop, task })
    }

    /// Stops the feed and sends every output the final figures; returns their warnings.
    pub async fn finish(self, recorded: &Recorded, resources: &[ResourceSample]) -> Vec<String> {
        self.stop.cancel();
        let Ok(state) = self.task.await else {
            return vec!["the live feed failed; the live outputs miss the final figures".into()];
        };
        let figures = Figures {
            recorded,
            last_window: recorded.windows.last(),
            load: recorded.windows.last().map_or(0.0, |w| w.load),
            resources: resources.last(),
        };
        let points = points(&figures);
        let mut warnings = Vec::new();
        for sink in state.sinks {
            warnings.extend(sink.finish(&points).await);
        }
        warnings
    }
}

impl State {
    fn tick(&mut self) {
        let recorder = &self.inputs.recorder;
        let snapshot = recorder.snapshot(self.history.seen);
        self.history.add_windows(snapshot.windows.clone());
        let latest = self
            .inputs
            .resources
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        self.history.add_resource(latest.clone());
        if !self.sinks.is_empty() {
            let figures = Figures {
                recorded: &snapshot,
                last_window: self.history.windows.last(),
                load: recorder.progress().load,
                resources: latest.as_ref(),
            };
            let points = points(&figures);
            for sink in &mut self.sinks {
                sink.push(&points);
            }
        }
        if let Some(dashboard) = self.dashboard.clone()
            && dashboard.has_viewers()
        {
            self.render(&dashboard, snapshot);
        }
    }

    /// Renders the page's frame of the run so far: a result built like the final one (thresholds
    /// evaluated, secrets redacted) from the snapshot and the kept history.
    fn render(&mut self, dashboard: &Dashboard, mut snapshot: Recorded) {
        let inputs = &self.inputs;
        let elapsed = snapshot.elapsed;
        snapshot.windows = self.history.windows.clone();
        let environment = self
            .environment
            .get_or_insert_with(crate::results::detect_environment)
            .clone();
        let built = build_result(ResultInputs {
            plan: &inputs.plan,
            recorded: snapshot,
            target: TargetInfo {
                url: inputs.plan.redact(&inputs.base_url),
                bundled: false,
                cache_backend: None,
                notes: Vec::new(),
            },
            environment,
            started_at: inputs.started_at,
            ended_at: SystemTime::now(),
            duration: Some(elapsed.max(Duration::from_millis(1))),
            interrupted: false,
            invalid_reasons: Vec::new(),
            warnings: Vec::new(),
            resources: self.history.resources.clone(),
            server_cache: inputs
                .server_cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        });
        match built {
            Ok(result) => dashboard.show_progress(&result, &inputs.phase, elapsed, inputs.planned),
            Err(e) => dashboard.show_message(&format!("cannot draw this second: {e}")),
        }
    }
}
