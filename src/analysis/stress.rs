//! Stress analysis: where does the service break? The run's load rises in steps; each step's
//! latency, error rate and achieved throughput are checked against the limits, and the breaking
//! point is the highest step before the first one that failed them. The knee of the latency curve
//! (where p99 starts to climb steeply) is found with the "largest distance below the chord" rule on
//! the normalised curve, and the first failing step says what failed first.

use std::collections::BTreeMap;

use super::Finding;
use crate::analysis::stats::median;
use crate::model::{LoadStep, RunResult, Window};
use crate::scenario::plan::{Comparison, Metric, Threshold};
use crate::units::{format_micros, format_percent};

/// Open model: a step with fewer arrivals is not judged on its answered rate.
const MIN_ARRIVALS_TO_JUDGE: f64 = 100.0;

/// The limits a step must meet.
#[derive(Debug, Clone, PartialEq)]
pub struct StressLimits {
    /// p99 must stay below this many microseconds.
    pub p99_us: f64,
    /// The error rate must stay below this fraction.
    pub error_rate: f64,
    /// Open model: the achieved request rate must reach this share of what the step offered
    /// (its arrival rate times the requests per arrival of the steps that met the other limits).
    pub min_throughput_ratio: f64,
    /// Open model: at most this share of the step's starts may be dropped (in-flight cap).
    pub max_dropped_share: f64,
}

impl Default for StressLimits {
    fn default() -> Self {
        StressLimits {
            p99_us: 500_000.0,
            error_rate: 0.01,
            min_throughput_ratio: 0.9,
            max_dropped_share: 0.01,
        }
    }
}

impl StressLimits {
    /// The scenario's own limits: its whole-run `p99 < ...` and `error_rate < ...` thresholds,
    /// the defaults (p99 500 ms, 1% errors) where it has none.
    pub fn from_thresholds(thresholds: &[Threshold]) -> StressLimits {
        let mut limits = StressLimits::default();
        for t in thresholds.iter().filter(|t| t.endpoint.is_none()) {
            if !matches!(t.op, Comparison::Less | Comparison::LessOrEqual) {
                continue;
            }
            match t.metric {
                Metric::Percentile(99.0) => limits.p99_us = t.limit,
                Metric::ErrorRate => limits.error_rate = t.limit,
                _ => {}
            }
        }
        limits
    }
}

/// Splits the run into steps of constant load (ramps between them are left out) and measures
/// each, skipping each step's first second (a transition).
pub fn steps(result: &RunResult, limits: &StressLimits) -> Vec<LoadStep> {
    let open_model = result.load.model == "open";
    let mut groups: Vec<Vec<&Window>> = Vec::new();
    for w in &result.timeseries {
        match groups.last_mut() {
            Some(g) if (g[0].load - w.load).abs() <= 0.005 * g[0].load.max(1.0) => g.push(w),
            _ => groups.push(vec![w]),
        }
    }
    let mut steps: Vec<LoadStep> = groups
        .into_iter()
        .filter(|g| g.len() >= 3 && g[0].load > 0.0)
        .map(|g| measure(&g))
        .collect();
    for step in &mut steps {
        step.failed = failures(step, limits, None);
    }
    if open_model {
        // Requests per arrival (a journey has several steps): the median over the steps that met
        // the latency and error limits, where every arrival was answered.
        let ratios: Vec<f64> = steps
            .iter()
            .filter(|s| s.failed.is_empty())
            .map(|s| s.achieved_rps / s.load)
            .collect();
        if let Some(per_arrival) = median(&ratios) {
            for step in &mut steps {
                step.failed = failures(step, limits, Some(per_arrival));
            }
        }
    }
    steps
}

fn measure(group: &[&Window]) -> LoadStep {
    let settled = &group[1..];
    let requests: u64 = settled.iter().map(|w| w.requests).sum();
    let failures: u64 = settled.iter().map(|w| w.failures).sum();
    let answered: Vec<&&Window> = settled.iter().filter(|w| w.requests > 0).collect();
    let pct = |f: fn(&Window) -> u64| {
        let values: Vec<f64> = answered.iter().map(|w| f(w) as f64).collect();
        median(&values).unwrap_or(0.0) as u64
    };
    LoadStep {
        load: group[0].load,
        start_secs: group[0].offset_secs,
        seconds: group.len() as u32,
        requests,
        achieved_rps: requests as f64 / settled.len() as f64,
        p50_us: pct(|w| w.p50_us),
        p95_us: pct(|w| w.p95_us),
        p99_us: pct(|w| w.p99_us),
        error_rate: if requests > 0 {
            failures as f64 / requests as f64
        } else {
            1.0
        },
        dropped: settled.iter().map(|w| w.dropped).sum(),
        failed: Vec::new(),
    }
}

