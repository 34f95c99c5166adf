//! The engine's client against httpbin (a real third-party service, under gunicorn on 127.0.0.1):
//! cookies (kept, sent back, per user, path and expiry, seeded by setup journeys), redirects
//! (301/302/303 as GET without a body, 307/308 with method and body, too many hops, no
//! `Authorization` to another origin), gzip/deflate/brotli decoding, `Accept-Encoding`, forms,
//! multipart, `body_file` and basic auth. Steps check what httpbin echoes back, so a step that
//! passes proves what was sent; journeys run through the engine's own `JourneyRunner`.

mod common;
mod httpbin;

use std::path::Path;
use std::sync::Arc;

use httpbin::Httpbin;
use stampede::engine::client::HttpClient;
use stampede::engine::journey::{JourneyRunner, UserState};
use stampede::metrics::Sample;
use stampede::scenario::Plan;

const PASSWORD: &str = "pa55-w0rd-from-env";

fn env(name: &str) -> Option<String> {
    (name == "HTTPBIN_PASSWORD").then(|| PASSWORD.to_string())
}

/// A scenario against `base` with `target_extra` in `[target]`, the `load` lines, and journeys.
fn scenario(base: &str, target_extra: &str, load: &str, journeys: &str) -> String {
    format!(
        "name = \"conformance\"\n[target]\nurl = \"{base}\"\ntimeout = \"10s\"\n{target_extra}\n\
         [load]\n{load}\n{journeys}"
    )
}

const CLOSED: &str = "model = \"closed\"\nusers = 1\nduration = \"1s\"";
const THROUGHPUT: &str = "model = \"throughput\"\nconnections = 1\nduration = \"1s\"";

fn load(dir: &Path, text: &str) -> Plan {
    stampede::scenario::load_bytes(text.as_bytes(), &dir.join("scenario.toml"), &env)
        .unwrap_or_else(|e| panic!("the scenario does not load:\n{e}\n---\n{text}"))
}

fn runner(plan: Plan, base: &str) -> JourneyRunner {
    let client = HttpClient::new(plan.target.timeout, &plan.target.tls).expect("client");
    JourneyRunner::new(Arc::new(plan), client, base).expect("runner")
}

/// Runs journey `journey` (by name) once for `user`, returning its samples.
async fn iteration(runner: &JourneyRunner, user: &mut UserState, journey: &str) -> Vec<Sample> {
    let index = runner
        .plan()
        .journeys
        .iter()
        .position(|j| j.name == journey)
        .unwrap_or_else(|| panic!("no journey {journey}"));
    let mut samples = Vec::new();
    runner.run_iteration(user, index, None, &mut samples).await;
    samples
}

/// Loads `text` and runs its journey `journey` once for a new user: its samples, and the user.
async fn once(dir: &Path, base: &str, text: &str, journey: &str) -> (Vec<Sample>, UserState) {
    let runner = runner(load(dir, text), base);
    let mut user = runner.user(0);
    let samples = iteration(&runner, &mut user, journey).await;
    (samples, user)
}

/// Panics naming every failed step.
fn assert_ok(samples: &[Sample]) {
    let failed: Vec<String> = samples
        .iter()
        .filter_map(|s| {
            s.error
                .as_ref()
                .map(|(k, m)| format!("step {}: {k:?}: {m}", s.endpoint))
        })
        .collect();
    assert!(failed.is_empty(), "failed steps:\n{}", failed.join("\n"));
}

fn journey(name: &str, steps: &str) -> String {
    format!("[[journeys]]\nname = \"{name}\"\n{steps}\n")
}

