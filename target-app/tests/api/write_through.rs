//! Writes store what they change: after a write (and the recomputation it starts in the
//! background), the writer's next read of the record, of their lists, timelines and dashboard is a
//! HIT *and* returns the written value; another rep's cached
//! answers are untouched (HITs with their old bodies); and the refreshes are neither hits nor
//! misses in `/metrics`.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use saleshub::faults::FaultConfig;
use saleshub::server::CacheChoice;

use crate::helpers::{Options, REP1, REP2, TestApp, item_with_id};

/// The rep's pipeline as `load.toml` opens it: the open deal closing last first.
const PIPELINE: &str = "/api/deals?sort=-close_date&limit=20";

/// Reads `path` twice and checks the second read is a HIT, returning the body.
async fn warm(app: &TestApp, token: &str, path: &str) -> Value {
    app.get_json(token, path).await;
    let (body, cache) = app.get_json(token, path).await;
    assert_eq!(cache, "HIT", "second read of {path}");
    body
}

async fn send(app: &TestApp, method: Method, path: &str, token: &str, body: Value) -> Value {
    let response = app
        .call(method.clone(), path, Some(token), Some(body))
        .await;
    let status = response.status();
    let body: Value = response.json().await.expect("JSON body");
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    app.refreshed().await;
    body
}

