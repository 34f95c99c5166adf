//! When a connection that sends no requests is closed: its first request must begin within the
//! header timeout of the accept (TLS handshake included), and a connection with no request in
//! flight for the idle timeout is closed (HTTP/2 with a GOAWAY).
//!
//! hyper times an HTTP/1 request head itself (`header_read_timeout`), but nothing bounds the bytes
//! before hyper knows the protocol (a silent connection, half an HTTP/2 preface), nor an HTTP/2
//! connection without streams. This does, cheaply: a request only bumps two counters and stores the
//! time it ended; the connection's one timer is re-armed when it fires, not per request, and then
//! decides from those counters whether the connection was idle long enough.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// What one connection's requests have been doing, shared by its requests and its driver.
#[derive(Debug)]
pub struct Activity {
    born: Instant,
    header_timeout: Duration,
    idle_timeout: Duration,
    /// Whether a request has begun (its head arrived whole).
    started: AtomicBool,
    in_flight: AtomicUsize,
    /// Milliseconds after `born` at which the last request ended.
    last_end: AtomicU64,
}

/// What the driver does when the connection's timer fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Close the connection: it said nothing, or nothing for too long.
    Close,
    /// Look again at this instant.
    CheckAt(Instant),
}

impl Activity {
    /// A connection accepted now.
    pub fn new(header_timeout: Duration, idle_timeout: Duration) -> Arc<Activity> {
        Arc::new(Activity {
            born: Instant::now(),
            header_timeout,
            idle_timeout,
            started: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            last_end: AtomicU64::new(0),
        })
    }

    /// When the first request must have begun; the driver's timer starts there.
    pub fn first_deadline(&self) -> Instant {
        self.born + self.header_timeout
    }

    /// Marks a request as in flight until the guard is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.started.store(true, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }

    /// Whether to close the connection at `now`, or when to look again.
    pub fn verdict(&self, now: Instant) -> Verdict {
        if !self.started.load(Ordering::Relaxed) {
            return Verdict::Close;
        }
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Verdict::CheckAt(now + self.idle_timeout);
        }
        let idle_until = self.born
            + Duration::from_millis(self.last_end.load(Ordering::Acquire))
            + self.idle_timeout;
        if idle_until <= now {
            Verdict::Close
        } else {
            Verdict::CheckAt(idle_until)
        }
    }
}

/// A request in flight on a connection; dropping it ends the request.
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        let millis = activity.born.elapsed().as_millis() as u64;
        activity.last_end.store(millis, Ordering::Release);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity() -> Arc<Activity> {
        Activity::new(Duration::from_secs(10), Duration::from_secs(60))
    }

    #[tokio::test]
    async fn a_connection_without_a_request_is_closed_at_its_first_deadline() {
        let activity = activity();
        assert_eq!(activity.verdict(activity.first_deadline()), Verdict::Close);
    }

    #[tokio::test]
    async fn a_request_in_flight_is_never_idle_and_the_idle_time_counts_from_its_end() {
        let activity = activity();
        let request = activity.begin();
        let later = Instant::now() + Duration::from_secs(600);
        assert_eq!(
            activity.verdict(later),
            Verdict::CheckAt(later + Duration::from_secs(60))
        );
        drop(request);
        let now = Instant::now();
        let Verdict::CheckAt(at) = activity.verdict(now) else {
            panic!("a request just ended: not idle yet");
        };
        assert!(at > now && at <= now + Duration::from_secs(60), "{at:?}");
        assert_eq!(
            activity.verdict(now + Duration::from_secs(61)),
            Verdict::Close
        );
    }
}
