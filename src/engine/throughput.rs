//! The throughput model (capacity, like wrk and oha): `connections` workers, each with its own
//! keep-alive connection, run journey iterations back to back (no think time) as fast as the target
//! answers, on the same request path as the open model. Workers are spread over the lanes (one task
//! and one recorder per runtime thread, see [`super::lane`]).
//!
//! Warm-up iterations (those starting before the warm-up ends) are not recorded. A worker starts no
//! iteration after the measured end; the ones in flight then are awaited (bounded by the request
//! timeout) so every request sent is recorded. `cancel` drops everything at once.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio_util::sync::CancellationToken;

use super::context::{EngineContext, EngineError, EngineSummary};
use super::journey::{JourneyRunner, Variables};
use super::lane::{LaneSink, lane_count, on_own_thread, prepare};
use crate::metrics::LocalRecorder;
use crate::scenario::plan::LoadModel;

/// Runs the plan's throughput model against `ctx.base_url`.
pub async fn run_throughput(ctx: &EngineContext) -> Result<EngineSummary, EngineError> {
    let LoadModel::Throughput {
        connections,
        duration,
    } = &ctx.plan.load.model
    else {
        return Err(EngineError::WrongModel {
            engine: "throughput",
            model: ctx.plan.load.model.name(),
        });
    };
    let connections = (*connections).max(1) as u64;
    let (runner, base, warnings) = prepare(ctx).await?;
    // Ready: the warm-up begins at the start gate.
    ctx.start.wait(&ctx.cancel).await;
    // Measured from the recorder's start, so its windows and this engine agree on the timeline.
    let measure_from = ctx.recorder.started().max(Instant::now());
    let end = measure_from + *duration;
    let completed = Arc::new(AtomicU64::new(0));
    let n_lanes = lane_count() as u64;
    let window = Window {
        measure_from,
        end,
        hard_stop: end + runner.client().timeout() + Duration::from_secs(1),
    };
    ctx.recorder.set_load(connections as f64);
    let mut lanes = Vec::new();
    for lane_index in 0..n_lanes {
        let workers: Vec<u64> = (0..connections)
            .filter(|w| w % n_lanes == lane_index)
            .collect();
        let lane = lane(
            runner.clone(),
            base.clone(),
            workers,
            ctx.recorder.local(),
            window,
            completed.clone(),
            ctx.cancel.clone(),
        );
        lanes.push(on_own_thread(lane_index, lane));
    }
    for lane in lanes {
        let _ = lane.await;
    }
    ctx.recorder.set_load(0.0);
    let measured = Instant::now()
        .min(end)
        .saturating_duration_since(measure_from);
    Ok(EngineSummary {
        measured,
        scheduled: 0,
        dropped: 0,
        iterations: completed.load(Ordering::Acquire),
        cancelled: ctx.cancel.is_cancelled(),
        warnings,
    })
}

#[derive(Clone, Copy)]
struct Window {
    measure_from: Instant,
    end: Instant,
    /// Requests still in flight then are abandoned (they are bounded by the timeout anyway).
    hard_stop: Instant,
}

async fn lane(
    runner: Arc<JourneyRunner>,
    base: Variables,
    workers: Vec<u64>,
    rec: LocalRecorder,
    window: Window,
    completed: Arc<AtomicU64>,
    cancel: CancellationToken,
) {
    let rec = Mutex::new(rec);
    let worker = |index: u64| {
        let (runner, base, rec, completed) = (&runner, &base, &rec, &completed);
        async move {
            let mut user = runner.user_with(base.clone(), index);
            let mut done = 0u64;
            loop {
                let now = Instant::now();
                if now >= window.end {
                    break;
                }
                let on = now >= window.measure_from;
                let journey = runner.pick_journey(&mut user);
                let mut sink = LaneSink { rec, on };
                runner
                    .run_iteration(&mut user, journey, None, &mut sink)
                    .await;
                done += u64::from(on);
            }
            completed.fetch_add(done, Ordering::AcqRel);
        }
    };
    let mut running: FuturesUnordered<_> = workers.into_iter().map(worker).collect();
    tokio::select! {
        _ = async { while running.next().await.is_some() {} } => {}
        _ = cancel.cancelled() => {}
        _ = tokio::time::sleep_until(window.hard_stop.into()) => {}
    }
    drop(running);
    rec.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .flush();
}
