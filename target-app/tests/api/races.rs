//! A delete racing a create that refers to the deleted record ends in a 4xx with a JSON body for
//! whichever request loses, never a 500: each write validates and commits in one transaction.
//! The outcome of each race depends on timing; what is asserted holds for every outcome.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, REP1, TestApp};

/// Races per kind: bounded, and enough for the losing order to happen many times.
const RACES: usize = 25;

async fn status_and_body(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn created_id(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let (status, body) =
        status_and_body(app.call(Method::POST, path, Some(token), Some(body)).await).await;
    assert_eq!(status, 201, "POST {path}: {body}");
    body["id"].as_i64().unwrap()
}

fn assert_answer(what: &str, status: u16, body: &Value, allowed: &[u16]) {
    assert!(allowed.contains(&status), "{what}: {status} {body}");
    if status >= 400 {
        assert!(
            body["error"]["code"].is_string(),
            "{what}: a JSON error, got {body}"
        );
    }
}

#[tokio::test]
async fn records_created_on_a_parent_being_deleted_are_never_a_500() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    for i in 0..RACES {
        let company = created_id(
            &app,
            &token,
            "/api/companies",
            json!({"name": format!("Race {i}")}),
        )
        .await;
        let deal = created_id(
            &app,
            &token,
            "/api/deals",
            json!({"name": format!("Race {i}"), "company_id": company}),
        )
        .await;
        let creates = [
            (
                "/api/activities",
                json!({"kind": "note", "subject": "race", "deal_id": deal}),
            ),
            (
                "/api/contacts",
                json!({"first_name": "Race", "last_name": "Condition", "company_id": company}),
            ),
            (
                "/api/deals",
                json!({"name": "Race follow-up", "company_id": company}),
            ),
        ]
        .map(|(path, body)| app.call(Method::POST, path, Some(&token), Some(body)));
        let (deal_path, company_path) = (
            format!("/api/deals/{deal}"),
            format!("/api/companies/{company}"),
        );
        let deletes = [deal_path.as_str(), company_path.as_str()]
            .map(|path| app.call(Method::DELETE, path, Some(&token), None));
        let (created, deleted) = tokio::join!(join_all(creates), join_all(deletes));
        for response in created {
            let (status, body) = status_and_body(response).await;
            assert_answer("create", status, &body, &[201, 404, 409, 422]);
        }
        for response in deleted {
            let (status, body) = status_and_body(response).await;
            assert_answer("delete", status, &body, &[204]);
        }
    }
}

#[tokio::test]
async fn a_record_created_for_a_user_being_deleted_is_never_a_500() {
    let app = TestApp::start().await;
    let admin = app.login(ADMIN).await;
    for i in 0..RACES {
        let user = created_id(
            &app,
            &admin,
            "/api/users",
            json!({"email": format!("race{i}@saleshub.test"), "name": "Race", "role": "rep",
                   "password": "a-long-enough-password"}),
        )
        .await;
        let create = app.call(
            Method::POST,
            "/api/companies",
            Some(&admin),
            Some(json!({"name": format!("Race {i}"), "owner_id": user})),
        );
        let path = format!("/api/users/{user}");
        let delete = app.call(Method::DELETE, &path, Some(&admin), None);
        let (created, deleted) = tokio::join!(create, delete);
        let (created, create_body) = status_and_body(created).await;
        assert_answer("create", created, &create_body, &[201, 404, 409, 422]);
        let (deleted, delete_body) = status_and_body(deleted).await;
        assert_answer("delete", deleted, &delete_body, &[204, 409]);
        assert!(
            (created == 201) != (deleted == 204),
            "exactly one wins: create {created} {create_body}, delete {deleted} {delete_body}"
        );
    }
}
