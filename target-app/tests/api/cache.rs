//! The cache-aside layer seen from outside: HIT/MISS headers, invalidation on writes (also under
//! concurrent reads), single-flight loads, a Redis that dies and comes back, and /metrics agreeing
//! with the headers.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use saleshub::faults::FaultConfig;
use saleshub::server::CacheChoice;

use crate::helpers::{ADMIN, Options, REP1, TestApp};

#[tokio::test]
async fn a_record_is_a_miss_then_a_hit() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let (page, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let path = format!("/api/contacts/{}", page["items"][0]["id"]);
    let (_, first) = app.get_json(&token, &path).await;
    let (_, second) = app.get_json(&token, &path).await;
    assert_eq!((first.as_str(), second.as_str()), ("MISS", "HIT"));
    let (_, list1) = app.get_json(&token, "/api/deals?stage=won").await;
    let (_, list2) = app.get_json(&token, "/api/deals?stage=won").await;
    assert_eq!((list1.as_str(), list2.as_str()), ("MISS", "HIT"));
}

#[tokio::test]
async fn a_read_after_a_write_never_returns_the_old_value_even_under_concurrent_reads() {
    let app = std::sync::Arc::new(TestApp::start().await);
    let token = app.login(REP1).await;
    let (page, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let id = page["items"][0]["id"].as_i64().unwrap();
    let path = format!("/api/contacts/{id}");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..6 {
        let (app, token, path, stop) = (app.clone(), token.clone(), path.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut reads = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && reads < 5_000 {
                app.get_json(&token, &path).await;
                reads += 1;
            }
        }));
    }
    for round in 0..25 {
        let title = format!("Title {round}");
        let patched = app
            .call(
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"title": title})),
            )
            .await;
        assert_eq!(patched.status(), 200);
        let (read, _) = app.get_json(&token, &path).await;
        assert_eq!(read["title"], title.as_str(), "round {round}");
        // Find the record by id: among equal or later `updated_at` values (seeded rows run up
        // to the seed's anchor day) its position proves nothing.
        let listed = app
            .find_listed(&token, "/api/contacts?sort=-updated_at", id)
            .await
            .unwrap_or_else(|| panic!("round {round}: the updated contact is listed"));
        assert_eq!(listed["title"], title.as_str(), "lists too, round {round}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_misses_on_one_key_load_the_database_once() {
    // A slow database (300 ms per load) makes the misses overlap for certain.
    let app = std::sync::Arc::new(
        TestApp::start_with(Options {
            faults: FaultConfig {
                db_delay: Duration::from_millis(300),
                ..FaultConfig::default()
            },
            ..Options::default()
        })
        .await,
    );
    let token = app.login(ADMIN).await;
    let loads = r#"cache_loads_total{namespace="analytics"}"#;
    let before = app.metric(loads).await;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let (app, token) = (app.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            app.get_json(&token, "/api/analytics/dashboard").await.1
        }));
    }
    let mut misses = 0;
    for task in tasks {
        if task.await.unwrap() == "MISS" {
            misses += 1;
        }
    }
    assert_eq!(app.metric(loads).await - before, 1.0, "one database load");
    assert!(
        misses >= 2,
        "the requests missed together (got {misses} misses)"
    );
    let shared = app
        .metric(r#"cache_shared_loads_total{namespace="analytics"}"#)
        .await;
    assert_eq!(
        shared,
        f64::from(misses - 1),
        "the other misses shared the one load"
    );
}

