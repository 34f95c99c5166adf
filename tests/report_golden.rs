//! Golden-file tests of the Markdown summary and the JUnit file, rendered from the fixed results
//! files under `fixtures/results/` (a real 20 s run of `scenarios/example.toml` against the bundled
//! SalesHub, the same run interrupted with Ctrl-C, and an invalid variant). The JUnit output is
//! also parsed as XML and its counts checked. Set `UPDATE_GOLDEN=1` to rewrite the golden files
//! after an intended change, and review the diff.

mod report_support;

use stampede::report::junit::{self, JunitCase, JunitFailure};
use stampede::report::{Verdict, markdown};
use stampede::results::RunResult;

use report_support::{fixture, repo_root};

const FIXTURES: [&str; 3] = ["example", "interrupted", "invalid"];

/// Compares `actual` with the golden file `tests/golden/<name>`, or rewrites it.
fn golden(name: &str, actual: &str) {
    let path = repo_root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read {}: {e} (UPDATE_GOLDEN=1 creates it)", path.display()));
    assert!(
        expected == actual,
        "{} differs from the rendered output (UPDATE_GOLDEN=1 rewrites it):\n--- rendered ---\n{actual}",
        path.display()
    );
}

#[test]
fn markdown_summaries_match_their_golden_files() {
    for name in FIXTURES {
        golden(
            &format!("{name}.summary.md"),
            &markdown::render(&fixture(name), None),
        );
    }
}

#[test]
fn junit_files_match_their_golden_files() {
    for name in FIXTURES {
        golden(&format!("{name}.junit.xml"), &junit::render(&fixture(name)));
    }
}

/// Parses JUnit XML and returns (tests, failures) of the root and checks each suite's counts.
fn junit_counts(xml: &str) -> (usize, usize) {
    let doc = roxmltree::Document::parse(xml).expect("JUnit output is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let mut tests = 0;
    let mut failures = 0;
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let failed = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        assert_eq!(
            suite.attribute("tests"),
            Some(cases.len().to_string().as_str())
        );
        assert_eq!(
            suite.attribute("failures"),
            Some(failed.to_string().as_str())
        );
        tests += cases.len();
        failures += failed;
    }
    assert_eq!(root.attribute("tests"), Some(tests.to_string().as_str()));
    assert_eq!(
        root.attribute("failures"),
        Some(failures.to_string().as_str())
    );
    (tests, failures)
}

#[test]
fn junit_is_well_formed_with_one_case_per_threshold_and_the_outcome() {
    let result = fixture("example");
    let xml = junit::render(&result);
    let failed_thresholds = result.thresholds.iter().filter(|t| !t.passed).count();
    assert!(failed_thresholds > 0, "the fixture has a failing threshold");
    assert_eq!(
        junit_counts(&xml),
        (result.thresholds.len() + 1, failed_thresholds)
    );
    assert!(xml.contains("observed: 3.9%"), "{xml}");

    // Interrupted and invalid runs fail the outcome case, with the reason.
    for name in ["interrupted", "invalid"] {
        let result = fixture(name);
        let xml = junit::render(&result);
        let (_, failures) = junit_counts(&xml);
        let failed_thresholds = result.thresholds.iter().filter(|t| !t.passed).count();
        assert_eq!(failures, failed_thresholds + 1, "{name}");
        assert!(xml.contains(&format!("the run is {name}")), "{xml}");
    }
}

#[test]
fn extra_junit_cases_are_appended_in_their_own_suite_and_escaped() {
    let result = fixture("example");
    let extra = [
        JunitCase {
            suite: "regression".into(),
            name: "p95 of <GET /api/contacts> & co".into(),
            failure: Some(JunitFailure {
                message: "p95 +12% (p = 0.0011)".into(),
                detail: "baseline 4.1ms\nnow 4.6ms \u{1}".into(),
            }),
        },
        JunitCase {
            suite: "regression".into(),
            name: "throughput".into(),
            failure: None,
        },
    ];
    let xml = junit::render_with(&result, &extra);
    let (tests, failures) = junit_counts(&xml);
    assert_eq!(tests, result.thresholds.len() + 1 + 2);
    assert_eq!(failures, 2);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed");
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert!(
        names.contains(&"p95 of <GET /api/contacts> & co"),
        "{names:?}"
    );
}

