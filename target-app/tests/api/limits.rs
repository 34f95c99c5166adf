//! What a client controls in a request head stays bounded: made-up methods do not grow
//! `/metrics`.

use reqwest::Method;

use crate::helpers::TestApp;

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
