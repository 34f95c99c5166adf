//! The HTML report in a real browser: headless Chromium (Debian's `chromium`, installed by
//! `ci/test.sh`) opens reports rendered from the fixed example results (against the interrupted
//! run as a baseline) and from a synthetic one-hour result, and the test asserts that each page
//! loads with no console message and no script error, and that every chart is drawn with a
//! non-zero size. Screenshots are kept under `<target>/test-artifacts/`. Without `chromium` on the
//! PATH the test says so loudly and passes.

mod report_support;

use stampede::report::html::{HtmlSection, render_html};
use stampede::results::RunResult;

use report_support::browser::{check_page, chromium_available};
use report_support::{fixture, synthetic};

#[test]
fn reports_load_in_chromium_with_every_chart_drawn() {
    if !chromium_available() {
        eprintln!(
            "\n\n*** report_browser SKIPPED: `chromium` is not installed (ci/test.sh installs it: \
             apt-get install chromium) ***\n\n"
        );
        return;
    }
    // The example run against the interrupted one as its baseline, with an extra section.
    let result = fixture("example");
    let baseline: RunResult = fixture("interrupted");
    let extra = [HtmlSection {
        title: "Comparison".into(),
        html: "<p>Added by a caller.</p>".into(),
    }];
    let html = render_html(&result, Some(&baseline), &extra);
    assert!(
        !html.contains("figure class=\"empty\""),
        "every chart has data"
    );
    check_page("report-example", &html, 6);

    // A one-hour-sized run with errors, findings and trials.
    let long = synthetic::one_hour_result();
    // Six charts, plus the breaking-point finding's latency and errors against load.
    check_page("report-one-hour", &render_html(&long, None, &[]), 7);
}

/// Long runs are downsampled: no line of any chart of a one-hour report has more points than the
/// report's limit (every series, the generator's and the target's alike).
#[test]
fn a_one_hour_report_draws_no_series_with_more_than_the_point_limit() {
    use stampede::report::html::charts::downsample::MAX_POINTS;
    let html = render_html(&synthetic::one_hour_result(), None, &[]);
    let mut longest = 0;
    for polyline in html.split("<polyline").skip(1) {
        let points = polyline
            .split("points=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a polyline has points");
        let count = points.split_whitespace().count();
        assert!(
            count <= MAX_POINTS,
            "a series of {count} points (limit {MAX_POINTS}): {}…",
            &polyline[..polyline.len().min(120)]
        );
        longest = longest.max(count);
    }
    // The one-hour series really were thinned to the limit, not just short.
    assert!(longest > MAX_POINTS / 2, "longest series {longest}");
}
