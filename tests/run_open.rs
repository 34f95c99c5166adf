//! Open and throughput models end to end, through `stampede run` against a real HTTP server on
//! 127.0.0.1 (`common::TestServer`): the open model keeps its rate in every 1 s window and its
//! count agrees exactly with the server's; a stall of the server shows in the latency from the
//! intended start and is hidden by the latency from the send; the throughput model's count agrees
//! exactly with the server's. The accuracy the open model must keep when it is made faster.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{TestServer, Workspace, both, code};

/// These runs measure rates and latencies: one at a time, so they do not take each other's CPU
/// (the throughput run would otherwise starve the open-model runs of the 2 cores).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_scenario(base_url: &str, rate: &str, duration: &str, path: &str) -> String {
    format!(
        r#"name = "open"
[target]
url = "{base_url}"
[load]
model = "open"
rate = "{rate}"
duration = "{duration}"
[[journeys]]
name = "j"
[[journeys.steps]]
path = "{path}"
"#
    )
}

#[test]
fn open_model_rate_fidelity() {
    let _serial = serial();
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "rate.toml",
        &open_scenario(&server.base_url, "100/s", "5s", "/delay"),
    );
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    let results = ws.results();
    let total = results["totals"]["requests"].as_f64().unwrap();
    assert!(
        (total - 500.0).abs() <= 10.0,
        "total {total}, expected 500 ± 2%"
    );
    let windows = results["timeseries"].as_array().unwrap();
    let full: Vec<&serde_json::Value> = windows
        .iter()
        .filter(|w| w["offset_secs"].as_u64().unwrap() < 5)
        .collect();
    assert_eq!(full.len(), 5);
    for w in full {
        let n = w["requests"].as_f64().unwrap();
        assert!((n - 100.0).abs() <= 10.0, "window {w}");
    }
    assert_eq!(
        total as u64,
        server.requests(),
        "server and tool counts agree exactly"
    );
}

#[test]
fn open_model_shows_a_stall_the_send_latency_hides() {
    let _serial = serial();
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "co.toml",
        &open_scenario(&server.base_url, "200/s", "10s", "/stall"),
    );
    let mut child = ws.command(&file, &[]).spawn().expect("spawn");
    std::thread::sleep(Duration::from_secs(4));
    server.state.stalled.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(1));
    server.state.stalled.store(false, Ordering::SeqCst);
    assert_eq!(child.wait().expect("wait").code(), Some(0));
    let results = ws.results();
    let p99 = results["totals"]["latency"]["p99_us"].as_u64().unwrap();
    assert!(
        p99 >= 200_000,
        "intended-start p99 {p99} µs reflects the 1 s stall"
    );
    // Count the requests the stall delayed by more than 200 ms, from the stored histograms: from
    // the intended start, every arrival of the stall (~200 at 200/s); from the actual send, only
    // those already on a connection when it began. Counts, not one percentile, so a busy machine
    // that lets a few more requests out early does not flip the verdict.
    let late = |field: &str| {
        let text = results["totals"][field].as_str().expect(field);
        stampede::model::histogram::decode(text)
            .expect("a stored histogram")
            .count_between(200_001, u64::MAX)
    };
    let (late_intended, late_sent) = (late("histogram"), late("send_histogram"));
    assert!(
        late_intended >= 100,
        "{late_intended} requests late from their intended start"
    );
    assert!(
        late_sent * 4 <= late_intended,
        "the send latency hides most of the stall: {late_sent} late by send, {late_intended} by intent"
    );
}

#[test]
fn throughput_model_counts_match_the_server() {
    let _serial = serial();
    let server = TestServer::start();
    let ws = Workspace::new();
    let scenario = format!(
        r#"name = "tp"
[target]
url = "{}"
[load]
model = "throughput"
connections = 8
duration = "2s"
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/delay"
"#,
        server.base_url
    );
    let output = ws.run(&ws.write("tp.toml", &scenario), &[]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    let results = ws.results();
    assert_eq!(
        results["totals"]["requests"].as_u64().unwrap(),
        server.requests()
    );
    assert_eq!(results["load"]["connections"], 8);
}
