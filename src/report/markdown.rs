//! `summary.md`: the verdict, the key figures, the thresholds, the findings and the per-endpoint
//! table in GitHub-flavoured Markdown, fit to append to `$GITHUB_STEP_SUMMARY` or paste in a pull
//! request. Rendered from the `RunResult` alone (and a baseline, for the deltas).

use std::fmt::Write as _;

use super::figures::{
    Cell, ENDPOINT_COLUMNS, baseline_endpoint, endpoint_cells, error_kind_name, finding_values,
    format_secs, key_figures,
};
use super::verdict::{Verdict, VerdictStatus};
use crate::model::RunResult;
use crate::units::format_percent;

/// The Markdown summary of a run, with deltas against `baseline` when given.
pub fn render(result: &RunResult, baseline: Option<&RunResult>) -> String {
    render_with(result, baseline, &Verdict::of(result), &[])
}

/// As [`render`], with a verdict decided by the caller (e.g. regressed after a comparison) and
/// extra Markdown sections (trusted text, each starting with its own `###` heading) inserted
/// after the key figures.
pub fn render_with(
    result: &RunResult,
    baseline: Option<&RunResult>,
    verdict: &Verdict,
    extra: &[String],
) -> String {
    let mut md = String::new();
    let mark = match verdict.status {
        VerdictStatus::Passed => "✅",
        VerdictStatus::ThresholdsFailed | VerdictStatus::Regressed => "❌",
        VerdictStatus::Invalid | VerdictStatus::Interrupted => "⚠️",
    };
    let _ = writeln!(
        md,
        "## {mark} Stampede: {} — {}\n",
        cell_text(&result.scenario.name),
        verdict.headline(result)
    );
    for reason in &verdict.reasons {
        let _ = writeln!(md, "- {}", cell_text(reason));
    }
    if !verdict.reasons.is_empty() {
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "{} ({}) · {} · target {} · {} measured, started {}{}\n",
        cell_text(&result.scenario.name),
        result.scenario.kind,
        cell_text(&result.load.summary),
        cell_text(&result.target.url),
        format_secs(result.duration_secs),
        result.started_at,
        baseline.map_or(String::new(), |b| format!(
            " · compared with the run of {}",
            b.started_at
        )),
    );
    write_key_figures(&mut md, result, baseline);
    for section in extra {
        md.push_str(section.trim_end());
        md.push_str("\n\n");
    }
    write_thresholds(&mut md, result);
    write_findings(&mut md, result);
    write_endpoints(&mut md, result, baseline);
    write_errors(&mut md, result);
    write_trials(&mut md, result);
    if !result.outcome.warnings.is_empty() {
        md.push_str("### Warnings\n\n");
        for warning in &result.outcome.warnings {
            let _ = writeln!(md, "- {}", cell_text(warning));
        }
        md.push('\n');
    }
    md.truncate(md.trim_end().len());
    md.push('\n');
    md
}

/// A cell's text with its delta: "54.1ms (+3.0%)".
fn with_delta(cell: &Cell) -> String {
    match &cell.delta {
        Some(delta) => format!("{} ({})", cell.text, delta.text),
        None => cell.text.clone(),
    }
}

