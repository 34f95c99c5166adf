//! The open model (arrival rate): journey iterations start when the [`Pacer`] says, whatever the
//! target's latency, so a slow target cannot slow the load down (no coordinated omission).
//!
//! - The schedule is dealt over the lanes (see [`super::lane`]: one thread, one recorder, one set
//!   of connections each): lane `k` of `L` starts arrivals `k`, `k + L`, `k + 2L`, ... at their
//!   intended times. Nothing crosses threads per arrival: no channel, no shared lock, no shared
//!   connection pool, which is what lets the open model keep up with the throughput model.
//! - An arrival is queued in its lane and run by one of the lane's workers: long-lived journey
//!   runners, each with a connection of its own (over HTTP/2, a seat on one of the lane's shared
//!   connections: `max_streams` workers per connection), restarting its user for every arrival.
//!   No future and no user is built per arrival (that alone cost as much as the request itself),
//!   and no connection is leased per request. The lane's [`Crew`] says how many workers there are: the
//!   scenario's `connections`, opened before the load, or as many as the target needs while it
//!   answers (arrivals queue for a worker while it is stalled).
//! - At most `max_in_flight` iterations are queued or running at once (split evenly over the
//!   lanes); a start that finds its lane's share reached is not issued and is counted as
//!   *dropped*.
//! - Every scheduled start's lag (actual dispatch − intended start) goes to the recorder; the first
//!   request of an iteration is timed from its intended start (`latency_us`) and from its actual
//!   send (`send_latency_us`); later steps of the iteration from their send.
//! - The setup journeys run first; then the engine waits at the context's start gate (`--start-at`)
//!   and the schedule's offset 0 is the gate's planned instant.
//! - Warm-up arrivals run at the profile's starting rate and are not recorded or counted.
//! - At the end, iterations in flight are awaited (each is bounded by the request timeout) so every
//!   request sent is recorded; on `cancel` they are dropped at once.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::alarm::Alarm;
use super::context::{EngineContext, EngineError, EngineSummary};
use super::crew::{Crew, Hire, MAX_OPENING};
use super::journey::{JourneyRunner, Variables};
use super::lane::{LaneSink, Prepared, lane_count, on_own_thread, prepare};
use super::pacer::Pacer;
use crate::metrics::{LocalRecorder, Recorder};
use crate::scenario::plan::LoadModel;

/// Arrivals a lane starts in one pass before it lets its iterations (and a Ctrl-C) in.
const BURST: u32 = 256;

/// Without `connections`, workers a lane hires (and connects) before its first arrival: enough for
/// what the starting rate sends in this long (e.g. 20 at 5,000/s per lane).
const PREFILL_FOR: Duration = Duration::from_millis(4);

/// How long a lane waits at most for its first workers to connect before it starts the schedule
/// (the rest go on connecting and join when they can).
const PREFILL_WAIT: Duration = Duration::from_millis(50);

/// The alarm wakes a lane at most this often. Below that rate (per lane) every arrival goes out
/// at its time to the microsecond; above it arrivals go out in small batches, up to this late,
/// unless a wake-up for the lane's sockets came first. A wake-up per arrival cost as much CPU as
/// the request itself at tens of thousands of arrivals per second.
const ALARM_GAP: Duration = Duration::from_micros(100);

/// How often the scheduled rate shown as the load is updated.
const LOAD_EVERY: Duration = Duration::from_millis(100);

/// How often a lane adds its scheduled and dropped starts to the recorder's counters (shared by
/// every lane: adding on every pass made the lanes fight over one cache line), and at its end.
const PUBLISH_EVERY: Duration = Duration::from_millis(10);

/// The longest a lane's tokio timer wheel is left without a deadline of its own. Every request
/// arms a timeout; when the wheel held nothing earlier, tokio wakes its driver for it (a write to
/// an eventfd, then a wasted pass through `epoll_wait`), which at a moderate rate and a fast target
/// happened for a quarter of all requests. A heartbeat due sooner than any request timeout keeps
/// that from happening.
const HEARTBEAT_MAX: Duration = Duration::from_secs(1);

/// The timeline every lane follows.
struct Schedule {
    pacer: Pacer,
    /// When the warm-up starts (offset 0 of the pacer).
    start: Instant,
    /// When the measured phase starts: arrivals before it are warm-up.
    measure_from: Instant,
    /// The profile's end: lanes hold until then.
    end: Instant,
    /// In-flight iterations may finish until `end + drain`.
    drain: Duration,
    /// `--segment`: the fraction of an arrival this worker's schedule is shifted by.
    phase: f64,
}

