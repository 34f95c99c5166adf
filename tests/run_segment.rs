//! A distributed run on one machine: two workers (`--segment 1/2`, `--segment 2/2`) against one
//! real test server at the same time, then `stampede merge`. The merged request count equals the
//! server's count (and the whole schedule's), the merged percentiles equal those of a histogram
//! built from both workers' histograms, and the merged file is schema-valid.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TestServer, Workspace, both, code, stampede_exe};
use hdrhistogram::Histogram;
use stampede::metrics::hlog::read_hlog;
use stampede::model::histogram::decode;
use stampede::results::RunResult;

fn worker(ws: &Workspace, scenario: &Path, segment: &str) -> Command {
    let mut command = Command::new(stampede_exe());
    command
        .current_dir(ws.path())
        .args(["run", "--quiet", "--segment", segment, "--out"])
        .arg(ws.path().join(segment.replace('/', "of")))
        .arg(scenario);
    command
}

/// Runs both workers at once and returns their run directories.
fn run_two_workers(ws: &Workspace, scenario: &Path) -> [PathBuf; 2] {
    let a = worker(ws, scenario, "1/2").spawn().expect("worker 1");
    let b = worker(ws, scenario, "2/2").spawn().expect("worker 2");
    let (a, b) = (
        a.wait_with_output().expect("worker 1"),
        b.wait_with_output().expect("worker 2"),
    );
    assert_eq!(code(&a), 0, "{}", both(&a));
    assert_eq!(code(&b), 0, "{}", both(&b));
    [ws.path().join("1of2"), ws.path().join("2of2")]
}

fn merge(ws: &Workspace, inputs: &[&Path], out: &str) -> Output {
    Command::new(stampede_exe())
        .current_dir(ws.path())
        .arg("merge")
        .args(inputs)
        .arg("-o")
        .arg(ws.path().join(out))
        .output()
        .expect("run stampede merge")
}

fn read(dir: &Path) -> RunResult {
    let text = std::fs::read_to_string(dir.join("results.json")).expect("results.json");
    serde_json::from_str(&text).expect("a RunResult")
}

fn scenario(base_url: &str, load: &str) -> String {
    format!(
        r#"name = "segmented"
thresholds = ["p99 < 5s", "error_rate < 1%"]
[target]
url = "{base_url}"
[load]
{load}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/items/${{random.int(1, 100)}}"
name = "item"
"#
    )
}

