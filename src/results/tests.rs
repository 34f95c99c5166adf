//! Results tests: a result built from a real recording is written, validates against the checked-in
//! schema and reads back equal; the checked-in schema equals the generated one; no secret reaches
//! any file of the run directory; outcome rules.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use super::json_schema::{SCHEMA_PATH, results_schema_text};
use super::*;
use crate::metrics::{CacheOutcome, Recorded, Recorder, RecorderConfig, Sample};
use crate::model::ErrorKind;
use crate::model::{OutcomeStatus, TargetInfo};
use crate::scenario::{Plan, load_bytes};

pub(crate) const TOKEN: &str = "tok-7f3a9c1e55";

/// A small open-model plan whose Authorization header holds a secret from the environment.
pub(crate) fn plan(extra: &str) -> Plan {
    let text = format!(
        r#"name = "Checkout: smoke"
thresholds = ["p95 < 100ms", "error_rate < 1%", "rps > 1000", "cache_hit_rate > 50%"]
{extra}
[target]
url = "http://127.0.0.1:8080/"
[target.headers]
Authorization = "Bearer ${{env.API_TOKEN}}"
[load]
rate = "10/s"
duration = "2s"
[endpoint_thresholds]
"GET /a" = ["p99 < 1s"]
[[journeys]]
name = "j"
[[journeys.steps]]
name = "GET /a"
path = "/a"
[[journeys.steps]]
name = "POST /b"
method = "POST"
path = "/b"
"#
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/test.toml");
    let env = |name: &str| (name == "API_TOKEN").then(|| TOKEN.to_string());
    match load_bytes(text.as_bytes(), &path, &env) {
        Ok(plan) => plan,
        Err(e) => panic!("test plan does not load: {e:?}"),
    }
}

/// Two seconds of an open-model recording: 20 requests, one of them a failure whose message (as if
/// a server echoed it) carries the secret.
pub(crate) fn recording(plan: &Plan, hlog: Option<&Path>) -> Recorded {
    let recorder = Recorder::new(RecorderConfig::for_plan(
        plan,
        Instant::now(),
        hlog.map(Path::to_path_buf),
    ));
    recorder.set_load(10.0);
    let mut local = recorder.local();
    for second in 0..2u64 {
        recorder.advance(Duration::from_secs(second));
        for i in 0..10u64 {
            recorder.add_scheduled(1);
            let failed = second == 1 && i == 9;
            local.record(&Sample {
                endpoint: (i % 2) as usize,
                latency_us: 1_000 + i * 100,
                send_latency_us: Some(900 + i * 100),
                status: Some(if failed { 500 } else { 200 }),
                protocol: Some(crate::model::Protocol::Http2),
                error: failed
                    .then(|| (ErrorKind::Status5xx, format!("500: invalid token {TOKEN}"))),
                cache: if i < 6 {
                    CacheOutcome::Hit
                } else {
                    CacheOutcome::Miss
                },
                bytes_in: 50,
                bytes_out: 5,
                redirects: u32::from(i == 0),
            });
        }
    }
    drop(local);
    recorder.finish_at(Duration::from_millis(2_000))
}

pub(crate) fn inputs<'a>(plan: &'a Plan, recorded: Recorded) -> ResultInputs<'a> {
    ResultInputs {
        plan,
        recorded,
        target: TargetInfo {
            url: format!("http://user:{TOKEN}@127.0.0.1:8080/?key={TOKEN}"),
            bundled: false,
            cache_backend: None,
            notes: vec![format!("note with {TOKEN}")],
        },
        environment: detect_environment(),
        started_at: SystemTime::now(),
        ended_at: SystemTime::now(),
        duration: Some(Duration::from_secs(2)),
        interrupted: false,
        invalid_reasons: Vec::new(),
        warnings: Vec::new(),
        resources: Vec::new(),
        server_cache: None,
    }
}

fn checked_in_schema() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn checked_in_schema_equals_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH);
    let generated = results_schema_text();
    if std::env::var_os("STAMPEDE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} is out of date: run `STAMPEDE_BLESS=1 cargo test -p stampede --lib results::` and \
         commit it",
        path.display()
    );
}

