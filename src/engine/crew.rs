//! How many workers an open-model lane runs, and when it hires another. Each worker owns one
//! connection and runs one arrival at a time, so the crew is also the lane's set of connections.
//!
//! An open model must not be slowed by the target, but it must not open a connection per arrival
//! while the target is stalled either: then every request of the stall is "sent on time" into a
//! server that is not answering, and the actual-send latency would hide nothing and mean nothing.
//! Like wrk2 (a fixed set of connections; requests queue for one), arrivals queue for a worker
//! when all are busy; the send is timed from when the request really goes out, the latency from
//! the intended start.
//!
//! - With `connections` set in the scenario, the crew is that size, connected before the first
//!   arrival, and never grows (wrk2's `-c`, k6's pre-allocated VUs).
//! - Otherwise it grows on demand, up to a hard cap, while the target is answering (something
//!   finished, or the crew was idle, within the last [`STALL_AFTER`] or 4× the typical iteration
//!   time if longer), and only once the oldest waiting arrival has waited about a typical
//!   iteration time (so momentary peaks reuse workers instead of adding connections for good).
//!   At most [`MAX_OPENING`] new workers connect at once. A slow but flowing target gets all the
//!   workers it needs; a stalled one keeps those it has, and the arrivals of the stall queue, so
//!   the stall shows in the intended-start latency and in the schedule, not in the send latency.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Growth stops when nothing finished (and the crew was not idle) for this long.
pub const STALL_AFTER: Duration = Duration::from_millis(50);

/// New workers connecting at once at most: without this bound, a burst of arrivals (the start of
/// a run, a spike) opened hundreds of connections in one go and the lane spent tens of
/// milliseconds connecting instead of sending.
pub const MAX_OPENING: usize = 16;

/// Bounds of how long the oldest arrival waits for a busy worker before another is hired (the
/// typical iteration time, within these).
const PATIENCE_MIN: Duration = Duration::from_micros(200);
const PATIENCE_MAX: Duration = Duration::from_millis(20);

/// What the lane should do about its crew now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hire {
    /// Nothing, and nothing to check later.
    No,
    /// Hire this many workers now.
    Now(usize),
    /// Look again at this time (the oldest arrival will have waited long enough).
    At(Instant),
}

/// The counts a lane's loop and its workers share. One thread touches them (atomics only because
/// the lane's future must be `Send`).
#[derive(Debug)]
pub struct Crew {
    /// Never grows past the workers hired before the load (`connections` given).
    fixed: bool,
    cap: usize,
    workers: AtomicUsize,
    /// Workers waiting for an arrival.
    idle: AtomicUsize,
    /// Workers still connecting, before their first arrival.
    opening: AtomicUsize,
    origin: Instant,
    /// Microseconds since `origin` of the last finished iteration, or of the last time the crew
    /// went from idle to busy.
    last_progress_us: AtomicU64,
    /// Exponentially weighted typical iteration time, in µs.
    typical_us: AtomicU64,
}

impl Crew {
    /// A crew of at most `cap` workers; `fixed` when it is exactly `cap` workers, whatever the load.
    pub fn new(cap: usize, fixed: bool) -> Crew {
        Crew {
            fixed,
            cap: cap.max(1),
            workers: AtomicUsize::new(0),
            idle: AtomicUsize::new(0),
            opening: AtomicUsize::new(0),
            origin: Instant::now(),
            last_progress_us: AtomicU64::new(0),
            typical_us: AtomicU64::new(1_000),
        }
    }

    /// Workers hired so far.
    pub fn workers(&self) -> usize {
        self.workers.load(Ordering::Relaxed)
    }

    /// Workers still connecting.
    pub fn opening(&self) -> usize {
        self.opening.load(Ordering::Relaxed)
    }

    /// Records `n` workers hired (up to the cap; returns how many), each connecting first.
    pub fn hire(&self, n: usize) -> usize {
        let n = n.min(self.cap - self.workers());
        self.workers.fetch_add(n, Ordering::Relaxed);
        self.opening.fetch_add(n, Ordering::Relaxed);
        n
    }

    /// A hired worker is connected (or failed to: its first request will try again).
    pub fn connected(&self) {
        self.opening.fetch_sub(1, Ordering::Relaxed);
    }

    /// A worker waits for an arrival.
    pub fn waiting(&self) {
        self.idle.fetch_add(1, Ordering::Relaxed);
    }

    /// A waiting worker took an arrival.
    pub fn picked(&self) {
        let idle = self.idle.fetch_sub(1, Ordering::Relaxed) - 1;
        if self.workers() - idle - self.opening() == 1 {
            // The crew was idle: the stall clock starts now, not at the last finish.
            self.last_progress_us
                .store(self.now_us(), Ordering::Relaxed);
        }
    }

    /// A worker finished an iteration that took `took`.
    pub fn finished(&self, took: Duration) {
        let took = took.as_micros() as u64;
        let typical = self.typical_us.load(Ordering::Relaxed);
        self.typical_us
            .store(typical - typical / 8 + took / 8, Ordering::Relaxed);
        self.last_progress_us
            .store(self.now_us(), Ordering::Relaxed);
    }

