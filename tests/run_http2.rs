//! HTTP/2 against a real nginx (Debian's, started by the tests: `common::nginx`): negotiated by
//! ALPN over TLS (`http = "auto"`, the test CA given by `ca_file`), h2c with prior knowledge
//! (`http = "2"`), many streams on one connection in each load model, the server's stream limit
//! respected, connections the server retires (`GOAWAY`) replaced without a failed request, and
//! gzip responses carried, bodies kept only up to `max_body`. nginx's access log says which protocol carried each request and on
//! which connection; the results say which protocol served each endpoint.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::nginx::{Listen, Nginx};
use common::{Workspace, both, code};

/// `/proto` answers the protocol nginx saw; `/ok` answers "ok".
const LOCATIONS: &str = r#"
        location /proto { return 200 "$server_protocol"; }
        location /ok { return 200 "ok"; }
"#;

fn scenario(nginx: &Nginx, target_extra: &str, load: &str, path: &str) -> String {
    let ca = if nginx.listen == Listen::Tls {
        format!("ca_file = \"{}\"\n", nginx.ca_file().display())
    } else {
        String::new()
    };
    format!(
        r#"name = "h2"
[target]
url = "{url}"
timeout = "10s"
{ca}{target_extra}
[load]
{load}
[[journeys]]
name = "j"
[[journeys.steps]]
name = "get"
path = "{path}"
checks = [{{ status = 200 }}]
"#,
        url = nginx.url()
    )
}

/// Runs the scenario; checks exit 0 and no failure; returns the results.
fn run_clean(ws: &Workspace, text: &str) -> serde_json::Value {
    let file = ws.write("h2.toml", text);
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 0, "{text}\n{}", both(&output));
    let results = ws.results();
    assert!(
        results["totals"]["requests"].as_u64().unwrap_or(0) > 0,
        "no request recorded: {}",
        results["totals"]
    );
    assert_eq!(
        results["totals"]["failures"], 0,
        "{text}\n{}",
        results["totals"]
    );
    results
}

/// Checks that the results count every response of the endpoint as carried by `protocol` and that
/// nginx logged every request to paths starting with `path` as `logged_as`; returns the nginx
/// connections those requests came on.
#[track_caller]
fn assert_carried_by(
    results: &serde_json::Value,
    nginx: &Nginx,
    path: &str,
    protocol: &str,
    logged_as: &str,
) -> BTreeSet<u64> {
    let endpoint = &results["endpoints"][0];
    assert_eq!(
        endpoint["protocols"],
        serde_json::json!({ protocol: endpoint["requests"] }),
        "{path}"
    );
    let requests: Vec<_> = nginx
        .requests()
        .into_iter()
        .filter(|(_, _, _, uri)| uri.starts_with(path))
        .collect();
    assert!(!requests.is_empty(), "nginx logged no request to {path}");
    let protocols: BTreeSet<&str> = requests.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(protocols, BTreeSet::from([logged_as]), "{path}");
    requests.iter().map(|r| r.1).collect()
}

#[test]
fn tls_auto_negotiates_http2_by_alpn_and_http_1_1_stays_http_1_1() {
    let nginx = Nginx::start(Listen::Tls, LOCATIONS, "");
    let ws = Workspace::new();
    let closed = "model = \"closed\"\nusers = 2\nduration = \"1s\"";

    for (extra, protocol, logged_as) in [
        ("", "HTTP/2", "HTTP/2.0"),
        ("http = \"1.1\"", "HTTP/1.1", "HTTP/1.1"),
    ] {
        nginx.clear_log();
        // nginx answers the protocol it saw: the check reads it.
        let check = format!("{{ status = 200 }}, {{ body_contains = \"{logged_as}\" }}]");
        let text = scenario(&nginx, extra, closed, "/proto").replace("{ status = 200 }]", &check);
        let results = run_clean(&ws, &text);
        assert_carried_by(&results, &nginx, "/proto", protocol, logged_as);
        // The report's endpoint table says it too.
        let html = std::fs::read_to_string(ws.out_dir().join("report.html")).expect("report.html");
        assert!(html.contains(">protocol<") && html.contains(&format!(">{protocol}<")));
    }
}

