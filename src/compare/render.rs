//! A comparison for people and for CI: the terminal table (tabled), a Markdown section for a CI step
//! summary or a pull-request comment, JUnit test cases (one per gated metric) and an HTML section for
//! the report pages. All are built from the same [`Comparison`] data, so they cannot disagree.

use std::io::{self, Write};

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

use super::comparison::Comparison;
use super::verdict::{MetricVerdict, Verdict, format_p};
use crate::report::html::{HtmlSection, escape};
use crate::report::junit::{JunitCase, JunitFailure};
use crate::scenario::gate::GatedMetric;
use crate::units::format_micros;

/// The figure of a metric for people (`12.1ms`, `200.0/s`, `0.10%`), `-` when missing.
pub fn format_value(metric: GatedMetric, value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(v) => match metric {
            GatedMetric::P50 | GatedMetric::P95 | GatedMetric::P99 => format_micros(v),
            GatedMetric::Throughput => format!("{v:.1}/s"),
            GatedMetric::ErrorRate => format!("{:.2}%", v * 100.0),
        },
    }
}

/// The change for people: `+14.2%`, or `+0.50 pt` for the error rate.
pub fn format_change(m: &MetricVerdict) -> String {
    match m.change {
        None => "-".into(),
        Some(c) if m.metric == GatedMetric::ErrorRate => format!("{:+.2} pt", c * 100.0),
        Some(c) => format!("{:+.1}%", c * 100.0),
    }
}

/// The verdict word, upper-cased and starred when it decides (a gated metric), so the eye finds
/// them.
fn verdict_cell(m: &MetricVerdict) -> String {
    if m.gated {
        format!("{} *", m.verdict.label().to_uppercase())
    } else {
        m.verdict.label().to_string()
    }
}

fn cells(subject: &str, m: &MetricVerdict) -> [String; 7] {
    [
        subject.to_string(),
        m.metric.label().to_string(),
        format_value(m.metric, m.baseline),
        format_value(m.metric, m.candidate),
        format_change(m),
        m.p_value.map_or_else(|| "-".into(), format_p),
        verdict_cell(m),
    ]
}

const HEADER: [&str; 7] = [
    "endpoint",
    "metric",
    "baseline",
    "candidate",
    "change",
    "p",
    "verdict",
];

/// The table of every row and metric (medians over trials).
pub fn table(c: &Comparison) -> String {
    let mut builder = Builder::default();
    builder.push_record(HEADER);
    for row in &c.rows {
        for m in &row.metrics {
            builder.push_record(cells(&row.subject, m));
        }
    }
    let mut table = builder.build();
    table
        .with(Style::rounded())
        .modify(Columns::new(2..6), Alignment::right());
    table.to_string()
}

/// The whole terminal report: the table, the verdict explained, and the warnings.
pub fn write_terminal(out: &mut dyn Write, c: &Comparison) -> io::Result<()> {
    writeln!(out, "{}", table(c))?;
    writeln!(out, "{}", footnote(c))?;
    for w in &c.warnings {
        writeln!(out, "warning: {w}")?;
    }
    writeln!(out, "verdict: {}", c.explain())
}

/// What the stars in the verdict column mean: the test, its alpha (per endpoint too) and the
/// minimum effects.
fn footnote(c: &Comparison) -> String {
    let s = &c.settings;
    let endpoints = match c.endpoint_alpha {
        Some(a) => format!(", each endpoint at alpha {}", format_p(a)),
        None => String::new(),
    };
    format!(
        "* gated: one-sided Mann-Whitney U over per-trial values, alpha {}{endpoints}, and a \
         minimum effect of {:.0}% p50/throughput, {:.0}% p95/p99, {:.2} pt error rate; baseline \
         and candidate are medians over trials",
        s.alpha,
        s.min_effect_p50 * 100.0,
        s.min_effect_tail * 100.0,
        s.min_effect_error_rate * 100.0
    )
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('<', "&lt;")
}

/// A Markdown section (GitHub-flavoured): verdict, explanation, table and warnings.
pub fn markdown(c: &Comparison, title: &str) -> String {
    let icon = match c.verdict {
        Verdict::Pass => "✅",
        Verdict::Improved => "🚀",
        Verdict::Inconclusive => "⚠️",
        Verdict::Regressed => "❌",
    };
    let mut md = format!("## {} — {icon} {}\n\n", md_escape(title), c.verdict.label());
    for line in c.explain_lines() {
        md.push_str(&format!("- {}\n", md_escape(&line)));
    }
    md.push('\n');
    md.push_str(&format!("| {} |\n", HEADER.join(" | ")));
    md.push_str("|---|---|---:|---:|---:|---:|---|\n");
    for row in &c.rows {
        for m in &row.metrics {
            let cells = cells(&row.subject, m).map(|s| md_escape(&s));
            md.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    md.push_str(&format!("\n\\{}\n", footnote(c)));
    for w in &c.warnings {
        md.push_str(&format!("\n> **warning:** {}\n", md_escape(w)));
    }
    md
}

/// The suite name of the gate's JUnit cases.
pub const JUNIT_SUITE: &str = "regression gate";

/// JUnit test cases, one per gated metric of the overall row and of each gated endpoint: a
/// regression is a failure, and so is an inconclusive metric with `strict` (without it, the case
/// passes and says inconclusive).
pub fn junit_cases(c: &Comparison, strict: bool) -> Vec<JunitCase> {
    c.gated()
        .map(|(subject, m)| {
            let fails =
                m.verdict == Verdict::Regressed || (strict && m.verdict == Verdict::Inconclusive);
            JunitCase {
                suite: JUNIT_SUITE.into(),
                name: format!("{} ({subject}): {}", m.metric.label(), m.verdict.label()),
                failure: fails.then(|| JunitFailure {
                    message: m.explanation.clone(),
                    detail: format!(
                        "verdict: {}\nbaseline: {}\ncandidate: {}\nchange: {}",
                        m.verdict.label(),
                        format_value(m.metric, m.baseline),
                        format_value(m.metric, m.candidate),
                        format_change(m)
                    ),
                }),
            }
        })
        .collect()
}

/// The comparison as a section of the HTML report: the verdict in words and the table.
pub fn html_section(c: &Comparison, title: &str) -> HtmlSection {
    let mut html = format!(
        "<p class=\"gate-verdict\"><strong>{}</strong></p>\n<ul>\n",
        escape(&format!("Regression gate: {}", c.verdict.label()))
    );
    for line in c.explain_lines() {
        html.push_str(&format!("<li>{}</li>\n", escape(&line)));
    }
    html.push_str("</ul>\n<table class=\"sortable\">\n<thead><tr>");
    for h in HEADER {
        html.push_str(&format!("<th>{}</th>", escape(h)));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in &c.rows {
        for m in &row.metrics {
            html.push_str("<tr>");
            for cell in cells(&row.subject, m) {
                html.push_str(&format!("<td>{}</td>", escape(&cell)));
            }
            html.push_str("</tr>\n");
        }
    }
    html.push_str("</tbody>\n</table>\n");
    html.push_str(&format!("<p class=\"note\">{}</p>\n", escape(&footnote(c))));
    for w in &c.warnings {
        html.push_str(&format!(
            "<p class=\"warning\">warning: {}</p>\n",
            escape(w)
        ));
    }
    HtmlSection {
        title: title.to_string(),
        html,
    }
}