#[test]
fn two_open_model_segments_merge_exactly() {
    let server = TestServer::start();
    let ws = Workspace::new();
    // 40/s for 3 s: 120 arrivals in the whole schedule, 60 per worker, interleaved.
    let file = ws.write(
        "seg.toml",
        &scenario(
            &server.base_url,
            "model = \"open\"\nrate = \"40/s\"\nduration = \"3s\"",
        ),
    );
    let (mut a, mut b) = (
        worker(&ws, &file, "1/2").spawn().expect("worker 1"),
        worker(&ws, &file, "2/2").spawn().expect("worker 2"),
    );
    let (sa, sb) = (a.wait().expect("wait 1"), b.wait().expect("wait 2"));
    assert_eq!((sa.code(), sb.code()), (Some(0), Some(0)));
    let dirs = [ws.path().join("1of2"), ws.path().join("2of2")];
    let parts: Vec<RunResult> = dirs.iter().map(|d| read(d)).collect();
    for (n, part) in parts.iter().enumerate() {
        assert_eq!(part.totals.requests, 60, "worker {} sends half", n + 1);
        assert_eq!(part.load.stages[0].start, 20.0, "worker {} at 20/s", n + 1);
        assert_eq!(part.segments.len(), 1);
        assert_eq!(part.segments[0].index, Some(n as u32 + 1));
        assert_eq!(part.segments[0].count, Some(2));
    }

    let output = merge(&ws, &[&dirs[0], &dirs[1]], "merged");
    assert_eq!(code(&output), 0, "{}", both(&output));
    let merged_dir = ws.path().join("merged");
    let merged = read(&merged_dir);

    // Counts: exactly what the server saw, and the whole schedule.
    assert_eq!(merged.totals.requests, server.requests());
    assert_eq!(merged.totals.requests, 120);
    assert_eq!(merged.totals.failures, 0);
    assert_eq!(merged.endpoints.len(), 1);
    assert_eq!(merged.endpoints[0].requests, 120);
    assert_eq!(merged.load.stages[0].start, 40.0);
    assert_eq!(merged.generator.scheduled, 120);
    let windows: u64 = merged.timeseries.iter().map(|w| w.requests).sum();
    assert_eq!(windows, 120);
    assert_eq!(merged.totals.cache.hits + merged.totals.cache.misses, 120);

    // Percentiles: those of the two histograms added, exactly.
    let mut reference: Histogram<u64> = decode(&parts[0].totals.histogram).unwrap();
    reference
        .add(decode(&parts[1].totals.histogram).unwrap())
        .unwrap();
    let merged_histogram = decode(&merged.totals.histogram).unwrap();
    assert_eq!(merged_histogram, reference);
    assert_eq!(
        merged.totals.latency.p50_us,
        reference.value_at_quantile(0.50)
    );
    assert_eq!(
        merged.totals.latency.p99_us,
        reference.value_at_quantile(0.99)
    );
    assert_eq!(merged.totals.latency.max_us, reference.max());
    let mut send: Histogram<u64> =
        decode(parts[0].totals.send_histogram.as_ref().unwrap()).unwrap();
    send.add(decode(parts[1].totals.send_histogram.as_ref().unwrap()).unwrap())
        .unwrap();
    assert_eq!(
        decode(merged.totals.send_histogram.as_ref().unwrap()).unwrap(),
        send
    );

    // Both workers kept, with their machines; thresholds evaluated again; the interval log merged.
    assert_eq!(merged.segments.len(), 2);
    assert_eq!(merged.thresholds.len(), 2);
    assert!(
        merged.thresholds.iter().all(|t| t.passed),
        "{:?}",
        merged.thresholds
    );
    assert_eq!(merged.interval_log.as_deref(), Some("latency.hlog"));
    let intervals = read_hlog(&merged_dir.join("latency.hlog")).unwrap();
    let logged: u64 = intervals
        .iter()
        .filter(|i| i.tag.is_none())
        .map(|i| i.histogram.len())
        .sum();
    assert_eq!(logged, 120);

    // Schema-valid.
    let schema_text =
        std::fs::read_to_string(common::repo_root().join("schema/results.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged_dir.join("results.json")).unwrap())
            .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // Merging a worker with itself is refused; so is an existing output directory.
    let again = merge(&ws, &[&dirs[0], &dirs[0]], "twice");
    assert_eq!(code(&again), 2, "{}", both(&again));
    assert!(both(&again).contains("given twice"), "{}", both(&again));
    let exists = merge(&ws, &[&dirs[0], &dirs[1]], "merged");
    assert_eq!(code(&exists), 2, "{}", both(&exists));
}

#[test]
fn closed_model_users_are_split_and_other_scenarios_are_refused() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "closed.toml",
        &scenario(
            &server.base_url,
            "model = \"closed\"\nusers = 3\nduration = \"2s\"",
        ),
    );
    let dirs = run_two_workers(&ws, &file);
    let parts: Vec<RunResult> = dirs.iter().map(|d| read(d)).collect();
    // The first worker takes the odd user.
    assert_eq!(parts[0].load.stages[0].start, 2.0);
    assert_eq!(parts[1].load.stages[0].start, 1.0);
    let output = merge(&ws, &[&dirs[0], &dirs[1]], "merged");
    assert_eq!(code(&output), 0, "{}", both(&output));
    let merged = read(&ws.path().join("merged"));
    assert_eq!(merged.load.stages[0].start, 3.0);
    assert_eq!(merged.totals.requests, server.requests());
    assert_eq!(
        merged.totals.requests,
        parts[0].totals.requests + parts[1].totals.requests
    );

    // A worker of another scenario file does not merge.
    let other = ws.write(
        "other.toml",
        &scenario(
            &server.base_url,
            "model = \"closed\"\nusers = 1\nduration = \"1s\"",
        )
        .replace("segmented", "other"),
    );
    let out = worker(&ws, &other, "1/1").output().expect("other run");
    assert_eq!(code(&out), 0, "{}", both(&out));
    let refused = merge(&ws, &[&dirs[0], &ws.path().join("1of1")], "mixed");
    assert_eq!(code(&refused), 2, "{}", both(&refused));
    assert!(
        both(&refused).contains("another scenario"),
        "{}",
        both(&refused)
    );

    // More workers than users: refused before any request.
    let before = server.requests();
    let out = worker(&ws, &file, "4/4").output().expect("run");
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(both(&out).contains("no users"), "{}", both(&out));
    assert_eq!(server.requests(), before);
}
