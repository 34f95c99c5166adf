//! Ctrl-C: partial results written and readable, marked interrupted, exit 130; a second Ctrl-C
//! exits at once (130, no results); the bundled SalesHub is stopped too.

mod common;

use std::io::Read;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{TestServer, Workspace, closed_scenario, send_sigint};

#[test]
fn ctrl_c_writes_partial_results_and_exits_130() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write(
        "long.toml",
        &closed_scenario(&server.base_url, 2, "60s", "path = \"/delay\""),
    );
    let mut child = ws.command(&file, &[]).spawn().expect("spawn");
    // Wait until load flows, then interrupt.
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.requests() < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    send_sigint(child.id());
    let stopped = Instant::now();
    let status = child.wait().expect("wait");
    assert!(stopped.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(130));
    let results = ws.results();
    assert_eq!(results["outcome"]["status"], "interrupted");
    assert!(results["totals"]["requests"].as_u64().unwrap() > 0);
    assert!(results["duration_secs"].as_f64().unwrap() < 60.0);
    let _: stampede::results::RunResult =
        serde_json::from_value(results).expect("partial results are a valid RunResult");
}

#[test]
fn a_second_ctrl_c_exits_at_once_without_results() {
    // A target stalled whole: the load hangs on `/stall`, and the cache scraper's final scrape of
    // `/metrics` hangs too (3 s timeout each), so after the first Ctrl-C the orderly stop cannot
    // finish quickly; only the second Ctrl-C ends the process before results are written.
    let server = TestServer::start();
    server.state.stalled.store(true, Ordering::SeqCst);
    server.state.metrics_stalled.store(true, Ordering::SeqCst);
    let ws = Workspace::new();
    let file = ws.write(
        "stalled.toml",
        &format!(
            "{}[cache]\nmetrics_path = \"/metrics\"\n",
            closed_scenario(&server.base_url, 2, "60s", "path = \"/stall\"")
        ),
    );
    let mut child = ws
        .command(&file, &[])
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Both users are waiting on the stalled server.
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.requests() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.requests(), 2, "both users reached the stalled route");
    send_sigint(child.id());
    std::thread::sleep(Duration::from_millis(300));
    send_sigint(child.id());
    let second = Instant::now();
    let status = wait_at_most(&mut child, Duration::from_secs(20));
    let waited = second.elapsed();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    server.state.stalled.store(false, Ordering::SeqCst);
    server.state.metrics_stalled.store(false, Ordering::SeqCst);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: stopping the load"),
        "{stderr}"
    );
    assert!(
        stderr.contains("interrupted again: exiting without results"),
        "{stderr}"
    );
    assert!(
        !ws.out_dir().join("results.json").exists(),
        "the second Ctrl-C ended the process before the orderly stop wrote results"
    );
    // Generous: the orderly stop alone would take at least the 3 s scrape timeout.
    assert!(
        waited < Duration::from_secs(10),
        "exited {waited:?} after the second Ctrl-C"
    );
}

/// Waits for `child`, killing it (and failing) when it has not exited within `limit`.
fn wait_at_most(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("stampede still running {limit:?} after the second Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_bundled_run_starts_and_stops_saleshub() {
    let ws = Workspace::new();
    let seed = common::repo_root().join("fixtures/seed-small.toml");
    let users = common::repo_root().join("fixtures/users.csv");
    let scenario = format!(
        r#"name = "bundled"
[target]
bundled = {{ cache = "memory", seed_config = "{}" }}
[load]
model = "closed"
users = 2
duration = "2s"
[feeders.users]
file = "{}"
[[journeys]]
name = "sign in"
setup = true
[[journeys.steps]]
name = "login"
method = "POST"
path = "/api/auth/login"
json = {{ email = "${{users.email}}", password = "${{users.password}}" }}
checks = [{{ status = 200 }}]
extract = {{ token = "/token" }}
[[journeys]]
name = "browse"
[[journeys.steps]]
path = "/api/contacts?limit=5"
headers = {{ Authorization = "Bearer ${{token}}" }}
checks = [{{ status = 200 }}]
"#,
        seed.display(),
        users.display()
    );
    let output = ws.run(&ws.write("bundled.toml", &scenario), &[]);
    assert_eq!(common::code(&output), 0, "{}", common::both(&output));
    let results = ws.results();
    assert_eq!(results["target"]["bundled"], true);
    assert_eq!(results["target"]["cache_backend"], "memory");
    assert_eq!(results["totals"]["failures"], 0, "{}", results["totals"]);
    let url = results["target"]["url"].as_str().unwrap().to_string();
    assert!(
        std::net::TcpStream::connect(url.trim_start_matches("http://")).is_err(),
        "SalesHub at {url} still answers after the run"
    );
}

#[test]
fn ctrl_c_during_a_bundled_run_stops_saleshub() {
    let ws = Workspace::new();
    let seed = common::repo_root().join("fixtures/seed-small.toml");
    let scenario = format!(
        r#"name = "bundled-long"
[target]
bundled = {{ cache = "off", seed_config = "{}" }}
[load]
model = "closed"
users = 1
duration = "60s"
[[journeys]]
name = "health"
[[journeys.steps]]
path = "/health"
"#,
        seed.display()
    );
    let mut child = ws
        .command(&ws.write("b.toml", &scenario), &[])
        .spawn()
        .expect("spawn");
    let results = ws.out_dir().join("results.json");
    // The run directory appears once SalesHub answers; then let load flow a moment.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !ws.out_dir().exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1000));
    send_sigint(child.id());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results).expect("results")).expect("json");
    assert_eq!(results["outcome"]["status"], "interrupted");
    let url = results["target"]["url"].as_str().unwrap().to_string();
    assert!(
        std::net::TcpStream::connect(url.trim_start_matches("http://")).is_err(),
        "SalesHub at {url} still answers after Ctrl-C"
    );
}
