//! What a client controls in a request head stays bounded: an over-long URI or over-large headers
//! get a JSON error in the app's shape (not hyper's empty answer), and made-up methods do not
//! grow `/metrics`.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::TestApp;

async fn json_error(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.json().await.expect("a JSON error body");
    (status, body)
}

#[tokio::test]
async fn a_long_uri_is_a_json_414() {
    let app = TestApp::start().await;
    let path = format!("/api/contacts?email={}", "a".repeat(17_000));
    let (status, body) = json_error(app.call(Method::GET, &path, None, None).await).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert_eq!(body["error"]["code"], "uri_too_long", "{body}");
}

#[tokio::test]
async fn large_headers_are_a_json_431_on_http1_and_http2() {
    let app = TestApp::start().await;
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    for client in [&app.client, &h2] {
        let response = client
            .get(format!("{}/health", app.base))
            .header("x-big", "a".repeat(33_000))
            .send()
            .await
            .expect("an answer");
        let version = response.version();
        let (status, body) = json_error(response).await;
        assert_eq!(
            status,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "{version:?}"
        );
        assert_eq!(body["error"]["code"], "headers_too_large", "{body}");
    }
}

async fn metrics_lines(app: &TestApp) -> Vec<String> {
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines().map(str::to_string).collect()
}

#[tokio::test]
async fn made_up_methods_are_one_metric_label() {
    let app = TestApp::start().await;
    // Scrape once first, so that /metrics' own series exist before counting.
    metrics_lines(&app).await;
    let long = "X".repeat(5_000);
    let methods = ["FOO", "BAR", "PURGE", "MKCOL", long.as_str()];
    let send = |method: &str| {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        app.call(method, "/api/contacts", None, None)
    };
    send(methods[0]).await;
    let after_one = metrics_lines(&app).await;
    for method in &methods[1..] {
        send(method).await;
    }
    let after_five = metrics_lines(&app).await;
    assert_eq!(
        after_one.len(),
        after_five.len(),
        "four more made-up methods added series"
    );
    assert!(
        after_five
            .iter()
            .any(|line| line.contains(r#"method="other""#))
    );
    assert!(!after_five.iter().any(|line| line.contains("FOO")));
    assert!(!after_five.iter().any(|line| line.contains(&long)));
}
