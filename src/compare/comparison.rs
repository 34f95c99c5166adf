//! Comparing a candidate run with a baseline run: per endpoint and overall, the change of each gated
//! metric with its verdict. A baseline is just a previous RunResult; this module only reads results,
//! never runs anything, so a comparison can be made again at any time from the two files.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::verdict::{MetricVerdict, Verdict, judge, overall};
use crate::model::{EndpointStats, OutcomeStatus, RunResult, TrialStats};
use crate::scenario::gate::{GateSettings, GatedMetric};

/// The subject name of the all-endpoints row.
pub const OVERALL: &str = "overall";

/// A finished comparison, ready to render or to gate on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub settings: GateSettings,
    /// The verdict over the gated metrics of the overall row (or `inconclusive` with reasons).
    pub verdict: Verdict,
    /// Why the verdict is what it is, one sentence per regressed/improved/inconclusive metric.
    pub reasons: Vec<String>,
    /// `overall` first, then each endpoint present in either run, by name.
    pub rows: Vec<ComparisonRow>,
    /// Things that make the comparison less trustworthy (different hosts, scenario files, ...).
    pub warnings: Vec<String>,
    /// The alpha of each endpoint's tests when endpoints are gated: the overall alpha split over
    /// the endpoints with enough requests; `None` when no endpoint is gated.
    #[serde(default)]
    pub endpoint_alpha: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    pub subject: String,
    /// One verdict per metric in [`GatedMetric::ALL`] order; only the `gated` ones set the verdict.
    pub metrics: Vec<MetricVerdict>,
}

impl Comparison {
    /// The metric verdicts that decide, with their row's subject: the gated metrics of the overall
    /// row, then those of each endpoint that could be judged.
    pub fn gated(&self) -> impl Iterator<Item = (&str, &MetricVerdict)> {
        self.rows.iter().flat_map(|r| {
            r.metrics
                .iter()
                .filter(|m| m.gated)
                .map(move |m| (r.subject.as_str(), m))
        })
    }

    /// The sentences behind the verdict: the reasons when there are any (regressed, improved or
    /// inconclusive metrics, invalid runs), else each gated metric's explanation of the overall
    /// row and a line for the endpoints.
    pub fn explain_lines(&self) -> Vec<String> {
        if !self.reasons.is_empty() {
            return self.reasons.clone();
        }
        let mut lines: Vec<String> = self
            .gated()
            .filter(|(subject, _)| *subject == OVERALL)
            .map(|(_, m)| m.explanation.clone())
            .collect();
        let endpoints: BTreeSet<&str> = self
            .gated()
            .map(|(subject, _)| subject)
            .filter(|s| *s != OVERALL)
            .collect();
        if let (Some(alpha), false) = (self.endpoint_alpha, endpoints.is_empty()) {
            let (n, gated) = match endpoints.len() {
                1 => (1, "endpoint gated at"),
                n => (n, "endpoints gated each at"),
            };
            lines.push(format!(
                "{n} {gated} alpha {}: none regressed or improved",
                super::verdict::format_p(alpha)
            ));
        }
        lines
    }

    /// The verdict in words: "regressed: p95 of overall rose 14.2% (12.1ms → 13.8ms), p = 0.00016
    /// over 8 vs 8 trials: regressed".
    pub fn explain(&self) -> String {
        format!(
            "{}: {}",
            self.verdict.label(),
            self.explain_lines().join("; ")
        )
    }
}

