//! `stampede run --start-at TIME`: one start for workers on several machines. Each worker prepares
//! everything first (scenario, overrides, segment, target check or bundled start, setup journeys),
//! then its engine waits at the start gate ([`crate::engine::context::StartGate`]) until `TIME` to
//! begin the warm-up and the measured phase. The workers' clocks are the machines' (NTP keeps
//! cluster nodes within milliseconds of each other); each result records its planned and actual
//! start and `stampede merge` says how far apart the workers really started.
//!
//! A time already past is refused, unless it is within [`GRACE`]: a worker scheduled a moment late
//! (a slow pod start) still joins the run, starting at once. A worker whose preparation ran past
//! the start begins at once too, and its result says how late it was.

use std::time::{Duration, SystemTime};

use crate::results::build::rfc3339;
pub use crate::results::merge::SPREAD_WARNING;

/// How far in the past `--start-at` may be and still be accepted (the worker starts at once).
pub const GRACE: Duration = Duration::from_secs(2);

/// Why a `--start-at` cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "--start-at {at}: that time is {past:.1} s past (more than the {grace} s grace); give a time \
     ahead, e.g. a minute from now: `date -u -d '+60 seconds' +%Y-%m-%dT%H:%M:%SZ`",
    grace = GRACE.as_secs()
)]
pub struct StartPast {
    pub at: String,
    pub past: f64,
}

/// Refuses a start time more than [`GRACE`] before `now`.
pub fn check_start(at: SystemTime, now: SystemTime) -> Result<(), StartPast> {
    match now.duration_since(at) {
        Ok(past) if past > GRACE => Err(StartPast {
            at: rfc3339(at),
            past: past.as_secs_f64(),
        }),
        _ => Ok(()),
    }
}

/// A warning when the load began [`SPREAD_WARNING`] or more after it was planned to.
pub fn late_warning(planned: SystemTime, actual: SystemTime) -> Option<String> {
    let late = actual.duration_since(planned).ok()?;
    (late >= SPREAD_WARNING).then(|| {
        format!(
            "the load began {:.0} ms after --start-at {} (the preparation took longer, or the \
             time was already past): other workers may have started earlier",
            late.as_secs_f64() * 1e3,
            rfc3339(planned)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_times_are_refused_beyond_the_grace() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(check_start(now + Duration::from_secs(60), now).is_ok());
        assert!(check_start(now - Duration::from_millis(1_500), now).is_ok());
        let e = check_start(now - Duration::from_secs(5), now).unwrap_err();
        assert!(e.to_string().contains("5.0 s past"), "{e}");
        assert!(e.to_string().contains("2 s grace"), "{e}");
    }

    #[test]
    fn a_late_start_is_said() {
        let planned = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(
            late_warning(planned, planned + Duration::from_millis(3)),
            None
        );
        assert_eq!(
            late_warning(planned, planned - Duration::from_millis(3)),
            None
        );
        let w = late_warning(planned, planned + Duration::from_millis(1_250)).unwrap();
        assert!(w.contains("1250 ms after"), "{w}");
    }
}
