//! The verdict's details: thresholds (observed value, pass/fail), the findings of the analyses
//! (alarming ones highlighted) and, for runs made of repeated trials, one row per trial.

use std::fmt::Write as _;

use super::charts::latency::load_label;
use super::charts::steps_svg;
use super::escape;
use super::page::{Td, figure, section, table};
use crate::model::{Finding, RunResult};
use crate::report::figures::finding_values;
use crate::units::{format_micros, format_percent};

/// Thresholds with their scope, observed value and result; failures first.
pub fn thresholds(result: &RunResult) -> String {
    if result.thresholds.is_empty() {
        return section(
            "Thresholds",
            "thresholds",
            "<p>No thresholds were set in the scenario.</p>",
        );
    }
    let mut ordered: Vec<_> = result.thresholds.iter().collect();
    ordered.sort_by_key(|t| t.passed);
    let rows: Vec<Vec<Td>> = ordered
        .iter()
        .map(|t| {
            vec![
                Td {
                    html: if t.passed { "pass" } else { "FAIL" }.to_string(),
                    sort: None,
                    class: if t.passed { "pass" } else { "fail" },
                },
                Td::text(&t.expression),
                Td::text(t.endpoint.as_deref().unwrap_or("whole run")),
                Td::number(escape(&t.observed_display), t.observed.unwrap_or(f64::NAN)),
            ]
        })
        .collect();
    section(
        "Thresholds",
        "thresholds",
        &table(&["result", "threshold", "scope", "observed"], &rows, &[]),
    )
}

/// The findings, each with its summary and figures; nothing when there are none.
pub fn findings(result: &RunResult) -> String {
    if result.findings.is_empty() {
        return String::new();
    }
    let mut html = String::from("<ul class=\"findings\">\n");
    for finding in &result.findings {
        let values = finding_values(finding);
        let _ = writeln!(
            html,
            "<li class=\"{}\" data-kind=\"{}\"><strong>{}{}</strong>: {}<div class=\"values\">{}</div></li>",
            if finding.alarming { "alarming" } else { "" },
            escape(&finding.kind),
            if finding.alarming { "⚠ " } else { "" },
            escape(&finding.kind),
            escape(&finding.summary),
            escape(&values.join(" · ")),
        );
    }
    html.push_str("</ul>\n");
    for finding in result.findings.iter().filter(|f| !f.steps.is_empty()) {
        html.push_str(&load_steps(result, finding));
    }
    section("Findings", "findings", &html)
}

/// A breaking-point finding's steps: latency and errors against load as a chart and a table.
fn load_steps(result: &RunResult, finding: &Finding) -> String {
    let load = load_label(&result.load.model);
    let mut html = String::new();
    if let Some(svg) = steps_svg(finding, load) {
        html.push_str(&figure(
            &format!("Latency and errors against load ({})", finding.kind),
            &svg,
            "One point per load step: each step's median of its per-second percentiles; errors \
             (dashed) on the right axis; a red ring marks a step that broke a limit.",
        ));
    }
    let us = |v: u64| Td::number(format_micros(v as f64), v as f64);
    let rows: Vec<Vec<Td>> = finding
        .steps
        .iter()
        .map(|s| {
            vec![
                Td::number(format!("{}", s.load), s.load),
                Td::number(s.requests.to_string(), s.requests as f64),
                Td::number(format!("{:.1}/s", s.achieved_rps), s.achieved_rps),
                us(s.p50_us),
                us(s.p95_us),
                us(s.p99_us),
                Td::number(format_percent(s.error_rate), s.error_rate),
                Td::number(s.dropped.to_string(), s.dropped as f64),
                Td {
                    html: if s.failed.is_empty() {
                        "met the limits".to_string()
                    } else {
                        escape(&s.failed.join("; "))
                    },
                    sort: None,
                    class: if s.failed.is_empty() { "pass" } else { "fail" },
                },
            ]
        })
        .collect();
    html.push_str(&table(
        &[
            load, "requests", "answered", "p50", "p95", "p99", "error %", "dropped", "limits",
        ],
        &rows,
        &[],
    ));
    html
}

/// One row per trial; nothing for a run without trials.
pub fn trials(result: &RunResult) -> String {
    if result.trials.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<Td>> = result
        .trials
        .iter()
        .map(|t| {
            let us = |v: u64| Td::number(format_micros(v as f64), v as f64);
            vec![
                Td::number(t.index.to_string(), f64::from(t.index)),
                Td::text(t.side.as_deref().unwrap_or("-")),
                Td {
                    html: if t.valid { "yes" } else { "no" }.to_string(),
                    sort: None,
                    class: if t.valid { "" } else { "fail" },
                },
                Td::number(t.total.requests.to_string(), t.total.requests as f64),
                us(t.total.p50_us),
                us(t.total.p95_us),
                us(t.total.p99_us),
                Td::number(
                    format!("{:.1}/s", t.total.throughput_rps),
                    t.total.throughput_rps,
                ),
                Td::number(format_percent(t.total.error_rate), t.total.error_rate),
            ]
        })
        .collect();
    section(
        "Trials",
        "trials",
        &table(
            &[
                "trial", "side", "valid", "requests", "p50", "p95", "p99", "rate", "error %",
            ],
            &rows,
            &[],
        ),
    )
}
