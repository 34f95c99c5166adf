//! A Kubernetes Indexed Job on one machine: three worker processes started exactly as the Job's
//! pods run them (`JOB_COMPLETION_INDEX` 0..2 in the environment, `--segment auto/3`, one
//! `--start-at` a few seconds ahead) against one real test server on 127.0.0.1, then `stampede
//! merge` as the merge Job runs it. For the open and the closed model and a sequential feeder:
//! the merged request count is what the server answered (the server does not count `GET /`, the
//! reachability check each worker sends once), the workers' loads began within 100 ms of each
//! other (the one timing condition, measured from the starts the results record, with seconds of
//! preparation time to spare), the merged percentiles are those of the workers' histograms added,
//! and a missing worker makes `merge` say so.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

use common::{TestServer, Workspace, both, code, stampede_exe};
use hdrhistogram::Histogram;
use stampede::model::histogram::decode;
use stampede::results::RunResult;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Workers in the job.
const N: u32 = 3;

/// How far ahead the start is stamped: far more than three processes need to start, parse and
/// check the target on a loaded machine (the Kubernetes script gives a minute).
const LEAD: Duration = Duration::from_secs(6);

fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from(t).format(&Rfc3339).unwrap()
}

fn parse(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// One pod of the Indexed Job: the Job's command line, with the pod's environment.
fn pod(ws: &Workspace, scenario: &Path, index: u32, start: &str) -> Command {
    let mut command = Command::new(stampede_exe());
    command
        .current_dir(ws.path())
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .env("START", start)
        .args(["run", "--quiet"])
        .arg(scenario)
        .args(["--segment", &format!("auto/{N}"), "--start-at", start])
        .arg("--out")
        .arg(results_dir(ws, index));
    command
}

/// Where pod `index` writes (`/results/$JOB_COMPLETION_INDEX` in the Job).
fn results_dir(ws: &Workspace, index: u32) -> PathBuf {
    ws.path().join("results").join(index.to_string())
}

/// Runs the whole job at once; returns the workers' results (by index) and the start stamped.
fn run_job(ws: &Workspace, scenario: &Path) -> (Vec<RunResult>, String) {
    let start = rfc3339(SystemTime::now() + LEAD);
    let pods: Vec<_> = (0..N)
        .map(|i| {
            pod(ws, scenario, i, &start)
                .spawn()
                .expect("start a worker")
        })
        .collect();
    for (i, p) in pods.into_iter().enumerate() {
        let output = p.wait_with_output().expect("worker");
        assert_eq!(code(&output), 0, "worker {i}: {}", both(&output));
    }
    let results = (0..N).map(|i| read(&results_dir(ws, i))).collect();
    (results, start)
}

fn read(dir: &Path) -> RunResult {
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
    serde_json::from_str(&text).expect("a RunResult")
}

fn merge(ws: &Workspace, indexes: &[u32], out: &str) -> Output {
    Command::new(stampede_exe())
        .current_dir(ws.path())
        .arg("merge")
        .args(indexes.iter().map(|i| results_dir(ws, *i)))
        .arg("-o")
        .arg(ws.path().join(out))
        .output()
        .expect("run stampede merge")
}

/// The checks every job passes; returns the merged result.
fn check_job(ws: &Workspace, server: &TestServer, parts: &[RunResult], start: &str) -> RunResult {
    // Each worker knew which it was from JOB_COMPLETION_INDEX, and waited for the start.
    let planned = parse(start);
    let mut actual = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let segment = &part.segments[0];
        assert_eq!(
            (segment.index, segment.count),
            (Some(i as u32 + 1), Some(N)),
            "worker {i}"
        );
        assert_eq!(part.planned_start.as_deref().map(parse), Some(planned));
        let began = parse(part.actual_start.as_deref().expect("an actual start"));
        // Never before the start (the timer may round a microsecond either way).
        assert!(
            began >= planned - Duration::from_millis(1),
            "worker {i} began at {began} before {planned}"
        );
        actual.push(began);
    }
    let spread = *actual.iter().max().unwrap() - *actual.iter().min().unwrap();
    let spread_ms = spread.as_seconds_f64() * 1e3;
    eprintln!("measured start spread of the {N} workers: {spread_ms:.2} ms");
    assert!(
        spread_ms < 100.0,
        "the workers began {spread_ms:.1} ms apart"
    );

    let output = merge(ws, &[0, 1, 2], "merged");
    assert_eq!(code(&output), 0, "{}", both(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("start: the 3 inputs began"),
        "the spread is reported: {}",
        both(&output)
    );
    let merged = read(&ws.path().join("merged"));

    // Exactly what the server answered.
    assert_eq!(merged.totals.requests, server.requests());
    assert_eq!(
        merged.totals.requests,
        parts.iter().map(|p| p.totals.requests).sum::<u64>()
    );
    assert_eq!(merged.totals.failures, 0);

    // The start kept: the planned one, the earliest actual one, each worker's in its segment.
    assert_eq!(merged.planned_start.as_deref().map(parse), Some(planned));
    assert_eq!(
        merged.actual_start.as_deref().map(parse),
        actual.iter().min().copied()
    );
    assert_eq!(merged.segments.len(), N as usize);
    let merged_spread = stampede::results::merge::start_spread(&merged.segments).unwrap();
    assert_eq!(merged_spread.as_secs_f64(), spread.as_seconds_f64());
    assert!(
        !merged.outcome.warnings.iter().any(|w| w.contains("apart")),
        "{:?}",
        merged.outcome.warnings
    );

    // Percentiles: those of the workers' histograms added, exactly.
    let mut union: Histogram<u64> = decode(&parts[0].totals.histogram).unwrap();
    for part in &parts[1..] {
        union.add(decode(&part.totals.histogram).unwrap()).unwrap();
    }
    assert_eq!(decode(&merged.totals.histogram).unwrap(), union);
    assert_eq!(union.len(), merged.totals.requests);
    for (q, merged_value) in [
        (0.50, merged.totals.latency.p50_us),
        (0.90, merged.totals.latency.p90_us),
        (0.99, merged.totals.latency.p99_us),
    ] {
        assert_eq!(merged_value, union.value_at_quantile(q), "p{}", q * 100.0);
    }
    assert_eq!(merged.totals.latency.max_us, union.max());

    // A worker missing (its pod failed): the merge says so.
    let partial = merge(ws, &[0, 1], "partial");
    assert_eq!(code(&partial), 0, "{}", both(&partial));
    assert!(
        both(&partial).contains("segment(s) 3/3 missing"),
        "{}",
        both(&partial)
    );
    merged
}

fn scenario(base_url: &str, load: &str, extra: &str, path: &str) -> String {
    format!(
        r#"name = "indexed-job"
[target]
url = "{base_url}"
timeout = "5s"
[load]
{load}
{extra}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "{path}"
name = "item"
"#
    )
}

#[test]
fn open_model_job_starts_together_and_merges_exactly() {
    let server = TestServer::start();
    let ws = Workspace::new();
    // 30/s for 2 s: 60 arrivals, 20 per worker.
    let file = ws.write(
        "scenario.toml",
        &scenario(
            &server.base_url,
            "model = \"open\"\nrate = \"30/s\"\nduration = \"2s\"",
            "",
            "/items/${random.int(1, 100)}",
        ),
    );
    let (parts, start) = run_job(&ws, &file);
    for part in &parts {
        assert_eq!(part.totals.requests, 20);
    }
    let merged = check_job(&ws, &server, &parts, &start);
    assert_eq!(merged.totals.requests, 60);
    assert_eq!(merged.generator.scheduled, 60);
}

#[test]
fn closed_model_job_splits_seven_users() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "scenario.toml",
        &scenario(
            &server.base_url,
            "model = \"closed\"\nusers = 7\nduration = \"2s\"",
            "",
            "/items/${random.int(1, 100)}",
        ),
    );
    let (parts, start) = run_job(&ws, &file);
    let users: Vec<f64> = parts.iter().map(|p| p.load.stages[0].start).collect();
    assert_eq!(users, [3.0, 2.0, 2.0]);
    let merged = check_job(&ws, &server, &parts, &start);
    assert_eq!(merged.load.stages[0].start, 7.0);
    assert!(merged.totals.requests > 0);
}

