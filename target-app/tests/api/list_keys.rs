//! Cache keys of lists are unambiguous: a filter value holding `&` and `=` (sent
//! percent-encoded) does not share a key with a query that really has those parameters.

use crate::helpers::{ADMIN, TestApp};

#[tokio::test]
async fn a_value_holding_separators_does_not_collide_with_real_parameters() {
    let app = TestApp::start().await;
    let token = app.login(ADMIN).await;
    let (page, cache) = app
        .get_json(&token, "/api/contacts?email=x%26limit%3D1")
        .await;
    assert_eq!(cache, "MISS");
    assert_eq!(page["limit"], 20);
    assert_eq!(page["total"], 0);

    let (page, cache) = app.get_json(&token, "/api/contacts?email=x&limit=1").await;
    assert_eq!(cache, "MISS", "another query, another key");
    assert_eq!(page["limit"], 1);
}
