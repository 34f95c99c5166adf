//! The live metric outputs against receivers no one here wrote.
//!
//! `--output prometheus=URL`: a real Prometheus (Debian's `prometheus`, installed by `ci/test.sh`),
//! started here on 127.0.0.1 with its remote-write receiver and a temporary storage directory. A
//! short run against the test server pushes once a second and a last time at the end; Prometheus'
//! query API must then give exactly the run's totals. Without `prometheus` on the PATH that test
//! says so loudly and passes.
//!
//! `--output otlp=URL`: Debian's Prometheus (2.42) predates its OTLP receiver and no OpenTelemetry
//! Collector can be installed here, so `tests/otlp/receiver.py` receives: a small HTTP server that
//! decodes each body with the OpenTelemetry project's own Python classes (`opentelemetry-proto`,
//! in the test virtual environment `ci/test.sh` makes) and hands the decoded requests back as JSON.
//!
//! Last, an output pointing where nothing listens: the run still completes, with a warning.

mod common;
mod httpbin;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestServer, Workspace, both, closed_port, code};

fn prometheus_available() -> bool {
    Command::new("prometheus")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A Prometheus server with the remote-write receiver on, killed when dropped.
struct Prometheus {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start() -> Prometheus {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").expect("config");
        let port = closed_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-remote-write-receiver")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus");
        let prometheus = Prometheus {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while get(&format!("{}/-/ready", prometheus.base)).is_none() {
            assert!(
                Instant::now() < deadline,
                "prometheus not ready within 60 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        prometheus
    }

    /// The value of an instant query with a single result; `None` when it has none.
    fn scalar(&self, query: &str) -> Option<f64> {
        let url = format!("{}/api/v1/query?query={}", self.base, url_encode(query));
        let body = get(&url).expect("query answered");
        let json: serde_json::Value = serde_json::from_str(&body).expect("query JSON");
        assert_eq!(json["status"], "success", "{body}");
        let result = json["data"]["result"].as_array().expect("vector result");
        let value = result.first()?["value"][1].as_str()?;
        Some(value.parse().expect("a number"))
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET `url`; the body of a 2xx answer, else `None`.
fn get(url: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.text().await.ok()
    })
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An open-model scenario over two endpoints: even items answer `X-Cache: HIT`, odd ones MISS.
fn scenario(base_url: &str, extra: &str) -> String {
    format!(
        r#"name = "live-metrics"
{extra}
[target]
url = "{base_url}"
[load]
model = "open"
rate = "80/s"
duration = "4s"
[[journeys]]
name = "j"
[[journeys.steps]]
name = "even item"
path = "/items/2"
[[journeys.steps]]
name = "odd item"
path = "/items/3"
"#
    )
}

#[test]
fn remote_write_counters_equal_the_runs_results() {
    if !prometheus_available() {
        eprintln!("\n*** prometheus is not installed: the remote-write test did NOT run ***\n");
        return;
    }
    let prometheus = Prometheus::start();
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write("live.toml", &scenario(&server.base_url, ""));
    let output = ws.run(
        &file,
        &[
            "--output",
            &format!("prometheus={}/api/v1/write", prometheus.base),
        ],
    );
    assert_eq!(code(&output), 0, "{}", both(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("pushes failed"), "{}", both(&output));
    let results = ws.results();
    let requests = results["totals"]["requests"]
        .as_f64()
        .expect("totals.requests");
    assert!(requests > 100.0, "{requests}");
    let run_id = ws
        .out_dir()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let selector = format!("{{run_id=\"{run_id}\",scenario=\"live-metrics\",segment=\"1/1\"}}");
    let pushed = prometheus
        .scalar(&format!("sum(stampede_requests_total{selector})"))
        .expect("stampede_requests_total stored");
    assert_eq!(
        pushed, requests,
        "Prometheus' sum vs results.json totals.requests"
    );
    // Latency: the histogram's count is every timed response, its buckets are there, and the
    // per-second percentile gauges were written.
    let count = prometheus
        .scalar(&format!("sum(stampede_latency_seconds_count{selector})"))
        .expect("latency histogram stored");
    assert_eq!(count, requests);
    let buckets = prometheus
        .scalar(&format!("count(stampede_latency_seconds_bucket{selector})"))
        .expect("latency buckets stored");
    assert!(buckets >= 2.0 * 17.0, "{buckets} bucket series");
    assert!(
        prometheus
            .scalar(&format!("max(stampede_latency_p99_seconds{selector})"))
            .expect("p99 gauge stored")
            > 0.0
    );
    // Cache: hits and misses as the results count them (client side, X-Cache).
    let hits = prometheus
        .scalar(&format!("sum(stampede_cache_hits_total{selector})"))
        .expect("cache hits stored");
    let misses = prometheus
        .scalar(&format!("sum(stampede_cache_misses_total{selector})"))
        .expect("cache misses stored");
    let client = &results["cache"]["client"];
    assert_eq!(hits, client["hits"].as_f64().unwrap());
    assert_eq!(misses, client["misses"].as_f64().unwrap());
    assert!(hits > 0.0 && misses > 0.0);
    // Labels are endpoint names, never URLs.
    let body =
        get(&format!("{}/api/v1/label/endpoint/values", prometheus.base)).expect("label values");
    assert!(
        body.contains("even item") && body.contains("odd item"),
        "{body}"
    );
    assert!(!body.contains("127.0.0.1"), "{body}");
}

#[test]
fn a_receiver_that_is_down_costs_a_warning_not_the_run() {
    let server = TestServer::start();
    let ws = Workspace::new();
    let port = closed_port();
    let file = ws.write(
        "down.toml",
        &scenario(
            &server.base_url,
            &format!("output = [\"prometheus=http://user:hunter2@127.0.0.1:{port}/api/v1/write\"]"),
        ),
    );
    let output = ws.run(&file, &["--duration", "2s"]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("pushes failed"), "{}", both(&output));
    assert!(!stderr.contains("hunter2"), "{}", both(&output));
    let results = ws.results();
    assert!(results["totals"]["requests"].as_u64().unwrap() > 50);
    let text = std::fs::read_to_string(ws.out_dir().join("results.json")).unwrap();
    assert!(!text.contains("hunter2"));
}

/// `tests/otlp/receiver.py` on a free port of 127.0.0.1, killed when dropped.
struct OtlpReceiver {
    child: Child,
    base: String,
}

impl OtlpReceiver {
    fn start() -> OtlpReceiver {
        let python = httpbin::venv().join("bin/python");
        assert!(
            python.is_file(),
            "the test virtual environment is missing ({}): run `bash ci/test.sh`, which makes it \
             from ci/httpbin-requirements.txt",
            python.display()
        );
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otlp/receiver.py");
        let mut child = Command::new(&python)
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the OTLP receiver");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the receiver's port");
        let port: u16 = line.trim().parse().unwrap_or_else(|_| {
            panic!("the OTLP receiver did not start (is opentelemetry-proto installed?): {line:?}")
        });
        OtlpReceiver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Every request received so far, decoded (protobuf's JSON mapping: int64 as strings).
    fn requests(&self) -> Vec<serde_json::Value> {
        let body = get(&format!("{}/requests", self.base)).expect("received requests");
        serde_json::from_str(&body).expect("JSON")
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The metric called `name` in a decoded export request.
fn otlp_metric<'a>(request: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == name)
}

/// The sum over a metric's data points of `field` (an int64, a string in JSON).
fn otlp_sum(metric: &serde_json::Value, kind: &str, field: &str) -> u64 {
    metric[kind]["dataPoints"]
        .as_array()
        .expect("data points")
        .iter()
        .map(|p| {
            p[field]
                .as_str()
                .map_or(0, |v| v.parse::<u64>().expect("an int64"))
        })
        .sum()
}

#[test]
fn otlp_counters_equal_the_runs_results_and_carry_no_secret() {
    let receiver = OtlpReceiver::start();
    let server = TestServer::start();
    let ws = Workspace::new();
    let secret = "otlp-test-secret-4f1c";
    let file = ws.write(
        "otlp.toml",
        &scenario(
            &server.base_url,
            "[target.headers]\nx-api-key = \"${env.OTLP_TEST_KEY}\"",
        ),
    );
    let output = ws
        .command(
            &file,
            &["--output", &format!("otlp={}/v1/metrics", receiver.base)],
        )
        .env("OTLP_TEST_KEY", secret)
        .output()
        .expect("run stampede");
    assert_eq!(code(&output), 0, "{}", both(&output));
    assert!(
        !both(&output).contains("pushes failed"),
        "{}",
        both(&output)
    );
    let results = ws.results();
    let requests = results["totals"]["requests"].as_u64().expect("requests");
    assert!(requests > 100, "{requests}");

    let received = receiver.requests();
    // Once a second during the 4 s run, and the final figures at the end.
    assert!(received.len() >= 3, "{} pushes", received.len());
    let text = serde_json::to_string(&received).unwrap();
    assert!(!text.contains(secret), "a secret reached the OTLP output");
    assert!(!text.contains("127.0.0.1"), "a URL reached the OTLP output");
    let last = received.last().unwrap();
    let resource = &last["resourceMetrics"][0]["resource"]["attributes"];
    assert!(resource.to_string().contains("\"stampede\""), "{resource}");

    // Counters: monotonic cumulative sums named without `_total`, equal to the results.
    let sum = otlp_metric(last, "stampede_requests").expect("stampede_requests sent");
    assert_eq!(sum["sum"]["isMonotonic"], true);
    assert_eq!(
        sum["sum"]["aggregationTemporality"],
        "AGGREGATION_TEMPORALITY_CUMULATIVE"
    );
    assert_eq!(otlp_sum(sum, "sum", "asInt"), requests);
    let point = &sum["sum"]["dataPoints"][0];
    let keys: Vec<&str> = point["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].as_str().unwrap())
        .collect();
    for key in ["scenario", "run_id", "segment", "endpoint", "status"] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert!(point["startTimeUnixNano"].as_str().unwrap() < point["timeUnixNano"].as_str().unwrap());
    // Earlier pushes counted less (or as much): the counters only go up.
    let first =
        otlp_metric(&received[0], "stampede_requests").map_or(0, |m| otlp_sum(m, "sum", "asInt"));
    assert!(first <= requests);

    // Latency: one histogram per endpoint whose counts are every timed response.
    let latency = otlp_metric(last, "stampede_latency_seconds").expect("latency histogram sent");
    assert_eq!(latency["unit"], "s");
    assert_eq!(otlp_sum(latency, "histogram", "count"), requests);
    for point in latency["histogram"]["dataPoints"].as_array().unwrap() {
        let buckets: u64 = point["bucketCounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(buckets.to_string(), point["count"].as_str().unwrap());
        assert_eq!(
            point["bucketCounts"].as_array().unwrap().len(),
            point["explicitBounds"].as_array().unwrap().len() + 1
        );
    }
    assert!(otlp_metric(last, "stampede_latency_p99_seconds").is_some());

    // Cache: hits and misses as the results count them (client side, X-Cache).
    let client = &results["cache"]["client"];
    let hits = otlp_metric(last, "stampede_cache_hits").expect("cache hits sent");
    let misses = otlp_metric(last, "stampede_cache_misses").expect("cache misses sent");
    assert_eq!(
        otlp_sum(hits, "sum", "asInt"),
        client["hits"].as_u64().unwrap()
    );
    assert_eq!(
        otlp_sum(misses, "sum", "asInt"),
        client["misses"].as_u64().unwrap()
    );
}
