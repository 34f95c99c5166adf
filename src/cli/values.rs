//! clap value parsers shared by the commands: one way to read a duration, a factor, a
//! significance level or a worker's segment on the command line, with messages that say what is
//! expected.

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::run::segment::Segment;

/// A duration above zero, e.g. `30s`, `5m`, `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    match crate::units::parse_duration(text) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err("must be greater than zero".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// A significance level above 0 and at most 0.5.
pub fn parse_alpha(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(a) if a > 0.0 && a <= 0.5 => Ok(a),
        Ok(_) => Err("must be above 0 and at most 0.5, e.g. 0.0025".into()),
        Err(_) => Err("expected a number such as 0.0025".into()),
    }
}

/// A factor above zero (`--scale`).
pub fn parse_scale(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!(
            "'{text}' is not a factor above zero: expected e.g. 0.1, 0.5 or 2"
        )),
    }
}

/// `I/N`: worker I of N; `auto/N`: I from `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job's
/// 0-based pod index, plus one).
pub fn parse_segment(text: &str) -> Result<Segment, String> {
    let job_index = std::env::var(crate::run::segment::JOB_INDEX_VAR).ok();
    Segment::parse_with(text, job_index.as_deref()).map_err(|e| e.to_string())
}

/// An RFC 3339 time, e.g. `2026-12-03T10:00:00Z` or `2026-12-03T11:00:00.250+01:00` (whether it
/// is already past is the run's to judge, when it starts).
pub fn parse_start_at(text: &str) -> Result<SystemTime, String> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| {
            format!(
                "'{text}' is not an RFC 3339 time ({e}): expected e.g. 2026-12-03T10:00:00Z \
                 (`date -u -d '+60 seconds' +%Y-%m-%dT%H:%M:%SZ` prints one a minute ahead)"
            )
        })
}
