//! Open and throughput model tests against a real HTTP server on 127.0.0.1. Timing assertions use
//! the issue's tolerances (or looser); counts are exact.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::context::{EngineContext, EngineSummary};
use super::open::run_open;
use super::test_server::{TestServer, plan, recorder, start};
use super::throughput::run_throughput;
use crate::metrics::Recorded;

async fn run(
    server: &TestServer,
    text: &str,
    cancel_after: Option<Duration>,
) -> (EngineSummary, Snap) {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), text);
    let ctx = EngineContext {
        recorder: recorder(&plan),
        plan: plan.clone(),
        base_url: server.url(),
        cancel: CancellationToken::new(),
        arrival_phase: 0.0,
    };
    if let Some(after) = cancel_after {
        let cancel = ctx.cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            cancel.cancel();
        });
    }
    let summary = match plan.load.model {
        crate::scenario::plan::LoadModel::Open { .. } => run_open(&ctx).await,
        _ => run_throughput(&ctx).await,
    }
    .unwrap();
    let load = ctx.recorder.progress().load;
    let recorded = ctx.recorder.clone().finish();
    (summary, Snap { recorded, load })
}

/// What a model run left in the (real) recorder, and the load it was left at.
struct Snap {
    recorded: Recorded,
    load: f64,
}

impl Snap {
    fn requests(&self) -> u64 {
        self.recorded.total.requests
    }
}

