//! Sign-in, tokens and ownership: another user's record answers 404.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, REP1, REP2, TestApp};

#[tokio::test]
async fn api_needs_a_token() {
    let app = TestApp::start().await;
    for path in [
        "/api/contacts",
        "/api/search?q=acme",
        "/api/analytics/dashboard",
        "/api/auth/me",
    ] {
        let response = app.call(Method::GET, path, None, None).await;
        assert_eq!(response.status(), 401, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "{path}");
    }
    let bad = app.get("not-a-real-token", "/api/contacts").await;
    assert_eq!(bad.status(), 401);
}

#[tokio::test]
async fn login_rejects_wrong_passwords_and_logout_ends_the_session() {
    let app = TestApp::start().await;
    let wrong = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": ADMIN, "password": "wrong password"})),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let unknown = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "nobody@saleshub.test", "password": "x"})),
        )
        .await;
    assert_eq!(unknown.status(), 401);

    let token = app.login(ADMIN).await;
    let (me, _) = app.get_json(&token, "/api/auth/me").await;
    assert_eq!(me["email"], ADMIN);
    assert_eq!(me["role"], "admin");
    let out = app
        .call(Method::POST, "/api/auth/logout", Some(&token), None)
        .await;
    assert_eq!(out.status(), 204);
    assert_eq!(app.get(&token, "/api/auth/me").await.status(), 401);
}

#[tokio::test]
async fn a_rep_sees_and_changes_only_their_own_records() {
    let app = TestApp::start().await;
    let rep1 = app.login(REP1).await;
    let rep2 = app.login(REP2).await;
    let admin = app.login(ADMIN).await;
    let (me1, _) = app.get_json(&rep1, "/api/auth/me").await;
    let (mine, _) = app.get_json(&rep1, "/api/deals?limit=100").await;
    let items = mine["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|d| d["owner_id"] == me1["id"]),
        "a rep lists only their deals"
    );

    let id = items[0]["id"].as_i64().unwrap();
    let path = format!("/api/deals/{id}");
    assert_eq!(app.get(&rep1, &path).await.status(), 200);
    // Read it first as its owner so the record is cached: the cache must not leak it either.
    assert_eq!(app.get(&rep2, &path).await.status(), 404);
    let patch = app
        .call(
            Method::PATCH,
            &path,
            Some(&rep2),
            Some(json!({"name": "stolen"})),
        )
        .await;
    assert_eq!(patch.status(), 404);
    let delete = app.call(Method::DELETE, &path, Some(&rep2), None).await;
    assert_eq!(delete.status(), 404);
    assert_eq!(
        app.get(&admin, &path).await.status(),
        200,
        "an admin sees everything"
    );
    let (deal, _) = app.get_json(&rep1, &path).await;
    assert_ne!(deal["name"], "stolen");
}
