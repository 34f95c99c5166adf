//! The open model (arrival rate): journey iterations start when the [`Pacer`] says, whatever the
//! target's latency, so a slow target cannot slow the load down (no coordinated omission).
//!
//! - One scheduler (this task) computes each arrival's intended start and hands it to a lane
//!   round-robin; lanes run the iterations concurrently (see [`super::lane`]).
//! - At most `max_in_flight` iterations run at once; a start that finds the cap reached is not
//!   issued and is counted as *dropped*.
//! - Every scheduled start's lag (actual dispatch − intended start) goes to the recorder; the first
//!   request of an iteration is timed from its intended start (`latency_us`) and from its actual
//!   send (`send_latency_us`); later steps of the iteration from their send.
//! - Warm-up arrivals run at the profile's starting rate and are not recorded or counted.
//! - At the end, iterations in flight are awaited (each is bounded by the request timeout) so every
//!   request sent is recorded; on `cancel` they are dropped at once.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::context::{EngineContext, EngineError, EngineSummary};
use super::journey::{JourneyRunner, Variables};
use super::lane::{LaneSink, lane_count, prepare};
use super::pacer::Pacer;
use crate::metrics::LocalRecorder;
use crate::scenario::plan::LoadModel;

/// One start handed to a lane.
struct Arrival {
    index: u64,
    intended: Instant,
    /// False during warm-up.
    record: bool,
}

/// Counters shared by the scheduler and the lanes.
#[derive(Default)]
struct Counters {
    in_flight: AtomicUsize,
    /// Recorded iterations completed.
    completed: AtomicU64,
}

/// Runs the plan's open model against `ctx.base_url`.
pub async fn run_open(ctx: &EngineContext) -> Result<EngineSummary, EngineError> {
    let LoadModel::Open {
        stages,
        max_in_flight,
    } = &ctx.plan.load.model
    else {
        return Err(EngineError::WrongModel {
            engine: "open",
            model: ctx.plan.load.model.name(),
        });
    };
    let max_in_flight = (*max_in_flight).max(1) as usize;
    let (runner, base, warnings) =
        prepare(ctx, max_in_flight.min(10_000), Some(max_in_flight)).await?;
    let warmup = ctx.plan.load.warmup;
    let pacer = Pacer::with_warmup(warmup, stages);

    let counters = Arc::new(Counters::default());
    let mut senders = Vec::new();
    let mut lanes = Vec::new();
    for _ in 0..lane_count() {
        let (tx, rx) = mpsc::unbounded_channel();
        senders.push(tx);
        lanes.push(tokio::spawn(lane(
            runner.clone(),
            base.clone(),
            rx,
            ctx.recorder.local(),
            counters.clone(),
            ctx.cancel.clone(),
        )));
    }

    // The measured phase starts when the recorder's clock says (its windows count from there);
    // arrivals the setup delayed past their intended time go out at once, their lag recorded.
    let measure_from = ctx.recorder.started();
    let start = measure_from.checked_sub(warmup).unwrap_or(measure_from);
    let end = start + pacer.duration();
    let (mut scheduled, mut dropped) = (0u64, 0u64);
    let mut last_load: Option<Instant> = None;
    let mut cancelled = false;
    let mut n = 0u64;
    while let Some(offset) = pacer.offset_with_phase(n, ctx.arrival_phase) {
        let intended = start + offset;
        if intended > Instant::now() {
            tokio::select! {
                biased;
                _ = ctx.cancel.cancelled() => { cancelled = true; break; }
                _ = tokio::time::sleep_until(intended.into()) => {}
            }
        } else if n.is_multiple_of(64) {
            // Behind schedule: catch up, but let other tasks (and a Ctrl-C) in now and then.
            if ctx.cancel.is_cancelled() {
                cancelled = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        let now = Instant::now();
        let record = intended >= measure_from;
        if record {
            scheduled += 1;
            ctx.recorder.add_scheduled(1);
            ctx.recorder
                .record_lag_us(now.saturating_duration_since(intended).as_micros() as u64);
            if last_load.is_none_or(|t| now - t >= Duration::from_millis(100)) {
                ctx.recorder.set_load(pacer.rate_at(now - start));
                last_load = Some(now);
            }
        }
        if counters.in_flight.load(Ordering::Acquire) >= max_in_flight {
            if record {
                dropped += 1;
                ctx.recorder.add_dropped(1);
            }
        } else {
            counters.in_flight.fetch_add(1, Ordering::AcqRel);
            let lane = (n % senders.len() as u64) as usize;
            let _ = senders[lane].send(Arrival {
                index: n,
                intended,
                record,
            });
        }
        n += 1;
    }
    if !cancelled {
        // The last arrival may come before the planned end: hold the profile's full length.
        tokio::select! {
            _ = ctx.cancel.cancelled() => cancelled = true,
            _ = tokio::time::sleep_until(end.into()) => {}
        }
    }
    let measured = Instant::now()
        .min(end)
        .saturating_duration_since(measure_from);
    drop(senders);
    let drain = runner.client().timeout() + Duration::from_secs(1);
    finish_lanes(lanes, drain, &ctx.cancel).await;
    ctx.recorder.set_load(0.0);
    Ok(EngineSummary {
        measured,
        scheduled,
        dropped,
        iterations: counters.completed.load(Ordering::Acquire),
        cancelled: cancelled || ctx.cancel.is_cancelled(),
        warnings,
    })
}

/// Waits for the lanes to finish what is in flight, at most `drain`, or until `cancel`.
pub(crate) async fn finish_lanes(
    lanes: Vec<tokio::task::JoinHandle<()>>,
    drain: Duration,
    cancel: &CancellationToken,
) {
    let aborts: Vec<_> = lanes.iter().map(|l| l.abort_handle()).collect();
    let all = futures_util::future::join_all(lanes);
    tokio::select! {
        _ = all => {}
        _ = tokio::time::sleep(drain) => aborts.iter().for_each(|a| a.abort()),
        _ = cancel.cancelled() => aborts.iter().for_each(|a| a.abort()),
    }
}

async fn lane(
    runner: Arc<JourneyRunner>,
    base: Variables,
    mut rx: mpsc::UnboundedReceiver<Arrival>,
    rec: LocalRecorder,
    counters: Arc<Counters>,
    cancel: CancellationToken,
) {
    let rec = Mutex::new(rec);
    let mut running = FuturesUnordered::new();
    let iteration = |a: Arrival| {
        let (runner, base, rec, counters) = (&runner, &base, &rec, &counters);
        async move {
            let mut user = runner.user_with(base.clone(), a.index);
            let journey = runner.pick_journey(&mut user);
            let mut sink = LaneSink { rec, on: a.record };
            runner
                .run_iteration(&mut user, journey, Some(a.intended), &mut sink)
                .await;
            counters.in_flight.fetch_sub(1, Ordering::AcqRel);
            if a.record {
                counters.completed.fetch_add(1, Ordering::AcqRel);
            }
        }
    };
    loop {
        tokio::select! {
            Some(()) = running.next(), if !running.is_empty() => {}
            arrival = rx.recv() => match arrival {
                Some(a) => running.push(iteration(a)),
                None => break,
            },
            _ = cancel.cancelled() => return,
        }
    }
    tokio::select! {
        _ = async { while running.next().await.is_some() {} } => {}
        _ = cancel.cancelled() => {}
    }
    drop(running);
    rec.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .flush();
}
