//! Health, metrics and fault knobs.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use saleshub::faults::FaultConfig;

use crate::helpers::{Options, REP1, TestApp};

#[tokio::test]
async fn health_reports_each_component() {
    let app = TestApp::start().await;
    let response = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["state"], "up");
    assert_eq!(body["cache"]["backend"], "redis");
    assert_eq!(body["cache"]["state"], "up");
    assert!(body["search"]["documents"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let (page, _) = app.get_json(&token, "/api/contacts?limit=3").await;
    for item in page["items"].as_array().unwrap() {
        app.get_json(&token, &format!("/api/contacts/{}", item["id"]))
            .await;
    }
    let sample =
        r#"saleshub_http_requests_total{method="GET",route="/api/contacts/{id}",status="200"}"#;
    assert_eq!(app.metric(sample).await, 3.0);
}

#[tokio::test]
async fn injected_errors_hit_the_api_but_not_health() {
    let app = TestApp::start_with(Options {
        faults: FaultConfig {
            error_rate: 1.0,
            ..FaultConfig::default()
        },
        ..Options::default()
    })
    .await;
    let response = app.call(Method::GET, "/api/contacts", None, None).await;
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "injected_fault");
    assert_eq!(
        app.call(Method::GET, "/health", None, None).await.status(),
        200
    );
}

#[tokio::test]
async fn injected_delay_is_added_to_api_requests() {
    let delay = Duration::from_millis(150);
    let app = TestApp::start_with(Options {
        faults: FaultConfig {
            delay,
            ..FaultConfig::default()
        },
        ..Options::default()
    })
    .await;
    let started = std::time::Instant::now();
    let response = app.call(Method::GET, "/api/contacts", None, None).await;
    // A lower bound only: the delay is a sleep, so the request cannot be faster.
    assert!(started.elapsed() >= delay);
    assert_eq!(response.status(), 401);
}
