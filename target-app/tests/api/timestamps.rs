//! Timestamps whose offset moves them out of the years SalesHub stores (0000..=9999 in UTC) are
//! bad input like any other: a 422 naming the body field, or a 400 naming the query parameter,
//! never a panic answered 500.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{REP1, TestApp};

async fn error_field(response: reqwest::Response, status: u16, what: &str) -> String {
    assert_eq!(response.status(), status, "{what}");
    let body: Value = response.json().await.expect("a JSON error body");
    body["error"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: a field in {body}"))
        .to_string()
}

/// Out of range once converted to UTC: year 10000 and year -1.
const OUT_OF_RANGE: [&str; 3] = [
    "9999-12-31T23:59:59-23:00",
    "9999-12-31T23:00:00-23:59",
    "0000-01-01T00:00:00+23:59",
];

#[tokio::test]
async fn timestamps_out_of_range_in_utc_are_422_or_400_naming_the_field() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let (contacts, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let contact_id = contacts["items"][0]["id"].as_i64().expect("a contact");
    let created = app
        .call(
            Method::POST,
            "/api/activities",
            Some(&token),
            Some(json!({"kind": "call", "subject": "call back", "contact_id": contact_id})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let activity: Value = created.json().await.unwrap();
    let activity_path = format!("/api/activities/{}", activity["id"]);

    for t in OUT_OF_RANGE {
        let body =
            json!({"kind": "call", "subject": "call", "contact_id": contact_id, "occurred_at": t});
        let response = app
            .call(Method::POST, "/api/activities", Some(&token), Some(body))
            .await;
        assert_eq!(
            error_field(response, 422, &format!("create at {t}")).await,
            "occurred_at"
        );
        let response = app
            .call(
                Method::PATCH,
                &activity_path,
                Some(&token),
                Some(json!({"occurred_at": t})),
            )
            .await;
        assert_eq!(
            error_field(response, 422, &format!("update to {t}")).await,
            "occurred_at"
        );
        for (path, param) in [
            ("/api/contacts", "created_after"),
            ("/api/activities", "occurred_after"),
        ] {
            let encoded = t.replace('+', "%2B");
            let response = app.get(&token, &format!("{path}?{param}={encoded}")).await;
            assert_eq!(
                error_field(response, 400, &format!("{path} {param}={t}")).await,
                param
            );
        }
    }
    // The largest timestamp that stays in range is still accepted.
    let response = app
        .call(
            Method::POST,
            "/api/activities",
            Some(&token),
            Some(
                json!({"kind": "call", "subject": "call", "contact_id": contact_id,
                        "occurred_at": "9999-12-31T23:59:59Z"}),
            ),
        )
        .await;
    assert_eq!(response.status(), 201);
}
