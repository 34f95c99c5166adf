//! Search answers are made stale per scope: an index commit drops the cached searches of the
//! owners whose documents it changed (and the admins'), so other reps keep theirs, and an update
//! that leaves a record's search document as it was commits nothing.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, REP1, REP2, TestApp};

const FIND: &str = "/api/search?q=quuxley&type=contact";

/// Reads `FIND` until `done` holds on its total; bounded (10 s) so a broken committer fails.
async fn until_total(app: &TestApp, token: &str, total: u64) {
    for _ in 0..200 {
        let (body, _) = app.get_json(token, FIND).await;
        if body["total"].as_u64() == Some(total) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the search never found {total} contacts");
}

async fn create_contact(app: &TestApp, token: &str) -> i64 {
    let created = app
        .call(
            Method::POST,
            "/api/contacts",
            Some(token),
            Some(json!({"first_name": "Zed", "last_name": "Quuxley"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.expect("JSON");
    body["id"].as_i64().expect("an id")
}

async fn hit(app: &TestApp, token: &str, path: &str) -> Value {
    let (body, cache) = app.get_json(token, path).await;
    assert_eq!(cache, "HIT", "{path}");
    body
}

#[tokio::test]
async fn a_commit_refreshes_the_searches_of_its_owners_only() {
    let app = TestApp::start().await;
    let (rep1, rep2, admin) = (
        app.login(REP1).await,
        app.login(REP2).await,
        app.login(ADMIN).await,
    );
    for token in [&rep1, &rep2, &admin] {
        app.get_json(token, FIND).await;
        app.get_json(token, "/api/search?q=smith").await;
    }

    // rep01's new contact: rep01's and the admin's cached "nothing found" go once committed.
    let id = create_contact(&app, &rep1).await;
    until_total(&app, &rep1, 1).await;
    until_total(&app, &admin, 1).await;
    let rep2_view = hit(&app, &rep2, FIND).await;
    assert_eq!(rep2_view["total"], 0);
    hit(&app, &rep2, "/api/search?q=smith").await;

    // An update outside the search document queues nothing: after a later commit (rep02's own
    // contact, visible to rep02) rep01's answer is still cached.
    let patched = app
        .call(
            Method::PATCH,
            &format!("/api/contacts/{id}"),
            Some(&rep1),
            Some(json!({"company_id": null})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    hit(&app, &rep1, FIND).await;
    create_contact(&app, &rep2).await;
    until_total(&app, &rep2, 1).await;
    let rep1_view = hit(&app, &rep1, FIND).await;
    assert_eq!(rep1_view["total"], 1);

    // A contact moved to rep02 leaves rep01's answers and joins rep02's.
    let rep2_id = app.get_json(&rep2, "/api/auth/me").await.0["id"].clone();
    let moved = app
        .call(
            Method::PATCH,
            &format!("/api/contacts/{id}"),
            Some(&admin),
            Some(json!({"owner_id": rep2_id})),
        )
        .await;
    assert_eq!(moved.status(), 200);
    until_total(&app, &rep1, 0).await;
    until_total(&app, &rep2, 2).await;
}
