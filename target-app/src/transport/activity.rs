//! When a connection that sends no requests is closed: its first request must begin within the
//! header timeout of the accept (TLS handshake included); on HTTP/1 the next request's head must
//! have arrived whole within the header timeout of the previous answer (so a head sent one byte or
//! one header at a time is cut off, and so is a keep-alive connection idle that long); a
//! connection with no request in flight for the idle timeout is closed (HTTP/2 with a GOAWAY).
//!
//! hyper's own `header_read_timeout` is not used: it makes a timer (a boxed sleep registered with
//! the runtime) for every request head and re-polls the socket after every answer, which showed as
//! CPU per request. This costs a request only two counters and the time it ended; the connection's
//! one timer is re-armed when it fires, not per request, and then decides from those counters
//! whether the connection went quiet for too long.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::Version;
use tokio::time::Instant;

/// What one connection's requests have been doing, shared by its requests and its driver.
#[derive(Debug)]
pub struct Activity {
    born: Instant,
    header_timeout: Duration,
    idle_timeout: Duration,
    /// Whether a request has begun (its head arrived whole).
    started: AtomicBool,
    /// Whether the connection speaks HTTP/2 (known from its first request).
    http2: AtomicBool,
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
            http2: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            last_end: AtomicU64::new(0),
        })
    }

    /// When the first request must have begun; the driver's timer starts there.
    pub fn first_deadline(&self) -> Instant {
        self.born + self.header_timeout
    }

    /// Marks a request (its head arrived whole) as in flight until the guard is dropped.
    pub fn begin(self: &Arc<Self>, version: Version) -> InFlight {
        if !self.started.load(Ordering::Relaxed) {
            self.http2
                .store(version == Version::HTTP_2, Ordering::Relaxed);
            self.started.store(true, Ordering::Release);
        }
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }

    /// Whether to close the connection at `now`, or when to look again.
    pub fn verdict(&self, now: Instant) -> Verdict {
        if !self.started.load(Ordering::Acquire) {
            return Verdict::Close;
        }
        let quiet = self.quiet_limit();
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Verdict::CheckAt(now + quiet);
        }
        let idle_until =
            self.born + Duration::from_millis(self.last_end.load(Ordering::Acquire)) + quiet;
        if idle_until <= now {
            Verdict::Close
        } else {
            Verdict::CheckAt(idle_until)
        }
    }
}

impl Activity {
    /// How long the connection may go without a request in flight: on HTTP/1 the next head must
    /// also arrive within the header timeout; HTTP/2 streams carry their own heads.
    fn quiet_limit(&self) -> Duration {
        if self.http2.load(Ordering::Relaxed) {
            self.idle_timeout
        } else {
            self.idle_timeout.min(self.header_timeout)
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
    async fn an_http1_connection_must_send_its_next_head_within_the_header_timeout() {
        let activity = activity();
        drop(activity.begin(Version::HTTP_11));
        let now = Instant::now();
        let Verdict::CheckAt(at) = activity.verdict(now) else {
            panic!("a request just ended: not quiet yet");
        };
        assert!(at <= now + Duration::from_secs(10), "{at:?}");
        assert_eq!(
            activity.verdict(now + Duration::from_secs(11)),
            Verdict::Close
        );
    }

    #[tokio::test]
    async fn a_connection_without_a_request_is_closed_at_its_first_deadline() {
        let activity = activity();
        assert_eq!(activity.verdict(activity.first_deadline()), Verdict::Close);
    }

    #[tokio::test]
    async fn a_request_in_flight_is_never_idle_and_the_idle_time_counts_from_its_end() {
        let activity = activity();
        let request = activity.begin(Version::HTTP_2);
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
