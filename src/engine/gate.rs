//! How many connections the open model may use at once, and why arrivals sometimes wait.
//!
//! An open model must not be slowed by the target, but it must not open a connection per arrival
//! while the target is stalled either: then every request of the stall is "sent on time" into a
//! server that is not answering, and the actual-send latency would hide nothing and mean nothing.
//! Like wrk2 (a fixed set of connections; requests queue for one), arrivals queue for a connection
//! when all are busy, and the send is timed from when the request really goes out, while the
//! latency is timed from the intended start. Unlike wrk2 the set is not fixed by the user: it grows
//! on demand (up to a hard cap) as long as the target is answering, i.e. something completed, or the
//! target was idle, within the last [`STALL_AFTER`] (or 4× the recent typical request time, if
//! longer), and only for an arrival that waited about a typical request time for a busy connection
//! to free (so momentary peaks reuse connections instead of adding them for good). A slow but flowing target gets all the connections it needs; a stalled one keeps only
//! the connections it already holds, and the arrivals of the stall queue behind them, so the stall
//! shows in the intended-start latency and in the schedule, not in the send latency.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Growth stops when nothing completed (and the target was not idle) for this long.
pub const STALL_AFTER: Duration = Duration::from_millis(50);

/// Bounds of how long an arrival waits for a busy connection to free before opening a new one
/// (the typical request time, within these).
const PATIENCE_MIN: Duration = Duration::from_micros(200);
const PATIENCE_MAX: Duration = Duration::from_millis(20);

/// Admission to send one pooled request.
#[derive(Debug)]
pub struct ConnGate {
    permits: Arc<Semaphore>,
    /// Connections allowed so far (grows up to `cap`).
    allowed: AtomicUsize,
    cap: usize,
    in_use: AtomicUsize,
    origin: Instant,
    /// Microseconds since `origin` of the last completion, or of the last time the gate went from
    /// idle to busy.
    last_progress_us: AtomicU64,
    /// Exponentially weighted typical request time, in µs.
    typical_us: AtomicU64,
}

/// Held while a request is on a connection; dropping it frees the slot.
#[derive(Debug)]
pub struct Admission {
    gate: Arc<ConnGate>,
    _permit: OwnedSemaphorePermit,
    since: Instant,
}

impl ConnGate {
    /// A gate allowing at most `cap` requests on connections at once.
    pub fn new(cap: usize) -> Arc<ConnGate> {
        Arc::new(ConnGate {
            permits: Arc::new(Semaphore::new(0)),
            allowed: AtomicUsize::new(0),
            cap: cap.max(1),
            in_use: AtomicUsize::new(0),
            origin: Instant::now(),
            last_progress_us: AtomicU64::new(0),
            typical_us: AtomicU64::new(1_000),
        })
    }

    /// Allows `n` more connections at once (up to the cap), whatever the target is doing: for
    /// connections opened before the load starts. Returns how many were added.
    pub fn grow(&self, n: usize) -> usize {
        let allowed = self.allowed.load(Ordering::Acquire);
        let n = n.min(self.cap.saturating_sub(allowed));
        self.allowed.fetch_add(n, Ordering::AcqRel);
        self.permits.add_permits(n);
        n
    }

    /// Connections allowed so far.
    pub fn allowed(&self) -> usize {
        self.allowed.load(Ordering::Relaxed)
    }

    fn now_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }

    fn stalled(&self) -> bool {
        if self.in_use.load(Ordering::Acquire) == 0 {
            return false;
        }
        let window = STALL_AFTER
            .as_micros()
            .max(4 * u128::from(self.typical_us.load(Ordering::Relaxed)))
            as u64;
        self.now_us()
            .saturating_sub(self.last_progress_us.load(Ordering::Relaxed))
            > window
    }

    /// Waits for a slot: a free one, a new one while the target is answering, or else the next one
    /// freed.
    pub async fn admit(self: &Arc<Self>) -> Admission {
        self.admit_if(|| true).await
    }

    /// [`ConnGate::admit`], growing only when `may_grow` also says so.
    pub async fn admit_if(self: &Arc<Self>, may_grow: impl Fn() -> bool) -> Admission {
        let permit = loop {
            if let Ok(p) = self.permits.clone().try_acquire_owned() {
                break p;
            }
            let allowed = self.allowed.load(Ordering::Acquire);
            if allowed < self.cap && !self.stalled() && may_grow() {
                // A busy connection usually frees within a request's time: wait that long for
                // one before opening another, or every momentary peak adds a connection for good
                // (at 50,000/s a lane drifted to hundreds of connections and lost half its speed).
                let patience = Duration::from_micros(self.typical_us.load(Ordering::Relaxed))
                    .clamp(PATIENCE_MIN, PATIENCE_MAX);
                if allowed > 0
                    && let Ok(Ok(p)) =
                        tokio::time::timeout(patience, self.permits.clone().acquire_owned()).await
                {
                    break p;
                }
                let allowed = self.allowed.load(Ordering::Acquire);
                if allowed >= self.cap || self.stalled() || !may_grow() {
                    continue;
                }
                if self
                    .allowed
                    .compare_exchange(allowed, allowed + 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    self.permits.add_permits(1);
                }
                continue;
            }
            match self.permits.clone().acquire_owned().await {
                Ok(p) => break p,
                Err(_) => unreachable!("the gate's semaphore is never closed"),
            }
        };
        if self.in_use.fetch_add(1, Ordering::AcqRel) == 0 {
            self.last_progress_us
                .store(self.now_us(), Ordering::Relaxed);
        }
        Admission {
            gate: self.clone(),
            _permit: permit,
            since: Instant::now(),
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let gate = &self.gate;
        let took = self.since.elapsed().as_micros() as u64;
        let typical = gate.typical_us.load(Ordering::Relaxed);
        gate.typical_us
            .store(typical - typical / 8 + took / 8, Ordering::Relaxed);
        gate.last_progress_us
            .store(gate.now_us(), Ordering::Relaxed);
        gate.in_use.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn grows_while_answering_and_queues_when_stalled() {
        let gate = ConnGate::new(100);
        // Flowing: admissions released promptly never need more than one connection.
        for _ in 0..10 {
            drop(gate.admit().await);
        }
        assert_eq!(gate.allowed(), 1);
        // Concurrent demand grows the set at once.
        let held: Vec<_> = futures_util::future::join_all((0..5).map(|_| gate.admit())).await;
        assert_eq!(gate.allowed(), 5);
        // Nothing completes for longer than STALL_AFTER: a new arrival waits for a release.
        tokio::time::sleep(STALL_AFTER + Duration::from_millis(20)).await;
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.admit().await }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished());
        assert_eq!(gate.allowed(), 5);
        drop(held);
        let _admitted = waiting.await.unwrap();
        assert_eq!(gate.allowed(), 5);
        // The cap is a hard limit.
        let gate = ConnGate::new(2);
        let _a = gate.admit().await;
        let _b = gate.admit().await;
        let c = tokio::time::timeout(Duration::from_millis(20), gate.admit()).await;
        assert!(c.is_err());
    }
}