impl Schedule {
    fn intended(&self, n: u64) -> Option<Instant> {
        self.pacer
            .offset_with_phase(n, self.phase)
            .map(|offset| self.start + offset)
    }
}

/// One start, queued in its lane.
struct Arrival {
    index: u64,
    intended: Instant,
    /// False during warm-up.
    record: bool,
}

/// A lane's arrivals waiting for a worker. Only the lane's own thread touches it, so the lock
/// is never contended.
#[derive(Default)]
struct ArrivalQueue {
    items: Mutex<VecDeque<Arrival>>,
    ready: Notify,
}

impl ArrivalQueue {
    fn push(&self, a: Arrival) {
        self.items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push_back(a);
        self.ready.notify_one();
    }

    /// Arrivals waiting, and the intended start of the oldest.
    fn waiting(&self) -> (usize, Option<Instant>) {
        let items = self
            .items
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (items.len(), items.front().map(|a| a.intended))
    }

    /// The next arrival, waiting for one.
    async fn next(&self) -> Arrival {
        loop {
            let popped = self
                .items
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .pop_front();
            match popped {
                Some(a) => return a,
                None => self.ready.notified().await,
            }
        }
    }
}

/// What a lane did.
#[derive(Debug, Default, Clone, Copy)]
struct LaneTotals {
    scheduled: u64,
    dropped: u64,
    completed: u64,
}

/// Runs the plan's open model against `ctx.base_url`.
pub async fn run_open(ctx: &EngineContext) -> Result<EngineSummary, EngineError> {
    let LoadModel::Open {
        stages,
        max_in_flight,
        connections,
    } = &ctx.plan.load.model
    else {
        return Err(EngineError::WrongModel {
            engine: "open",
            model: ctx.plan.load.model.name(),
        });
    };
    let Prepared {
        runner,
        base,
        warnings,
        streams,
    } = prepare(ctx).await?;
    // Ready: the load begins at the start gate (a Ctrl-C meanwhile stops the lanes at once).
    ctx.start.wait(&ctx.cancel).await;
    let warmup = ctx.plan.load.warmup;
    // The measured phase starts when the recorder's clock says (its windows count from there);
    // arrivals the setup delayed past their intended time go out at once, their lag recorded.
    let measure_from = ctx.recorder.started();
    let start = measure_from.checked_sub(warmup).unwrap_or(measure_from);
    let pacer = Pacer::with_warmup(warmup, stages);
    let end = start + pacer.duration();
    let schedule = Arc::new(Schedule {
        pacer,
        start,
        measure_from,
        end,
        drain: runner.client().timeout() + Duration::from_secs(1),
        phase: ctx.arrival_phase,
    });

    let n_lanes = lane_count() as u64;
    let caps = split(u64::from(*max_in_flight).max(1), n_lanes);
    // Over HTTP/2 each connection seats `streams` workers.
    let crews = connections.map(|c| {
        split(u64::from(c), n_lanes)
            .into_iter()
            .map(|n| n * streams as u64)
            .collect::<Vec<_>>()
    });
    let lanes: Vec<_> = caps
        .into_iter()
        .enumerate()
        .map(|(k, cap)| {
            let lane = Lane {
                index: k as u64,
                stride: n_lanes,
                cap: cap as usize,
                connections: crews.as_ref().map(|c| c[k] as usize),
                runner: runner.clone(),
                base: base.clone(),
                schedule: schedule.clone(),
                recorder: ctx.recorder.clone(),
                cancel: ctx.cancel.clone(),
            };
            on_own_thread(k as u64, lane.run())
        })
        .collect();
    let mut totals = LaneTotals::default();
    for lane in lanes {
        let t = lane.await.unwrap_or_default();
        totals.scheduled += t.scheduled;
        totals.dropped += t.dropped;
        totals.completed += t.completed;
    }
    ctx.recorder.set_load(0.0);
    let measured = Instant::now()
        .min(end)
        .saturating_duration_since(measure_from);
    Ok(EngineSummary {
        measured,
        scheduled: totals.scheduled,
        dropped: totals.dropped,
        iterations: totals.completed,
        cancelled: ctx.cancel.is_cancelled(),
        warnings,
    })
}

/// `total` split into `parts` shares that differ by at most one, none below one.
fn split(total: u64, parts: u64) -> Vec<u64> {
    (0..parts)
        .map(|k| (total / parts + u64::from(k < total % parts)).max(1))
        .collect()
}