#[test]
fn a_written_result_validates_reads_back_equal_and_holds_no_secret() {
    let plan = plan("");
    let out = tempfile::tempdir().unwrap();
    let name = plan.redact(&plan.name);
    let dir = create_run_dir(None, out.path(), &name, SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(
        dir.file_name().unwrap().to_str().unwrap(),
        "checkout-smoke-19700101-000000"
    );
    let again = create_run_dir(None, out.path(), &name, SystemTime::UNIX_EPOCH).unwrap();
    assert!(again.ends_with("checkout-smoke-19700101-000000-2"));
    let explicit = out.path().join("given/here");
    let given = create_run_dir(Some(&explicit), out.path(), &name, SystemTime::UNIX_EPOCH).unwrap();
    assert_eq!(given, explicit);
    assert!(explicit.is_dir());
    assert_eq!(
        default_dir("load test/1", SystemTime::UNIX_EPOCH),
        Path::new("reports/load-test-1-19700101-000000")
    );

    let recorded = recording(&plan, Some(&dir.join(HLOG_FILE)));
    let result = build_result(inputs(&plan, recorded)).unwrap();
    let path = write_results(&dir, &result, &plan).unwrap();

    // Against the checked-in schema.
    let instance: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&checked_in_schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut broken = instance.clone();
    broken["totals"]["requests"] = serde_json::json!("twenty");
    assert!(
        !validator.is_valid(&broken),
        "the schema checks field types"
    );

    // Round trip, exactly.
    assert_eq!(read_results(&dir).unwrap(), result);

    // The figures.
    assert_eq!(result.totals.requests, 20);
    assert_eq!(result.totals.failures, 1);
    assert_eq!(result.totals.rps, 10.0);
    assert_eq!(result.outcome.status, OutcomeStatus::Completed);
    assert_eq!(result.endpoints[0].name, "GET /a");
    assert_eq!(result.timeseries.len(), 2);
    assert_eq!(result.interval_log.as_deref(), Some(HLOG_FILE));
    assert!(result.totals.send_latency.is_some());
    assert_eq!(result.cache.client.hits, 12);
    assert_eq!(result.generator.scheduled, 20);
    assert_eq!(result.target.url, "http://127.0.0.1:8080/");
    assert_eq!(result.load.summary, "open model: 10/s for 2s");
    assert_eq!(result.thresholds.len(), 5);

    // No secret anywhere in the directory; its place is marked.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains(TOKEN), "{} holds the secret", file.display());
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("invalid token ***"));
    assert!(text.contains("note with ***"));
}

#[test]
fn dropped_starts_make_the_run_invalid_and_an_interrupt_says_so() {
    let plan = plan("");
    let mut recorded = recording(&plan, None);
    recorded.dropped = 3;
    let result = build_result(inputs(&plan, recorded.clone())).unwrap();
    assert_eq!(result.outcome.status, OutcomeStatus::Invalid);
    assert!(
        result.outcome.reasons[0].contains("3 of 20"),
        "{:?}",
        result.outcome
    );

    let mut interrupted = inputs(&plan, recorded);
    interrupted.interrupted = true;
    interrupted.duration = Some(Duration::from_millis(1_500));
    let result = build_result(interrupted).unwrap();
    assert_eq!(result.outcome.status, OutcomeStatus::Interrupted);
    assert!(result.outcome.reasons[0].starts_with("interrupted after 1.5s"));
    assert_eq!(
        result.outcome.reasons.len(),
        2,
        "the invalidity is kept as a reason"
    );
}

#[test]
fn urls_lose_credentials_and_queries() {
    use super::build::public_url;
    assert_eq!(public_url("https://u:p@h:1/x?k=v#f"), "https://h:1/x");
    assert_eq!(public_url("http://h"), "http://h");
    assert_eq!(public_url("not a url"), "not a url");
}

#[test]
fn a_file_of_another_schema_version_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(RESULTS_FILE);
    std::fs::write(&path, r#"{"schema_version": 99}"#).unwrap();
    let err = read_results(&path).unwrap_err().to_string();
    assert!(err.contains("version 99"), "{err}");
    std::fs::write(&path, "not json").unwrap();
    assert!(read_results(dir.path()).is_err());
}
