//! Calibration, one endpoint slower: SalesHub B answers search `DELAY` (20 ms) later and everything
//! else as fast as A. The live gate must say `regressed` and name search's p50, while the contact
//! list it also gates passes: a slowdown is pinned on the endpoint that has it.

mod gate_common;

use gate_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slower_endpoint_regresses_by_name() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = saleshub(&tmp.path().join("a"), None).await;
    let b = saleshub_slow_on(&tmp.path().join("b"), DELAY, "/api/search").await;
    // Two endpoints at 100 requests a trial each; both clear min_requests, so each is gated at
    // alpha / 2.
    let search = r#"[[journeys]]
name = "find"
[[journeys.steps]]
name = "search"
path = "/api/search?q=${random.pick(smith, johnson, garcia, miller)}&type=contact"
headers = { Authorization = "Bearer ${token}" }
checks = [{ status = 200 }]
"#;
    let journeys = format!("{LIST_JOURNEY}{search}");
    let scenario = write_scenario(tmp.path(), 10, "200/s", "min_requests = 50", &journeys);

    let out = live(tmp.path(), &scenario, a.base_url(), b.base_url(), "ab");
    assert_eq!(code(&out), 1, "A/B must regress: {}", both(&out));
    let c = comparison(&tmp.path().join("ab"));
    assert_eq!(c["verdict"], "regressed", "{}", both(&out));
    let reasons: Vec<&str> = c["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("p50 of search rose") && r.ends_with(": regressed")),
        "{reasons:?}"
    );
    assert!(
        !reasons.iter().any(|r| r.contains(" of contacts ")),
        "the contact list is as fast on both sides: {reasons:?}"
    );
    let row = |name: &str| {
        c["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["subject"] == name)
            .unwrap_or_else(|| panic!("no row {name}"))
            .clone()
    };
    let p50 = |name: &str| row(name)["metrics"][0].clone();
    assert_eq!(p50("search")["gated"], true);
    assert_eq!(p50("contacts")["gated"], true);
    assert_eq!(p50("contacts")["verdict"], "pass", "{}", p50("contacts"));
    assert!(c["endpoint_alpha"].as_f64().expect("endpoint alpha") < 0.0025);
    let junit = std::fs::read_to_string(tmp.path().join("ab/comparison.junit.xml")).expect("junit");
    assert!(
        junit.contains("p50 (search): regressed"),
        "JUnit names the endpoint's case: {junit}"
    );
    a.stop(std::time::Duration::from_secs(5)).await;
    b.stop(std::time::Duration::from_secs(5)).await;
}
