//! `junit.xml`: the run as JUnit test results, so CI systems show them natively. One test case
//! says whether the run completed and is valid; each threshold is a test case (failures carry
//! the observed and expected values); callers append more cases (the regression gate adds one per
//! regression check) with [`render_with`]. Findings are listed as suite properties and in the
//! suite's `system-out`.

use std::fmt::Write as _;

use super::escape::escape;
use crate::model::{OutcomeStatus, RunResult};

/// A failed test case's message (one line) and details.
#[derive(Debug, Clone, PartialEq)]
pub struct JunitFailure {
    /// One line, shown as the failure's title.
    pub message: String,
    /// Free text, e.g. "observed: 3.9%\nexpected: cache_hit_rate > 80%".
    pub detail: String,
}

/// One test case to add to the JUnit file.
#[derive(Debug, Clone, PartialEq)]
pub struct JunitCase {
    /// The suite it belongs to, e.g. "regression"; cases of one suite are grouped, suites appear
    /// in the order their first case is given.
    pub suite: String,
    pub name: String,
    /// `None` when the case passed.
    pub failure: Option<JunitFailure>,
}

/// The JUnit XML of a run: the outcome and the thresholds.
pub fn render(result: &RunResult) -> String {
    render_with(result, &[])
}

/// As [`render`], with extra test cases appended in their own suites.
pub fn render_with(result: &RunResult, extra: &[JunitCase]) -> String {
    let mut suites: Vec<(String, Vec<JunitCase>)> = vec![("run".to_string(), run_cases(result))];
    for case in extra {
        match suites.iter_mut().find(|(name, _)| *name == case.suite) {
            Some((_, cases)) => cases.push(case.clone()),
            None => suites.push((case.suite.clone(), vec![case.clone()])),
        }
    }
    let tests: usize = suites.iter().map(|(_, c)| c.len()).sum();
    let failures: usize = suites
        .iter()
        .map(|(_, c)| c.iter().filter(|c| c.failure.is_some()).count())
        .sum();
    let scenario = &result.scenario.name;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">",
        escape(&format!("stampede: {scenario}")),
        result.duration_secs
    );
    for (index, (suite, cases)) in suites.iter().enumerate() {
        let failed = cases.iter().filter(|c| c.failure.is_some()).count();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\" timestamp=\"{}\">",
            escape(&format!("{scenario}: {suite}")),
            cases.len(),
            if index == 0 {
                result.duration_secs
            } else {
                0.0
            },
            escape(&result.started_at),
        );
        if index == 0 {
            write_properties(&mut xml, result);
        }
        for case in cases {
            write_case(&mut xml, scenario, case);
        }
        if index == 0 {
            write_system_out(&mut xml, result);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// The run's own cases: its outcome, then one per threshold.
fn run_cases(result: &RunResult) -> Vec<JunitCase> {
    let outcome_failure = match result.outcome.status {
        OutcomeStatus::Completed => None,
        status => {
            let word = if status == OutcomeStatus::Invalid {
                "invalid"
            } else {
                "interrupted"
            };
            Some(JunitFailure {
                message: format!("the run is {word}: {}", result.outcome.reasons.join("; ")),
                detail: result.outcome.reasons.join("\n"),
            })
        }
    };
    let mut cases = vec![JunitCase {
        suite: "run".into(),
        name: "run completed and valid".into(),
        failure: outcome_failure,
    }];
    for t in &result.thresholds {
        let name = match &t.endpoint {
            Some(endpoint) => format!("{} [{endpoint}]", t.expression),
            None => t.expression.clone(),
        };
        let failure = (!t.passed).then(|| JunitFailure {
            message: format!("{name}: observed {}", t.observed_display),
            detail: format!(
                "observed: {} ({})\nexpected: {} (limit {})",
                t.observed_display,
                t.observed.map_or("no data".to_string(), |v| v.to_string()),
                t.expression,
                t.limit
            ),
        });
        cases.push(JunitCase {
            suite: "run".into(),
            name,
            failure,
        });
    }
    cases
}

fn write_case(xml: &mut String, scenario: &str, case: &JunitCase) {
    let classname = escape(&format!("stampede.{scenario}.{}", case.suite));
    let name = escape(&case.name);
    match &case.failure {
        None => {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{classname}\" name=\"{name}\" time=\"0\"/>"
            );
        }
        Some(failure) => {
            let _ = writeln!(
                xml,
                "    <testcase classname=\"{classname}\" name=\"{name}\" time=\"0\">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                escape(&failure.message),
                escape(&case.suite),
                escape(&failure.detail)
            );
        }
    }
}

fn write_properties(xml: &mut String, result: &RunResult) {
    let mut properties = vec![
        (
            "outcome".to_string(),
            status_name(result.outcome.status).to_string(),
        ),
        ("scenario.kind".to_string(), result.scenario.kind.clone()),
        ("load.model".to_string(), result.load.model.clone()),
        ("target".to_string(), result.target.url.clone()),
        ("tool.version".to_string(), result.tool.version.clone()),
    ];
    for finding in &result.findings {
        for (name, value) in &finding.values {
            properties.push((
                format!("finding.{}.{name}", finding.kind),
                value.to_string(),
            ));
        }
    }
    xml.push_str("    <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(
            xml,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape(&name),
            escape(&value)
        );
    }
    xml.push_str("    </properties>\n");
}

fn write_system_out(xml: &mut String, result: &RunResult) {
    let mut lines: Vec<String> = Vec::new();
    for finding in &result.findings {
        lines.push(format!(
            "finding {}{}: {}",
            finding.kind,
            if finding.alarming { " (alarming)" } else { "" },
            finding.summary
        ));
    }
    for warning in &result.outcome.warnings {
        lines.push(format!("warning: {warning}"));
    }
    if !lines.is_empty() {
        let _ = writeln!(
            xml,
            "    <system-out>{}</system-out>",
            escape(&lines.join("\n"))
        );
    }
}

fn status_name(status: OutcomeStatus) -> &'static str {
    match status {
        OutcomeStatus::Completed => "completed",
        OutcomeStatus::Interrupted => "interrupted",
        OutcomeStatus::Invalid => "invalid",
    }
}