#[tokio::test]
async fn cookies_are_kept_sent_back_scoped_by_path_and_expired() {
    let bin = Httpbin::start();
    let dir = tempfile::tempdir().unwrap();
    let steps = r#"
[[journeys.steps]]
name = "set"
path = "/cookies/set?session=abc&other=1"
follow_redirects = false
checks = [{ status = 302 }]
[[journeys.steps]]
name = "read"
path = "/cookies"
checks = [{ json = "/cookies/session", equals = "abc" }, { json = "/cookies/other", equals = "1" }]
[[journeys.steps]]
name = "scoped"
path = "/response-headers?Set-Cookie=scoped%3D1%3B%20Path%3D%2Fanything"
[[journeys.steps]]
name = "outside the path"
path = "/cookies"
checks = [{ json = "/cookies/scoped", exists = false }]
[[journeys.steps]]
name = "inside the path"
path = "/anything/deeper"
checks = [{ body_contains = "scoped=1" }, { body_contains = "session=abc" }]
[[journeys.steps]]
name = "expire"
path = "/response-headers?Set-Cookie=other%3D%3B%20Path%3D%2F%3B%20Max-Age%3D0"
[[journeys.steps]]
name = "expired"
path = "/cookies"
checks = [{ json = "/cookies/other", exists = false }, { json = "/cookies/session", equals = "abc" }]
"#;
    let text = scenario(&bin.base_url, "", CLOSED, &journey("cookies", steps));
    let (samples, user) = once(dir.path(), &bin.base_url, &text, "cookies").await;
    assert_ok(&samples);
    // The jar answers for a request's URL, as `{ cookie = "name" }` extraction reads it.
    let uri: http::Uri = format!("{}/", bin.base_url).parse().unwrap();
    assert_eq!(user.jar().get(&uri, "session"), Some("abc"));

    // `cookies = false`: nothing is kept, so nothing goes back.
    let off = scenario(
        &bin.base_url,
        "cookies = false",
        CLOSED,
        &journey("cookies", steps),
    );
    let (samples, _) = once(dir.path(), &bin.base_url, &off, "cookies").await;
    let read = &samples[1];
    assert!(
        read.error
            .as_ref()
            .is_some_and(|(_, m)| m.contains("/cookies/session")),
        "with cookies off the cookie must not be sent: {read:?}"
    );
}

#[tokio::test]
async fn each_user_has_a_jar_kept_across_iterations_in_the_closed_model_only() {
    let bin = Httpbin::start();
    let dir = tempfile::tempdir().unwrap();
    let journeys = [
        journey(
            "setup",
            "setup = true\n[[journeys.steps]]\npath = \"/cookies/set/signed_in/yes\"\nfollow_redirects = false",
        ),
        journey(
            "visit",
            r#"[[journeys.steps]]
name = "before"
path = "/cookies"
checks = [{ json = "/cookies/signed_in", equals = "yes" }]
[[journeys.steps]]
name = "set mine"
path = "/cookies/set/mine/${random.int(1, 1000000)}"
follow_redirects = false
[[journeys.steps]]
name = "after"
path = "/cookies"
checks = [{ json = "/cookies/mine", exists = true }]"#,
        ),
        journey(
            "fresh",
            r#"[[journeys.steps]]
path = "/cookies"
checks = [{ json = "/cookies/mine", exists = false }, { json = "/cookies/signed_in", equals = "yes" }]"#,
        ),
    ]
    .concat();

    // Closed model: each virtual user runs the setup itself and keeps its jar.
    let text = scenario(&bin.base_url, "", CLOSED, &journeys);
    let runner = runner(load(dir.path(), &text), &bin.base_url);
    let mut alice = runner.user(0);
    let mut bob = runner.user(1);
    let mut setup = Vec::new();
    runner.run_setup(&mut alice, &mut setup).await;
    runner.run_setup(&mut bob, &mut setup).await;
    assert_ok(&setup);
    assert_ok(&iteration(&runner, &mut alice, "visit").await);
    // Bob never got Alice's cookie; Alice still has hers in her next iteration.
    assert_ok(&iteration(&runner, &mut bob, "fresh").await);
    let again = iteration(&runner, &mut alice, "fresh").await;
    assert!(
        again[0]
            .error
            .as_ref()
            .is_some_and(|(_, m)| m.contains("/cookies/mine")),
        "a closed-model user keeps its cookies across iterations: {again:?}"
    );

    // Throughput (and open) model: the setup runs once and seeds every jar; each iteration is a
    // fresh visitor.
    let text = scenario(&bin.base_url, "", THROUGHPUT, &journeys);
    let mut runner = self::runner(load(dir.path(), &text), &bin.base_url);
    let mut setup_user = runner.user(0);
    let mut setup = Vec::new();
    runner.run_setup(&mut setup_user, &mut setup).await;
    assert_ok(&setup);
    runner.seed_cookies(setup_user.jar().clone());
    let mut worker = runner.user(1);
    assert_ok(&iteration(&runner, &mut worker, "visit").await);
    assert_ok(&iteration(&runner, &mut worker, "fresh").await);
}

