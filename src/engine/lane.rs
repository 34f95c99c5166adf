//! Lanes: how the open and throughput models spread concurrent journeys over the machine without a
//! recorder per journey. A lane is one task owning one `LocalRecorder` and polling many journeys at
//! once (a `FuturesUnordered`), like one wrk thread driving many connections. There are as many
//! lanes as runtime worker threads, each on a thread of its own ([`on_own_thread`]), so recording
//! never contends: the mutex around a lane's recorder is only ever taken by that lane's own task.

use std::sync::Mutex;

use super::step::SampleSink;
use crate::metrics::LocalRecorder;
use crate::metrics::Sample;
use crate::model::Protocol;

/// One lane per runtime worker thread.
pub(crate) fn lane_count() -> usize {
    tokio::runtime::Handle::try_current()
        .map(|h| h.metrics().num_workers())
        .unwrap_or(1)
        .max(1)
}

/// A lane's recorder as seen by one of its journeys; `on: false` discards (warm-up).
pub(crate) struct LaneSink<'a> {
    pub rec: &'a Mutex<LocalRecorder>,
    pub on: bool,
}

impl SampleSink for LaneSink<'_> {
    fn record(&mut self, sample: &Sample) {
        if self.on {
            self.rec
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .record(sample);
        }
    }
}

/// What the open and throughput models start from, once the setup journeys ran.
pub(crate) struct Prepared {
    pub runner: std::sync::Arc<super::journey::JourneyRunner>,
    /// The variables every arrival or worker starts from (`[variables]` and what the setup
    /// journeys extracted).
    pub base: super::journey::Variables,
    /// A warning when the setup failed.
    pub warnings: Vec<String>,
    /// Workers per connection: 1 for HTTP/1.1, `[target] max_streams` when the target speaks
    /// HTTP/2 (the workers of a lane then share connections, see [`super::share`]).
    pub streams: usize,
}

/// What the open and throughput models do before any load: build the runner, run the setup
/// journeys once (recorded: they are real requests), make the cookies they received every jar's
/// start, and learn the protocol the target speaks.
pub(crate) async fn prepare(
    ctx: &super::context::EngineContext,
) -> Result<Prepared, super::context::EngineError> {
    let client = super::client::HttpClient::for_target(&ctx.plan.target)?;
    let mut runner = super::journey::JourneyRunner::new(ctx.plan.clone(), client, &ctx.base_url)?;
    let mut warnings = Vec::new();
    let mut setup_user = runner.user(0);
    let mut rec = ctx.recorder.local();
    let report = tokio::select! {
        r = runner.run_setup(&mut setup_user, &mut rec) => r,
        _ = ctx.cancel.cancelled() => Default::default(),
    };
    rec.flush();
    if report.failures > 0 {
        warnings.push(format!(
            "the setup journeys failed ({} of {} requests): steps using what they extract will fail",
            report.failures, report.requests
        ));
    }
    runner.seed_cookies(setup_user.jar().clone());
    let streams = match runner.client().protocol(runner.base_url()).await {
        Some(Protocol::Http2) => runner.client().max_streams(),
        _ => 1,
    };
    Ok(Prepared {
        base: setup_user.variables(),
        runner: std::sync::Arc::new(runner),
        warnings,
        streams,
    })
}

/// Runs a lane on a thread of its own with a single-threaded runtime, like a wrk thread: no work
/// stealing, no wake-ups across threads, timers and sockets local to the thread. On this 2-core
/// machine that is worth about 10% of throughput over tasks on the shared multi-threaded runtime.
/// The receiver gets the lane's output (nothing when the thread could not start).
pub(crate) fn on_own_thread<T: Send + 'static>(
    index: u64,
    lane: impl Future<Output = T> + Send + 'static,
) -> tokio::sync::oneshot::Receiver<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("stampede-lane-{index}"))
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => {
                    let _ = tx.send(rt.block_on(lane));
                }
                Err(e) => eprintln!("stampede: cannot start a load thread: {e}"),
            }
        });
    if let Err(e) = spawned {
        eprintln!("stampede: cannot start a load thread: {e}");
    }
    rx
}
