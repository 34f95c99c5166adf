//! The dashboard's document and frames. The document is the report's page (its style sheet,
//! inlined; nothing is loaded from a network) around a `<main>` whose content the script replaces
//! with each frame; a frame is a status line and the report's own sections for the run so far.

use std::time::Duration;

use crate::model::RunResult;
use crate::report::html::{escape, live_body, page::STYLE};

/// The page's script: follows the frames, says when the run has ended or the server is gone.
const SCRIPT: &str = include_str!("dashboard.js");
/// What the dashboard adds to the report's style: the status line's colours.
const EXTRA_STYLE: &str = ".verdict.running { background: #1f5f99; }\n\
    .verdict a { color: #fff; font-weight: 600; }\n\
    #connection { color: var(--muted); font-size: 12px; margin: 0 0 8px; }\n";

/// The whole document, showing `frame` until the script has connected.
pub(crate) fn document(title: &str, frame: &super::Frame) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Stampede live · {title}</title>\n<style>\n{STYLE}{EXTRA_STYLE}</style>\n\
         <script>\n{SCRIPT}</script>\n</head>\n<body>\n\
         <main><p id=\"connection\">connecting…</p>\n<div id=\"live\" data-seq=\"{seq}\" \
         data-ended=\"{ended}\">{html}</div></main>\n\
         <footer>Served live by Stampede; the page follows the run once a second.</footer>\n\
         </body>\n</html>\n",
        title = escape(title),
        seq = frame.seq,
        ended = frame.ended,
        html = frame.html,
    )
}

/// Before the first second closes.
pub(crate) fn waiting() -> String {
    message_frame("waiting for the first second of the measured phase…")
}

/// A status line alone.
pub(crate) fn message_frame(message: &str) -> String {
    format!(
        "<div class=\"verdict running\"><p class=\"headline\">{}</p></div>\n",
        escape(message)
    )
}

/// The run so far: red as soon as a threshold is crossed.
pub(crate) fn progress_frame(
    result: &RunResult,
    phase: &str,
    elapsed: Duration,
    planned: Duration,
) -> String {
    let failed: Vec<&str> = result
        .thresholds
        .iter()
        .filter(|t| !t.passed)
        .map(|t| t.expression.as_str())
        .collect();
    let (class, sub) = if failed.is_empty() {
        ("running", String::new())
    } else {
        (
            "failed",
            format!(
                "<p class=\"sub\">threshold crossed: {}</p>",
                escape(&failed.join(", "))
            ),
        )
    };
    format!(
        "<div class=\"verdict {class}\"><p class=\"headline\">{name} · running · {elapsed} of {planned}</p>\
         <p class=\"sub\">{phase}</p>{sub}</div>\n{body}",
        name = escape(&result.scenario.name),
        elapsed = clock(elapsed),
        planned = clock(planned),
        phase = escape(phase),
        body = live_body(result),
    )
}

/// The final result, with the link to its report.
pub(crate) fn final_frame(result: &RunResult, has_report: bool) -> String {
    let verdict = crate::report::verdict::Verdict::of(result);
    let link = if has_report {
        " · <a id=\"report-link\" href=\"/report.html\">open the final report.html</a>"
    } else {
        ""
    };
    format!(
        "<div class=\"verdict {class}\"><p class=\"headline\">{name} · the run has ended: {word}{link}</p>\
         <p class=\"sub\">{duration:.1} s measured; these are the final figures of results.json.</p></div>\n{body}",
        class = verdict.status.word(),
        name = escape(&result.scenario.name),
        word = verdict.status.word(),
        duration = result.duration_secs,
        body = live_body(result),
    )
}

/// `m:ss`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}
