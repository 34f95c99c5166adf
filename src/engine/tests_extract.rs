//! Extraction beyond JSON and the header and regex checks, through whole journeys against the
//! test server's HTML page (`/form`: a hidden CSRF input, `Set-Cookie`, `Location`): each kind
//! of extraction feeds the next request, each check passes and fails for real, and only steps
//! that read the body keep it.

use crate::engine::client::HttpClient;
use crate::engine::journey::JourneyRunner;
use crate::engine::step::PreparedStep;
use crate::engine::test_server::{plan, start};
use crate::metrics::Sample;
use crate::model::ErrorKind;

const HEAD: &str = r#"
name = "t"
[target]
url = "http://127.0.0.1:1"
timeout = "2s"
[load]
model = "closed"
users = 1
duration = "1s"
"#;

async fn run(text: &str, url: &str) -> Vec<Sample> {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), text);
    let client = HttpClient::for_target(&plan.target).unwrap();
    let runner = JourneyRunner::new(plan, client, url).unwrap();
    let mut samples = Vec::new();
    let mut user = runner.user(0);
    runner.run_iteration(&mut user, 0, None, &mut samples).await;
    samples
}

fn error(sample: &Sample) -> Option<(ErrorKind, &str)> {
    sample.error.as_ref().map(|(k, m)| (*k, m.as_str()))
}

#[tokio::test]
async fn header_cookie_regex_and_css_values_feed_the_next_request() {
    let server = start().await;
    let text = format!(
        r#"{HEAD}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/form"
checks = [
  {{ header = "X-Frame-Options", equals = "DENY" }},
  {{ header = "x-powered-by", exists = false }},
  {{ header = "location", exists = true }},
  {{ regex = 'name="csrf" value="\w+"' }},
]
[journeys.steps.extract]
csrf = {{ css = "input[name=csrf]", attr = "value" }}
title = {{ css = "h1.title" }}
session = {{ cookie = "sessionid" }}
next = {{ header = "Location" }}
id = {{ regex = 'id=(\d+) placed' }}
[[journeys.steps]]
path = "/echo?q=${{csrf}}|${{title}}|${{session}}|${{next}}|${{id}}"
checks = [{{ json = "/q", exists = true }}]
"#
    );
    let samples = run(&text, &server.url()).await;
    assert_eq!(samples.len(), 2);
    assert_eq!(error(&samples[0]), None);
    assert_eq!(error(&samples[1]), None);
    assert_eq!(
        *server.seen.echoed.lock().unwrap(),
        ["t0k3n|Sign in|abc123|/next?id=42|42"]
    );
}

#[tokio::test]
async fn failed_checks_and_extractions_fail_the_step_naming_them() {
    let server = start().await;
    for (step, message) in [
        (
            r#"checks = [{ header = "x-frame-options", equals = "SAMEORIGIN" }]"#,
            "header 'x-frame-options' is not 'SAMEORIGIN'",
        ),
        (
            r#"checks = [{ header = "etag", exists = true }]"#,
            "header 'etag' is missing",
        ),
        (
            r#"checks = [{ header = "location", exists = false }]"#,
            "header 'location' is present",
        ),
        (
            r#"checks = [{ regex = '^\{' }]"#,
            r"body does not match regex '^\{'",
        ),
        (
            r##"extract = { token = { css = "#token", attr = "value" } }"##,
            "extract token: css '#token' matches no element of the body",
        ),
        (
            r#"extract = { token = { css = "input[name=csrf]", attr = "data-token" } }"#,
            "extract token: css 'input[name=csrf]': the element has no attribute 'data-token'",
        ),
        (
            r#"extract = { token = { cookie = "csrftoken" } }"#,
            "extract token: cookie 'csrftoken' is missing from the response",
        ),
        (
            r#"extract = { token = { header = "X-Token" } }"#,
            "extract token: header 'x-token' is missing from the response",
        ),
        (
            r#"extract = { token = { regex = 'token=(\w+)' } }"#,
            r"extract token: regex 'token=(\w+)' does not match the body",
        ),
        (
            r#"extract = { token = { json = "/token" } }"#,
            "extract token: the response body is not JSON",
        ),
    ] {
        let text = format!(
            "{HEAD}\n[[journeys]]\nname = \"j\"\n[[journeys.steps]]\npath = \"/form\"\n{step}\n"
        );
        let samples = run(&text, &server.url()).await;
        assert_eq!(
            error(&samples[0]),
            Some((ErrorKind::Check, message)),
            "{step}"
        );
    }
}

#[test]
fn only_steps_that_read_the_body_keep_it() {
    let text = format!(
        r#"{HEAD}
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/plain"
checks = [{{ status = 200 }}]
[[journeys.steps]]
path = "/headers"
checks = [{{ header = "x-cache", equals = "HIT" }}]
extract = {{ next = {{ header = "location" }}, sid = {{ cookie = "sid" }} }}
[[journeys.steps]]
path = "/regex"
checks = [{{ regex = "ok" }}]
[[journeys.steps]]
path = "/css"
extract = {{ t = {{ css = "title" }} }}
[[journeys.steps]]
path = "/json"
extract = {{ id = "/id" }}
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(dir.path(), &text);
    let keeps: Vec<bool> = plan.journeys[0]
        .steps
        .iter()
        .map(|s| PreparedStep::new(&plan, s, None).unwrap().keeps_body())
        .collect();
    assert_eq!(keeps, [false, false, true, true, true]);
}
