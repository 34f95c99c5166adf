//! Threshold expressions: `METRIC OP VALUE`, e.g. `p95 < 100ms`, `error_rate < 0.1%`, `rps > 500`,
//! `cache_hit_rate >= 80%`, `recovery_time < 10s`. Each metric takes one kind of value (a latency
//! takes a duration, a rate a percentage), converted to the metric's canonical unit so the
//! evaluator compares plain numbers.

use super::error::did_you_mean;
use super::plan::{Comparison, Metric, ScenarioKind, Threshold};
use super::values::{parse_percent, parse_rate};
use crate::units::{parse_count, parse_duration};

/// The kind of value a metric is compared with, and the canonical unit it is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A duration, in microseconds.
    Micros,
    /// A duration, in seconds.
    Seconds,
    /// A duration, in milliseconds.
    Millis,
    /// A percentage, as a fraction.
    Fraction,
    /// A plain number, a count (`10k`) or a rate (`500/s`, per second).
    Number,
    /// A trend in MB per hour: `50MB/h`, or a plain number.
    MbPerHour,
    /// A trend in milliseconds per hour: `10ms/h`, or a plain number.
    MsPerHour,
}

/// A figure an analysis produces, usable in a whole-run threshold: (name, the scenario kind whose
/// analysis produces it, unit). Mirrors the `values` keys of `crate::analysis`.
const FINDINGS: &[(&str, ScenarioKind, Unit)] = &[
    ("recovery_time", ScenarioKind::Spike, Unit::Seconds),
    ("spike_start_secs", ScenarioKind::Spike, Unit::Seconds),
    ("spike_duration_secs", ScenarioKind::Spike, Unit::Seconds),
    ("spike_factor", ScenarioKind::Spike, Unit::Number),
    ("spike_errors", ScenarioKind::Spike, Unit::Number),
    ("spike_error_rate", ScenarioKind::Spike, Unit::Fraction),
    ("pre_spike_p95_ms", ScenarioKind::Spike, Unit::Millis),
    ("spike_p95_ms", ScenarioKind::Spike, Unit::Millis),
    ("breaking_point_load", ScenarioKind::Stress, Unit::Number),
    ("breaking_point_rps", ScenarioKind::Stress, Unit::Number),
    ("breaking_point_p99_ms", ScenarioKind::Stress, Unit::Millis),
    ("knee_load", ScenarioKind::Stress, Unit::Number),
    ("first_failing_load", ScenarioKind::Stress, Unit::Number),
    ("steps", ScenarioKind::Stress, Unit::Number),
    ("p95_slope", ScenarioKind::Endurance, Unit::MsPerHour),
    ("target_rss_slope", ScenarioKind::Endurance, Unit::MbPerHour),
    (
        "generator_rss_slope",
        ScenarioKind::Endurance,
        Unit::MbPerHour,
    ),
];

const RUN_METRICS: &[&str] = &[
    "p50",
    "p90",
    "p95",
    "p99",
    "p99.9",
    "mean",
    "max",
    "error_rate",
    "rps",
    "cache_hit_rate",
    "requests",
];

/// Parses one expression. `endpoint` is the endpoint it is declared for, `None` for the whole run;
/// `kind` decides which findings exist. The error says what was expected.
pub(crate) fn parse_threshold(
    text: &str,
    kind: ScenarioKind,
    endpoint: Option<&str>,
) -> Result<Threshold, String> {
    let expression = text.trim();
    let (at, op, width) = find_operator(expression).ok_or_else(|| {
        format!(
            "'{expression}' is not a threshold: expected METRIC OP VALUE with OP one of <, <=, >, >=, e.g. \"p95 < 100ms\""
        )
    })?;
    let name = expression[..at].trim();
    let value = expression[at + width..].trim();
    if name.is_empty() || value.is_empty() {
        return Err(format!(
            "'{expression}' is incomplete: expected METRIC OP VALUE, e.g. \"p95 < 100ms\""
        ));
    }
    let (metric, unit) = metric(name, kind, endpoint)?;
    let limit = parse_value(value, unit).map_err(|expected| {
        format!("'{value}' is not a valid limit for `{name}`: expected {expected}")
    })?;
    Ok(Threshold {
        expression: expression.to_string(),
        metric,
        op,
        limit,
        endpoint: endpoint.map(str::to_string),
    })
}

