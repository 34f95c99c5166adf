//! Search through the API: ranking, typo tolerance, facets, suggest, bad syntax, and freshness.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, REP1, TestApp};

/// Replaces the middle letter of a word with another letter: a one-letter typo.
fn typo(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'x' { 'q' } else { 'x' };
    chars.into_iter().collect()
}

#[tokio::test]
async fn finds_by_name_ranks_exact_first_and_tolerates_a_typo() {
    let app = TestApp::start().await;
    let token = app.login(ADMIN).await;
    let (companies, _) = app.get_json(&token, "/api/companies?limit=1").await;
    let company = &companies["items"][0];
    let name = company["name"].as_str().unwrap();

    let (found, _) = app
        .get_json(
            &token,
            &format!("/api/search?q={}&type=company", urlencode(name)),
        )
        .await;
    assert_eq!(
        found["hits"][0]["id"], company["id"],
        "exact name ranks first: {found}"
    );
    assert_eq!(found["hits"][0]["type"], "company");

    let (contacts, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let last = contacts["items"][0]["last_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(last.len() >= 4);
    let misspelt = typo(&last);
    let (fuzzy, _) = app
        .get_json(
            &token,
            &format!(
                "/api/search?q={}&type=contact&limit=100",
                urlencode(&misspelt)
            ),
        )
        .await;
    let ids: Vec<&Value> = fuzzy["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["id"])
        .collect();
    assert!(
        ids.contains(&&contacts["items"][0]["id"]),
        "'{misspelt}' finds '{last}': {fuzzy}"
    );
}

#[tokio::test]
async fn facets_count_every_type_and_the_type_filter_applies() {
    let app = TestApp::start().await;
    let token = app.login(ADMIN).await;
    let (all, _) = app.get_json(&token, "/api/search?q=a").await;
    for kind in ["contact", "company", "deal", "lead"] {
        assert!(all["facets"][kind].is_u64(), "facet {kind}: {all}");
    }
    let (contacts, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let last = contacts["items"][0]["last_name"].as_str().unwrap();
    let (only, _) = app
        .get_json(
            &token,
            &format!("/api/search?q={}&type=contact", urlencode(last)),
        )
        .await;
    assert!(
        only["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["type"] == "contact")
    );
    assert!(only["facets"]["contact"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn suggest_completes_prefixes() {
    let app = TestApp::start().await;
    let token = app.login(ADMIN).await;
    let (companies, _) = app.get_json(&token, "/api/companies?limit=1").await;
    let name = companies["items"][0]["name"].as_str().unwrap();
    let prefix: String = name.chars().take(3).collect();
    let (suggest, _) = app
        .get_json(
            &token,
            &format!(
                "/api/search/suggest?q={}",
                urlencode(&prefix.to_lowercase())
            ),
        )
        .await;
    let texts: Vec<&str> = suggest["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert!(!texts.is_empty(), "'{prefix}' suggests something");
    assert!(
        texts.iter().all(|t| t
            .to_lowercase()
            .split_whitespace()
            .any(|w| w.starts_with(&prefix.to_lowercase()))),
        "every suggestion has a word starting with '{prefix}': {texts:?}"
    );
}

#[tokio::test]
async fn bad_search_syntax_gets_a_lenient_answer_or_a_clear_4xx() {
    let app = TestApp::start().await;
    let token = app.login(ADMIN).await;
    for q in [
        "%2B(happy",
        "%22",
        "AND%20OR%20NOT",
        "*",
        "title%3A",
        "%27%3B%20DROP%20TABLE%20contacts%3B--",
    ] {
        let response = app.get(&token, &format!("/api/search?q={q}")).await;
        assert_eq!(response.status(), 200, "q={q}");
        let body: Value = response.json().await.unwrap();
        assert!(body["hits"].is_array(), "q={q}: {body}");
    }
    let long = "a".repeat(10 * 1024);
    for path in [
        format!("/api/search?q={long}"),
        format!("/api/search?q={}", "b".repeat(600)),
        "/api/search".to_string(),
        "/api/search?q=x&type=planet".to_string(),
        "/api/search?q=x&limit=1000000".to_string(),
        "/api/search?q=x&colour=red".to_string(),
    ] {
        let response = app.get(&token, &path).await;
        assert_eq!(response.status(), 400, "{}", &path[..path.len().min(60)]);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn new_and_changed_records_become_searchable_and_reps_see_only_theirs() {
    let app = TestApp::start().await;
    let rep = app.login(REP1).await;
    let admin = app.login(ADMIN).await;
    let created = app
        .call(Method::POST, "/api/companies", Some(&admin),
              Some(json!({"name": "Quuxinator Holdings", "domain": "quuxinator.example",
                          "industry": "Software", "employees": 12, "city": "Lyon", "country": "France"})))
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"].clone();
    let found = poll(&app, &admin, "/api/search?q=quuxinator", |body| {
        body["hits"][0]["id"] == id
    })
    .await;
    assert!(found, "a new company becomes searchable");
    let (rep_view, _) = app.get_json(&rep, "/api/search?q=quuxinator").await;
    assert_eq!(
        rep_view["total"], 0,
        "a rep does not find the admin's company"
    );

    let renamed = app
        .call(
            Method::PATCH,
            &format!("/api/companies/{id}"),
            Some(&admin),
            Some(json!({"name": "Zorblatt Industries"})),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let found = poll(&app, &admin, "/api/search?q=zorblatt", |body| {
        body["hits"][0]["id"] == id
    })
    .await;
    assert!(found, "a renamed company is found by its new name");
}

/// Polls a search until `done` holds; bounded (10 s) so a broken indexer fails instead of hanging.
async fn poll(app: &TestApp, token: &str, path: &str, done: impl Fn(&Value) -> bool) -> bool {
    for _ in 0..100 {
        let (body, _) = app.get_json(token, path).await;
        if done(&body) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
