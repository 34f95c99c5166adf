//! clap value parsers shared by the commands: one way to read a duration, a factor, a
//! significance level or a worker's segment on the command line, with messages that say what is
//! expected.

use std::time::Duration;

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

/// `I/N`: worker I of N.
pub fn parse_segment(text: &str) -> Result<Segment, String> {
    Segment::parse(text).map_err(|e| e.to_string())
}
