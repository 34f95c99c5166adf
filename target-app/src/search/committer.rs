//! The background committer: upserts and deletes only queue work in the index writer, and this
//! thread makes them visible, committing and reloading the reader at most once per
//! [`COMMIT_INTERVAL`] while changes are pending. Batching matters: a tantivy commit fsyncs and
//! creates a segment, far too costly per write under load, yet a change must be searchable within
//! a second.
//!
//! The thread is owned by the index: it stops (after committing what is pending) when the last
//! [`super::SearchIndex`] handle drops.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::index::Shared;

/// Shortest time between two background commits.
pub(crate) const COMMIT_INTERVAL: Duration = Duration::from_millis(250);

/// Tells the committer thread that changes are pending, or that it must stop.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    state: Mutex<SignalState>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct SignalState {
    pending: bool,
    stop: bool,
}

/// What the committer thread should do next.
enum Work {
    Commit,
    Stop { pending: bool },
}

impl Signal {
    /// Records that uncommitted changes exist.
    pub(crate) fn mark_pending(&self) {
        self.lock().pending = true;
        self.wake.notify_one();
    }

    /// Forgets pending changes (the caller is about to commit them itself).
    pub(crate) fn clear_pending(&self) {
        self.lock().pending = false;
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.wake.notify_one();
    }

    /// Blocks until changes are pending and `not_before` has passed, or until asked to stop.
    fn wait_for_work(&self, not_before: Instant) -> Work {
        let mut state = self.lock();
        loop {
            if state.stop {
                return Work::Stop {
                    pending: state.pending,
                };
            }
            let now = Instant::now();
            state = if !state.pending {
                self.wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner)
            } else if now < not_before {
                self.wake
                    .wait_timeout(state, not_before - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            } else {
                state.pending = false;
                return Work::Commit;
            };
        }
    }

    fn lock(&self) -> MutexGuard<'_, SignalState> {
        // The state is two booleans: always consistent, even after a panic elsewhere.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Handle on the committer thread; dropping it stops and joins the thread.
#[derive(Debug)]
pub(crate) struct Committer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Committer {
    /// Starts the committer thread of `shared`.
    pub(crate) fn spawn(shared: Arc<Shared>) -> std::io::Result<Committer> {
        let signal = Arc::clone(&shared.signal);
        let thread = std::thread::Builder::new()
            .name("search-committer".to_owned())
            .spawn(move || run(&shared))?;
        Ok(Committer {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.signal.stop();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the search committer thread panicked");
        }
    }
}

fn run(shared: &Shared) {
    let mut not_before = Instant::now();
    loop {
        match shared.signal.wait_for_work(not_before) {
            Work::Commit => {}
            Work::Stop { pending: false } => return,
            Work::Stop { pending: true } => {
                if let Err(err) = shared.commit_and_reload() {
                    tracing::error!(%err, "search index: final commit failed, recent changes lost");
                }
                return;
            }
        }
        if let Err(err) = shared.commit_and_reload() {
            tracing::warn!(%err, "search index: commit failed, retrying");
            shared.signal.mark_pending();
        }
        not_before = Instant::now() + COMMIT_INTERVAL;
    }
}
