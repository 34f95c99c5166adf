//! Threshold tests: each metric against a built result, per endpoint and whole-run, and the
//! "no value" cases failing with a clear display.

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
