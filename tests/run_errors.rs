//! `stampede run` refusals: invalid scenario files (exit 2, nothing sent), bad flags, and an
//! unreachable target (exit 3 within seconds, no results written).

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, Workspace, both, closed_port, closed_scenario, code};

#[test]
fn an_invalid_scenario_exits_2_and_sends_nothing() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let cases = [
        // unknown key
        closed_scenario(
            &server.base_url,
            1,
            "1s",
            "path = \"/delay\"\nthinktime = \"1s\"",
        ),
        // negative / zero values
        closed_scenario(&server.base_url, 0, "1s", "path = \"/delay\""),
        closed_scenario(&server.base_url, 1, "0s", "path = \"/delay\""),
        // a template variable nobody sets
        closed_scenario(&server.base_url, 1, "1s", "path = \"/items/${nope}\""),
        // not TOML
        "name = \n[target".to_string(),
    ];
    for (i, text) in cases.iter().enumerate() {
        let file = ws.write(&format!("bad{i}.toml"), text);
        let output = ws.run(&file, &[]);
        assert_eq!(code(&output), 2, "case {i}: {}", both(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("bad{i}.toml:")),
            "case {i}: {stderr}"
        );
    }
    assert_eq!(server.requests(), 0, "no request from an invalid file");
    assert!(!ws.out_dir().exists(), "no results from an invalid file");
}

#[test]
fn a_missing_env_variable_is_a_scenario_error() {
    let ws = Workspace::new();
    let file = ws.write(
        "env.toml",
        &closed_scenario(
            "http://127.0.0.1:9",
            1,
            "1s",
            "path = \"/\"\nheaders = { Authorization = \"Bearer ${env.STAMPEDE_TEST_UNSET_VAR}\" }",
        ),
    );
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 2, "{}", both(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("STAMPEDE_TEST_UNSET_VAR"));
}

#[test]
fn an_unreachable_target_exits_3_quickly_without_results() {
    let ws = Workspace::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let file = ws.write(
        "down.toml",
        &closed_scenario(&url, 2, "30s", "path = \"/delay\""),
    );
    let started = Instant::now();
    let output = ws.run(&file, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code(&output), 3, "{}", both(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unreachable") && stderr.contains(&url),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!ws.out_dir().exists(), "no results pretending to be a run");
}

#[test]
fn target_flag_overrides_and_is_checked() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "t.toml",
        &closed_scenario("http://127.0.0.1:9", 1, "30s", "path = \"/delay\""),
    );
    let output = ws.run(&file, &["--target", "ftp://nope"]);
    assert_eq!(code(&output), 2, "{}", both(&output));
    let output = ws.run(&file, &["--target", &server.base_url, "--duration", "1s"]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    assert!(server.requests() > 0);
    let results = ws.results();
    assert_eq!(results["target"]["url"], server.base_url.as_str());
    assert!(results["duration_secs"].as_f64().unwrap() <= 1.01);
}