/// One lane of the open model: its share of the schedule, its iterations, its connections.
struct Lane {
    index: u64,
    /// The number of lanes: this lane starts every `stride`-th arrival.
    stride: u64,
    /// In-flight iterations allowed in this lane.
    cap: usize,
    /// This lane's share of the scenario's fixed `connections`, if given.
    connections: Option<usize>,
    runner: Arc<JourneyRunner>,
    base: Variables,
    schedule: Arc<Schedule>,
    recorder: Recorder,
    cancel: CancellationToken,
}

impl Lane {
    async fn run(self) -> LaneTotals {
        let schedule = &*self.schedule;
        let rec = Mutex::new(self.recorder.local());
        let crew = match self.connections {
            Some(n) => Crew::new(n, true),
            None => Crew::new(self.cap, false),
        };
        let queue = ArrivalQueue::default();
        // Arrivals queued or being run.
        let in_flight = AtomicUsize::new(0);
        let completed = AtomicU64::new(0);
        let pool = self.runner.client().pool();
        let hire = |w: u64| {
            let (runner, rec, queue, crew) = (&self.runner, &rec, &queue, &crew);
            let (in_flight, completed) = (&in_flight, &completed);
            let mut user = runner.user_with(self.base.clone(), w);
            user.conn_mut().share(&pool);
            async move {
                // A failed connect is not recorded here: the first request tries again and
                // records what happens.
                let _ = runner
                    .client()
                    .open(user.conn_mut(), runner.base_url())
                    .await;
                crew.connected();
                loop {
                    crew.waiting();
                    let a = queue.next().await;
                    crew.picked();
                    let picked = Instant::now();
                    user.restart(a.index);
                    let journey = runner.pick_journey(&mut user);
                    let mut sink = LaneSink { rec, on: a.record };
                    runner
                        .run_iteration(&mut user, journey, Some(a.intended), &mut sink)
                        .await;
                    crew.finished(picked.elapsed());
                    in_flight.fetch_sub(1, Ordering::Relaxed);
                    if a.record {
                        completed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        };
        let mut workers = FuturesUnordered::new();
        // Workers for the first arrivals, connected before they are due (their lag would show
        // the connection storm otherwise): the scenario's `connections`, or as many as the
        // starting rate keeps busy for a few ms. They connect MAX_OPENING at a time: hundreds of
        // connects at once overflowed the target's listen queue, and a dropped SYN is only sent
        // again after a second, which held the whole lane back that long (the first second of
        // the run then answered nothing). Stragglers are not waited for past PREFILL_WAIT (a
        // fixed crew hires the rest from the lane's loop).
        let mut left = self.connections.unwrap_or_else(|| {
            let first_rate = schedule.pacer.rate_at(Duration::ZERO) / self.stride as f64;
            (first_rate * PREFILL_FOR.as_secs_f64()).ceil() as usize
        });
        let connecting = std::future::poll_fn(|cx| {
            loop {
                let room = MAX_OPENING.saturating_sub(crew.opening()).min(left);
                let hired = crew.hire(room);
                left = if hired < room { 0 } else { left - room };
                for _ in 0..hired {
                    workers.push(hire(workers.len() as u64));
                }
                let _ = workers.poll_next_unpin(cx);
                if left == 0 && crew.opening() == 0 {
                    return Poll::Ready(());
                }
                if left == 0 || crew.opening() >= MAX_OPENING {
                    return Poll::Pending;
                }
            }
        });
        tokio::select! {
            _ = connecting => {}
            _ = tokio::time::sleep(PREFILL_WAIT) => {}
            _ = self.cancel.cancelled() => {}
        }
        let mut totals = LaneTotals::default();
        let mut n = self.index;
        let mut next = schedule.intended(n);
        let mut last_load: Option<Instant> = None;
        let mut alarm = match Alarm::new() {
            Ok(alarm) => alarm,
            Err(e) => {
                eprintln!("stampede: cannot create the open model's timer: {e}");
                self.cancel.cancel();
                return LaneTotals::default();
            }
        };
        // The lane watches a child of the run's token: polling the run's own token on every pass
        // took its mutex, shared with the other lanes.
        let watch = self.cancel.child_token();
        let cancelled = watch.cancelled();
        tokio::pin!(cancelled);
        let beat =
            (self.runner.client().timeout() / 2).clamp(Duration::from_millis(1), HEARTBEAT_MAX);
        let heartbeat = tokio::time::sleep(beat);
        tokio::pin!(heartbeat);
        let mut published = (LaneTotals::default(), Instant::now());
        loop {
            // Start what is due, at most BURST at a time.
            let now = Instant::now();
            let mut burst = 0;
            while let Some(intended) = next.filter(|&t| t <= now && burst < BURST) {
                let record = intended >= schedule.measure_from;
                if record {
                    totals.scheduled += 1;
                    let lag = now.saturating_duration_since(intended).as_micros() as u64;
                    lock(&rec).record_lag_us(lag);
                }
                let busy = in_flight.load(Ordering::Relaxed);
                if busy >= self.cap {
                    totals.dropped += u64::from(record);
                } else {
                    in_flight.store(busy + 1, Ordering::Relaxed);
                    queue.push(Arrival {
                        index: n,
                        intended,
                        record,
                    });
                }
                n += self.stride;
                next = schedule.intended(n);
                burst += 1;
            }
            // Arrivals wait for a worker: hire when the crew may grow.
            let mut recheck = None;
            let (queued, oldest) = queue.waiting();
            match crew.should_hire(queued, oldest.unwrap_or(now), now) {
                Hire::Now(k) => {
                    for _ in 0..crew.hire(k) {
                        workers.push(hire(workers.len() as u64));
                    }
                }
                Hire::At(t) => recheck = Some(t),
                Hire::No => {}
            }
            if now.saturating_duration_since(published.1) >= PUBLISH_EVERY {
                self.publish(totals, published.0);
                published = (totals, now);
            }
            if self.index == 0
                && now >= schedule.measure_from
                && last_load.is_none_or(|t| now - t >= LOAD_EVERY)
            {
                self.recorder
                    .set_load(schedule.pacer.rate_at(now - schedule.start));
                last_load = Some(now);
            }
            let Some(due) = next else { break };
            let due = recheck.map_or(due, |t| t.min(due));
            let now = Instant::now();
            if due <= now {
                // Behind: run the workers once and let the runtime poll its sockets, then start
                // what is due.
                tokio::select! {
                    biased;
                    _ = &mut cancelled => break,
                    _ = workers.next(), if !workers.is_empty() => {}
                    _ = tokio::task::yield_now() => {}
                }
                continue;
            }
            // Due soon: a setting made on an earlier pass that goes off after the arrival and
            // within the gap is kept.
            if let Err(e) = alarm.set_within(due, due.max(now + ALARM_GAP)) {
                eprintln!("stampede: the open model's timer failed: {e}");
                self.cancel.cancel();
                break;
            }
            // Run the workers until the next arrival is due: the alarm says so, or a wake-up for
            // their sockets finds it due already (they never finish on their own).
            let woke = {
                let mut alarm_wait = std::pin::pin!(alarm.wait());
                std::future::poll_fn(|cx| {
                    if cancelled.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(false);
                    }
                    while heartbeat.as_mut().poll(cx).is_ready() {
                        heartbeat.as_mut().reset((Instant::now() + beat).into());
                    }
                    let _ = workers.poll_next_unpin(cx);
                    if alarm_wait.as_mut().poll(cx).is_ready() || Instant::now() >= due {
                        return Poll::Ready(true);
                    }
                    Poll::Pending
                })
                .await
            };
            if !woke {
                break;
            }
        }
        self.publish(totals, published.0);
        // The last arrival may come before the planned end: hold the profile's full length, then
        // let what is queued or running finish (bounded), unless cancelled.
        let hold = async {
            let until_end = tokio::time::sleep_until(schedule.end.into());
            tokio::pin!(until_end);
            let mut ended = false;
            std::future::poll_fn(|cx| {
                let _ = workers.poll_next_unpin(cx);
                ended = ended || until_end.as_mut().poll(cx).is_ready();
                if ended && in_flight.load(Ordering::Relaxed) == 0 {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await
        };
        tokio::select! {
            _ = hold => {}
            _ = &mut cancelled => {}
            _ = tokio::time::sleep_until((schedule.end + schedule.drain).into()) => {}
        }
        drop(workers);
        totals.completed = completed.load(Ordering::Relaxed);
        lock(&rec).flush();
        totals
    }

    /// Hands the counts since `before` (what was handed over last) to the recorder (for
    /// progress and the results).
    fn publish(&self, totals: LaneTotals, before: LaneTotals) {
        if totals.scheduled > before.scheduled {
            self.recorder
                .add_scheduled(totals.scheduled - before.scheduled);
        }
        if totals.dropped > before.dropped {
            self.recorder.add_dropped(totals.dropped - before.dropped);
        }
    }
}

fn lock(rec: &Mutex<LocalRecorder>) -> std::sync::MutexGuard<'_, LocalRecorder> {
    rec.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn in_flight_caps_split_evenly_and_add_up() {
        assert_eq!(split(10, 2), [5, 5]);
        assert_eq!(split(7, 2), [4, 3]);
        assert_eq!(split(1000, 3).iter().sum::<u64>(), 1000);
        // Never a lane that can start nothing.
        assert_eq!(split(1, 2), [1, 1]);
    }
}
