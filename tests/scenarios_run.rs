//! The scenario library run for real, scaled down, against the bundled SalesHub (small seed): each
//! kind produces its finding, and a SalesHub slowed by an injected delay breaks earlier under the
//! stress scenario than one without. Figures are never compared with fixed numbers (the machine
//! is shared): only the presence of findings, the journeys' success, and one run against another.

mod common;
mod library;

use common::{Workspace, both, code};
use library::{finding, library_scenario};

#[test]
fn smoke_passes_its_thresholds_with_every_endpoint_answered() {
    let ws = Workspace::new();
    let scenario = library_scenario(&ws, "smoke.toml", "", &[]);
    let output = ws.run(&scenario, &["--duration", "10s"]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    let results = ws.results();
    let endpoints = results["endpoints"].as_array().expect("endpoints");
    for e in endpoints {
        let name = e["name"].as_str().unwrap_or_default();
        if name == "login" || name == "me" {
            continue; // the setup journey runs during the warm-up
        }
        assert!(
            e["requests"].as_u64() > Some(0),
            "{name} was never requested"
        );
        assert_eq!(e["failures"], 0, "{name}: {:#?}", e["errors"]);
    }
    assert!(results["findings"].as_array().is_some_and(|f| f.is_empty()));
}

#[test]
fn endurance_reports_drift_of_p95_and_of_both_processes_memory() {
    let ws = Workspace::new();
    let scenario = library_scenario(&ws, "endurance.toml", "", &[]);
    let output = ws.run(&scenario, &["--duration", "20s", "--scale", "0.1"]);
    assert!(matches!(code(&output), 0 | 1), "{}", both(&output));
    let results = ws.results();
    // The realistic journeys work against SalesHub: no failed request.
    assert_eq!(
        results["totals"]["failures"], 0,
        "{:#?}",
        results["endpoints"]
    );
    let drift = finding(&results, "drift");
    for value in ["p95_slope", "target_rss_slope", "generator_rss_slope"] {
        assert!(
            drift["values"][value].is_f64(),
            "{value} missing: {drift:#}"
        );
    }
    // The finding thresholds were evaluated with a value, not "no value".
    let rss = results["thresholds"]
        .as_array()
        .expect("thresholds")
        .iter()
        .find(|t| t["expression"] == "target_rss_slope < 50MB/h")
        .expect("the RSS threshold");
    assert!(rss["observed"].is_f64(), "{rss:#}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Findings:") && stdout.contains("drift: "),
        "{stdout}"
    );
}

#[test]
fn spike_reports_a_recovery_time_and_the_errors_during_the_spike() {
    let ws = Workspace::new();
    let scenario = library_scenario(&ws, "spike.toml", "", &[]);
    // 3/s, a 30/s spike of 3 s, back to 3/s.
    let output = ws.run(&scenario, &["--duration", "30s", "--scale", "0.2"]);
    assert!(matches!(code(&output), 0 | 1), "{}", both(&output));
    let results = ws.results();
    let spike = finding(&results, "recovery_time");
    let values = &spike["values"];
    assert!(
        values["recovery_time"].as_f64().is_some_and(|t| t >= 0.0),
        "{spike:#}"
    );
    assert!(values["spike_errors"].is_f64(), "{spike:#}");
    assert!(
        values["spike_factor"].as_f64().is_some_and(|f| f > 5.0),
        "the spike was found at about 10x: {spike:#}"
    );
    let threshold = &results["thresholds"][0];
    assert_eq!(threshold["expression"], "recovery_time < 10s");
    assert!(threshold["observed"].is_f64(), "{threshold:#}");
}

/// Runs the stress scenario at half its rates, 4 s per step, with at most 16 journeys in flight
/// (so a slower answer means fewer journeys per second), and returns the breaking-point finding.
fn stress_run(bundled_extra: &str) -> serde_json::Value {
    let ws = Workspace::new();
    let scenario = library_scenario(
        &ws,
        "stress.toml",
        bundled_extra,
        &[("max_in_flight = 400", "max_in_flight = 16")],
    );
    let output = ws.run(&scenario, &["--duration", "40s", "--scale", "0.5"]);
    assert!(matches!(code(&output), 0 | 1 | 3), "{}", both(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("breaking_point: "), "{}", both(&output));
    let results = ws.results();
    let found = finding(&results, "breaking_point").clone();
    assert_eq!(
        found["steps"].as_array().map(Vec::len),
        Some(10),
        "one row per load step: {found:#}"
    );
    found
}

/// Where a run broke: the first failing step's load, or above the top step when none failed.
fn broke_at(finding: &serde_json::Value) -> f64 {
    finding["values"]["first_failing_load"]
        .as_f64()
        .unwrap_or(f64::INFINITY)
}

#[test]
fn stress_finds_an_earlier_breaking_point_when_saleshub_is_slowed_down() {
    let fast = stress_run("");
    // 500 ms per request: 16 journeys in flight of a few requests each cannot keep up with the
    // first step (and p99 is above its 250 ms limit), whatever the machine's speed; without the
    // delay even a debug build on a busy machine answers the first steps.
    let slow = stress_run("inject_delay = \"500ms\"");
    assert!(
        broke_at(&slow) < broke_at(&fast),
        "with 500 ms added per request it should break at a lower rate:\nslow: {}\nfast: {}",
        slow["summary"],
        fast["summary"]
    );
    assert!(
        slow["values"]["first_failing_load"].is_f64(),
        "{}",
        slow["summary"]
    );
}
