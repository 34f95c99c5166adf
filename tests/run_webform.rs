//! A browser-style sign-in against the real SalesHub (bundled, small seed), built only from
//! extraction beyond JSON: the CSRF token from the sign-in form's HTML (CSS selector), the login
//! cookie and the session cookie from `Set-Cookie`, the redirect target from a header check, the
//! signed-in page's CSRF token from its `<meta>` tag, and a regex check on the page. Every request
//! of the run must succeed, which SalesHub allows only when each extracted value was right.

mod common;

use common::{Workspace, both, code, repo_root};

fn scenario(ws: &Workspace) -> std::path::PathBuf {
    let seed = repo_root().join("fixtures/seed-small.toml");
    let text = format!(
        r##"name = "web sign-in"
[target]
bundled = {{ seed_config = "{seed}" }}
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
    let endpoints = results["endpoints"].as_array().expect("endpoints");
    for name in ["form", "sign in", "app", "sign out"] {
        let e = endpoints
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("no endpoint {name}: {endpoints:#?}"));
        assert!(e["requests"].as_u64() > Some(0), "{name} never ran");
        assert_eq!(e["failures"], 0, "{name}: {:#?}", e["errors"]);
    }
}
