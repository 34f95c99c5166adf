//! Lead conversion: atomic, and only once.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{REP1, TestApp};

#[tokio::test]
async fn converting_a_lead_creates_contact_company_and_deal_once() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let (leads, _) = app.get_json(&token, "/api/leads?status=qualified&limit=1").await;
    let lead = &leads["items"][0];
    let id = lead["id"].as_i64().expect("a qualified lead of rep01");
    let path = format!("/api/leads/{id}/convert");
    let body = json!({"create_company": true, "create_deal": true, "amount_cents": 1_250_000});
    let converted = app.call(Method::POST, &path, Some(&token), Some(body.clone())).await;
    assert_eq!(converted.status(), 201);
    let result: Value = converted.json().await.unwrap();
    assert_eq!(result["lead"]["status"], "converted");
    assert_eq!(result["contact"]["last_name"], lead["last_name"]);
    assert_eq!(result["company"]["name"], lead["company_name"]);
    assert_eq!(result["deal"]["amount_cents"], 1_250_000);
    let contact_id = result["contact"]["id"].as_i64().unwrap();
    assert_eq!(result["lead"]["converted_contact_id"], contact_id);

    let (contact, _) = app.get_json(&token, &format!("/api/contacts/{contact_id}")).await;
    assert_eq!(contact["company_id"], result["company"]["id"]);
    let (lead_after, _) = app.get_json(&token, &format!("/api/leads/{id}")).await;
    assert_eq!(lead_after["status"], "converted", "the cached lead was invalidated");

    let (contacts_before, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let again = app.call(Method::POST, &path, Some(&token), Some(body)).await;
    assert_eq!(again.status(), 409);
    let error: Value = again.json().await.unwrap();
    assert_eq!(error["error"]["code"], "conflict");
    let (contacts_after, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    assert_eq!(contacts_before["total"], contacts_after["total"], "a refused conversion creates nothing");
}