/// What a step failed, in words. `per_arrival` is set in the open model only.
fn failures(step: &LoadStep, limits: &StressLimits, per_arrival: Option<f64>) -> Vec<String> {
    let mut failed = Vec::new();
    if step.requests == 0 {
        failed.push("no request was answered".to_string());
        return failed;
    }
    if step.p99_us as f64 > limits.p99_us {
        failed.push(format!(
            "p99 {} above {}",
            format_micros(step.p99_us as f64),
            format_micros(limits.p99_us)
        ));
    }
    if step.error_rate > limits.error_rate {
        failed.push(format!(
            "error rate {} above {}",
            format_percent(step.error_rate),
            format_percent(limits.error_rate)
        ));
    }
    if let Some(per_arrival) = per_arrival {
        let offered = step.load * per_arrival;
        let arrivals = step.load * f64::from(step.seconds.saturating_sub(1));
        // Fewer arrivals than this are too few to judge the answered rate on (journeys differ).
        if arrivals >= MIN_ARRIVALS_TO_JUDGE
            && step.achieved_rps < limits.min_throughput_ratio * offered
        {
            failed.push(format!(
                "throughput {:.0} req/s below {:.0}% of the {:.0} req/s offered",
                step.achieved_rps,
                limits.min_throughput_ratio * 100.0,
                offered
            ));
        }
        if arrivals > 0.0 && step.dropped as f64 > limits.max_dropped_share * arrivals {
            failed.push(format!(
                "{} of {:.0} starts dropped (in-flight cap reached)",
                step.dropped, arrivals
            ));
        }
    }
    failed
}

/// The breaking-point finding, with the per-step table; `None` with fewer than two load steps.
pub fn breaking_point(result: &RunResult, limits: &StressLimits) -> Option<Finding> {
    let steps = steps(result, limits);
    if steps.len() < 2 {
        return None;
    }
    let unit = if result.load.model == "open" {
        "/s"
    } else {
        " users"
    };
    let first_failure = steps.iter().position(|s| !s.failed.is_empty());
    let last_good = match first_failure {
        Some(0) => None,
        Some(i) => Some(&steps[i - 1]),
        None => steps.last(),
    };
    let knee = knee(&steps);
    let mut values = BTreeMap::new();
    values.insert("steps".to_string(), steps.len() as f64);
    if let Some(good) = last_good {
        values.insert("breaking_point_load".to_string(), good.load);
        values.insert("breaking_point_rps".to_string(), good.achieved_rps);
        values.insert(
            "breaking_point_p99_ms".to_string(),
            good.p99_us as f64 / 1000.0,
        );
    }
    if let Some(first) = first_failure {
        values.insert("first_failing_load".to_string(), steps[first].load);
    }
    if let Some(k) = knee {
        values.insert("knee_load".to_string(), steps[k].load);
    }
    let mut summary = match (last_good, first_failure) {
        (Some(good), Some(i)) => format!(
            "breaking point {:.0}{unit} ({:.0} req/s answered, p99 {}); at {:.0}{unit} it failed first on: {}",
            good.load,
            good.achieved_rps,
            format_micros(good.p99_us as f64),
            steps[i].load,
            steps[i].failed.join(", ")
        ),
        (None, Some(_)) => format!(
            "already broken at the first step ({:.0}{unit}): {}",
            steps[0].load,
            steps[0].failed.join(", ")
        ),
        (Some(good), None) => format!(
            "did not break: every step up to {:.0}{unit} met the limits (p99 {} at the top)",
            good.load,
            format_micros(good.p99_us as f64)
        ),
        (None, None) => unreachable!("steps is not empty"),
    };
    if let Some(k) = knee {
        summary.push_str(&format!("; latency knee at {:.0}{unit}", steps[k].load));
    }
    Some(Finding {
        kind: "breaking_point".into(),
        summary,
        values,
        alarming: first_failure == Some(0),
        steps,
    })
}