fn find_operator(text: &str) -> Option<(usize, Comparison, usize)> {
    let at = text.find(['<', '>'])?;
    let rest = &text[at..];
    Some(if rest.starts_with("<=") {
        (at, Comparison::LessOrEqual, 2)
    } else if rest.starts_with(">=") {
        (at, Comparison::GreaterOrEqual, 2)
    } else if rest.starts_with('<') {
        (at, Comparison::Less, 1)
    } else {
        (at, Comparison::Greater, 1)
    })
}

fn metric(
    name: &str,
    kind: ScenarioKind,
    endpoint: Option<&str>,
) -> Result<(Metric, Unit), String> {
    let found = match name {
        "mean" | "avg" => Some((Metric::MeanLatency, Unit::Micros)),
        "max" => Some((Metric::MaxLatency, Unit::Micros)),
        "error_rate" => Some((Metric::ErrorRate, Unit::Fraction)),
        "rps" => Some((Metric::Rps, Unit::Number)),
        "cache_hit_rate" => Some((Metric::CacheHitRate, Unit::Fraction)),
        "requests" => Some((Metric::Requests, Unit::Number)),
        _ => None,
    };
    if let Some(found) = found {
        return Ok(found);
    }
    if let Some(p) = name.strip_prefix('p').and_then(|p| p.parse::<f64>().ok()) {
        if !(p > 0.0 && p <= 100.0) {
            return Err(format!(
                "`{name}`: a percentile must be above p0 and at most p100, e.g. p95 or p99.9"
            ));
        }
        return Ok((Metric::Percentile(p), Unit::Micros));
    }
    if let Some((_, produced_by, unit)) = FINDINGS.iter().find(|(f, _, _)| *f == name) {
        if let Some(endpoint) = endpoint {
            return Err(format!(
                "`{name}` is a finding of the whole run and cannot be a threshold of endpoint `{endpoint}`; put it in the top-level `thresholds`"
            ));
        }
        if *produced_by != kind {
            return Err(format!(
                "`{name}` is measured only in {} scenarios (kind = \"{}\"), and this one is kind = \"{}\"",
                produced_by.name(),
                produced_by.name(),
                kind.name()
            ));
        }
        return Ok((Metric::Finding(name.to_string()), *unit));
    }
    let findings: Vec<&str> = FINDINGS
        .iter()
        .filter(|(_, k, _)| *k == kind && endpoint.is_none())
        .map(|(f, _, _)| *f)
        .collect();
    let candidates = RUN_METRICS.iter().chain(findings.iter()).copied();
    let mut message = format!("unknown metric `{name}`");
    if let Some(best) = did_you_mean(name, candidates) {
        message.push_str(&format!(": did you mean `{best}`?"));
    }
    message.push_str(
        " (expected pNN such as p95 or p99.9, mean, max, error_rate, rps, cache_hit_rate, requests",
    );
    if !findings.is_empty() {
        message.push_str(&format!(
            ", or a finding of {} scenarios: {}",
            kind.name(),
            findings.join(", ")
        ));
    }
    message.push(')');
    Err(message)
}

/// Converts the written limit to the unit's canonical number; the error says what was expected.
fn parse_value(value: &str, unit: Unit) -> Result<f64, &'static str> {
    match unit {
        Unit::Micros | Unit::Seconds | Unit::Millis => {
            let d = parse_duration(value).map_err(|_| "a duration such as 100ms or 1.5s")?;
            Ok(match unit {
                Unit::Micros => d.as_secs_f64() * 1e6,
                Unit::Millis => d.as_secs_f64() * 1e3,
                _ => d.as_secs_f64(),
            })
        }
        Unit::MbPerHour => per_hour(value, "MB/h")
            .ok_or("a trend such as 50MB/h (or a plain number of MB per hour)"),
        Unit::MsPerHour => per_hour(value, "ms/h")
            .ok_or("a trend such as 10ms/h (or a plain number of milliseconds per hour)"),
        Unit::Fraction => parse_percent(value)
            .map(|p| p.0)
            .map_err(|_| "a percentage between 0% and 100% such as 0.1%"),
        Unit::Number => {
            if value.contains('/') {
                parse_rate(value)
                    .map(|r| r.0)
                    .map_err(|_| "a number or a rate such as 500/s")
            } else if let Ok(n) = value
                .parse::<f64>()
                .map_err(|_| ())
                .and_then(|n| if n.is_finite() { Ok(n) } else { Err(()) })
            {
                Ok(n)
            } else {
                parse_count(value)
                    .map_err(|_| "a number such as 500 or 2.5k, or a rate such as 500/s")
            }
        }
    }
}