fn open(load: &str, path: &str) -> String {
    format!(
        r#"name = "t"
[target]
url = "http://127.0.0.1:1"
timeout = "5s"
[load]
model = "open"
{load}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "{path}"
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_starts_arrivals_at_the_scheduled_rate() {
    let server = start().await;
    let (summary, snap) = run(
        &server,
        &open("rate = \"100/s\"\nduration = \"3s\"", "/hello"),
        None,
    )
    .await;
    assert_eq!(summary.scheduled, 300);
    assert_eq!(summary.dropped, 0);
    assert_eq!(snap.recorded.scheduled, 300);
    assert_eq!(snap.requests(), 300);
    assert_eq!(server.count("/hello"), 300);
    assert_eq!(summary.iterations, 300);
    assert!(!summary.cancelled);
    assert!(
        (summary.measured.as_secs_f64() - 3.0).abs() < 0.05,
        "{:?}",
        summary.measured
    );
    // The ±10% per 1 s window of the issue is checked end to end on the recorded windows
    // (`tests/run_open.rs::open_model_rate_fidelity`); windows cut here from server arrival times
    // shift with the first request's connection set-up and were flaky on a loaded machine.
    let total = &snap.recorded.total;
    let send = total
        .send_latency
        .as_ref()
        .expect("open model keeps the send latency");
    assert_eq!(send.len(), 300);
    assert!(total.latency.max() >= send.max());
    assert_eq!(total.failures, 0);
    assert_eq!(
        snap.recorded.schedule_lag.as_ref().map(|h| h.len()),
        Some(300)
    );
    assert_eq!(snap.load, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_ramps_and_warms_up_without_recording_the_warmup() {
    let server = start().await;
    let load = "warmup = \"500ms\"\nstages = [{ duration = \"1s\", from = \"50/s\", to = \"150/s\" }, { duration = \"1s\", rate = \"20/s\" }]";
    let (summary, snap) = run(&server, &open(load, "/hello"), None).await;
    // Warm-up: 0.5 s at 50/s = 25 sent, not recorded; then 100 + 20.
    assert_eq!(summary.scheduled, 120);
    assert_eq!(snap.requests(), 120);
    assert_eq!(server.count("/hello"), 145);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_drops_starts_beyond_max_in_flight() {
    let server = start().await;
    let load = "rate = \"50/s\"\nduration = \"1s\"\nmax_in_flight = 2";
    let (summary, snap) = run(&server, &open(load, "/sleep/300"), None).await;
    assert_eq!(summary.scheduled, 50);
    assert!(summary.dropped >= 35, "dropped {}", summary.dropped);
    assert_eq!(snap.recorded.dropped, summary.dropped);
    let sent = summary.scheduled - summary.dropped;
    assert_eq!(server.count("/sleep/300"), sent);
    assert_eq!(snap.requests(), sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stall_shows_in_latency_from_the_intended_start_not_in_send_latency() {
    let server = start().await;
    let seen = server.seen.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        *seen.stall_until.lock().unwrap() = Some(Instant::now() + Duration::from_millis(700));
    });
    let (summary, snap) = run(
        &server,
        &open("rate = \"200/s\"\nduration = \"3s\"", "/stall"),
        None,
    )
    .await;
    assert_eq!(summary.scheduled, 600);
    assert_eq!(summary.dropped, 0);
    assert_eq!(snap.requests(), 600);
    let total = &snap.recorded.total;
    let late = total.latency.count_between(300_001, u64::MAX);
    let late_sent = total
        .send_latency
        .as_ref()
        .expect("send latency")
        .count_between(300_001, u64::MAX);
    // ~140 arrivals fall in the stall's first 700 ms: all of them are late from their intended
    // start; only those already on a connection when it began (≈ 50 ms of arrivals) were sent late.
    // How few were sent late depends on scheduling (under a loaded machine more requests queue
    // for a connection), so this unit test only asserts the direction; `tests/run_open.rs` checks
    // the size of the gap end to end through the CLI.
    assert!(late >= 80, "late from intended start: {late}");
    assert!(
        late_sent < late,
        "late from send {late_sent}, from intended {late}"
    );
    assert!(total.latency.value_at_quantile(0.99) >= 400_000);
    assert!(total.latency.max() >= 600_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_stops_promptly_on_cancel() {
    let server = start().await;
    let t0 = Instant::now();
    let (summary, _snap) = run(
        &server,
        &open("rate = \"100/s\"\nduration = \"30s\"", "/sleep/2000"),
        Some(Duration::from_millis(300)),
    )
    .await;
    assert!(summary.cancelled);
    // The run was planned for 30 s: stopping within a third of that shows the cancel is obeyed,
    // with room for a loaded machine.
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    // About 300 ms of arrivals at 100/s; up to 1 s of them when a loaded machine is slow to
    // deliver the cancel — far below the 3,000 a run that ignored it would schedule.
    assert!(
        summary.scheduled > 0 && summary.scheduled <= 100,
        "{}",
        summary.scheduled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throughput_model_sends_back_to_back_and_records_every_request() {
    let server = start().await;
    let text = r#"name = "t"
[target]
url = "http://127.0.0.1:1"
[load]
model = "throughput"
connections = 8
duration = "1s"
warmup = "300ms"
[[journeys]]
name = "login"
setup = true
[[journeys.steps]]
method = "POST"
path = "/login"
json = { email = "a@x.io", password = "pw" }
extract = { token = "/token" }
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/hello"
headers = { Authorization = "Bearer ${token}" }
"#;
    let (summary, snap) = run(&server, text, None).await;
    assert_eq!(server.count("/login"), 1);
    let recorded = snap.requests() - 1;
    assert_eq!(summary.iterations, recorded);
    // Warm-up requests were sent but not recorded.
    assert!(server.count("/hello") > recorded);
    // Back to back on loopback is thousands per second; 50 leaves room for a loaded machine.
    assert!(recorded > 50, "only {recorded} requests in 1 s");
    assert_eq!(snap.recorded.total.failures, 0);
    assert!(snap.recorded.total.send_latency.is_none());
    assert_eq!(snap.load, 0.0);

    // Without warm-up the server saw exactly what was recorded.
    let server = start().await;
    let text = text.replace("warmup = \"300ms\"\n", "");
    let (summary, snap) = run(&server, &text, Some(Duration::from_secs(5))).await;
    assert_eq!(server.count("/hello"), summary.iterations);
    assert_eq!(snap.requests(), summary.iterations + 1);
    assert!(!summary.cancelled);
}
