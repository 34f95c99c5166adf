//! The one-line verdict every report opens with: passed, thresholds failed, regressed, invalid or
//! interrupted, and why. Computed once here so the HTML page, the Markdown summary and the JUnit
//! file can never disagree about how a run ended.
//!
//! A results file alone knows about thresholds and the outcome; whether the run *regressed* is
//! decided by a comparison against a baseline, which the caller adds with [`Verdict::regressed`]
//! before rendering (see `html::render_html_with_verdict` and `markdown::render_with`).

use crate::model::{OutcomeStatus, RunResult};

/// How a run ended, in the order of precedence used for the headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictStatus {
    /// Completed, every threshold met (and no regression, when compared).
    Passed,
    /// Completed, at least one threshold failed.
    ThresholdsFailed,
    /// A comparison against a baseline found a regression.
    Regressed,
    /// The run cannot be trusted (saturated generator, dropped starts, ...).
    Invalid,
    /// Stopped early (Ctrl-C): the results cover only part of the run.
    Interrupted,
}

impl VerdictStatus {
    /// The word shown in reports ("passed", "thresholds failed", ...).
    pub fn word(self) -> &'static str {
        match self {
            VerdictStatus::Passed => "passed",
            VerdictStatus::ThresholdsFailed => "thresholds failed",
            VerdictStatus::Regressed => "regressed",
            VerdictStatus::Invalid => "invalid",
            VerdictStatus::Interrupted => "interrupted",
        }
    }

    /// A short machine-friendly name, used as a CSS class in the HTML report.
    pub fn css_class(self) -> &'static str {
        match self {
            VerdictStatus::Passed => "passed",
            VerdictStatus::ThresholdsFailed => "failed",
            VerdictStatus::Regressed => "regressed",
            VerdictStatus::Invalid => "invalid",
            VerdictStatus::Interrupted => "interrupted",
        }
    }

    /// True for every status but `Passed`.
    pub fn is_bad(self) -> bool {
        self != VerdictStatus::Passed
    }
}

/// The verdict of a run: its status and the reasons, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: VerdictStatus,
    /// Why, one line each (the outcome's reasons, the failed thresholds, the regressions).
    pub reasons: Vec<String>,
}

impl Verdict {
    /// The verdict a results file gives on its own: interrupted and invalid first (their figures
    /// are not to be trusted, whatever the thresholds say), then failed thresholds, else passed.
    pub fn of(result: &RunResult) -> Verdict {
        let failed: Vec<String> = result
            .thresholds
            .iter()
            .filter(|t| !t.passed)
            .map(|t| {
                let scope = t
                    .endpoint
                    .as_ref()
                    .map_or(String::new(), |e| format!(" [{e}]"));
                format!("{}{scope}: observed {}", t.expression, t.observed_display)
            })
            .collect();
        let status = match result.outcome.status {
            OutcomeStatus::Interrupted => VerdictStatus::Interrupted,
            OutcomeStatus::Invalid => VerdictStatus::Invalid,
            OutcomeStatus::Completed if !failed.is_empty() => VerdictStatus::ThresholdsFailed,
            OutcomeStatus::Completed => VerdictStatus::Passed,
        };
        let mut reasons = result.outcome.reasons.clone();
        reasons.extend(failed);
        Verdict { status, reasons }
    }

    /// Marks the verdict as regressed with the comparison's reasons. An interrupted or invalid
    /// run keeps that status (its figures cannot show a regression); the reasons are added.
    pub fn regressed(mut self, reasons: impl IntoIterator<Item = String>) -> Verdict {
        if matches!(
            self.status,
            VerdictStatus::Passed | VerdictStatus::ThresholdsFailed
        ) {
            self.status = VerdictStatus::Regressed;
        }
        self.reasons.extend(reasons);
        self
    }

    /// One line for people: "passed: all 6 thresholds met", "thresholds failed: 1 of 6", ...
    pub fn headline(&self, result: &RunResult) -> String {
        let total = result.thresholds.len();
        let failed = result.thresholds.iter().filter(|t| !t.passed).count();
        let detail = match self.status {
            VerdictStatus::Passed if total == 0 => "completed, no thresholds set".to_string(),
            VerdictStatus::Passed => format!("all {total} thresholds met"),
            VerdictStatus::ThresholdsFailed => format!("{failed} of {total}"),
            VerdictStatus::Regressed => "slower or less reliable than the baseline".to_string(),
            VerdictStatus::Invalid => "the figures cannot be trusted".to_string(),
            VerdictStatus::Interrupted => format!(
                "stopped after {:.1} s: the results cover only that part",
                result.duration_secs
            ),
        };
        format!("{}: {detail}", self.status.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ThresholdResult;

    fn fixture() -> RunResult {
        let text = include_str!("../../fixtures/results/example/results.json");
        serde_json::from_str(text).expect("fixture parses")
    }

    #[test]
    fn outcome_comes_before_thresholds_and_regression_before_thresholds() {
        let mut result = fixture();
        assert_eq!(Verdict::of(&result).status, VerdictStatus::ThresholdsFailed);
        let regressed = Verdict::of(&result).regressed(["p95 +12%".to_string()]);
        assert_eq!(regressed.status, VerdictStatus::Regressed);
        assert!(regressed.reasons.iter().any(|r| r == "p95 +12%"));

        result.thresholds.retain(|t: &ThresholdResult| t.passed);
        assert_eq!(Verdict::of(&result).status, VerdictStatus::Passed);
        result.outcome.status = OutcomeStatus::Invalid;
        result.outcome.reasons = vec!["saturated".into()];
        let invalid = Verdict::of(&result).regressed(["x".to_string()]);
        assert_eq!(invalid.status, VerdictStatus::Invalid);
        assert_eq!(invalid.reasons[0], "saturated");
        assert!(invalid.headline(&result).starts_with("invalid: "));
    }
}
