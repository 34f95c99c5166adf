//! Endpoint gating: a slowdown of one small endpoint fails the gate by name, at an alpha split
//! over the endpoints that can be judged; endpoints with too few requests are shown, not gated.

use super::*;
use crate::analysis::tests::empty_run;
use crate::model::TrialSummary;

/// Trial-to-trial jitter of a few tenths of a percent, the same on both sides.
const JITTER: [u64; 8] = [1000, 1010, 990, 1005, 995, 1020, 980, 1002];

fn stats(requests: u64, p50_us: u64) -> TrialStats {
    TrialStats {
        requests,
        p50_us,
        p95_us: p50_us * 2,
        p99_us: p50_us * 3,
        throughput_rps: requests as f64 / 10.0,
        error_rate: 0.0,
    }
}

/// A run of 8 trials: `endpoints` are (name, requests per trial, p50 in µs); the overall row's p50
/// is the busiest endpoint's.
fn run(endpoints: &[(&str, u64, u64)]) -> RunResult {
    let mut r = empty_run(80);
    r.endpoints = endpoints
        .iter()
        .map(|(name, _, _)| EndpointStats {
            name: (*name).into(),
            ..r.totals.clone()
        })
        .collect();
    r.trials = (0..8)
        .map(|i| {
            let jitter = |p50: u64| p50 * JITTER[i] / 1000;
            let requests = endpoints.iter().map(|e| e.1).sum();
            TrialSummary {
                index: i as u32,
                side: None,
                valid: true,
                reasons: vec![],
                started_at: String::new(),
                duration_secs: 10.0,
                total: stats(requests, jitter(endpoints[0].2)),
                endpoints: endpoints
                    .iter()
                    .map(|(name, n, p50)| ((*name).to_string(), stats(*n, jitter(*p50))))
                    .collect(),
            }
        })
        .collect();
    r
}

fn settings() -> GateSettings {
    GateSettings {
        min_requests_p99: 5_000,
        ..GateSettings::default()
    }
}

#[test]
fn a_slower_small_endpoint_fails_the_gate_by_name() {
    let baseline = run(&[
        ("GET /a", 900, 1000),
        ("GET /b", 150, 2000),
        ("GET /c", 20, 500),
    ]);
    let candidate = run(&[
        ("GET /a", 900, 1000),
        ("GET /b", 150, 2400),
        ("GET /c", 20, 500),
    ]);
    let c = compare(&baseline, &candidate, &settings());
    assert_eq!(c.verdict, Verdict::Regressed, "{}", c.explain());
    assert!(
        c.reasons
            .iter()
            .any(|r| r.starts_with("p50 of GET /b rose 20.0% (2.0ms → 2.4ms)")),
        "{:?}",
        c.reasons
    );
    // Two endpoints have the 100 requests per trial to be judged: alpha is split over them.
    assert_eq!(c.endpoint_alpha, Some(0.0025 / 2.0));
    let gated: Vec<(&str, GatedMetric)> = c.gated().map(|(s, m)| (s, m.metric)).collect();
    assert!(gated.contains(&(OVERALL, GatedMetric::P50)));
    assert!(gated.contains(&("GET /b", GatedMetric::P50)));
    assert!(
        !gated.iter().any(|(s, _)| *s == "GET /c"),
        "20 requests per trial are too few to gate: {gated:?}"
    );
    // p95 needs a fifth of min_requests_p99 (1,000) per trial: gated overall, not for GET /b.
    assert!(gated.contains(&(OVERALL, GatedMetric::P95)));
    assert!(!gated.contains(&("GET /b", GatedMetric::P95)));
    let overall_p50 = &c.rows[0].metrics[0];
    assert_eq!(
        overall_p50.verdict,
        Verdict::Pass,
        "{}",
        overall_p50.explanation
    );
    let junit = crate::compare::render::junit_cases(&c, false);
    let failed: Vec<&str> = junit
        .iter()
        .filter(|case| case.failure.is_some())
        .map(|case| case.name.as_str())
        .collect();
    assert_eq!(failed, ["p50 (GET /b): regressed"]);
    // Every rendering says what the stars mean, with the endpoints' alpha.
    let html = crate::compare::render::html_section(&c, "gate").html;
    let md = crate::compare::render::markdown(&c, "gate");
    for text in [&html, &md] {
        assert!(text.contains("each endpoint at alpha 0.0013"), "{text}");
    }
}

#[test]
fn overall_only_gating_lets_the_small_endpoint_pass() {
    let baseline = run(&[("GET /a", 900, 1000), ("GET /b", 150, 2000)]);
    let candidate = run(&[("GET /a", 900, 1000), ("GET /b", 150, 2400)]);
    let s = GateSettings {
        endpoints: false,
        ..settings()
    };
    let c = compare(&baseline, &candidate, &s);
    assert_eq!(c.verdict, Verdict::Pass, "{}", c.explain());
    assert_eq!(c.endpoint_alpha, None);
    assert!(c.gated().all(|(subject, _)| subject == OVERALL));
    // The endpoint's row still shows what happened, judged at the full alpha.
    let b = c.rows.iter().find(|r| r.subject == "GET /b").unwrap();
    assert_eq!(b.metrics[0].verdict, Verdict::Regressed);
    assert!(!b.metrics[0].gated);
}

#[test]
fn same_runs_pass_and_say_how_many_endpoints_were_gated() {
    let endpoints = [("GET /a", 900, 1000), ("GET /b", 150, 2000)];
    let c = compare(&run(&endpoints), &run(&endpoints), &settings());
    assert_eq!(c.verdict, Verdict::Pass, "{}", c.explain());
    let lines = c.explain_lines();
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("2 endpoints gated each at alpha 0.0013"),
        "{lines:?}"
    );
    let one = [("GET /a", 1100, 1000)];
    let lines = compare(&run(&one), &run(&one), &settings()).explain_lines();
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("1 endpoint gated at alpha 0.0025"),
        "{lines:?}"
    );
}
