//! Threshold evaluation: each `p95 < 100ms`-style limit of the scenario checked against the finished
//! result, per endpoint or for the whole run. A threshold whose metric has no value (no requests, an
//! unknown endpoint, a finding no analysis produced) fails: a limit nobody could check is not met.

use crate::model::histogram::decode;
use crate::model::{EndpointStats, RunResult, ThresholdResult};
use crate::scenario::plan::{Metric, Threshold};
use crate::units::format_micros;
use crate::units::format_percent;

/// Evaluates every threshold against `result`, in the given order.
pub fn evaluate(thresholds: &[Threshold], result: &RunResult) -> Vec<ThresholdResult> {
    thresholds.iter().map(|t| evaluate_one(t, result)).collect()
}

/// True when every threshold passed (and vacuously when there are none).
pub fn all_passed(results: &[ThresholdResult]) -> bool {
    results.iter().all(|r| r.passed)
}

fn evaluate_one(threshold: &Threshold, result: &RunResult) -> ThresholdResult {
    let (observed, display) = match observe(threshold, result) {
        Ok(value) => (Some(value), display(&threshold.metric, value)),
        Err(why) => (None, why),
    };
    ThresholdResult {
        expression: threshold.expression.clone(),
        endpoint: threshold.endpoint.clone(),
        observed,
        observed_display: display,
        limit: threshold.limit,
        passed: observed.is_some_and(|v| threshold.op.holds(v, threshold.limit)),
    }
}

/// The observed value in the metric's canonical unit, or why there is none.
fn observe(threshold: &Threshold, result: &RunResult) -> Result<f64, String> {
    if let Metric::Finding(name) = &threshold.metric {
        return finding_value(name, result);
    }
    let stats: &EndpointStats = match &threshold.endpoint {
        None => &result.totals,
        Some(name) => result
            .endpoints
            .iter()
            .find(|e| &e.name == name)
            .ok_or_else(|| format!("no data (no request to endpoint '{name}')"))?,
    };
    let no_requests = || "no data (no requests)".to_string();
    match &threshold.metric {
        Metric::Percentile(p) => {
            if stats.latency.count == 0 {
                return Err(no_requests());
            }
            match decode(&stats.histogram) {
                Ok(h) => Ok(h.value_at_quantile(p / 100.0) as f64),
                Err(e) => Err(format!("no data (stored histogram unreadable: {e})")),
            }
        }
        Metric::MeanLatency if stats.latency.count > 0 => Ok(stats.latency.mean_us),
        Metric::MaxLatency if stats.latency.count > 0 => Ok(stats.latency.max_us as f64),
        Metric::MeanLatency | Metric::MaxLatency => Err(no_requests()),
        Metric::ErrorRate if stats.requests > 0 => {
            Ok(stats.failures as f64 / stats.requests as f64)
        }
        Metric::ErrorRate => Err(no_requests()),
        Metric::Rps => Ok(stats.rps),
        Metric::CacheHitRate => stats
            .cache
            .hit_rate()
            .ok_or_else(|| "no data (no response carried a cache hit or miss)".to_string()),
        Metric::Requests => Ok(stats.requests as f64),
        Metric::Finding(_) => unreachable!("handled above"),
    }
}

/// A finding's figure by name: a value of that name in any finding, or the single value of a
/// finding of that kind.
fn finding_value(name: &str, result: &RunResult) -> Result<f64, String> {
    let by_value = result
        .findings
        .iter()
        .find_map(|f| f.values.get(name).copied());
    let by_kind = || {
        result
            .findings
            .iter()
            .find(|f| f.kind == name && f.values.len() == 1)
            .and_then(|f| f.values.values().next().copied())
    };
    by_value
        .or_else(by_kind)
        .ok_or_else(|| format!("no value (no analysis of this run produced '{name}')"))
}

fn display(metric: &Metric, value: f64) -> String {
    match metric {
        Metric::Percentile(_) | Metric::MeanLatency | Metric::MaxLatency => format_micros(value),
        Metric::ErrorRate | Metric::CacheHitRate => format_percent(value),
        Metric::Rps => format!("{value:.1}/s"),
        Metric::Requests => format!("{value:.0}"),
        Metric::Finding(name) => display_finding(name, value),
    }
}

