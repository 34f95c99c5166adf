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
#[path = "comparison_tests.rs"]
mod tests;
