//! The throughput model (capacity, like wrk and oha): `connections` connections carry journey
//! iterations back to back (no think time) as fast as the target answers, on the same request path
//! as the open model. Over HTTP/1.1 each connection is one worker's; over HTTP/2 each carries
//! `max_streams` workers, one stream each (like `h2load -c connections -m max_streams`). The
//! connections, and their workers, are spread over the lanes (one task, one recorder and one
//! pool of HTTP/2 connections per runtime thread, see [`super::lane`]).
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
use super::lane::{LaneSink, Prepared, lane_count, on_own_thread, prepare};
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
    let Prepared {
        runner,
        base,
        warnings,
        streams,
    } = prepare(ctx).await?;
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
    let mut first_worker = 0;
    for lane_index in 0..n_lanes {
        // The lane's share of the connections, and the workers that fill them.
        let lane_connections =
            connections / n_lanes + u64::from(lane_index < connections % n_lanes);
        let n_workers = lane_connections * streams as u64;
        if n_workers == 0 {
            continue;
        }
        let workers: Vec<u64> = (first_worker..first_worker + n_workers).collect();
        first_worker += n_workers;
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
    let pool = runner.client().pool();
    let worker = |index: u64| {
        let (runner, base, rec, completed, pool) = (&runner, &base, &rec, &completed, &pool);
        async move {
            let mut user = runner.user_with(base.clone(), index);
            user.conn_mut().share(pool);
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