    fn now_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }

    fn busy(&self) -> usize {
        let (workers, idle, opening) = (
            self.workers(),
            self.idle.load(Ordering::Relaxed),
            self.opening(),
        );
        workers.saturating_sub(idle + opening)
    }

    /// Nothing finished for a while although workers are busy.
    fn stalled(&self, now: Instant) -> bool {
        if self.busy() == 0 {
            return false;
        }
        let window = STALL_AFTER
            .as_micros()
            .max(4 * u128::from(self.typical_us.load(Ordering::Relaxed)))
            as u64;
        let now_us = now.saturating_duration_since(self.origin).as_micros() as u64;
        now_us.saturating_sub(self.last_progress_us.load(Ordering::Relaxed)) > window
    }

    /// Whether to hire, with `queued` arrivals waiting, the oldest intended at `oldest`.
    pub fn should_hire(&self, queued: usize, oldest: Instant, now: Instant) -> Hire {
        let workers = self.workers();
        let room = MAX_OPENING.saturating_sub(self.opening());
        if self.fixed {
            // Hired in full (the lane starts before stragglers connect), MAX_OPENING at a time,
            // whatever the queue; never more.
            let n = (self.cap - workers).min(room);
            return if n == 0 { Hire::No } else { Hire::Now(n) };
        }
        if queued == 0 || workers >= self.cap {
            return Hire::No;
        }
        // Idle workers (or ones about to be) will take part of the queue.
        let coming = self.idle.load(Ordering::Relaxed) + self.opening();
        if coming >= queued {
            return Hire::No;
        }
        let patience = Duration::from_micros(self.typical_us.load(Ordering::Relaxed))
            .clamp(PATIENCE_MIN, PATIENCE_MAX);
        let ready_at = oldest + patience;
        if workers > 0 && now < ready_at {
            return Hire::At(ready_at);
        }
        if self.stalled(now) {
            return Hire::No;
        }
        let n = (queued - coming).min(room).min(self.cap - workers);
        if n == 0 { Hire::No } else { Hire::Now(n) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A crew of `n` connected workers, all busy.
    fn busy_crew(cap: usize, n: usize) -> Crew {
        let crew = Crew::new(cap, false);
        crew.hire(n);
        for _ in 0..n {
            crew.connected();
            crew.waiting();
            crew.picked();
        }
        crew
    }

    #[test]
    fn hires_while_answering_after_patience_and_not_when_stalled() {
        let crew = busy_crew(100, 2);
        crew.finished(ms(1));
        let now = Instant::now();
        // The oldest arrival just came: wait about a request's time first.
        assert!(matches!(crew.should_hire(3, now, now), Hire::At(t) if t > now));
        // It waited long enough: hire for the queue.
        assert_eq!(crew.should_hire(3, now - ms(30), now), Hire::Now(3));
        // Nothing finished for longer than STALL_AFTER: no new connections into a stall.
        let later = now + STALL_AFTER + ms(20);
        assert_eq!(crew.should_hire(3, now, later), Hire::No);
    }

    #[test]
    fn no_more_than_max_opening_at_once_and_never_past_the_cap() {
        let crew = busy_crew(1000, 1);
        let now = Instant::now();
        let Hire::Now(n) = crew.should_hire(500, now - ms(30), now) else {
            panic!("should hire");
        };
        assert_eq!(n, MAX_OPENING);
        assert_eq!(crew.hire(n), MAX_OPENING);
        // All of them still connecting and enough to take the queue: no more.
        assert_eq!(crew.should_hire(MAX_OPENING, now - ms(30), now), Hire::No);
        let small = busy_crew(3, 3);
        assert_eq!(small.should_hire(10, now - ms(30), now), Hire::No);
        assert_eq!(small.hire(5), 0);
    }

    #[test]
    fn a_fixed_crew_is_hired_in_full_and_idle_workers_take_the_queue() {
        let fixed = Crew::new(20, true);
        let now = Instant::now();
        // Hired up to its size, MAX_OPENING connecting at a time, with or without arrivals.
        assert_eq!(fixed.should_hire(0, now, now), Hire::Now(MAX_OPENING));
        fixed.hire(MAX_OPENING);
        assert_eq!(fixed.should_hire(100, now - ms(100), now), Hire::No);
        fixed.connected();
        assert_eq!(fixed.should_hire(0, now, now), Hire::Now(1));
        fixed.hire(1);
        for _ in 0..MAX_OPENING {
            fixed.connected();
        }
        assert_eq!(fixed.should_hire(0, now, now), Hire::Now(3));
        fixed.hire(3);
        assert_eq!(fixed.workers(), 20);
        assert_eq!(fixed.should_hire(100, now - ms(100), now), Hire::No);
        let crew = Crew::new(64, false);
        crew.hire(2);
        crew.connected();
        crew.connected();
        crew.waiting();
        crew.waiting();
        assert_eq!(crew.should_hire(2, now - ms(100), now), Hire::No);
        assert_eq!(crew.should_hire(3, now - ms(100), now), Hire::Now(1));
    }
}