/// `50MB/h`, `50 MB/h` or `50` (the unit is the only one accepted, spelled as given); may be
/// negative (a shrinking trend).
fn per_hour(value: &str, unit: &str) -> Option<f64> {
    let number = value.strip_suffix(unit).unwrap_or(value).trim();
    number.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Threshold {
        parse_threshold(text, ScenarioKind::Spike, None).unwrap()
    }

    fn err(text: &str, kind: ScenarioKind, endpoint: Option<&str>) -> String {
        parse_threshold(text, kind, endpoint).unwrap_err()
    }

    #[test]
    fn parses_metrics_into_canonical_units() {
        let t = ok("p95 < 100ms");
        assert_eq!(
            (t.metric, t.op, t.limit),
            (Metric::Percentile(95.0), Comparison::Less, 100_000.0)
        );
        assert_eq!(ok("p99.9 <= 1s").metric, Metric::Percentile(99.9));
        assert!((ok("error_rate < 0.1%").limit - 0.001).abs() < 1e-12);
        assert_eq!(ok("rps > 500").limit, 500.0);
        assert_eq!(ok("rps >= 600/m").limit, 10.0);
        assert_eq!(ok("cache_hit_rate > 80%").limit, 0.8);
        assert_eq!(ok("requests >= 10k").limit, 10_000.0);
        let t = ok("recovery_time < 10s");
        assert_eq!(
            (t.metric, t.limit),
            (Metric::Finding("recovery_time".into()), 10.0)
        );
        assert_eq!(ok("spike_p95_ms < 0.25s").limit, 250.0);
        let endurance = |t| {
            parse_threshold(t, ScenarioKind::Endurance, None)
                .unwrap()
                .limit
        };
        assert_eq!(endurance("target_rss_slope < 50MB/h"), 50.0);
        assert_eq!(endurance("target_rss_slope < 50 MB/h"), 50.0);
        assert_eq!(endurance("generator_rss_slope < 5"), 5.0);
        assert_eq!(endurance("p95_slope < 10ms/h"), 10.0);
        let t = parse_threshold(" p99 < 50ms ", ScenarioKind::Load, Some("search")).unwrap();
        assert_eq!(
            (t.expression.as_str(), t.endpoint.as_deref()),
            ("p99 < 50ms", Some("search"))
        );
    }

    #[test]
    fn explains_what_was_expected() {
        let load = ScenarioKind::Load;
        assert!(err("p95 100ms", load, None).contains("expected METRIC OP VALUE"));
        assert!(err("p95 < fast", load, None).contains("expected a duration"));
        assert!(err("error_rate < 0.1", load, None).contains("expected a percentage"));
        assert!(err("error_rate < 150%", load, None).contains("percentage between 0% and 100%"));
        assert!(err("p95x < 1s", load, None).contains("did you mean `p95`?"));
        assert!(err("p0 < 1s", load, None).contains("above p0"));
        let e = err("recovery_time < 10s", load, None);
        assert!(e.contains("only in spike scenarios"), "{e}");
        let e = err("recovery_time < 10s", ScenarioKind::Spike, Some("search"));
        assert!(e.contains("whole run"), "{e}");
        let e = err("target_rss_slope < 50GB/h", ScenarioKind::Endurance, None);
        assert!(e.contains("expected a trend such as 50MB/h"), "{e}");
        let e = err("recovry_time < 10s", ScenarioKind::Spike, None);
        assert!(e.contains("did you mean `recovery_time`?"), "{e}");
    }
}