fn first_id(page: &Value) -> i64 {
    page["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("a first item in {page}"))
}

/// Asserts a HIT whose body is `expected`.
async fn hit_equal(app: &TestApp, token: &str, path: &str, expected: &Value, what: &str) {
    let (body, cache) = app.get_json(token, path).await;
    assert_eq!(cache, "HIT", "{what}");
    assert_eq!(&body, expected, "{what}: the body");
}

#[tokio::test]
async fn an_updated_record_is_a_hit_with_the_new_value_in_every_backend() {
    for cache in [CacheChoice::Redis, CacheChoice::Memory] {
        let app = TestApp::start_with(Options {
            cache,
            ..Options::default()
        })
        .await;
        let (rep1, rep2) = (app.login(REP1).await, app.login(REP2).await);
        let (page, _) = app.get_json(&rep1, "/api/contacts?limit=1").await;
        let path = format!("/api/contacts/{}", first_id(&page));
        warm(&app, &rep1, &path).await;
        let (other, _) = app.get_json(&rep2, "/api/contacts?limit=1").await;
        let other_path = format!("/api/contacts/{}", first_id(&other));
        let other_before = warm(&app, &rep2, &other_path).await;

        for round in 0..3 {
            let title = format!("Head of Buying {round}");
            let written = send(&app, Method::PATCH, &path, &rep1, json!({"title": title})).await;
            hit_equal(
                &app,
                &rep1,
                &path,
                &written,
                &format!("{cache:?} round {round}"),
            )
            .await;
        }
        hit_equal(&app, &rep2, &other_path, &other_before, "rep02's contact").await;
    }
}

#[tokio::test]
async fn a_write_answers_before_its_refresh_and_a_read_meanwhile_gets_the_new_value() {
    // Every load behind a miss, the refresh's included, takes 2 s: the write must answer while
    // its refresh still runs, and a read in that time must load the new value, never the old one.
    let app = TestApp::start_with(Options {
        faults: FaultConfig {
            db_delay: Duration::from_secs(2),
            ..FaultConfig::default()
        },
        ..Options::default()
    })
    .await;
    let rep1 = app.login(REP1).await;
    let (page, _) = app.get_json(&rep1, "/api/contacts?limit=1").await;
    let path = format!("/api/contacts/{}", first_id(&page));
    warm(&app, &rep1, &path).await;
    let response = app
        .call(
            Method::PATCH,
            &path,
            Some(&rep1),
            Some(json!({"title": "Head of Refreshing"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        app.metric("cache_refreshes_in_flight").await >= 1.0,
        "the write answered before its refresh finished"
    );
    let (read, cache) = app.get_json(&rep1, &path).await;
    assert_eq!(
        read["title"], "Head of Refreshing",
        "a read during the refresh ({cache})"
    );
    app.refreshed().await;
    let (read, cache) = app.get_json(&rep1, &path).await;
    assert_eq!(
        (cache.as_str(), &read["title"]),
        ("HIT", &json!("Head of Refreshing"))
    );
}

#[tokio::test]
async fn a_created_record_is_cached_by_its_creation() {
    let app = TestApp::start().await;
    let rep1 = app.login(REP1).await;
    let (contacts, _) = app.get_json(&rep1, "/api/contacts?limit=1").await;
    let created = send(
        &app,
        Method::POST,
        "/api/deals",
        &rep1,
        json!({"name": "Written through", "contact_id": first_id(&contacts), "amount_cents": 4200}),
    )
    .await;
    let path = format!("/api/deals/{}", created["id"]);
    hit_equal(&app, &rep1, &path, &created, "the new deal's first read").await;

    // A lead conversion writes through every record it creates.
    let lead = send(
        &app,
        Method::POST,
        "/api/leads",
        &rep1,
        json!({"first_name": "Ada", "last_name": "Okafor", "email": "ada.write@example.com",
               "company_name": "Quarry Ltd", "source": "web", "status": "qualified"}),
    )
    .await;
    let converted = send(
        &app,
        Method::POST,
        &format!("/api/leads/{}/convert", lead["id"]),
        &rep1,
        json!({"create_company": true, "create_deal": true, "amount_cents": 90_000}),
    )
    .await;
    for (entity, record) in [
        ("contacts", &converted["contact"]),
        ("companies", &converted["company"]),
        ("deals", &converted["deal"]),
        ("leads", &converted["lead"]),
    ] {
        let path = format!("/api/{entity}/{}", record["id"]);
        hit_equal(
            &app,
            &rep1,
            &path,
            record,
            &format!("the converted {entity}"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_deal_update_refreshes_the_writers_pipeline_and_leaves_its_timeline_and_other_reps_alone()
{
    let app = TestApp::start().await;
    let (rep1, rep2) = (app.login(REP1).await, app.login(REP2).await);
    let pipeline = warm(&app, &rep1, PIPELINE).await;
    let other_pipeline = warm(&app, &rep2, PIPELINE).await;
    let deal = first_id(&pipeline);
    let timeline_path = format!("/api/deals/{deal}/activities?limit=10");
    let timeline = warm(&app, &rep1, &timeline_path).await;
    let other_timeline_path = format!(
        "/api/deals/{}/activities?limit=10",
        first_id(&other_pipeline)
    );
    let other_timeline = warm(&app, &rep2, &other_timeline_path).await;

    let written = send(
        &app,
        Method::PATCH,
        &format!("/api/deals/{deal}"),
        &rep1,
        json!({"amount_cents": 7_654_321, "stage": "negotiation"}),
    )
    .await;

    let (list, cache) = app.get_json(&rep1, PIPELINE).await;
    assert_eq!(
        cache, "HIT",
        "the writer's pipeline, refreshed by the write"
    );
    let listed = item_with_id(&list, deal).expect("the deal is still listed");
    assert_eq!(listed, &written, "the pipeline lists the written deal");
    // The deal's own fields are not on its timeline.
    hit_equal(
        &app,
        &rep1,
        &timeline_path,
        &timeline,
        "the deal's timeline",
    )
    .await;
    hit_equal(&app, &rep2, PIPELINE, &other_pipeline, "rep02's pipeline").await;
    hit_equal(
        &app,
        &rep2,
        &other_timeline_path,
        &other_timeline,
        "rep02's timeline",
    )
    .await;
}

#[tokio::test]
async fn a_logged_activity_refreshes_the_timelines_it_is_on() {
    let app = TestApp::start().await;
    let (rep1, rep2) = (app.login(REP1).await, app.login(REP2).await);
    let (contacts, _) = app.get_json(&rep1, "/api/contacts?limit=1").await;
    let contact = first_id(&contacts);
    let deal = first_id(&warm(&app, &rep1, PIPELINE).await);
    // Newest first by id, so the new activity is on the first page.
    let contact_timeline = format!("/api/contacts/{contact}/activities?sort=-id&limit=10");
    let deal_timeline = format!("/api/deals/{deal}/activities?sort=-id&limit=10");
    warm(&app, &rep1, &contact_timeline).await;
    warm(&app, &rep1, &deal_timeline).await;
    let activities = "/api/activities?sort=-id&limit=5";
    warm(&app, &rep1, activities).await;
    let (other_contacts, _) = app.get_json(&rep2, "/api/contacts?limit=1").await;
    let other_timeline = format!(
        "/api/contacts/{}/activities?limit=10",
        first_id(&other_contacts)
    );
    let other = warm(&app, &rep2, &other_timeline).await;

    let logged = send(
        &app,
        Method::POST,
        "/api/activities",
        &rep1,
        json!({"kind": "call", "contact_id": contact, "deal_id": deal, "subject": "Pricing"}),
    )
    .await;
    let id = logged["id"].as_i64().expect("an id");
    for path in [&contact_timeline, &deal_timeline] {
        let (page, cache) = app.get_json(&rep1, path).await;
        assert_eq!(cache, "HIT", "{path} after the activity, refreshed");
        assert_eq!(
            item_with_id(&page, id),
            Some(&logged),
            "{path} shows the new activity"
        );
    }
    let (page, cache) = app.get_json(&rep1, activities).await;
    assert_eq!(cache, "HIT", "the rep's activities list");
    assert_eq!(item_with_id(&page, id), Some(&logged));
    hit_equal(&app, &rep2, &other_timeline, &other, "rep02's timeline").await;

    // Moving the activity to another contact refreshes the timeline it left, too.
    let (more, _) = app.get_json(&rep1, "/api/contacts?limit=1&offset=1").await;
    send(
        &app,
        Method::PATCH,
        &format!("/api/activities/{id}"),
        &rep1,
        json!({"contact_id": first_id(&more)}),
    )
    .await;
    let (page, cache) = app.get_json(&rep1, &contact_timeline).await;
    assert_eq!(cache, "HIT", "the timeline the activity left");
    assert_eq!(item_with_id(&page, id), None, "the activity left it");
}

#[tokio::test]
async fn refreshes_are_neither_hits_nor_misses() {
    let app = TestApp::start().await;
    let rep1 = app.login(REP1).await;
    let pipeline = warm(&app, &rep1, PIPELINE).await;
    warm(&app, &rep1, "/api/analytics/dashboard").await;
    let sample = |name: &str, ns: &str| format!("{name}{{namespace=\"{ns}\"}}");
    let mut before = Vec::new();
    for ns in ["records", "lists", "analytics"] {
        before.push((
            app.metric(&sample("cache_hits_total", ns)).await,
            app.metric(&sample("cache_misses_total", ns)).await,
            app.metric(&sample("cache_refreshes_total", ns)).await,
        ));
    }
    send(
        &app,
        Method::PATCH,
        &format!("/api/deals/{}", first_id(&pipeline)),
        &rep1,
        json!({"amount_cents": 1_234_567}),
    )
    .await;
    for (ns, (hits, misses, refreshes)) in ["records", "lists", "analytics"].iter().zip(before) {
        assert_eq!(app.metric(&sample("cache_hits_total", ns)).await, hits);
        assert_eq!(app.metric(&sample("cache_misses_total", ns)).await, misses);
        assert!(
            app.metric(&sample("cache_refreshes_total", ns)).await > refreshes,
            "{ns}: the write refreshed something"
        );
    }
}

#[tokio::test]
async fn an_index_commit_refreshes_the_writers_searches_only() {
    let app = TestApp::start().await;
    let (rep1, rep2) = (app.login(REP1).await, app.login(REP2).await);
    let search = "/api/search?q=Zebrafinch&limit=10";
    let empty = warm(&app, &rep1, search).await;
    assert_eq!(empty["total"], 0, "nothing is called Zebrafinch yet");
    let other = warm(&app, &rep2, search).await;
    let deal = first_id(&warm(&app, &rep1, PIPELINE).await);
    let refreshes = r#"cache_refreshes_total{namespace="search"}"#;
    let before = app.metric(refreshes).await;

    send(
        &app,
        Method::PATCH,
        &format!("/api/deals/{deal}"),
        &rep1,
        json!({"name": "Zebrafinch renewal"}),
    )
    .await;
    // The index commits in the background (within a second); the refresh follows the commit.
    // Nothing reads the search meanwhile, so the refresh is what loads it.
    let mut waited = 0;
    while app.metric(refreshes).await <= before {
        assert!(waited < 400, "no search refresh within 20 s of the write");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let mut found = None;
    for _ in 0..100 {
        let (body, cache) = app.get_json(&rep1, search).await;
        if cache == "HIT" {
            found = Some(body);
            break;
        }
        // The refresh was still loading: this read shared its load.
        assert_eq!(cache, "MISS");
    }
    let found = found.expect("the refreshed answer is cached");
    assert_eq!(
        found["total"], 1,
        "the refreshed answer finds the renamed deal"
    );
    assert_eq!(found["hits"][0]["id"].as_i64(), Some(deal));
    hit_equal(&app, &rep2, search, &other, "rep02's search").await;
}
