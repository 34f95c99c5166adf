//! `stampede run` writes report.html, summary.md and junit.xml beside results.json, and
//! `stampede report` renders them again from the results file alone (same bytes), in any format,
//! to a file or stdout, with a baseline; unreadable input is a clear error with exit 2.

mod common;

use std::process::Command;

use common::{TestServer, Workspace, both, closed_scenario, code, repo_root, stampede_exe};

fn report(args: &[&str]) -> std::process::Output {
    Command::new(stampede_exe())
        .arg("report")
        .args(args)
        .output()
        .expect("run stampede report")
}

#[test]
fn a_run_writes_its_reports_and_report_renders_them_again() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "r.toml",
        &closed_scenario(&server.base_url, 2, "2s", "path = \"/items/2\""),
    );
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    let out = ws.out_dir();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("report: {}", out.join("report.html").display())),
        "{stdout}"
    );
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.contains("data-verdict=\"passed\""), "the run passed");
    // Six chart places; each holds a chart, or says why there is no data (e.g. no resource
    // sample yet in a 2 s run). Latency, throughput, spectrum and endpoints always have data.
    let charts = html.matches("<svg class=\"chart\"").count();
    let empty = html.matches("<figure class=\"empty\">").count();
    assert_eq!(
        (charts + empty, charts >= 4),
        (6, true),
        "{charts} charts, {empty} empty"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).expect("summary.md");
    assert!(
        summary.starts_with("## ✅ Stampede: t — passed"),
        "{summary}"
    );
    let junit = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    roxmltree::Document::parse(&junit).expect("junit.xml is well-formed");

    // Rendered again from results.json alone: the same bytes.
    let dir = out.to_str().expect("utf-8 path");
    let md = report(&[dir, "--format", "md", "-o", "-"]);
    assert_eq!(code(&md), 0, "{}", both(&md));
    assert_eq!(String::from_utf8_lossy(&md.stdout), summary);
    let again = ws.path().join("again.xml");
    let xml = report(&[
        &format!("{dir}/results.json"),
        "-f",
        "junit",
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code(&xml), 0, "{}", both(&xml));
    assert_eq!(std::fs::read_to_string(&again).expect("written"), junit);
    std::fs::remove_file(out.join("report.html")).expect("remove");
    let default = report(&[dir]);
    assert_eq!(code(&default), 0, "{}", both(&default));
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).expect("rewritten"),
        html
    );
    let json = report(&[dir, "--format", "json"]);
    let parsed: stampede::results::RunResult =
        serde_json::from_slice(&json.stdout).expect("json output is a RunResult");
    assert_eq!(serde_json::to_value(parsed).unwrap(), ws.results());
}

#[test]
fn every_chart_is_drawn_for_the_example_run() {
    let fixture = repo_root().join("fixtures/results/example/results.json");
    let html = report(&[fixture.to_str().unwrap(), "-o", "-"]);
    assert_eq!(code(&html), 0, "{}", both(&html));
    let text = String::from_utf8_lossy(&html.stdout);
    assert_eq!(text.matches("<svg class=\"chart\"").count(), 6);
}

#[test]
fn a_baseline_adds_deltas_and_overlays() {
    let root = repo_root().join("fixtures/results");
    let run = root.join("example");
    let base = root.join("interrupted/results.json");
    let out = report(&[
        run.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "-o",
        "-",
    ]);
    assert_eq!(code(&out), 0, "{}", both(&out));
    let html = String::from_utf8_lossy(&out.stdout);
    assert!(html.contains("class=\"delta"), "deltas in cards and tables");
    assert!(
        html.contains("baseline all endpoints"),
        "the baseline's spectrum is overlaid"
    );
    let md = report(&[
        run.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "-f",
        "md",
        "-o",
        "-",
    ]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.contains("compared with the run of"), "{md}");
    assert!(md.contains("%)"), "deltas in parentheses: {md}");
}

#[test]
fn unreadable_input_is_a_usage_error_naming_the_file() {
    let ws = Workspace::new();
    let missing = ws.path().join("nope.json");
    let out = report(&[missing.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nope.json"),
        "{}",
        both(&out)
    );

    let bogus = ws.write("bogus.json", "{\"hello\": 1}");
    let out = report(&[bogus.to_str().unwrap(), "-f", "md", "-o", "-"]);
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(out.stdout.is_empty());

    let run = repo_root().join("fixtures/results/example");
    let out = report(&[
        run.to_str().unwrap(),
        "--baseline",
        bogus.to_str().unwrap(),
        "-o",
        "-",
    ]);
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("baseline"),
        "{}",
        both(&out)
    );
}
