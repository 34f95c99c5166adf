//! The top of the page: the verdict in one line (coloured by status, with its reasons) and the
//! key-figure cards, each with its change against the baseline when one is given.

use std::fmt::Write as _;

use super::escape;
use crate::model::RunResult;
use crate::report::figures::{self, Cell, Delta};
use crate::report::verdict::Verdict;

/// The verdict banner: scenario name, the verdict's headline and its reasons.
pub fn verdict_banner(result: &RunResult, verdict: &Verdict) -> String {
    let mut html = format!(
        "<header class=\"verdict {}\" id=\"verdict\" data-verdict=\"{}\">\n<h1>{}</h1>\n\
         <p class=\"headline\">{}</p>\n<p class=\"sub\">{} · {} · {} · {}</p>\n",
        verdict.status.css_class(),
        verdict.status.css_class(),
        escape(&result.scenario.name),
        escape(&capitalize(&verdict.headline(result))),
        escape(&result.scenario.kind),
        escape(&result.load.summary),
        escape(&result.target.url),
        escape(&result.started_at),
    );
    if !verdict.reasons.is_empty() {
        html.push_str("<ul class=\"reasons\">");
        for reason in &verdict.reasons {
            let _ = write!(html, "<li>{}</li>", escape(reason));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</header>\n");
    html
}

/// The key-figure cards.
pub fn key_figures(result: &RunResult, baseline: Option<&RunResult>) -> String {
    let mut html = String::from("<section class=\"cards\" id=\"figures\">\n");
    for figure in figures::key_figures(result, baseline) {
        let _ = writeln!(
            html,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div></div>",
            escape(figure.label),
            cell_html(&figure.cell)
        );
    }
    html.push_str("</section>\n");
    html
}

/// A cell's value and, when there is one, its delta as a small coloured note.
pub fn cell_html(cell: &Cell) -> String {
    match &cell.delta {
        Some(delta) => format!("{}{}", escape(&cell.text), delta_html(delta)),
        None => escape(&cell.text),
    }
}

/// A delta as `<span class="delta worse">+5.0%</span>`.
pub fn delta_html(delta: &Delta) -> String {
    let class = match delta.worse {
        Some(true) => "delta worse",
        Some(false) => "delta better",
        None => "delta",
    };
    format!(
        "<span class=\"{class}\" title=\"change against the baseline\">{}</span>",
        escape(&delta.text)
    )
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
