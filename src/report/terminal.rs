//! The summary printed at the end of `stampede run`: one table row per endpoint and the total
//! (count, rate, p50, p95, p99, max, error %, hit %), then failures by kind, the cache from both
//! sides, the generator's health, the thresholds and the outcome. Rendered from the `RunResult`
//! alone, so it can be printed again later from `results.json`.

use crate::units::format_percent;
use std::io::{self, Write};

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

use super::figures::protocol_text;
use crate::model::{EndpointStats, OutcomeStatus, RunResult};
use crate::units::format_micros;

/// Writes the end-of-run summary.
pub fn write_summary(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    writeln!(
        out,
        "{} ({}) · {} · {:.1}s measured",
        result.scenario.name, result.scenario.kind, result.load.summary, result.duration_secs
    )?;
    writeln!(out, "{}", endpoint_table(result))?;
    write_protocols(out, result)?;
    write_errors(out, result)?;
    write_cache(out, result)?;
    write_generator(out, result)?;
    write_findings(out, result)?;
    write_thresholds(out, result)?;
    write_outcome(out, result)
}

/// The per-endpoint table, totals last.
pub fn endpoint_table(result: &RunResult) -> String {
    let mut builder = Builder::default();
    builder.push_record([
        "endpoint", "count", "rate", "p50", "p95", "p99", "max", "errors", "hit %",
    ]);
    for stats in result.endpoints.iter().chain([&result.totals]) {
        builder.push_record(row(stats));
    }
    let mut table = builder.build();
    table
        .with(Style::rounded())
        .modify(Columns::new(1..), Alignment::right());
    table.to_string()
}

fn row(stats: &EndpointStats) -> [String; 9] {
    let latency = |us: u64| {
        if stats.latency.count == 0 {
            "-".to_string()
        } else {
            format_micros(us as f64)
        }
    };
    let error_pct = if stats.requests == 0 {
        "-".to_string()
    } else {
        format_percent(stats.failures as f64 / stats.requests as f64)
    };
    [
        stats.name.clone(),
        stats.requests.to_string(),
        format!("{:.1}/s", stats.rps),
        latency(stats.latency.p50_us),
        latency(stats.latency.p95_us),
        latency(stats.latency.p99_us),
        latency(stats.latency.max_us),
        error_pct,
        stats
            .cache
            .hit_rate()
            .map_or_else(|| "-".to_string(), format_percent),
    ]
}

/// The HTTP version that served the responses, on one line under the table (a column would not
/// fit a terminal): one version for the whole run, or each endpoint's when they differ.
fn write_protocols(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    let Some(total) = protocol_text(&result.totals) else {
        return Ok(());
    };
    let per_endpoint: Vec<(String, String)> = result
        .endpoints
        .iter()
        .filter_map(|e| protocol_text(e).map(|p| (e.name.clone(), p)))
        .collect();
    if per_endpoint.iter().all(|(_, p)| *p == total) {
        return writeln!(out, "Protocol: {total}");
    }
    let list: Vec<String> = per_endpoint
        .iter()
        .map(|(name, p)| format!("{name} {p}"))
        .collect();
    writeln!(out, "Protocols: {}", list.join(", "))
}

fn write_errors(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    let failing: Vec<&EndpointStats> = result
        .endpoints
        .iter()
        .filter(|e| !e.errors.is_empty())
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    writeln!(out, "Failures:")?;
    for endpoint in failing {
        for error in &endpoint.errors {
            let kind = super::figures::error_kind_name(error.kind);
            writeln!(
                out,
                "  {}: {kind} ×{} (e.g. {})",
                endpoint.name, error.count, error.sample
            )?;
        }
    }
    Ok(())
}

fn write_cache(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    let client = result.cache.client.hit_rate();
    let server = result
        .cache
        .server
        .as_ref()
        .and_then(|s| s.total.hit_rate());
    if client.is_none() && server.is_none() {
        return Ok(());
    }
    let show = |rate: Option<f64>| rate.map_or_else(|| "n/a".to_string(), format_percent);
    let header = result.cache.header.as_deref().unwrap_or("header");
    writeln!(
        out,
        "Cache hit rate: {} from {header}, {} from the target's metrics",
        show(client),
        show(server)
    )
}

