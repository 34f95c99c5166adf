//! Verdicts: is the candidate slower than the baseline, really? A metric is called `regressed` only
//! when two things hold at once: the one-sided Mann-Whitney test over the per-trial values is
//! significant at a strict alpha, *and* the median change is at least a minimum effect. The first
//! keeps noise from alarming; the second keeps a real but irrelevant 0.5% change from failing a build.
//! The mirror image calls `improved`. When the data cannot support a verdict, it says `inconclusive`
//! rather than guessing.

use serde::{Deserialize, Serialize};

use crate::analysis::stats::{Alternative, mann_whitney, median, min_achievable_p};
use crate::model::TrialStats;
use crate::scenario::gate::{GateSettings, GatedMetric};

/// The verdict on one metric, or on a whole comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Improved,
    Inconclusive,
    Regressed,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Improved => "improved",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Regressed => "regressed",
        }
    }
}

/// The verdict on one metric of one endpoint (or of the totals), and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricVerdict {
    pub metric: GatedMetric,
    pub verdict: Verdict,
    /// Median over the baseline's trials, in the metric's unit (µs, per second, fraction).
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    /// Relative change of the medians (0.1 = +10%); absolute for the error rate.
    pub change: Option<f64>,
    /// One-sided p-value in the direction of the change.
    pub p_value: Option<f64>,
    /// The verdict in words.
    pub explanation: String,
    /// Whether this verdict decides the comparison: a gated metric of the overall row, or of an
    /// endpoint that had enough trials and requests to be judged.
    #[serde(default)]
    pub gated: bool,
}

/// Judges one metric of `subject` (an endpoint name, or "overall") over per-trial values.
pub fn judge(
    subject: &str,
    metric: GatedMetric,
    baseline: &[TrialStats],
    candidate: &[TrialStats],
    settings: &GateSettings,
) -> MetricVerdict {
    let a: Vec<f64> = baseline.iter().map(|t| metric.value(t)).collect();
    let b: Vec<f64> = candidate.iter().map(|t| metric.value(t)).collect();
    let (med_a, med_b) = (median(&a), median(&b));
    let is_rate = metric == GatedMetric::ErrorRate;
    let change = match (med_a, med_b) {
        (Some(x), Some(y)) if is_rate => Some(y - x),
        (Some(x), Some(y)) if x > 0.0 => Some(y / x - 1.0),
        _ => None,
    };
    let mut verdict = MetricVerdict {
        metric,
        verdict: Verdict::Inconclusive,
        baseline: med_a,
        candidate: med_b,
        change,
        p_value: None,
        explanation: String::new(),
        gated: false,
    };
    let trials = format!("{} vs {} trials", a.len(), b.len());
    if min_achievable_p(a.len(), b.len()) > settings.alpha {
        let enough = (2..=200)
            .find(|&n| min_achievable_p(n, n) <= settings.alpha)
            .unwrap_or(200);
        verdict.explanation = format!(
            "{} of {subject}: inconclusive, {trials} cannot reach alpha {} ({enough} vs {enough} can)",
            metric.label(),
            settings.alpha
        );
        return verdict;
    }
    let needed = metric.min_requests(settings);
    let fewest = baseline
        .iter()
        .chain(candidate)
        .map(|t| t.requests)
        .min()
        .unwrap_or(0);
    if fewest < needed {
        verdict.explanation = format!(
            "{} of {subject}: inconclusive, a trial had only {fewest} requests ({needed} needed to gate it)",
            metric.label()
        );
        return verdict;
    }
    let (Some(x), Some(y), Some(delta)) = (med_a, med_b, change) else {
        verdict.verdict = Verdict::Pass;
        verdict.explanation = format!(
            "{} of {subject}: no change (baseline is zero)",
            metric.label()
        );
        return verdict;
    };
    // Test in the direction the medians moved; the other direction cannot be significant.
    let worse = if metric.higher_is_worse() {
        delta > 0.0
    } else {
        delta < 0.0
    };
    let alternative = if delta >= 0.0 {
        Alternative::Greater
    } else {
        Alternative::Less
    };
    let p = mann_whitney(&a, &b, alternative).map_or(1.0, |r| r.p_value);
    verdict.p_value = Some(p);
    let big_enough = delta.abs() >= settings.min_effect(metric);
    let significant = p <= settings.alpha;
    verdict.verdict = match (significant && big_enough, worse) {
        (true, true) => Verdict::Regressed,
        (true, false) => Verdict::Improved,
        _ => Verdict::Pass,
    };
    let amount = if is_rate {
        format!("{:.2} points", delta.abs() * 100.0)
    } else {
        format!("{:.1}%", delta.abs() * 100.0)
    };
    let moved = match delta.partial_cmp(&0.0) {
        Some(std::cmp::Ordering::Greater) => format!("rose {amount}"),
        Some(std::cmp::Ordering::Less) => format!("fell {amount}"),
        _ => "did not change".to_string(),
    };
    let outcome = match verdict.verdict {
        Verdict::Regressed => "regressed".to_string(),
        Verdict::Improved => "improved".to_string(),
        _ if significant && !big_enough => format!(
            "pass, below the minimum effect of {}",
            if is_rate {
                format!("{:.2} points", settings.min_effect(metric) * 100.0)
            } else {
                format!("{:.0}%", settings.min_effect(metric) * 100.0)
            }
        ),
        _ => format!(
            "pass, within noise (not significant at alpha {})",
            settings.alpha
        ),
    };
    verdict.explanation = format!(
        "{} of {subject} {moved} ({} → {}), p = {} over {trials}: {outcome}",
        metric.label(),
        metric.format(x),
        metric.format(y),
        format_p(p),
    );
    verdict
}

