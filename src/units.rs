//! Parsers for the human-friendly values used in scenario files and on the command line: durations
//! (`30s`, `5m`, `1h30m`, `250ms`), rates (`200/s`, `2.5k/s`, `600/m`), counts (`2.5k`),
//! percentages (`0.1%`) and sizes (`10MiB`). One implementation serves both the CLI and the scenario loader, so a value
//! means the same thing wherever it is written.

use std::time::Duration;

/// Why a value could not be parsed; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("'{0}' is not a duration: expected a number with a unit, e.g. 250ms, 30s, 5m, 1h30m")]
    Duration(String),
    #[error("'{0}' is not a rate: expected a count per unit of time, e.g. 200/s, 2.5k/s, 600/m")]
    Rate(String),
    #[error(
        "'{0}' is not a count: expected a non-negative number, optionally with k or M, e.g. 500, 2.5k"
    )]
    Count(String),
    #[error("'{0}' is not a percentage: expected a number followed by %, e.g. 0.1%, 80%")]
    Percent(String),
    #[error("'{0}' is not a size: expected a number of bytes with a unit, e.g. 512KiB, 10MiB, 1GB")]
    Size(String),
}

/// Parses a duration such as `30s`, `5m`, `1h30m`, `250ms` or `1.5s`.
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let t = text.trim();
    if let Some((number, unit)) = split_number(t)
        && !unit.is_empty()
        && !unit.chars().any(|c| c.is_ascii_digit())
    {
        // A single decimal quantity such as `1.5s` (humantime does not take fractions).
        let factor = match unit {
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => return Err(UnitError::Duration(text.to_string())),
        };
        if !(number.is_finite() && number >= 0.0) {
            return Err(UnitError::Duration(text.to_string()));
        }
        return Ok(Duration::from_secs_f64(number * factor));
    }
    humantime::parse_duration(t).map_err(|_| UnitError::Duration(text.to_string()))
}

/// Parses a rate such as `200/s`, `2.5k/s`, `600/m` or `36k/h`, returned in events per second.
pub fn parse_rate(text: &str) -> Result<f64, UnitError> {
    let err = || UnitError::Rate(text.to_string());
    let (count, per) = text.trim().split_once('/').ok_or_else(err)?;
    let count = parse_count(count).map_err(|_| err())?;
    let seconds = match per.trim() {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(err()),
    };
    Ok(count / seconds)
}

/// Parses a count such as `500`, `2.5k` or `1M`.
pub fn parse_count(text: &str) -> Result<f64, UnitError> {
    let err = || UnitError::Count(text.to_string());
    let (number, suffix) = split_number(text.trim()).ok_or_else(err)?;
    let factor = match suffix {
        "" => 1.0,
        "k" | "K" => 1e3,
        "M" => 1e6,
        _ => return Err(err()),
    };
    let value = number * factor;
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(err())
    }
}

/// Parses a size such as `10MiB`, `512 KiB`, `1.5MB` or `4096B` into bytes (KiB, MiB, GiB are
/// powers of 1024; kB/KB, MB, GB powers of 1000).
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let err = || UnitError::Size(text.to_string());
    let (number, unit) = split_number(text.trim()).ok_or_else(err)?;
    let factor: f64 = match unit {
        "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return Err(err()),
    };
    let bytes = (number * factor).round();
    if bytes.is_finite() && bytes < u64::MAX as f64 {
        Ok(bytes as u64)
    } else {
        Err(err())
    }
}

/// Parses a percentage such as `0.1%` into a fraction (`0.001`).
pub fn parse_percent(text: &str) -> Result<f64, UnitError> {
    let err = || UnitError::Percent(text.to_string());
    let number = text.trim().strip_suffix('%').ok_or_else(err)?;
    let value: f64 = number.trim().parse().map_err(|_| err())?;
    if value.is_finite() {
        Ok(value / 100.0)
    } else {
        Err(err())
    }
}

/// A fraction as a percentage for people: 0.05 → "5.0%", 0.0012 → "0.12%".
pub fn format_percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p != 0.0 && p.abs() < 1.0 {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Formats microseconds for people: `850µs`, `12.3ms`, `1.20s`.
pub fn format_micros(us: f64) -> String {
    if us < 1_000.0 {
        format!("{us:.0}µs")
    } else if us < 1_000_000.0 {
        format!("{:.1}ms", us / 1_000.0)
    } else {
        format!("{:.2}s", us / 1_000_000.0)
    }
}

/// Splits a leading decimal number from its unit suffix: `2.5k` -> (2.5, "k").
fn split_number(text: &str) -> Option<(f64, &str)> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number: f64 = text[..end].parse().ok()?;
    Some((number, text[end..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size(" 512 KiB "), Ok(512 * 1024));
        assert_eq!(parse_size("1.5MB"), Ok(1_500_000));
        assert_eq!(parse_size("64B"), Ok(64));
        for bad in ["10", "10mb", "-1MiB", "MiB", "1e30GiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("10 parsecs").is_err());
    }

    #[test]
    fn rates_counts_percents() {
        assert_eq!(parse_rate("200/s"), Ok(200.0));
        assert_eq!(parse_rate("2.5k/s"), Ok(2500.0));
        assert_eq!(parse_rate("600/m"), Ok(10.0));
        assert!(parse_rate("200").is_err());
        assert!(parse_rate("-5/s").is_err());
        assert_eq!(parse_count("2.5k"), Ok(2500.0));
        assert_eq!(parse_percent("0.1%"), Ok(0.001));
        assert!(parse_percent("0.1").is_err());
        assert_eq!(format_micros(850.0), "850µs");
        assert_eq!(format_micros(12_340.0), "12.3ms");
    }
}
