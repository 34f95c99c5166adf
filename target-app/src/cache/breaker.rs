//! Circuit breaker in front of Redis, so a dead Redis costs each request at most one `op_timeout`
//! while the breaker is closed and nothing once it is open.
//!
//! Closed: calls go through; `failures` consecutive failures open it. Open: calls are refused until
//! `cooldown` has passed. Then the next call becomes the single probe (half-open) while everyone else
//! is still refused; the probe's outcome closes the breaker or opens it for another cooldown.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Debug)]
enum State {
    Closed { consecutive_failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    failures: u32,
    cooldown: Duration,
}

/// A breaker; clones share their state.
#[derive(Clone, Debug)]
pub(crate) struct Breaker {
    shared: Arc<Shared>,
}

/// Permission to make one call. Report its outcome with [`Permit::success`] or [`Permit::failure`];
/// a probe permit dropped without an outcome (its request was cancelled) lets the next call probe.
#[derive(Debug)]
pub(crate) struct Permit {
    shared: Arc<Shared>,
    probe: bool,
    reported: bool,
}

impl Breaker {
    /// A closed breaker opening after `failures` consecutive failures (at least 1).
    pub(crate) fn new(failures: u32, cooldown: Duration) -> Breaker {
        Breaker {
            shared: Arc::new(Shared {
                state: Mutex::new(State::Closed {
                    consecutive_failures: 0,
                }),
                failures: failures.max(1),
                cooldown,
            }),
        }
    }

    /// A permit to call, or `None` while the breaker is open (or half-open with a probe in flight).
    pub(crate) fn try_acquire(&self) -> Option<Permit> {
        let mut state = self.shared.lock();
        let probe = match *state {
            State::Closed { .. } => false,
            State::HalfOpen => return None,
            State::Open { until } => {
                if Instant::now() < until {
                    return None;
                }
                *state = State::HalfOpen;
                true
            }
        };
        Some(Permit {
            shared: self.shared.clone(),
            probe,
            reported: false,
        })
    }

    /// Whether calls are currently refused.
    pub(crate) fn is_open(&self) -> bool {
        !matches!(*self.shared.lock(), State::Closed { .. })
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a plain value updated in one assignment: a panic elsewhere cannot leave it
        // half-written, so a poisoned lock is still safe to use.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Permit {
    /// The call succeeded.
    pub(crate) fn success(mut self) {
        self.reported = true;
        let mut state = self.shared.lock();
        match *state {
            State::Closed { .. } => {
                *state = State::Closed {
                    consecutive_failures: 0,
                }
            }
            // Only the probe may close an opened breaker: a late success of a call started before
            // the breaker opened says little about Redis now.
            State::HalfOpen if self.probe => {
                tracing::info!("Redis breaker closed: the probe succeeded");
                *state = State::Closed {
                    consecutive_failures: 0,
                }
            }
            State::HalfOpen | State::Open { .. } => {}
        }
    }

    /// The call failed (error or timeout).
    pub(crate) fn failure(mut self) {
        self.reported = true;
        let mut state = self.shared.lock();
        let until = Instant::now() + self.shared.cooldown;
        match *state {
            State::Closed {
                consecutive_failures,
            } => {
                let consecutive_failures = consecutive_failures.saturating_add(1);
                *state = if consecutive_failures >= self.shared.failures {
                    tracing::warn!(
                        consecutive_failures,
                        cooldown = ?self.shared.cooldown,
                        "Redis breaker opened: requests bypass the cache"
                    );
                    State::Open { until }
                } else {
                    State::Closed {
                        consecutive_failures,
                    }
                };
            }
            State::HalfOpen if self.probe => *state = State::Open { until },
            State::HalfOpen | State::Open { .. } => {}
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            let mut state = self.shared.lock();
            if matches!(*state, State::HalfOpen) {
                *state = State::Open {
                    until: Instant::now(),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(breaker: &Breaker) {
        if let Some(permit) = breaker.try_acquire() {
            permit.failure();
        }
    }

    fn succeed(breaker: &Breaker) {
        if let Some(permit) = breaker.try_acquire() {
            permit.success();
        }
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let breaker = Breaker::new(3, Duration::from_secs(3600));
        fail(&breaker);
        fail(&breaker);
        succeed(&breaker);
        fail(&breaker);
        fail(&breaker);
        assert!(!breaker.is_open());
        fail(&breaker);
        assert!(breaker.is_open());
        assert!(breaker.try_acquire().is_none());
    }

    #[test]
    fn one_probe_after_cooldown_decides() {
        let breaker = Breaker::new(1, Duration::ZERO);
        fail(&breaker);
        assert!(breaker.is_open());
        let probe = breaker
            .try_acquire()
            .expect("cooldown over: a probe may go");
        assert!(breaker.try_acquire().is_none(), "only one probe at a time");
        probe.failure();
        assert!(breaker.is_open());
        succeed(&breaker);
        assert!(!breaker.is_open());
        assert!(breaker.try_acquire().is_some());
    }

    #[test]
    fn cancelled_probe_lets_another_probe() {
        let breaker = Breaker::new(1, Duration::ZERO);
        fail(&breaker);
        drop(breaker.try_acquire());
        assert!(breaker.try_acquire().is_some());
    }

    #[test]
    fn late_success_does_not_close_an_open_breaker() {
        let breaker = Breaker::new(1, Duration::from_secs(3600));
        let late = breaker.try_acquire().expect("closed");
        fail(&breaker);
        late.success();
        assert!(breaker.is_open());
    }
}