/// A p-value with two significant digits (`0.00078`, `0.031`, `1`).
pub fn format_p(p: f64) -> String {
    if p >= 0.995 {
        return "1".into();
    }
    if p <= 0.0 {
        return "0".into();
    }
    let digits = (-p.log10().floor()) as usize + 1;
    format!("{p:.digits$}")
}

/// The overall verdict of several metric verdicts: any regression wins, then inconclusive, then
/// improved; `pass` only when every metric passed.
pub fn overall(verdicts: &[MetricVerdict]) -> Verdict {
    verdicts
        .iter()
        .map(|v| v.verdict)
        .max()
        .unwrap_or(Verdict::Inconclusive)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trials(p50s: &[u64], requests: u64) -> Vec<TrialStats> {
        p50s.iter()
            .map(|&p| TrialStats {
                requests,
                p50_us: p,
                p95_us: p * 2,
                p99_us: p * 3,
                throughput_rps: 100.0,
                error_rate: 0.0,
            })
            .collect()
    }

    const BASE: [u64; 8] = [1000, 1010, 990, 1005, 995, 1020, 980, 1002];

    #[test]
    fn a_clear_slowdown_regresses_and_says_why() {
        let slower: Vec<u64> = BASE.iter().map(|v| v * 12 / 10).collect();
        let v = judge(
            "GET /x",
            GatedMetric::P50,
            &trials(&BASE, 5000),
            &trials(&slower, 5000),
            &GateSettings::default(),
        );
        assert_eq!(v.verdict, Verdict::Regressed, "{}", v.explanation);
        assert!(
            v.explanation.starts_with(
                "p50 of GET /x rose 20.0% (1.0ms → 1.2ms), p = 0.000078 over 8 vs 8 trials: regressed"
            ),
            "{}",
            v.explanation
        );
        assert!(v.explanation.contains("over 8 vs 8 trials"));
        let back = judge(
            "GET /x",
            GatedMetric::P50,
            &trials(&slower, 5000),
            &trials(&BASE, 5000),
            &GateSettings::default(),
        );
        assert_eq!(back.verdict, Verdict::Improved);
        assert!(
            back.explanation.contains("fell 16.7%"),
            "{}",
            back.explanation
        );
    }

    #[test]
    fn p_values_read_with_two_significant_digits() {
        assert_eq!(format_p(1.0 / 12_870.0), "0.000078");
        assert_eq!(format_p(0.0312), "0.031");
        assert_eq!(format_p(0.5), "0.50");
        assert_eq!(format_p(0.999), "1");
    }

    #[test]
    fn noise_and_small_effects_pass() {
        let same: Vec<u64> = BASE.iter().rev().copied().collect();
        let settings = GateSettings::default();
        let v = judge(
            "all",
            GatedMetric::P50,
            &trials(&BASE, 5000),
            &trials(&same, 5000),
            &settings,
        );
        assert_eq!(v.verdict, Verdict::Pass);
        // Significant (complete separation) but only +3%: below the 5% minimum effect.
        let tight: Vec<u64> = (1000..1008).collect();
        let slightly: Vec<u64> = tight.iter().map(|v| v + 30).collect();
        let v = judge(
            "all",
            GatedMetric::P50,
            &trials(&tight, 5000),
            &trials(&slightly, 5000),
            &settings,
        );
        assert_eq!(v.verdict, Verdict::Pass, "{}", v.explanation);
        assert!(v.p_value.unwrap() < settings.alpha);
        assert!(
            v.explanation.contains("minimum effect"),
            "{}",
            v.explanation
        );
    }

    #[test]
    fn too_few_trials_or_samples_are_inconclusive() {
        let settings = GateSettings::default();
        let slower: Vec<u64> = BASE.iter().map(|v| v * 2).collect();
        let v = judge(
            "all",
            GatedMetric::P50,
            &trials(&BASE[..3], 5000),
            &trials(&slower[..3], 5000),
            &settings,
        );
        assert_eq!(v.verdict, Verdict::Inconclusive);
        assert!(v.explanation.contains("3 vs 3 trials cannot reach alpha"));
        let v = judge(
            "all",
            GatedMetric::P99,
            &trials(&BASE, 500),
            &trials(&slower, 500),
            &settings,
        );
        assert_eq!(v.verdict, Verdict::Inconclusive);
        assert_eq!(overall(&[v]), Verdict::Inconclusive);
    }
}