#[tokio::test]
async fn redirects_change_or_keep_the_method_and_body_as_the_status_says() {
    let bin = Httpbin::start();
    let dir = tempfile::tempdir().unwrap();
    let mut steps = String::new();
    for status in [301, 302, 303] {
        steps.push_str(&format!(
            r#"[[journeys.steps]]
name = "post {status}"
method = "POST"
path = "/redirect-to?url=%2Fanything%2Fafter&status_code={status}"
body = "the body"
checks = [{{ json = "/method", equals = "GET" }}, {{ json = "/data", equals = "" }}, {{ json = "/url", equals = "{base}/anything/after" }}]
"#,
            base = bin.base_url
        ));
    }
    for status in [307, 308] {
        steps.push_str(&format!(
            r#"[[journeys.steps]]
name = "post {status}"
method = "POST"
path = "/redirect-to?url=%2Fanything%2Fafter&status_code={status}"
body = "the body"
checks = [{{ json = "/method", equals = "POST" }}, {{ json = "/data", equals = "the body" }}]
"#
        ));
    }
    steps.push_str(
        r#"[[journeys.steps]]
name = "three hops"
path = "/redirect/3"
checks = [{ json = "/url", exists = true }]
[[journeys.steps]]
name = "not followed"
path = "/redirect/1"
follow_redirects = false
checks = [{ status = 302 }]
"#,
    );
    let text = scenario(&bin.base_url, "", CLOSED, &journey("redirects", &steps));
    let (samples, _) = once(dir.path(), &bin.base_url, &text, "redirects").await;
    assert_ok(&samples);
    let hops: Vec<u32> = samples.iter().map(|s| s.redirects).collect();
    assert_eq!(hops, [1, 1, 1, 1, 1, 3, 0]);
    assert_eq!(samples[5].status, Some(200));
    assert_eq!(samples[6].status, Some(302));
}

#[tokio::test]
async fn too_many_hops_fail_and_zero_means_never() {
    let bin = Httpbin::start();
    let dir = tempfile::tempdir().unwrap();
    let steps = "[[journeys.steps]]\npath = \"/redirect/3\"\n";
    let text = scenario(&bin.base_url, "redirects = 2", CLOSED, &journey("j", steps));
    let (samples, _) = once(dir.path(), &bin.base_url, &text, "j").await;
    let (_, message) = samples[0]
        .error
        .as_ref()
        .expect("three hops over a limit of two");
    assert!(message.contains("more than 2 redirects"), "{message}");
    assert_eq!(samples[0].redirects, 2);

    let text = scenario(&bin.base_url, "redirects = 0", CLOSED, &journey("j", steps));
    let (samples, _) = once(dir.path(), &bin.base_url, &text, "j").await;
    assert_ok(&samples);
    assert_eq!((samples[0].status, samples[0].redirects), (Some(302), 0));
}

#[tokio::test]
async fn authorization_goes_along_within_the_origin_and_is_dropped_when_leaving_it() {
    let bin = Httpbin::start();
    let dir = tempfile::tempdir().unwrap();
    let other = urlencode(&format!("{}/anything/elsewhere", bin.other_origin()));
    let steps = format!(
        r#"[[journeys.steps]]
name = "same origin"
path = "/redirect-to?url=%2Fanything%2Fhere"
headers = {{ Authorization = "Bearer t0ken" }}
checks = [{{ json = "/headers/Authorization", equals = "Bearer t0ken" }}]
[[journeys.steps]]
name = "other origin"
path = "/redirect-to?url={other}"
headers = {{ Authorization = "Bearer t0ken" }}
checks = [{{ json = "/headers/Authorization", exists = false }}, {{ json = "/headers/Host", equals = "localhost:{port}" }}]
[[journeys.steps]]
name = "basic auth to another origin"
path = "/redirect-to?url={other}"
basic_auth = {{ user = "alice", password = "${{env.HTTPBIN_PASSWORD}}" }}
checks = [{{ json = "/headers/Authorization", exists = false }}]
"#,
        port = bin.port
    );
    let text = scenario(&bin.base_url, "", CLOSED, &journey("auth", &steps));
    assert_ok(&once(dir.path(), &bin.base_url, &text, "auth").await.0);
}

#[tokio::test]
async fn gzip_deflate_and_brotli_bodies_are_decoded_for_checks() {
    let bin = Httpbin::start();
    let dir = tempfile::tempdir().unwrap();
    let steps = r#"[[journeys.steps]]
path = "/gzip"
checks = [{ json = "/gzipped", equals = true }]
[[journeys.steps]]
path = "/deflate"
checks = [{ json = "/deflated", equals = true }]
[[journeys.steps]]
path = "/brotli"
checks = [{ json = "/brotli", equals = true }]
extract = { method = "/method" }
[[journeys.steps]]
name = "GET /gzip unread"
path = "/gzip"
[[journeys.steps]]
path = "/headers"
checks = [{ json = "/headers/Accept-Encoding", equals = "gzip, deflate, br, zstd" }]
"#;
    let text = scenario(&bin.base_url, "", CLOSED, &journey("j", steps));
    let (samples, user) = once(dir.path(), &bin.base_url, &text, "j").await;
    assert_ok(&samples);
    assert_eq!(user.get("method"), Some(&serde_json::json!("GET")));
    // Bytes received are the wire bytes, read or not.
    let (read, unread) = (samples[0].bytes_in, samples[3].bytes_in);
    assert!(read > 0 && read.abs_diff(unread) < 16, "{read} vs {unread}");

    let text = scenario(
        &bin.base_url,
        "accept_encoding = \"\"",
        CLOSED,
        &journey(
            "j",
            "[[journeys.steps]]\npath = \"/headers\"\nchecks = [{ json = \"/headers/Accept-Encoding\", exists = false }]",
        ),
    );
    assert_ok(&once(dir.path(), &bin.base_url, &text, "j").await.0);
}

