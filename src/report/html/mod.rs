//! The HTML report: one self-contained page per run (inline CSS, charts as inline SVG drawn with
//! plotters, a few lines of JavaScript for sortable tables; no request to any network), rendered
//! from a `RunResult` alone. It opens with the verdict and the key figures, then the sections
//! callers add (e.g. the regression gate's comparison), findings, thresholds, charts, tables and
//! the run's context.
//!
//! Files: `page` (document, style, script), `cards` (verdict, key figures), `tables` (endpoints,
//! errors, status codes), `checks` (thresholds, findings, trials), `context` (scenario, target,
//! host, cache, generator), `charts/` (one file per chart kind).

pub mod cards;
pub mod charts;
pub mod checks;
pub mod context;
pub mod page;
pub mod tables;

pub use super::escape::escape;

use super::verdict::Verdict;
use crate::model::RunResult;

/// An extra section inserted after the verdict and the key figures. `html` is trusted: callers
/// escape their own text (with [`escape`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlSection {
    pub title: String,
    pub html: String,
}

/// The report page of `result`, with `baseline` drawn beside it when given, and `extra`
/// sections. The verdict is the one the results file gives ([`Verdict::of`]); use
/// [`render_html_with_verdict`] to show another (e.g. regressed).
pub fn render_html(
    result: &RunResult,
    baseline: Option<&RunResult>,
    extra: &[HtmlSection],
) -> String {
    render_html_with_verdict(result, baseline, extra, &Verdict::of(result))
}

/// As [`render_html`], with the verdict decided by the caller: the regression gate passes
/// `Verdict::of(result).regressed(reasons)` so the top line says "regressed" and why.
pub fn render_html_with_verdict(
    result: &RunResult,
    baseline: Option<&RunResult>,
    extra: &[HtmlSection],
    verdict: &Verdict,
) -> String {
    let mut body = String::new();
    body.push_str(&cards::verdict_banner(result, verdict));
    body.push_str(&cards::key_figures(result, baseline));
    for section in extra {
        body.push_str(&page::section(
            &section.title,
            &slug(&section.title),
            &section.html,
        ));
    }
    body.push_str(&checks::findings(result));
    body.push_str(&checks::thresholds(result));
    body.push_str(&charts_section(result, baseline));
    body.push_str(&tables::endpoints(result, baseline));
    body.push_str(&tables::errors(result));
    body.push_str(&tables::status_codes(result));
    body.push_str(&context::cache(result));
    body.push_str(&context::generator(result));
    body.push_str(&checks::trials(result));
    body.push_str(&context::context(result, baseline));
    let title = format!("{} · {}", result.scenario.name, verdict.status.word());
    page::document(&title, &body, result)
}

/// The body of the live dashboard's page for the run so far (`live::dashboard`): the report's own
/// key figures, thresholds, charts and tables, drawn from a result built from the recorder's
/// windows up to now. The dashboard adds its status line and the page around it.
pub fn live_body(result: &RunResult) -> String {
    let mut body = String::new();
    body.push_str(&cards::key_figures(result, None));
    body.push_str(&checks::thresholds(result));
    body.push_str(&charts_section(result, None));
    body.push_str(&tables::endpoints(result, None));
    body.push_str(&tables::errors(result));
    body.push_str(&tables::status_codes(result));
    body.push_str(&context::cache(result));
    body
}

/// The six charts, each in a figure with a caption saying how to read it.
fn charts_section(result: &RunResult, baseline: Option<&RunResult>) -> String {
    use charts::*;
    let mut html = String::new();
    let base_note = if baseline.is_some() {
        " The baseline is dashed, in lighter colours."
    } else {
        ""
    };
    html.push_str(&page::figure(
        "Latency percentiles over time",
        &latency_over_time_svg(result, baseline),
        &format!(
            "Per second; long runs are merged to at most {} points, each showing the worst second \
             of its span. The load is on the right axis.{base_note}",
            downsample::MAX_POINTS
        ),
    ));
    html.push_str(&page::figure(
        "Throughput over time",
        &throughput_svg(result, baseline),
        "Responses per second: successes stacked on failures (red).",
    ));
    html.push_str(&page::figure(
        "Latency distribution (percentile spectrum)",
        &spectrum_svg(&spectrum_series(result, baseline)),
        &format!(
            "HdrHistogram style: the latency at each percentile, on a log scale of nines up to \
             99.99%, for all endpoints and the {} busiest.{base_note}",
            spectrum::BUSIEST
        ),
    ));
    match cache_svg(result) {
        Some(svg) => html.push_str(&page::figure(
            "Cache hit rate over time",
            &svg,
            &format!(
                "Client side from the response header, in buckets of at least {} s; server side \
                 from the target's metrics, between consecutive scrapes, per namespace.",
                cache::MIN_CLIENT_BUCKET_SECS
            ),
        )),
        None => html.push_str(&page::missing_figure(
            "Cache hit rate over time",
            "No cache data: the response header was not seen and the target's metrics were not scraped.",
        )),
    }
    match resources_svg(result) {
        Some(svg) => html.push_str(&page::figure(
            "Generator and target resources",
            &svg,
            &format!(
                "CPU in percent of one core ({} cores on this host). The run is invalid when the \
                 generator stays above {:.0}% of the machine ({:.0}% of one core).",
                result.environment.cores,
                result.generator.cpu_limit_percent,
                resources::cpu_limit_of_one_core(result)
            ),
        )),
        None => html.push_str(&page::missing_figure(
            "Generator and target resources",
            "No resource samples in this run.",
        )),
    }
    match endpoints_svg(result, baseline) {
        Some(svg) => html.push_str(&page::figure(
            "Latency by endpoint",
            &svg,
            "Bars from p50 to p95, ticks at p99.",
        )),
        None => html.push_str(&page::missing_figure(
            "Latency by endpoint",
            "No endpoint got a response.",
        )),
    }
    page::section(
        "Charts",
        "charts",
        &format!("<div class=\"charts\">{html}</div>"),
    )
}

/// An id for a section title: "Regression check" → "regression-check".
fn slug(title: &str) -> String {
    let mut out = String::from("extra-");
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