/// The step at the knee of the p99 curve: on the curve normalised to the unit square, the point
/// farthest below the chord from the first to the last step. `None` for a curve that never bends
/// upwards (straight or concave).
fn knee(steps: &[LoadStep]) -> Option<usize> {
    if steps.len() < 3 {
        return None;
    }
    let (x0, x1) = (steps[0].load, steps[steps.len() - 1].load);
    let (lo, hi) = steps.iter().fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        (lo.min(s.p99_us as f64), hi.max(s.p99_us as f64))
    });
    if x1 <= x0 || hi <= lo {
        return None;
    }
    let norm = |s: &LoadStep| {
        (
            (s.load - x0) / (x1 - x0),
            (s.p99_us as f64 - lo) / (hi - lo),
        )
    };
    let (_, y_first) = norm(&steps[0]);
    let (_, y_last) = norm(&steps[steps.len() - 1]);
    let (best, gap) = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (x, y) = norm(s);
            (i, y_first + (y_last - y_first) * x - y)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (gap > 0.05).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steps of 10 s at 50, 100, ... 400/s, each arrival making `per_arrival` requests; p99 flat at
    /// 20 ms until `break_at`, then climbing, and errors from 100/s above it.
    fn stepped(break_at: f64, per_arrival: u64) -> RunResult {
        let mut run = crate::analysis::tests::empty_run(80);
        for x in &mut run.timeseries {
            let load = 50.0 * f64::from(x.offset_secs / 10 + 1);
            x.load = load;
            let over = (load - break_at).max(0.0);
            x.requests = (load - over) as u64 * per_arrival;
            x.p99_us = 20_000 + (over * over * 40.0) as u64;
            x.failures = if load > break_at + 100.0 {
                x.requests / 20
            } else {
                0
            };
        }
        run
    }

    #[test]
    fn finds_the_breaking_point_and_what_failed_first() {
        for per_arrival in [1, 3] {
            let f = breaking_point(&stepped(200.0, per_arrival), &StressLimits::default()).unwrap();
            // 250/s: p99 = 20 ms + 50² × 40 µs = 120 ms (ok) but only 200/s answered (< 90%).
            assert_eq!(f.values["breaking_point_load"], 200.0, "{}", f.summary);
            assert_eq!(f.values["first_failing_load"], 250.0);
            let expected = format!(
                "failed first on: throughput {} req/s below 90% of the {} req/s offered",
                200 * per_arrival,
                250 * per_arrival
            );
            assert!(f.summary.contains(&expected), "{}", f.summary);
            assert!(f.values["knee_load"] >= 200.0, "{:?}", f.values);
            assert_eq!(f.steps.len(), 8);
            assert!(f.steps[..4].iter().all(|s| s.failed.is_empty()));
            assert_eq!(f.steps[7].error_rate, 0.05);
        }
    }

    #[test]
    fn a_slower_target_breaks_earlier() {
        let limits = StressLimits::default();
        let fast = breaking_point(&stepped(300.0, 1), &limits).unwrap();
        let slow = breaking_point(&stepped(100.0, 1), &limits).unwrap();
        assert!(slow.values["breaking_point_load"] < fast.values["breaking_point_load"]);
        let never = breaking_point(&stepped(1000.0, 1), &limits).unwrap();
        assert!(
            never.summary.starts_with("did not break"),
            "{}",
            never.summary
        );
        assert!(!never.values.contains_key("first_failing_load"));
    }

    #[test]
    fn closed_model_steps_are_judged_on_latency_and_errors_only() {
        let mut run = stepped(200.0, 1);
        run.load.model = "closed".into();
        let f = breaking_point(&run, &StressLimits::default()).unwrap();
        // Without the throughput check, 250 and 300 users pass; 350 users fail on p99 (20 ms +
        // 150² × 40 µs = 920 ms, above the default 500 ms) and on errors (5%).
        assert_eq!(f.values["breaking_point_load"], 300.0, "{}", f.summary);
        assert_eq!(f.values["first_failing_load"], 350.0);
        assert!(
            f.summary.contains("failed first on: p99 920"),
            "{}",
            f.summary
        );
        assert!(f.summary.contains(" users"), "{}", f.summary);
    }

    #[test]
    fn limits_come_from_the_scenario_thresholds() {
        let t = |metric, op, limit, endpoint: Option<&str>| Threshold {
            expression: String::new(),
            metric,
            op,
            limit,
            endpoint: endpoint.map(str::to_string),
        };
        let limits = StressLimits::from_thresholds(&[
            t(Metric::Percentile(99.0), Comparison::Less, 250_000.0, None),
            t(Metric::ErrorRate, Comparison::Less, 0.005, None),
            t(Metric::Percentile(95.0), Comparison::Less, 1_000.0, None),
            t(
                Metric::Percentile(99.0),
                Comparison::Less,
                1_000.0,
                Some("search"),
            ),
            t(Metric::Rps, Comparison::Greater, 1.0, None),
        ]);
        assert_eq!(limits.p99_us, 250_000.0);
        assert_eq!(limits.error_rate, 0.005);
        assert_eq!(StressLimits::from_thresholds(&[]), StressLimits::default());
    }
}
