//! Stress analysis: where does the service break? The run's load rises in steps; each step's
//! latency, error rate and achieved throughput are checked against the limits, and the breaking
//! point is the highest step before the first one that failed them. The knee of the latency curve
//! (where p99 starts to climb steeply) is found with the "largest distance below the chord" rule on
//! the normalised curve, and the first failing step says what failed first.

use std::collections::BTreeMap;

use super::Finding;
use crate::compare::stats::median;
use crate::results::schema::{RunResult, Window};
use crate::units::format_micros;

/// The limits a step must meet.
#[derive(Debug, Clone, PartialEq)]
pub struct StressLimits {
    /// p99 must stay below this many microseconds.
    pub p99_us: f64,
    /// The error rate must stay below this fraction.
    pub error_rate: f64,
    /// Open model: the achieved rate must reach this share of the step's target rate.
    pub min_throughput_ratio: f64,
}

impl Default for StressLimits {
    fn default() -> Self {
        StressLimits {
            p99_us: 500_000.0,
            error_rate: 0.01,
            min_throughput_ratio: 0.9,
        }
    }
}

/// One load step's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Target load: arrival rate (open) or users (closed).
    pub load: f64,
    pub start_secs: u32,
    pub seconds: u32,
    pub achieved_rps: f64,
    /// The median over the step's seconds of each second's p99.
    pub p99_us: f64,
    pub error_rate: f64,
    /// What the step failed, empty when it met every limit.
    pub failed: Vec<String>,
}

/// Splits the run into steps of constant load and measures each (skipping each step's first
/// second, a transition).
pub fn steps(result: &RunResult, limits: &StressLimits, open_model: bool) -> Vec<Step> {
    let mut groups: Vec<Vec<&Window>> = Vec::new();
    for w in &result.timeseries {
        match groups.last_mut() {
            Some(g) if (g[0].load - w.load).abs() <= 0.005 * g[0].load.max(1.0) => g.push(w),
            _ => groups.push(vec![w]),
        }
    }
    groups
        .into_iter()
        .filter(|g| g.len() >= 2)
        .map(|g| {
            let settled = &g[1..];
            let requests: u64 = settled.iter().map(|w| w.requests).sum();
            let failures: u64 = settled.iter().map(|w| w.failures).sum();
            let p99s: Vec<f64> = settled
                .iter()
                .filter(|w| w.requests > 0)
                .map(|w| w.p99_us as f64)
                .collect();
            let mut step = Step {
                load: g[0].load,
                start_secs: g[0].offset_secs,
                seconds: g.len() as u32,
                achieved_rps: requests as f64 / settled.len() as f64,
                p99_us: median(&p99s).unwrap_or(0.0),
                error_rate: if requests > 0 {
                    failures as f64 / requests as f64
                } else {
                    1.0
                },
                failed: Vec::new(),
            };
            if step.p99_us > limits.p99_us {
                step.failed.push(format!(
                    "p99 {} above {}",
                    format_micros(step.p99_us),
                    format_micros(limits.p99_us)
                ));
            }
            if step.error_rate > limits.error_rate {
                step.failed.push(format!(
                    "error rate {:.2}% above {:.2}%",
                    step.error_rate * 100.0,
                    limits.error_rate * 100.0
                ));
            }
            if open_model && step.achieved_rps < limits.min_throughput_ratio * step.load {
                step.failed.push(format!(
                    "throughput {:.0}/s below {:.0}% of the {:.0}/s offered",
                    step.achieved_rps,
                    limits.min_throughput_ratio * 100.0,
                    step.load
                ));
            }
            step
        })
        .collect()
}

/// The breaking-point finding; `None` with fewer than two load steps.
pub fn breaking_point(
    result: &RunResult,
    limits: &StressLimits,
    open_model: bool,
) -> Option<Finding> {
    let steps = steps(result, limits, open_model);
    if steps.len() < 2 {
        return None;
    }
    let unit = if open_model { "/s" } else { " users" };
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
        values.insert("breaking_point_p99_ms".to_string(), good.p99_us / 1000.0);
    }
    if let Some(k) = knee {
        values.insert("knee_load".to_string(), steps[k].load);
    }
    let mut summary = match (last_good, first_failure) {
        (Some(good), Some(i)) => format!(
            "breaking point {:.0}{unit} ({:.0} req/s achieved, p99 {}); at {:.0}{unit} it failed first on: {}",
            good.load,
            good.achieved_rps,
            format_micros(good.p99_us),
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
            format_micros(good.p99_us)
        ),
        (None, None) => unreachable!("steps is not empty"),
    };
    if let Some(first) = first_failure {
        values.insert("first_failing_load".to_string(), steps[first].load);
    }
    if let Some(k) = knee {
        summary.push_str(&format!("; latency knee at {:.0}{unit}", steps[k].load));
    }
    Some(Finding {
        kind: "breaking_point".into(),
        summary,
        values,
        alarming: first_failure == Some(0),
    })
}

/// The step at the knee of the p99 curve: on the curve normalised to the unit square, the point
/// farthest below the chord from the first to the last step. `None` for a curve that never bends
/// upwards (straight or concave).
fn knee(steps: &[Step]) -> Option<usize> {
    if steps.len() < 3 {
        return None;
    }
    let (x0, x1) = (steps[0].load, steps[steps.len() - 1].load);
    let (lo, hi) = steps.iter().fold((f64::MAX, f64::MIN), |(lo, hi), s| {
        (lo.min(s.p99_us), hi.max(s.p99_us))
    });
    if x1 <= x0 || hi <= lo {
        return None;
    }
    let norm = |s: &Step| ((s.load - x0) / (x1 - x0), (s.p99_us - lo) / (hi - lo));
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

    /// Steps of 10 s at 50, 100, ... 400/s; p99 flat at 20 ms until `break_at`, then climbing.
    fn stepped(break_at: f64) -> RunResult {
        let mut run = crate::analysis::tests::empty_run(80);
        for x in &mut run.timeseries {
            let load = 50.0 * f64::from(x.offset_secs / 10 + 1);
            x.load = load;
            let over = (load - break_at).max(0.0);
            x.requests = (load - over) as u64;
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
        let f = breaking_point(&stepped(200.0), &StressLimits::default(), true).unwrap();
        // 250/s: p99 = 20 ms + 50² × 40 µs = 120 ms (ok) but only 200/s achieved (< 90%).
        assert_eq!(f.values["breaking_point_load"], 200.0, "{}", f.summary);
        assert_eq!(f.values["first_failing_load"], 250.0);
        assert!(
            f.summary.contains("failed first on: throughput 200/s"),
            "{}",
            f.summary
        );
        assert!(f.values["knee_load"] >= 200.0, "{:?}", f.values);
    }

    #[test]
    fn a_slower_target_breaks_earlier() {
        let limits = StressLimits::default();
        let fast = breaking_point(&stepped(300.0), &limits, true).unwrap();
        let slow = breaking_point(&stepped(100.0), &limits, true).unwrap();
        assert!(slow.values["breaking_point_load"] < fast.values["breaking_point_load"]);
        let never = breaking_point(&stepped(1000.0), &limits, true).unwrap();
        assert!(
            never.summary.starts_with("did not break"),
            "{}",
            never.summary
        );
    }
}
