//! Bad input never yields a 500: each case answers a 4xx with a JSON body naming the problem, and
//! changes nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{REP1, TestApp};

async fn contact_count(app: &TestApp, token: &str) -> i64 {
    app.get_json(token, "/api/contacts?limit=1").await.0["total"]
        .as_i64()
        .unwrap()
}

async fn expect_error(
    response: reqwest::Response,
    status: u16,
    code: &str,
    field: Option<&str>,
    what: &str,
) {
    assert_eq!(response.status(), status, "{what}");
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    assert!(
        !body["error"]["message"].as_str().unwrap_or("").is_empty(),
        "{what}: a message"
    );
    if let Some(field) = field {
        assert_eq!(body["error"]["field"], field, "{what}: {body}");
    }
}

#[tokio::test]
async fn bad_bodies_are_4xx_naming_the_problem_and_change_nothing() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let before = contact_count(&app, &token).await;
    let raw = |body: &'static str| {
        app.client
            .post(format!("{}/api/contacts", app.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    expect_error(
        raw("{\"first_name\": ").await.unwrap(),
        400,
        "bad_request",
        None,
        "malformed JSON",
    )
    .await;
    expect_error(
        raw("[1, 2]").await.unwrap(),
        422,
        "validation_failed",
        None,
        "an array",
    )
    .await;
    let post = |body: Value| app.call(Method::POST, "/api/contacts", Some(&token), Some(body));
    let ok = json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"});
    let with = |key: &str, value: Value| {
        let mut body = ok.clone();
        body[key] = value;
        body
    };
    expect_error(
        post(with("first_name", json!(42))).await,
        422,
        "validation_failed",
        Some("first_name"),
        "wrong type",
    )
    .await;
    expect_error(
        post(with("owner_id", json!("x"))).await,
        422,
        "validation_failed",
        Some("owner_id"),
        "wrong type of owner",
    )
    .await;
    expect_error(
        post(with("is_admin", json!(true))).await,
        422,
        "validation_failed",
        Some("is_admin"),
        "unknown field (mass assignment)",
    )
    .await;
    expect_error(
        post(with("first_name", json!("x".repeat(201)))).await,
        422,
        "validation_failed",
        Some("first_name"),
        "over-long string",
    )
    .await;
    expect_error(
        post(with("email", json!("not-an-email"))).await,
        422,
        "validation_failed",
        Some("email"),
        "bad email",
    )
    .await;
    expect_error(
        post(with("company_id", json!(999_999_999))).await,
        422,
        "validation_failed",
        Some("company_id"),
        "unknown company",
    )
    .await;
    expect_error(
        post(json!({"last_name": "Hopper"})).await,
        422,
        "validation_failed",
        None,
        "missing field",
    )
    .await;

    let huge = json!({"first_name": "x".repeat(100 * 1024), "last_name": "y"});
    expect_error(
        post(huge).await,
        413,
        "payload_too_large",
        None,
        "huge body",
    )
    .await;
    let plain = app
        .client
        .post(format!("{}/api/contacts", app.base))
        .bearer_auth(&token)
        .body(ok.to_string())
        .send()
        .await
        .unwrap();
    expect_error(
        plain,
        415,
        "unsupported_media_type",
        None,
        "no content type",
    )
    .await;

    assert_eq!(
        contact_count(&app, &token).await,
        before,
        "nothing was created"
    );
}

#[tokio::test]
async fn sql_metacharacters_are_stored_verbatim() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let nasty = "O'Brien\"; DROP TABLE contacts; -- %_\\";
    let created = app
        .call(Method::POST, "/api/contacts", Some(&token),
              Some(json!({"first_name": nasty, "last_name": "Robert'); --", "email": "bobby@example.com",
                          "title": "' OR '1'='1"})))
        .await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    let (read, _) = app
        .get_json(&token, &format!("/api/contacts/{}", body["id"]))
        .await;
    assert_eq!(read["first_name"], nasty);
    assert_eq!(read["title"], "' OR '1'='1");
    let (list, _) = app
        .get_json(&token, "/api/contacts?email=%27%20OR%20%271%27%3D%271")
        .await;
    assert_eq!(list["total"], 0, "a filter value is a value, not SQL");
}

#[tokio::test]
async fn bad_queries_and_paths_are_400s() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    for (path, field) in [
        ("/api/contacts?limit=1000000", "limit"),
        ("/api/contacts?limit=0", "limit"),
        ("/api/contacts?limit=ten", "limit"),
        ("/api/contacts?offset=-1", "offset"),
        ("/api/contacts?sort=password", "sort"),
        ("/api/contacts?colour=red", "colour"),
        ("/api/deals?stage=won%27%20OR%201%3D1", "stage"),
        ("/api/deals?created_after=yesterday", "created_after"),
    ] {
        let response = app.get(&token, path).await;
        expect_error(response, 400, "bad_request", Some(field), path).await;
    }
    expect_error(
        app.get(&token, "/api/contacts/abc").await,
        400,
        "bad_request",
        None,
        "non-numeric id",
    )
    .await;
    expect_error(
        app.get(&token, "/api/contacts/99999999").await,
        404,
        "not_found",
        None,
        "unknown id",
    )
    .await;
    expect_error(
        app.get(&token, "/api/nothing-here").await,
        404,
        "not_found",
        None,
        "unknown route",
    )
    .await;
    let put = app
        .call(Method::PUT, "/api/contacts", Some(&token), Some(json!({})))
        .await;
    assert_eq!(put.status(), 405);
}
