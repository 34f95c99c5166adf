//! The demo's closing page, `index.html` in the demo's directory: the two runs (cache on, cache
//! off) on one self-contained page, so the story the terminal told can be kept and shared. It is
//! drawn with the run report's own building blocks: the figures side by side with their change,
//! each threshold for both runs, the latency spectra overlaid (cache on dashed), latency over
//! time, and the per-endpoint table of the cache-off run with its change from cache on. Each
//! run's full report is linked.

use std::fmt::Write as _;

use super::side_by_side::compared_figures;
use crate::model::RunResult;
use crate::report::html::charts::{latency_over_time_svg, spectrum_series, spectrum_svg};
use crate::report::html::escape;
use crate::report::html::page::{self, Td, figure, section, table};
use crate::report::html::tables;
use crate::report::{HTML_FILE, Verdict, VerdictStatus};

/// File name of the page in the demo's directory.
pub const PAGE_FILE: &str = "index.html";

/// The page of a demo whose runs are `on` (cache on) and `off` (cache off), kept in the
/// sub-directories `on_dir` and `off_dir` of the page's directory (for the links).
pub fn render_page(on: &RunResult, off: &RunResult, on_dir: &str, off_dir: &str) -> String {
    let mut body = banner(on, off);
    body.push_str(&figures_section(on, off));
    body.push_str(&thresholds_section(on, off));
    body.push_str(&charts_section(on, off));
    body.push_str(&format!(
        "<p class=\"note\">The table below is the cache-off run's; the change under each value is \
         from the cache-on run.</p>\n{}",
        tables::endpoints(off, Some(on))
    ));
    body.push_str(&section(
        "Each run's full report",
        "reports",
        &format!(
            "<ul><li><a href=\"{on_dir}/{HTML_FILE}\">cache on</a></li>\
             <li><a href=\"{off_dir}/{HTML_FILE}\">cache off</a></li></ul>",
            on_dir = escape(on_dir),
            off_dir = escape(off_dir)
        ),
    ));
    let title = format!("demo · {} · cache on vs off", on.scenario.name);
    page::document(&title, &body, on)
}

/// The verdicts of both runs in one line, coloured by the cache-on run's (the service as it is
/// meant to run).
fn banner(on: &RunResult, off: &RunResult) -> String {
    let (v_on, v_off) = (Verdict::of(on), Verdict::of(off));
    let class = v_on.status.css_class();
    let mut html = format!(
        "<header class=\"verdict {class}\" id=\"verdict\" data-verdict=\"{class}\">\n\
         <h1>What SalesHub's cache is worth: {}</h1>\n\
         <p class=\"headline\">Cache on: {} · cache off: {}</p>\n<p class=\"sub\">{} · {}</p>\n",
        escape(&on.scenario.name),
        escape(&v_on.headline(on)),
        escape(&v_off.headline(off)),
        escape(&on.load.summary),
        escape(&on.started_at),
    );
    let reasons: Vec<String> = [("cache on", &v_on), ("cache off", &v_off)]
        .iter()
        .filter(|(_, v)| v.status != VerdictStatus::Passed)
        .flat_map(|(side, v)| v.reasons.iter().map(move |r| format!("{side}: {r}")))
        .collect();
    if !reasons.is_empty() {
        html.push_str("<ul class=\"reasons\">");
        for reason in reasons {
            let _ = write!(html, "<li>{}</li>", escape(&reason));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</header>\n");
    html
}

fn figures_section(on: &RunResult, off: &RunResult) -> String {
    let rows: Vec<Vec<Td>> = compared_figures(on, off)
        .into_iter()
        .map(|f| {
            vec![
                Td::text(f.name),
                Td::number(escape(&f.on), f64::NAN),
                Td::number(escape(&f.off), f64::NAN),
                Td::number(escape(&f.change), f64::NAN),
            ]
        })
        .collect();
    section(
        "Cache on vs off (all requests)",
        "side-by-side",
        &table(&["", "cache on", "cache off", "change"], &rows, &[]),
    )
}

/// Every threshold of either run, with its result in each ("not checked" where a run has not
/// got it: the hit rate without a cache).
fn thresholds_section(on: &RunResult, off: &RunResult) -> String {
    let mut keys: Vec<(&str, Option<&str>)> = Vec::new();
    for t in on.thresholds.iter().chain(&off.thresholds) {
        let key = (t.expression.as_str(), t.endpoint.as_deref());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let cell = |run: &RunResult, key: &(&str, Option<&str>)| match run
        .thresholds
        .iter()
        .find(|t| (t.expression.as_str(), t.endpoint.as_deref()) == *key)
    {
        Some(t) => Td {
            html: format!(
                "{} {}",
                if t.passed { "pass" } else { "FAIL" },
                escape(&t.observed_display)
            ),
            sort: None,
            class: if t.passed { "pass" } else { "fail" },
        },
        None => Td::text("not checked"),
    };
    let rows: Vec<Vec<Td>> = keys
        .iter()
        .map(|key| {
            let scope = key.1.map_or(String::new(), |e| format!(" [{e}]"));
            vec![
                Td::text(&format!("{}{scope}", key.0)),
                cell(on, key),
                cell(off, key),
            ]
        })
        .collect();
    if rows.is_empty() {
        return section(
            "Thresholds",
            "thresholds",
            "<p>No thresholds were set in the scenario.</p>",
        );
    }
    section(
        "Thresholds",
        "thresholds",
        &table(&["threshold", "cache on", "cache off"], &rows, &[]),
    )
}

fn charts_section(on: &RunResult, off: &RunResult) -> String {
    // The report's baseline overlay, with the sides named: the cache-on run is the baseline.
    let series: Vec<_> = spectrum_series(off, Some(on))
        .into_iter()
        .map(|mut s| {
            s.label = match s.label.strip_prefix("baseline ") {
                Some(rest) => format!("cache on: {rest}"),
                None => format!("cache off: {}", s.label),
            };
            s
        })
        .collect();
    let mut html = figure(
        "Latency distribution, cache on (dashed) and off",
        &spectrum_svg(&series),
        "HdrHistogram style: the latency at each percentile, on a log scale of nines up to \
         99.99%, for all endpoints and the busiest ones, of both runs.",
    );
    html.push_str(&figure(
        "Latency percentiles over time, cache off (cache on dashed, as the baseline)",
        &latency_over_time_svg(off, Some(on)),
        "Per second of the measured phase; the load is on the right axis.",
    ));
    section(
        "Charts",
        "charts",
        &format!("<div class=\"charts\">{html}</div>"),
    )
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
    fn both_runs_their_thresholds_and_links_are_on_the_page() {
        let mut on = fixture();
        on.thresholds.retain(|t: &ThresholdResult| t.passed);
        let mut off = fixture();
        off.thresholds.truncate(1);
        off.thresholds[0].passed = false;
        let html = render_page(&on, &off, "cache-on", "cache-off");
        assert!(html.contains("Cache on: passed"), "banner");
        assert!(html.contains("cache off: thresholds failed"), "banner");
        assert!(html.contains("href=\"cache-on/report.html\""));
        assert!(html.contains("href=\"cache-off/report.html\""));
        assert!(html.contains("cache on: all endpoints"), "spectrum legend");
        assert!(html.contains("cache off: all endpoints"), "spectrum legend");
        assert!(
            html.contains("not checked"),
            "a threshold only one side has"
        );
        assert_eq!(html.matches("<svg class=\"chart\"").count(), 2);
    }
}