#[tokio::test]
async fn redis_down_is_not_an_outage_and_the_cache_comes_back() {
    let mut app = TestApp::start().await;
    let token = app.login(REP1).await;
    let (page, _) = app.get_json(&token, "/api/contacts?limit=1").await;
    let path = format!("/api/contacts/{}", page["items"][0]["id"]);
    app.get_json(&token, &path).await;
    assert_eq!(app.get_json(&token, &path).await.1, "HIT");

    app.redis.as_mut().unwrap().kill();
    let errors_before = app
        .metric(r#"cache_errors_total{namespace="records"}"#)
        .await;
    for _ in 0..20 {
        let (body, cache) = app.get_json(&token, &path).await;
        assert_eq!(cache, "BYPASS", "served from SQLite while Redis is down");
        assert!(body["id"].is_i64());
    }
    // Writes still work, and their invalidation is not lost when Redis comes back.
    let patched = app
        .call(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"title": "written while down"})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let (health, _) = app.get_json(&token, "/health").await;
    assert_eq!(health["status"], "degraded");
    let errors_after = app
        .metric(r#"cache_errors_total{namespace="records"}"#)
        .await
        + app
            .metric(r#"cache_bypasses_total{namespace="records"}"#)
            .await;
    assert!(errors_after > errors_before, "the failures are counted");

    app.redis
        .as_mut()
        .unwrap()
        .restart()
        .expect("redis-server restarts");
    let mut recovered = false;
    for _ in 0..100 {
        let (body, cache) = app.get_json(&token, &path).await;
        assert_eq!(body["title"], "written while down");
        if cache == "HIT" {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "the cache serves hits again after Redis returns");
}

#[tokio::test]
async fn metrics_agree_with_the_x_cache_headers() {
    let app = TestApp::start().await;
    let token = app.login(REP1).await;
    let namespaces = ["records", "lists", "search", "analytics"];
    let mut before = Vec::new();
    for ns in namespaces {
        before.push((
            app.metric(&format!("cache_hits_total{{namespace=\"{ns}\"}}"))
                .await,
            app.metric(&format!("cache_misses_total{{namespace=\"{ns}\"}}"))
                .await,
        ));
    }
    let (page, first) = app.get_json(&token, "/api/contacts?limit=5").await;
    assert_eq!(first, "MISS");
    let mut paths = vec![
        "/api/contacts?limit=5".to_string(),
        "/api/analytics/dashboard".into(),
        "/api/search?q=smith".into(),
        "/api/search/suggest?q=an".into(),
    ];
    for item in page["items"].as_array().unwrap() {
        paths.push(format!("/api/contacts/{}", item["id"]));
    }
    let (mut hits, mut misses) = (0.0, 1.0);
    for round in 0..3 {
        for path in &paths {
            let (_, cache) = app.get_json(&token, path).await;
            match cache.as_str() {
                "HIT" => hits += 1.0,
                "MISS" => misses += 1.0,
                other => panic!("round {round}, {path}: X-Cache {other}"),
            }
        }
    }
    let (mut metric_hits, mut metric_misses) = (0.0, 0.0);
    for (ns, (h, m)) in namespaces.iter().zip(before) {
        metric_hits += app
            .metric(&format!("cache_hits_total{{namespace=\"{ns}\"}}"))
            .await
            - h;
        metric_misses += app
            .metric(&format!("cache_misses_total{{namespace=\"{ns}\"}}"))
            .await
            - m;
    }
    assert_eq!((metric_hits, metric_misses), (hits, misses));
    assert!(hits > misses);
}

#[tokio::test]
async fn memory_and_off_backends() {
    let memory = TestApp::start_with(Options {
        cache: CacheChoice::Memory,
        ..Options::default()
    })
    .await;
    let token = memory.login(REP1).await;
    memory.get_json(&token, "/api/analytics/dashboard").await;
    assert_eq!(
        memory.get_json(&token, "/api/analytics/dashboard").await.1,
        "HIT"
    );

    let off = TestApp::start_with(Options {
        cache: CacheChoice::Off,
        ..Options::default()
    })
    .await;
    let token = off.login(REP1).await;
    for _ in 0..2 {
        assert_eq!(
            off.get_json(&token, "/api/analytics/dashboard").await.1,
            "BYPASS"
        );
    }
}