#[test]
fn interrupted_and_invalid_runs_say_so_at_the_top() {
    for (name, word) in [("interrupted", "interrupted"), ("invalid", "invalid")] {
        let result: RunResult = fixture(name);
        let md = markdown::render(&result, None);
        let first = md.lines().next().unwrap_or_default();
        assert!(first.contains(&format!("— {word}: ")), "{name}: {first}");
        let reason = &result.outcome.reasons[0];
        assert!(
            md.lines()
                .nth(2)
                .unwrap_or_default()
                .contains(reason.as_str()),
            "{md}"
        );

        let html = stampede::report::html::render_html(&result, None, &[]);
        let banner_at = html
            .find("<header class=\"verdict")
            .expect("verdict banner");
        let body_at = html.find("<body>").expect("body") + "<body>".len();
        let banner = &html[banner_at..html[banner_at..].find("</header>").unwrap() + banner_at];
        assert!(
            html[body_at..banner_at]
                .trim_start_matches(['\n', ' '])
                .starts_with("<main>"),
            "the verdict is the first thing on the page"
        );
        assert!(
            banner.contains(&format!("data-verdict=\"{word}\"")),
            "{banner}"
        );
        assert!(
            banner.contains(&format!("{}{}:", word[..1].to_uppercase(), &word[1..])),
            "{banner}"
        );
        assert!(
            banner.contains(&stampede::report::html::escape(reason)),
            "{banner}"
        );
    }
    // A comparison's regression shows in the Markdown headline.
    let result = fixture("example");
    let verdict = Verdict::of(&result).regressed(["p95 +12% against the baseline".to_string()]);
    let md = markdown::render_with(&result, None, &verdict, &[]);
    assert!(
        md.starts_with("## ❌ Stampede: example — regressed: "),
        "{md}"
    );
    assert!(md.contains("- p95 +12% against the baseline"), "{md}");
}

#[test]
fn run_reports_carry_a_callers_verdict_sections_and_cases() {
    use stampede::report::html::HtmlSection;
    use stampede::report::{ReportExtras, write_run_reports_with};

    let result = fixture("example");
    let dir = tempfile::tempdir().expect("temp dir");
    let extras = ReportExtras {
        verdict: Some(Verdict::of(&result).regressed(["p95 +12% (p = 0.0011)".to_string()])),
        html: vec![HtmlSection {
            title: "Regression check".into(),
            html: "<table id=\"gate\"></table>".into(),
        }],
        markdown: vec!["### Regression check\n\np95 +12%".into()],
        junit: vec![JunitCase {
            suite: "regression".into(),
            name: "p95".into(),
            failure: Some(JunitFailure {
                message: "p95 +12%".into(),
                detail: String::new(),
            }),
        }],
    };
    let reports = write_run_reports_with(dir.path(), &result, None, &extras).expect("written");
    let html = std::fs::read_to_string(&reports.html).expect("html");
    assert!(html.contains("data-verdict=\"regressed\""));
    let cards = html.find("id=\"figures\"").expect("cards");
    let section = html.find("<table id=\"gate\">").expect("the extra section");
    let thresholds = html.find("id=\"thresholds\"").expect("thresholds");
    assert!(
        cards < section && section < thresholds,
        "extra sections follow the cards"
    );
    let md = std::fs::read_to_string(&reports.markdown).expect("md");
    assert!(
        md.contains("— regressed: ") && md.contains("### Regression check"),
        "{md}"
    );
    let xml = std::fs::read_to_string(&reports.junit).expect("junit");
    assert_eq!(junit_counts(&xml), (result.thresholds.len() + 2, 2));
    // Nothing else is left in the directory (no temporary files).
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 3);
}