#[tokio::test]
async fn forms_multipart_body_files_and_basic_auth_reach_the_server() {
    let bin = Httpbin::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), "id,name\n1,alice\n").unwrap();
    std::fs::write(dir.path().join("payload.json"), "{\"x\": 1, \"y\": [true]}").unwrap();
    let steps = r#"[[journeys.steps]]
name = "form"
method = "POST"
path = "/post"
form = { user = "alice", note = "a&b=c d" }
checks = [{ json = "/form/user", equals = "alice" }, { json = "/form/note", equals = "a&b=c d" }, { json = "/headers/Content-Type", equals = "application/x-www-form-urlencoded" }]
[[journeys.steps]]
name = "multipart"
method = "POST"
path = "/post"
multipart = [{ name = "f", file = "data.csv", content_type = "text/csv" }, { name = "note", value = "${greeting}" }]
checks = [{ json = "/files/f", equals = "id,name\n1,alice\n" }, { json = "/form/note", equals = "hello" }]
[[journeys.steps]]
name = "body file"
method = "POST"
path = "/post"
body_file = "payload.json"
checks = [{ json = "/json/x", equals = 1 }, { json = "/headers/Content-Type", equals = "application/json" }]
[[journeys.steps]]
name = "basic auth"
path = "/basic-auth/alice/pa55-w0rd-from-env"
basic_auth = { user = "alice", password = "${env.HTTPBIN_PASSWORD}" }
checks = [{ json = "/authenticated", equals = true }]
[[journeys.steps]]
name = "wrong password"
path = "/basic-auth/alice/another"
basic_auth = { user = "alice", password = "${env.HTTPBIN_PASSWORD}" }
checks = [{ status = 401 }]
"#;
    let text = scenario(
        &bin.base_url,
        "",
        CLOSED,
        &format!("[variables]\ngreeting = \"hello\"\n{}", journey("j", steps)),
    );
    assert_ok(&once(dir.path(), &bin.base_url, &text, "j").await.0);

    // On the target: every request carries it.
    let text = scenario(
        &bin.base_url,
        "basic_auth = { user = \"alice\", password = \"${env.HTTPBIN_PASSWORD}\" }",
        CLOSED,
        &journey(
            "j",
            "[[journeys.steps]]\npath = \"/basic-auth/alice/pa55-w0rd-from-env\"\nchecks = [{ json = \"/user\", equals = \"alice\" }]",
        ),
    );
    assert_ok(&once(dir.path(), &bin.base_url, &text, "j").await.0);
}

/// A whole run through the CLI: redirects are counted in the endpoint's results, and the basic
/// auth password (from the environment) appears in no output.
#[test]
fn a_run_records_redirect_hops_and_never_writes_the_password() {
    let bin = Httpbin::start();
    let ws = common::Workspace::new();
    let steps = r#"[[journeys.steps]]
name = "hops"
path = "/redirect/2"
[[journeys.steps]]
name = "denied"
path = "/basic-auth/alice/another"
basic_auth = { user = "alice", password = "${env.HTTPBIN_PASSWORD}" }
"#;
    let text = scenario(
        &bin.base_url,
        "",
        "model = \"closed\"\nusers = 1\nduration = \"1s\"",
        &journey("j", steps),
    );
    let path = ws.write("scenario.toml", &text);
    let output = ws
        .command(&path, &[])
        .env("HTTPBIN_PASSWORD", PASSWORD)
        .output()
        .expect("run stampede");
    let results = ws.results();
    let endpoints = results["endpoints"].as_array().expect("endpoints");
    let hops = endpoints
        .iter()
        .find(|e| e["name"] == "hops")
        .expect("hops");
    let requests = hops["requests"].as_u64().unwrap();
    assert!(requests > 0, "{}", common::both(&output));
    assert_eq!(hops["redirects"].as_u64(), Some(2 * requests));
    assert_eq!(hops["failures"].as_u64(), Some(0));
    let denied = endpoints.iter().find(|e| e["name"] == "denied").unwrap();
    assert_eq!(denied["failures"], denied["requests"]);
    let mut everything = common::both(&output);
    for file in common::files_under(ws.path()) {
        everything.push_str(&String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
    }
    assert!(!everything.contains(PASSWORD), "the password leaked");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