#[test]
fn h2c_with_prior_knowledge_in_every_load_model() {
    let nginx = Nginx::start(Listen::H2c, LOCATIONS, "");
    let ws = Workspace::new();
    for load in [
        "model = \"open\"\nrate = \"50/s\"\nduration = \"1s\"",
        "model = \"closed\"\nusers = 3\nduration = \"1s\"",
        "model = \"throughput\"\nconnections = 1\nduration = \"1s\"",
    ] {
        nginx.clear_log();
        let results = run_clean(&ws, &scenario(&nginx, "http = \"2\"", load, "/proto"));
        assert_carried_by(&results, &nginx, "/proto", "HTTP/2", "HTTP/2.0");
    }
    // Without `http = "2"`, a plain http URL is HTTP/1.1, which this nginx does not speak: the
    // target is unreachable, said before any load.
    let file = ws.write(
        "h1.toml",
        &scenario(
            &nginx,
            "",
            "model = \"closed\"\nusers = 1\nduration = \"1s\"",
            "/ok",
        ),
    );
    let output = ws.run(&file, &[]);
    assert_eq!(code(&output), 3, "{}", both(&output));
}

/// A backend that answers `/gate/...` only once `n` requests are waiting at once (then all, and
/// every later one, at once); a request that waited 10 s without that answers 503. Proxied by
/// nginx, it shows whether `n` requests were in flight together.
struct Gate {
    port: u16,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Gate {
    fn start(n: usize) -> Gate {
        let waiting = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(tokio::sync::Notify::new());
        let app = axum::Router::new().route(
            "/{*rest}",
            axum::routing::get(move || {
                let (waiting, open) = (waiting.clone(), open.clone());
                async move {
                    let opened = open.notified();
                    tokio::pin!(opened);
                    opened.as_mut().enable();
                    if waiting.fetch_add(1, Ordering::SeqCst) + 1 >= n {
                        open.notify_waiters();
                        return (axum::http::StatusCode::OK, "ok");
                    }
                    match tokio::time::timeout(Duration::from_secs(10), opened).await {
                        Ok(()) => (axum::http::StatusCode::OK, "ok"),
                        Err(_) => (
                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                            "too few at once",
                        ),
                    }
                }
            }),
        );
        let (addr, shutdown) = common::serve(app);
        let port = addr.port();
        Gate {
            port,
            _shutdown: shutdown,
        }
    }
}

#[test]
fn many_streams_share_one_connection_in_every_load_model() {
    // Each model's requests pass the gate only if 8 were in flight together; over fewer than 8
    // connections, that takes several streams at once on one connection.
    let models = [
        // Goose starts the users over the first second.
        ("closed", "model = \"closed\"\nusers = 8\nduration = \"3s\""),
        (
            "throughput",
            "model = \"throughput\"\nconnections = 1\nduration = \"1s\"",
        ),
        (
            "open",
            "model = \"open\"\nrate = \"100/s\"\nduration = \"1s\"\nconnections = 1",
        ),
    ];
    let gates: Vec<Gate> = models.iter().map(|_| Gate::start(8)).collect();
    let locations: String = models
        .iter()
        .zip(&gates)
        .map(|((name, _), gate)| {
            format!(
                "location /gate/{name} {{ proxy_pass http://127.0.0.1:{}; }}\n",
                gate.port
            )
        })
        .collect();
    // No connection retired after nginx's default 1,000 requests: the count below is exact.
    let nginx = Nginx::start(
        Listen::H2c,
        &format!("{LOCATIONS}{locations}"),
        "keepalive_requests 1000000;",
    );
    let ws = Workspace::new();
    for (name, load) in models {
        let path = format!("/gate/{name}");
        let text = scenario(&nginx, "http = \"2\"\nmax_streams = 8", load, &path);
        let results = run_clean(&ws, &text);
        let connections = assert_carried_by(&results, &nginx, &path, "HTTP/2", "HTTP/2.0");
        assert!(
            connections.len() < 8,
            "{name}: 8 requests at once over {} connections",
            connections.len()
        );
        if name != "open" {
            // The closed model's 8 users share one connection; the throughput model's one
            // connection carries its 8 workers.
            assert_eq!(connections.len(), 1, "{name}: {connections:?}");
        }
    }
}

#[test]
fn the_servers_stream_limit_is_respected_with_more_connections() {
    // nginx allows 2 streams per connection: 8 users with max_streams = 8 need 4 connections.
    let nginx = Nginx::start(
        Listen::H2c,
        LOCATIONS,
        "http2_max_concurrent_streams 2; keepalive_requests 1000000;",
    );
    let ws = Workspace::new();
    let text = scenario(
        &nginx,
        "http = \"2\"\nmax_streams = 8",
        "model = \"closed\"\nusers = 8\nduration = \"2s\"",
        "/ok",
    );
    let results = run_clean(&ws, &text);
    let connections = assert_carried_by(&results, &nginx, "/ok", "HTTP/2", "HTTP/2.0");
    assert_eq!(connections.len(), 4, "{connections:?}");
}

#[test]
fn connections_the_server_retires_are_replaced_without_failures() {
    // nginx sends GOAWAY after 20 requests on a connection.
    let nginx = Nginx::start(Listen::Tls, LOCATIONS, "keepalive_requests 20;");
    let ws = Workspace::new();
    let text = scenario(
        &nginx,
        "max_streams = 4",
        "model = \"throughput\"\nconnections = 1\nduration = \"1s\"",
        "/ok",
    );
    let results = run_clean(&ws, &text);
    let requests = results["endpoints"][0]["requests"].as_u64().unwrap_or(0);
    assert!(
        requests > 40,
        "{requests} requests: too few to retire a connection"
    );
    let connections = assert_carried_by(&results, &nginx, "/ok", "HTTP/2", "HTTP/2.0");
    assert!(connections.len() >= 2, "{connections:?}");
}

#[test]
fn gzip_responses_from_nginx_arrive_over_http2_compressed() {
    let body = "stampede ".repeat(300);
    let locations = format!(
        r#"
        location /gz {{
            default_type application/json;
            gzip on;
            gzip_min_length 1;
            gzip_types application/json;
            return 200 '{body}';
        }}
"#
    );
    let nginx = Nginx::start(Listen::Tls, &locations, "");
    let ws = Workspace::new();
    let text = scenario(
        &nginx,
        "[target.headers]\nAccept-Encoding = \"gzip\"",
        "model = \"closed\"\nusers = 1\nduration = \"1s\"",
        "/gz",
    );
    let results = run_clean(&ws, &text);
    assert_carried_by(&results, &nginx, "/gz", "HTTP/2", "HTTP/2.0");
    let endpoint = &results["endpoints"][0];
    let requests = endpoint["requests"].as_u64().unwrap_or(0);
    // The wire bytes: compressed, far fewer than the 2,700-byte body.
    let per_request = endpoint["bytes_received"].as_u64().unwrap_or(0) / requests.max(1);
    assert!(
        per_request > 0 && per_request < 500,
        "{per_request} bytes per response"
    );
}

#[test]
fn http2_bodies_are_kept_only_up_to_max_body_and_read_whole() {
    // 4,000 bytes, the marker at the end: past a 1 KiB cap, a check that looks for it fails,
    // while the bytes received still count the whole body.
    let body = format!("{}END-MARKER", "x".repeat(3_990));
    let locations = format!("        location /big {{ return 200 '{body}'; }}\n");
    let nginx = Nginx::start(Listen::H2c, &locations, "");
    let ws = Workspace::new();
    let text = |max_body: &str| {
        format!(
            r#"name = "h2-cap"
[target]
url = "{url}"
http = "2"
{max_body}
[load]
model = "closed"
users = 1
duration = "1s"
[[journeys]]
name = "j"
[[journeys.steps]]
name = "big"
path = "/big"
checks = [{{ status = 200 }}, {{ regex = "END-MARKER" }}]
"#,
            url = nginx.url()
        )
    };
    // The default cap (10 MiB) keeps it all: the check passes.
    run_clean(&ws, &text(""));
    let file = ws.write("capped.toml", &text("max_body = \"1KiB\""));
    let output = ws.run(&file, &[]);
    let results = ws.results();
    let endpoint = &results["endpoints"][0];
    let requests = endpoint["requests"].as_u64().unwrap_or(0);
    assert!(requests > 0, "{}", both(&output));
    assert_eq!(
        endpoint["failures"].as_u64(),
        Some(requests),
        "every check should fail on the capped body: {}",
        both(&output)
    );
    let errors = endpoint["errors"].to_string();
    assert!(errors.contains("check"), "{errors}");
    assert!(
        endpoint["bytes_received"].as_u64().unwrap_or(0) >= 4_000 * requests,
        "the whole body is read and counted: {}",
        endpoint
    );
}
