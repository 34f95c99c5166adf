//! A change to a user that alters what their sessions may do (a new role, a new password, the
//! user deleted) ends every session of that user at once: in the cache (Redis or memory) and in
//! SQLite, so neither a cached copy nor the durable one answers for the old user. Other changes
//! (a new name) keep the sessions, which then show the new values.

use reqwest::Method;
use serde_json::{Value, json};

use saleshub::server::CacheChoice;

use crate::helpers::{ADMIN, Options, TestApp};

const PASSWORD: &str = "a-long-enough-password";

/// An admin-made user; returns its id.
async fn create_user(app: &TestApp, admin: &str, email: &str, role: &str) -> i64 {
    let response = app
        .call(
            Method::POST,
            "/api/users",
            Some(admin),
            Some(
                json!({"email": email, "name": "Second Boss", "role": role, "password": PASSWORD}),
            ),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn patch_user(app: &TestApp, token: &str, id: i64, patch: Value) {
    let response = app
        .call(
            Method::PATCH,
            &format!("/api/users/{id}"),
            Some(token),
            Some(patch.clone()),
        )
        .await;
    assert_eq!(response.status(), 200, "PATCH user {id} {patch}");
}

async fn status_of(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> u16 {
    app.call(method, path, Some(token), body)
        .await
        .status()
        .as_u16()
}

fn backends() -> [CacheChoice; 3] {
    [CacheChoice::Redis, CacheChoice::Memory, CacheChoice::Off]
}

async fn start(cache: CacheChoice) -> TestApp {
    TestApp::start_with(Options {
        cache,
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn a_demoted_admin_loses_every_session_at_once_in_every_backend() {
    for cache in backends() {
        let app = start(cache).await;
        let admin = app.login(ADMIN).await;
        let email = "boss2@saleshub.test";
        let id = create_user(&app, &admin, email, "admin").await;
        let (first, second) = (
            app.login_as(email, PASSWORD).await,
            app.login_as(email, PASSWORD).await,
        );
        let (me, _) = app.get_json(&first, "/api/auth/me").await;
        assert_eq!(me["role"], "admin", "{cache:?}");

        patch_user(&app, &admin, id, json!({"role": "rep"})).await;
        for token in [&first, &second] {
            assert_eq!(
                status_of(&app, token, Method::GET, "/api/auth/me", None).await,
                401,
                "{cache:?}: the demoted admin's session is over"
            );
            let new_admin = json!({"email": "boss3@saleshub.test", "name": "Third", "role": "admin",
                                   "password": PASSWORD});
            assert_eq!(
                status_of(&app, token, Method::POST, "/api/users", Some(new_admin)).await,
                401,
                "{cache:?}: the old token creates no admin"
            );
        }
        // Signing in again gives a session with the new role.
        let again = app.login_as(email, PASSWORD).await;
        let (me, _) = app.get_json(&again, "/api/auth/me").await;
        assert_eq!(me["role"], "rep", "{cache:?}");
        // The admin who made the change keeps their own session.
        app.get_json(&admin, "/api/auth/me").await;
    }
}

#[tokio::test]
async fn a_new_password_or_a_delete_ends_every_session_and_a_new_name_keeps_them() {
    for cache in backends() {
        let app = start(cache).await;
        let admin = app.login(ADMIN).await;
        let email = "rep.new@saleshub.test";
        let id = create_user(&app, &admin, email, "rep").await;
        let token = app.login_as(email, PASSWORD).await;

        // A new name: the session goes on and shows it.
        patch_user(&app, &admin, id, json!({"name": "Renamed Rep"})).await;
        let (me, _) = app.get_json(&token, "/api/auth/me").await;
        assert_eq!(me["name"], "Renamed Rep", "{cache:?}");

        // A new password: every session ends.
        let other = app.login_as(email, PASSWORD).await;
        let new_password = "another-long-password";
        patch_user(&app, &admin, id, json!({"password": new_password})).await;
        for t in [&token, &other] {
            assert_eq!(
                status_of(&app, t, Method::GET, "/api/auth/me", None).await,
                401,
                "{cache:?}: a session from before the new password"
            );
        }
        assert_eq!(app.try_login(email, PASSWORD).await.status(), 401);
        let fresh = app.login_as(email, new_password).await;
        app.get_json(&fresh, "/api/auth/me").await;

        // Deleted: the session ends with the user.
        let response = app
            .call(
                Method::DELETE,
                &format!("/api/users/{id}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(response.status(), 204, "{cache:?}");
        assert_eq!(
            status_of(&app, &fresh, Method::GET, "/api/auth/me", None).await,
            401,
            "{cache:?}: the deleted user's session"
        );
    }
}
