//! Only reads that succeeded are remembered for refresh on write: a read answered with an error
//! (a 400 for a bad filter) is neither recomputed by later writes nor allowed to push the reads
//! that did succeed out of the few slots a group has.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{REP1, TestApp};

const LIST_REFRESHES: &str = r#"cache_refreshes_total{namespace="lists"}"#;

#[tokio::test]
async fn failed_reads_are_not_recomputed_and_do_not_evict_good_ones() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let good = "/api/deals?limit=5";
    let (_, cache) = app.get_json(&token, good).await;
    assert_eq!(cache, "MISS");
    // More failing reads than a group keeps entries (16), each its own key.
    for i in 0..20 {
        let response = app.get(&token, &format!("/api/deals?stage=bogus{i}")).await;
        assert_eq!(response.status(), 400, "stage=bogus{i}");
    }
    let before = app.metric(LIST_REFRESHES).await;
    let created = app
        .call(
            Method::POST,
            "/api/deals",
            Some(&token),
            Some(json!({"name": "Remembered reads deal", "amount_cents": 100})),
        )
        .await;
    assert_eq!(created.status(), 201);
    app.refreshed().await;
    assert_eq!(
        app.metric(LIST_REFRESHES).await - before,
        1.0,
        "the write recomputes the one list that was read successfully, and nothing else"
    );
    let (_, cache) = app.get_json(&token, good).await;
    assert_eq!(cache, "HIT", "the good read was recomputed after the write");
}