/// A finding's figure with its unit, e.g. "4.00s", "+12.5 MB/h", "0.5%".
pub fn display_finding(name: &str, value: f64) -> String {
    match name {
        "recovery_time" => format_micros(value * 1e6),
        "p95_slope" => format!("{value:+.2} ms/h"),
        n if n.ends_with("_rss_slope") => format!("{value:+.1} MB/h"),
        n if n.ends_with("_rate") => format_percent(value),
        n if n.ends_with("_secs") => format_micros(value * 1e6),
        n if n.ends_with("_ms") => format_micros(value * 1000.0),
        _ => format!("{value:.1}"),
    }
}

#[cfg(test)]
mod tests {
    // Threshold tests: each metric against a built result, per endpoint and whole-run, and the
    // "no value" cases failing with a clear display.

    use std::collections::BTreeMap;

    use super::*;
    use crate::model::Finding;
    use crate::results::build_result;
    use crate::results::tests::{inputs, plan, recording};
    use crate::scenario::plan::{Comparison, Threshold};

    fn threshold(metric: Metric, op: Comparison, limit: f64, endpoint: Option<&str>) -> Threshold {
        Threshold {
            expression: format!("{metric:?} {} {limit}", op.symbol()),
            metric,
            op,
            limit,
            endpoint: endpoint.map(str::to_string),
        }
    }

    #[test]
    fn each_metric_is_observed_in_its_canonical_unit() {
        let plan = plan("");
        let result = build_result(inputs(&plan, recording(&plan, None))).unwrap();
        // The plan's own thresholds: p95 < 100ms passes, error_rate 5% < 1% fails, rps 10 > 1000
        // fails, cache hit rate 60% > 50% passes, "GET /a" p99 < 1s passes.
        let passed: Vec<(&str, bool)> = result
            .thresholds
            .iter()
            .map(|t| (t.expression.as_str(), t.passed))
            .collect();
        assert_eq!(
            passed,
            [
                ("p95 < 100ms", true),
                ("error_rate < 1%", false),
                ("rps > 1000", false),
                ("cache_hit_rate > 50%", true),
                ("p99 < 1s", true),
            ]
        );
        let display: Vec<&str> = result
            .thresholds
            .iter()
            .map(|t| t.observed_display.as_str())
            .collect();
        assert_eq!(display, ["1.9ms", "5.0%", "10.0/s", "60.0%", "1.8ms"]);
        assert_eq!(result.thresholds[4].endpoint.as_deref(), Some("GET /a"));

        let use_ = |metric, op, limit, endpoint| {
            evaluate(&[threshold(metric, op, limit, endpoint)], &result).remove(0)
        };
        let p50 = use_(
            Metric::Percentile(50.0),
            Comparison::Less,
            2_000.0,
            Some("POST /b"),
        );
        assert_eq!((p50.observed, p50.passed), (Some(1_500.0), true));
        let max = use_(Metric::MaxLatency, Comparison::LessOrEqual, 1_900.0, None);
        assert_eq!((max.observed, max.passed), (Some(1_900.0), true));
        let requests = use_(Metric::Requests, Comparison::GreaterOrEqual, 20.0, None);
        assert!(requests.passed);
        let mean = use_(Metric::MeanLatency, Comparison::Greater, 0.0, None);
        assert_eq!(mean.observed, Some(1_450.0));
    }

    #[test]
    fn no_value_fails_with_a_clear_display() {
        let plan = plan("");
        let mut result = build_result(inputs(&plan, recording(&plan, None))).unwrap();
        let unknown = evaluate(
            &[threshold(
                Metric::Percentile(95.0),
                Comparison::Less,
                1e9,
                Some("GET /nope"),
            )],
            &result,
        )
        .remove(0);
        assert_eq!(unknown.observed, None);
        assert!(!unknown.passed);
        assert!(
            unknown
                .observed_display
                .contains("no request to endpoint 'GET /nope'")
        );

        let finding = threshold(
            Metric::Finding("recovery_time".into()),
            Comparison::Less,
            10.0,
            None,
        );
        let missing = evaluate(std::slice::from_ref(&finding), &result).remove(0);
        assert!(!missing.passed);
        assert!(
            missing.observed_display.contains("no analysis"),
            "{}",
            missing.observed_display
        );

        result.findings.push(Finding {
            kind: "recovery".into(),
            summary: "recovered in 4 s".into(),
            values: BTreeMap::from([("recovery_time".to_string(), 4.0)]),
            alarming: false,
            steps: Vec::new(),
        });
        let found = evaluate(&[finding], &result).remove(0);
        assert_eq!((found.observed, found.passed), (Some(4.0), true));
        assert_eq!(found.observed_display, "4.00s");
    }
}