/// Compares `candidate` with `baseline`.
pub fn compare(baseline: &RunResult, candidate: &RunResult, settings: &GateSettings) -> Comparison {
    let mut warnings = environment_warnings(baseline, candidate);
    let mut reasons = Vec::new();
    let mut invalid = false;
    for (side, run) in [("baseline", baseline), ("candidate", candidate)] {
        if run.outcome.status != OutcomeStatus::Completed {
            invalid = true;
            reasons.push(format!(
                "the {side} run is {}: {}",
                match run.outcome.status {
                    OutcomeStatus::Invalid => "invalid",
                    _ => "interrupted",
                },
                if run.outcome.reasons.is_empty() {
                    "no reason recorded".to_string()
                } else {
                    run.outcome.reasons.join("; ")
                }
            ));
        }
    }
    let (base_trials, cand_trials) = (trials_of(baseline), trials_of(candidate));
    for (side, run) in [("baseline", baseline), ("candidate", candidate)] {
        let invalid = run.trials.iter().filter(|t| !t.valid).count();
        if invalid > 0 {
            warnings.push(format!(
                "{invalid} of {} trials of the {side} were invalid (generator saturated or starts \
                 dropped) and are left out",
                run.trials.len()
            ));
        }
    }
    if baseline.trials.is_empty() || candidate.trials.is_empty() {
        warnings.push(
            "a run has no repeated trials, so each side is a single sample: deltas are shown but no \
             verdict is possible (run a regression scenario with trials)"
                .into(),
        );
    }
    let mut subjects: BTreeSet<String> = BTreeSet::new();
    subjects.extend(baseline.endpoints.iter().map(|e| e.name.clone()));
    subjects.extend(candidate.endpoints.iter().map(|e| e.name.clone()));
    let endpoints: Vec<(String, Vec<TrialStats>, Vec<TrialStats>)> = subjects
        .into_iter()
        .map(|name| {
            let pick = |t: &[(TrialStats, Vec<(String, TrialStats)>)]| -> Vec<TrialStats> {
                t.iter()
                    .filter_map(|(_, eps)| {
                        eps.iter().find(|(n, _)| *n == name).map(|(_, s)| s.clone())
                    })
                    .collect()
            };
            let (a, b) = (pick(&base_trials.1), pick(&cand_trials.1));
            (name, a, b)
        })
        .collect();
    let mut rows = vec![row(OVERALL, &base_trials.0, &cand_trials.0, settings)];
    for m in &mut rows[0].metrics {
        m.gated = settings.metrics.contains(&m.metric);
    }
    // Each endpoint with enough behind it is a test of its own: alpha is split over them
    // (Bonferroni), so gating ten endpoints raises the false-alarm rate no more than gating one.
    let judged = endpoints
        .iter()
        .filter(|(_, a, b)| enough_requests(a, b, settings.min_requests))
        .count();
    let endpoint_alpha = (settings.endpoints && judged > 0).then(|| settings.alpha / judged as f64);
    let endpoint_settings = GateSettings {
        alpha: endpoint_alpha.unwrap_or(settings.alpha),
        ..settings.clone()
    };
    for (name, a, b) in &endpoints {
        let mut r = row(name, a, b, &endpoint_settings);
        if endpoint_alpha.is_some() {
            for m in &mut r.metrics {
                m.gated =
                    settings.metrics.contains(&m.metric) && m.verdict != Verdict::Inconclusive;
            }
        }
        rows.push(r);
    }
    let gated: Vec<MetricVerdict> = rows
        .iter()
        .flat_map(|r| &r.metrics)
        .filter(|m| m.gated)
        .cloned()
        .collect();
    let verdict = if invalid {
        Verdict::Inconclusive
    } else {
        for m in &gated {
            if m.verdict != Verdict::Pass {
                reasons.push(m.explanation.clone());
            }
        }
        overall(&gated)
    };
    Comparison {
        settings: settings.clone(),
        verdict,
        reasons,
        rows,
        warnings,
        endpoint_alpha,
    }
}

/// True when both sides have trials and every trial has at least `min` requests.
fn enough_requests(a: &[TrialStats], b: &[TrialStats], min: u64) -> bool {
    !a.is_empty() && !b.is_empty() && a.iter().chain(b).all(|t| t.requests >= min)
}

fn row(
    subject: &str,
    a: &[TrialStats],
    b: &[TrialStats],
    settings: &GateSettings,
) -> ComparisonRow {
    ComparisonRow {
        subject: subject.to_string(),
        metrics: GatedMetric::ALL
            .iter()
            .map(|&m| judge(subject, m, a, b, settings))
            .collect(),
    }
}

type Trials = (
    Vec<TrialStats>,
    Vec<(TrialStats, Vec<(String, TrialStats)>)>,
);

/// The valid trials of a run (totals, and per endpoint); a run without trials counts as one trial.
fn trials_of(run: &RunResult) -> Trials {
    if run.trials.is_empty() {
        let total = stats_of(&run.totals, run.duration_secs);
        let eps = run
            .endpoints
            .iter()
            .map(|e| (e.name.clone(), stats_of(e, run.duration_secs)))
            .collect();
        return (vec![total.clone()], vec![(total, eps)]);
    }
    let valid = run.trials.iter().filter(|t| t.valid);
    let per: Vec<_> = valid
        .map(|t| {
            let eps = t
                .endpoints
                .iter()
                .map(|(n, s)| (n.clone(), s.clone()))
                .collect();
            (t.total.clone(), eps)
        })
        .collect();
    (per.iter().map(|(t, _)| t.clone()).collect(), per)
}

fn stats_of(e: &EndpointStats, duration_secs: f64) -> TrialStats {
    TrialStats::new(e.requests, e.failures, &e.latency, duration_secs)
}

fn environment_warnings(a: &RunResult, b: &RunResult) -> Vec<String> {
    let mut w = Vec::new();
    let (ea, eb) = (&a.environment, &b.environment);
    if ea.hostname != eb.hostname || ea.cores != eb.cores {
        w.push(format!(
            "the runs come from different machines ({}, {} cores vs {}, {} cores)",
            ea.hostname, ea.cores, eb.hostname, eb.cores
        ));
    }
    if a.scenario.file_sha256 != b.scenario.file_sha256 {
        w.push(format!(
            "the scenario files differ ('{}' vs '{}')",
            a.scenario.name, b.scenario.name
        ));
    }
    if a.tool.version != b.tool.version {
        w.push(format!(
            "different Stampede versions ({} vs {})",
            a.tool.version, b.tool.version
        ));
    }
    w
}

#[cfg(test)]
mod tests {
    // Endpoint gating: a slowdown of one small endpoint fails the gate by name, at an alpha split
    // over the endpoints that can be judged; endpoints with too few requests are shown, not gated.

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
}
