//! Create, read, update, delete and list for the entities, with filters, sorting and paging.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, REP1, TestApp};

#[tokio::test]
async fn contact_lifecycle_create_read_update_delete() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let created = app
        .call(
            Method::POST,
            "/api/contacts",
            Some(&token),
            Some(
                json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                        "phone": "+44 20 7946 0000", "title": "Analyst"}),
            ),
        )
        .await;
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let contact: Value = created.json().await.unwrap();
    let id = contact["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/contacts/{id}"));
    assert_eq!(contact["first_name"], "Ada");

    let (read, _) = app.get_json(&token, &location).await;
    assert_eq!(read["email"], "ada@example.com");

    let patched = app
        .call(
            Method::PATCH,
            &location,
            Some(&token),
            Some(json!({"title": "Chief Analyst"})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let (read, _) = app.get_json(&token, &location).await;
    assert_eq!(read["title"], "Chief Analyst");
    assert_eq!(
        read["first_name"], "Ada",
        "a PATCH changes only what it names"
    );

    let deleted = app
        .call(Method::DELETE, &location, Some(&token), None)
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = app.get(&token, &location).await;
    assert_eq!(gone.status(), 404);
    let body: Value = gone.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn every_entity_lists_with_paging() {
    let app = TestApp::start().await;
    let token = app.login(ADMIN).await;
    for entity in [
        "users",
        "companies",
        "contacts",
        "deals",
        "leads",
        "activities",
    ] {
        let (page, _) = app
            .get_json(&token, &format!("/api/{entity}?limit=5&offset=2"))
            .await;
        assert_eq!(page["limit"], 5, "{entity}");
        assert_eq!(page["offset"], 2, "{entity}");
        let total = page["total"].as_i64().unwrap();
        assert!(total > 2, "{entity} has seeded rows");
        let expected = (total - 2).min(5) as usize;
        assert_eq!(
            page["items"].as_array().unwrap().len(),
            expected,
            "{entity}"
        );
    }
}

#[tokio::test]
async fn deal_filters_and_sorting() {
    let app = TestApp::start().await;
    let token = app.login(ADMIN).await;
    let (page, _) = app
        .get_json(&token, "/api/deals?stage=won&sort=-amount_cents&limit=100")
        .await;
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty(), "the seed has won deals");
    assert!(items.iter().all(|d| d["stage"] == "won"));
    let amounts: Vec<i64> = items
        .iter()
        .map(|d| d["amount_cents"].as_i64().unwrap())
        .collect();
    assert!(
        amounts.windows(2).all(|w| w[0] >= w[1]),
        "sorted by amount, descending"
    );

    let (leads, _) = app
        .get_json(&token, "/api/leads?status=new&limit=100")
        .await;
    assert!(
        leads["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "new")
    );
}

#[tokio::test]
async fn activities_of_a_contact() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let (contacts, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let contact_id = contacts["items"][0]["id"].as_i64().unwrap();
    let created = app
        .call(
            Method::POST,
            "/api/activities",
            Some(&token),
            Some(
                json!({"kind": "call", "subject": "Intro call", "body": "Talked pricing",
                        "contact_id": contact_id, "occurred_at": "2026-11-01T10:00:00Z"}),
            ),
        )
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let (page, _) = app
        .get_json(
            &token,
            &format!("/api/contacts/{contact_id}/activities?limit=100"),
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert!(items.iter().any(|a| a["subject"] == "Intro call"));
    assert!(items.iter().all(|a| a["contact_id"] == contact_id));
}

#[tokio::test]
async fn admin_manages_users_and_reps_cannot() {
    let app = TestApp::start().await;
    let admin = app.login(ADMIN).await;
    let rep = app.login(REP1).await;
    let user = json!({"email": "new.rep@saleshub.test", "name": "New Rep", "role": "rep",
                      "password": "a long enough password"});
    let denied = app
        .call(Method::POST, "/api/users", Some(&rep), Some(user.clone()))
        .await;
    assert_eq!(denied.status(), 403);
    let created = app
        .call(Method::POST, "/api/users", Some(&admin), Some(user.clone()))
        .await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert!(body.get("password").is_none() && body.get("password_hash").is_none());
    let again = app
        .call(Method::POST, "/api/users", Some(&admin), Some(user))
        .await;
    assert_eq!(again.status(), 409, "the email is taken");
}