/// Text safe inside a Markdown table cell or list item (pipes and line breaks would end it).
fn cell_text(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn table(md: &mut String, headings: &[&str], rows: &[Vec<String>], right_from: usize) {
    let _ = writeln!(md, "| {} |", headings.join(" | "));
    let align: Vec<&str> = (0..headings.len())
        .map(|i| if i >= right_from { "---:" } else { "---" })
        .collect();
    let _ = writeln!(md, "|{}|", align.join("|"));
    for row in rows {
        let _ = writeln!(md, "| {} |", row.join(" | "));
    }
    md.push('\n');
}

fn write_key_figures(md: &mut String, result: &RunResult, baseline: Option<&RunResult>) {
    let figures = key_figures(result, baseline);
    let headings: Vec<&str> = figures.iter().map(|f| f.label).collect();
    let row: Vec<String> = figures
        .iter()
        .map(|f| cell_text(&with_delta(&f.cell)))
        .collect();
    table(md, &headings, &[row], 0);
}

fn write_thresholds(md: &mut String, result: &RunResult) {
    if result.thresholds.is_empty() {
        return;
    }
    md.push_str("### Thresholds\n\n");
    let rows: Vec<Vec<String>> = result
        .thresholds
        .iter()
        .map(|t| {
            vec![
                if t.passed { "✅ pass" } else { "❌ FAIL" }.to_string(),
                format!("`{}`", t.expression.replace('`', "'")),
                cell_text(t.endpoint.as_deref().unwrap_or("whole run")),
                cell_text(&t.observed_display),
            ]
        })
        .collect();
    table(md, &["result", "threshold", "scope", "observed"], &rows, 3);
}

fn write_findings(md: &mut String, result: &RunResult) {
    if result.findings.is_empty() {
        return;
    }
    md.push_str("### Findings\n\n");
    for finding in &result.findings {
        let values = finding_values(finding);
        let _ = writeln!(
            md,
            "- {}**{}**: {}{}",
            if finding.alarming { "⚠️ " } else { "" },
            cell_text(&finding.kind),
            cell_text(&finding.summary),
            if values.is_empty() {
                String::new()
            } else {
                format!(" ({})", values.join(", "))
            }
        );
    }
    md.push('\n');
}

fn write_endpoints(md: &mut String, result: &RunResult, baseline: Option<&RunResult>) {
    md.push_str("### Endpoints\n\n");
    let mut headings = vec!["endpoint"];
    headings.extend(ENDPOINT_COLUMNS);
    let mut rows = Vec::new();
    for stats in &result.endpoints {
        let base = baseline_endpoint(baseline, &stats.name);
        rows.push(endpoint_row(&cell_text(&stats.name), stats, base));
    }
    rows.push(endpoint_row(
        "**total**",
        &result.totals,
        baseline.map(|b| &b.totals),
    ));
    table(md, &headings, &rows, 1);
}

fn endpoint_row(
    name: &str,
    stats: &crate::model::EndpointStats,
    base: Option<&crate::model::EndpointStats>,
) -> Vec<String> {
    let mut row = vec![name.to_string()];
    row.extend(endpoint_cells(stats, base).iter().map(with_delta));
    row
}

fn write_errors(md: &mut String, result: &RunResult) {
    let rows: Vec<Vec<String>> = result
        .endpoints
        .iter()
        .flat_map(|e| {
            e.errors.iter().map(move |error| {
                vec![
                    cell_text(&e.name),
                    error_kind_name(error.kind),
                    error.count.to_string(),
                    format_percent(error.count as f64 / e.requests.max(1) as f64),
                    cell_text(&error.sample),
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    md.push_str("### Errors\n\n");
    table(
        md,
        &["endpoint", "kind", "count", "of requests", "sample"],
        &rows,
        2,
    );
}

fn write_trials(md: &mut String, result: &RunResult) {
    if result.trials.is_empty() {
        return;
    }
    md.push_str("### Trials\n\n");
    let rows: Vec<Vec<String>> = result
        .trials
        .iter()
        .map(|t| {
            vec![
                t.index.to_string(),
                t.side.clone().unwrap_or_else(|| "-".into()),
                if t.valid { "yes" } else { "**no**" }.to_string(),
                t.total.requests.to_string(),
                crate::units::format_micros(t.total.p50_us as f64),
                crate::units::format_micros(t.total.p95_us as f64),
                crate::units::format_micros(t.total.p99_us as f64),
                format!("{:.1}/s", t.total.throughput_rps),
                format_percent(t.total.error_rate),
            ]
        })
        .collect();
    table(
        md,
        &[
            "trial", "side", "valid", "requests", "p50", "p95", "p99", "rate", "error %",
        ],
        &rows,
        3,
    );
}