fn write_generator(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    let g = &result.generator;
    write!(
        out,
        "Generator: CPU {:.0}% mean, {:.0}% max (of the machine)",
        g.cpu_mean_percent, g.cpu_max_percent
    )?;
    if g.scheduled > 0 {
        write!(out, "; dropped {} of {} starts", g.dropped, g.scheduled)?;
    }
    if let Some(lag) = &g.schedule_lag {
        write!(
            out,
            "; schedule lag p99 {}",
            format_micros(lag.p99_us as f64)
        )?;
    }
    writeln!(out)
}

/// The analyses' findings (breaking point, recovery time, drift), with the stress steps' table.
fn write_findings(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    if result.findings.is_empty() {
        return Ok(());
    }
    writeln!(out, "Findings:")?;
    for f in &result.findings {
        let mark = if f.alarming { "ALARM" } else { "" };
        writeln!(out, "  {mark:5}{}: {}", f.kind, f.summary)?;
        if !f.steps.is_empty() {
            writeln!(out, "{}", steps_table(result, f))?;
        }
    }
    Ok(())
}

/// Latency, errors and throughput against load, one row per stress step.
fn steps_table(result: &RunResult, finding: &crate::model::Finding) -> String {
    let unit = if result.load.model == "open" {
        "/s"
    } else {
        " users"
    };
    let mut builder = Builder::default();
    builder.push_record([
        "load", "answered", "p50", "p95", "p99", "errors", "dropped", "verdict",
    ]);
    for step in &finding.steps {
        builder.push_record([
            format!("{:.0}{unit}", step.load),
            format!("{:.1}/s", step.achieved_rps),
            format_micros(step.p50_us as f64),
            format_micros(step.p95_us as f64),
            format_micros(step.p99_us as f64),
            format_percent(step.error_rate),
            step.dropped.to_string(),
            if step.failed.is_empty() {
                "ok".to_string()
            } else {
                step.failed.join("; ")
            },
        ]);
    }
    let mut table = builder.build();
    table
        .with(Style::rounded())
        .modify(Columns::new(0..7), Alignment::right());
    table.to_string()
}

fn write_thresholds(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    if result.thresholds.is_empty() {
        return Ok(());
    }
    writeln!(out, "Thresholds:")?;
    for t in &result.thresholds {
        let mark = if t.passed { "pass" } else { "FAIL" };
        let scope = t
            .endpoint
            .as_ref()
            .map(|e| format!(" [{e}]"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {mark}  {}{scope}: {}",
            t.expression, t.observed_display
        )?;
    }
    Ok(())
}

fn write_outcome(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    let status = match result.outcome.status {
        OutcomeStatus::Completed => "completed",
        OutcomeStatus::Interrupted => "INTERRUPTED",
        OutcomeStatus::Invalid => "INVALID",
    };
    writeln!(out, "Outcome: {status}")?;
    for reason in &result.outcome.reasons {
        writeln!(out, "  - {reason}")?;
    }
    for warning in &result.outcome.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::build_result;
    use crate::results::tests::{inputs, plan, recording};

    #[test]
    fn summary_matches_the_golden_file() {
        let plan = plan("");
        let mut result = build_result(inputs(&plan, recording(&plan, None))).unwrap();
        // Figures that depend on the machine are fixed for the comparison.
        result.generator.cpu_mean_percent = 12.0;
        result.generator.cpu_max_percent = 30.0;
        let mut out = Vec::new();
        write_summary(&mut out, &result).unwrap();
        let text = String::from_utf8(out).unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/report/testdata/terminal_summary.txt");
        if std::env::var_os("STAMPEDE_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            text == golden,
            "summary differs from {} (STAMPEDE_BLESS=1 to update):\n{text}",
            path.display()
        );
    }
}
