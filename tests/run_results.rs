//! The results file of a real run: a valid RunResult that round-trips, checked against the JSON
//! Schema in the repository, with its latency log beside it.

mod common;

use common::{TestServer, Workspace, both, closed_scenario, code};

fn one_run() -> (TestServer, Workspace) {
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "r.toml",
        &closed_scenario(&server.base_url, 2, "2s", "path = \"/items/2\""),
    );
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    (server, ws)
}

#[test]
fn results_round_trip_through_run_result() {
    let (_server, ws) = one_run();
    let value = ws.results();
    let result: stampede::results::RunResult =
        serde_json::from_value(value.clone()).expect("a RunResult");
    assert_eq!(serde_json::to_value(&result).expect("serialize"), value);
    assert_eq!(
        result.outcome.status,
        stampede::model::OutcomeStatus::Completed
    );
    assert_eq!(result.load.model, "closed");
    let histogram = stampede::model::histogram::decode(&result.totals.histogram).expect("decode");
    assert_eq!(histogram.len(), result.totals.requests);
}

#[test]
fn results_validate_against_the_schema_and_the_hlog_is_written() {
    let (_server, ws) = one_run();
    let schema_text =
        std::fs::read_to_string(common::repo_root().join("schema/results.schema.json"))
            .expect("schema/results.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let results = ws.results();
    let errors: Vec<String> = validator
        .iter_errors(&results)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let hlog = ws.out_dir().join("latency.hlog");
    assert!(
        std::fs::metadata(&hlog)
            .map(|m| m.len() > 0)
            .unwrap_or(false)
    );
    assert_eq!(results["interval_log"], "latency.hlog");
}
