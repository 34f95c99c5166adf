//! A browser-style sign-in against the real SalesHub (bundled, small seed), twice:
//! - `scenarios/webapp.toml` as shipped: the CSRF token from the form's HTML, the form posted,
//!   the 303 followed on the session cookie the user's jar keeps, a page that needs the session,
//!   a sign-out. With the jar turned off the same journey must fail (SalesHub refuses a form post
//!   without its login cookie), which shows the jar carried the session.
//! - By hand, without the jar and without following redirects: every value extracted beyond JSON
//!   (CSS selector, `Set-Cookie` by name, a header check on `Location`, a `<meta>` tag, a regex).
//!
//! Every request must succeed, which SalesHub allows only when each extracted value was right.

mod common;
mod library;

use common::{Workspace, both, code, repo_root};
use library::library_scenario;

/// The endpoint named `name` in a results file.
fn endpoint<'a>(results: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let endpoints = results["endpoints"].as_array().expect("endpoints");
    endpoints
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no endpoint {name}: {endpoints:#?}"))
}

const WEBAPP_STEPS: [&str; 4] = ["sign-in form", "sign in", "pipeline page", "sign out"];

#[test]
fn the_webapp_scenario_signs_in_on_the_cookie_jar_and_follows_the_redirect() {
    let ws = Workspace::new();
    let scenario = library_scenario(&ws, "webapp.toml", "", &[]);
    let output = ws.run(&scenario, &["--duration", "5s"]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    let results = ws.results();
    for name in WEBAPP_STEPS {
        let e = endpoint(&results, name);
        assert!(e["requests"].as_u64() > Some(0), "{name} never ran");
        assert_eq!(e["failures"], 0, "{name}: {:#?}", e["errors"]);
    }
    // Each sign-in and each sign-out followed its 303.
    for name in ["sign in", "sign out"] {
        let e = endpoint(&results, name);
        assert_eq!(e["redirects"], e["requests"], "{name}: {e:#}");
    }
}

#[test]
fn without_the_cookie_jar_the_webapp_sign_in_is_refused() {
    let ws = Workspace::new();
    let scenario = library_scenario(
        &ws,
        "webapp.toml",
        "",
        &[("timeout = \"5s\"", "timeout = \"5s\"\ncookies = false")],
    );
    let output = ws.run(&scenario, &["--duration", "3s"]);
    assert_ne!(code(&output), 0, "{}", both(&output));
    let results = ws.results();
    let e = endpoint(&results, "sign in");
    assert_eq!(e["failures"], e["requests"], "{e:#}");
}

fn scenario(ws: &Workspace) -> std::path::PathBuf {
    let seed = repo_root().join("fixtures/seed-small.toml");
    let text = format!(
        r##"name = "web sign-in"
[target]
bundled = {{ seed_config = "{seed}" }}
cookies = false
redirects = 0
[load]
model = "closed"
users = 1
duration = "3s"
warmup = "0s"

[[journeys]]
name = "sign in and out"
think_time = "50ms"

[[journeys.steps]]
name = "form"
path = "/login"
checks = [{{ status = 200 }}, {{ header = "content-type", exists = true }}]
[journeys.steps.extract]
csrf = {{ css = "input[name=csrf]", attr = "value" }}
login_cookie = {{ cookie = "saleshub_login_csrf" }}

[[journeys.steps]]
name = "sign in"
method = "POST"
path = "/login"
headers = {{ Content-Type = "application/x-www-form-urlencoded", Cookie = "saleshub_login_csrf=${{login_cookie}}" }}
body = "email=admin%40saleshub.test&password=admin-saleshub-pass&csrf=${{csrf}}"
checks = [{{ status = 303 }}, {{ header = "Location", equals = "/app" }}]
extract = {{ session = {{ cookie = "saleshub_session" }} }}

[[journeys.steps]]
name = "app"
path = "/app"
headers = {{ Cookie = "saleshub_session=${{session}}" }}
checks = [{{ status = 200 }}, {{ regex = '<span id="user-name">[^<]+</span>' }}]
[journeys.steps.extract]
page_csrf = {{ css = "meta[name=csrf-token]", attr = "content" }}
user = {{ css = "#user-name" }}

[[journeys.steps]]
name = "sign out"
method = "POST"
path = "/logout"
headers = {{ Content-Type = "application/x-www-form-urlencoded", Cookie = "saleshub_session=${{session}}" }}
body = "csrf=${{page_csrf}}"
checks = [{{ status = 303 }}, {{ header = "location", equals = "/login" }}]
"##,
        seed = seed.display()
    );
    ws.write("webform.toml", &text)
}

#[test]
fn a_form_sign_in_works_from_extracted_csrf_tokens_and_cookies() {
    let ws = Workspace::new();
    let path = scenario(&ws);
    let output = ws.run(&path, &[]);
    assert_eq!(code(&output), 0, "{}", both(&output));
    let results = ws.results();
    for name in ["form", "sign in", "app", "sign out"] {
        let e = endpoint(&results, name);
        assert!(e["requests"].as_u64() > Some(0), "{name} never ran");
        assert_eq!(e["failures"], 0, "{name}: {:#?}", e["errors"]);
    }
}