#[test]
fn sequential_feeder_rows_are_dealt_without_repeats() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let rows: String = (0..300).map(|r| format!("{r}\n")).collect();
    ws.write("rows.csv", &format!("row\n{rows}"));
    // 30/s for 2 s: 60 rows sent of 300 (100 per worker): no worker wraps around.
    let file = ws.write(
        "scenario.toml",
        &scenario(
            &server.base_url,
            "model = \"open\"\nrate = \"30/s\"\nduration = \"2s\"",
            "[feeders.rows]\nfile = \"rows.csv\"\norder = \"sequential\"",
            "/feed?row=${rows.row}",
        ),
    );

    // The Job's command line, as the pod would run it, accepted without sending anything.
    let dry = pod(&ws, &file, 1, &rfc3339(SystemTime::now() + LEAD))
        .arg("--dry-run")
        .output()
        .expect("dry run");
    assert_eq!(code(&dry), 0, "{}", both(&dry));
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(text.contains("segment: 2/3"), "{text}");
    assert!(text.contains("feeder rows: 100 rows"), "{text}");
    assert_eq!(server.requests(), 0);

    let (parts, start) = run_job(&ws, &file);
    let merged = check_job(&ws, &server, &parts, &start);
    let fed = server.fed();
    assert_eq!(fed.len() as u64, merged.totals.requests);
    assert_eq!(fed.len(), 60);
    let mut unique = fed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), fed.len(), "a row was sent twice: {fed:?}");
    // Worker i (1-based) sent rows i−1, i−1+3, ...: the rows sent are the first 20 of each slice.
    let mut sent: Vec<u32> = fed.iter().map(|r| r.parse().unwrap()).collect();
    sent.sort_unstable();
    assert_eq!(sent, (0..60).collect::<Vec<u32>>());
}
