//! The scraper against a real HTTP server on 127.0.0.1 serving Prometheus text whose counters grow
//! with every scrape, as a target's do under load.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::scrape::*;
use crate::scenario::plan::CacheSpec;

async fn metrics(State(scrapes): State<Arc<AtomicU64>>) -> String {
    let n = scrapes.fetch_add(1, Ordering::SeqCst);
    format!(
        "# TYPE cache_hits counter\n\
         cache_hits_total{{namespace=\"contacts\"}} {}\n\
         cache_hits_total{{namespace=\"sessions\"}} {}\n\
         # TYPE cache_misses counter\n\
         cache_misses_total{{namespace=\"contacts\"}} {}\n\
         # EOF\n",
        100 + 9 * n,
        1_000 * n,
        50 + n
    )
}

async fn serve() -> (String, Arc<AtomicU64>) {
    let scrapes = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route("/metrics", get(metrics))
        .with_state(Arc::clone(&scrapes));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), scrapes)
}

#[tokio::test]
async fn scrapes_at_start_periodically_and_at_the_end() {
    let (base, scrapes) = serve().await;
    let spec = CacheSpec {
        scrape_every: Duration::from_millis(150),
        ..CacheSpec::default()
    };
    let cfg = ScrapeConfig::from_spec(&base, &spec, &Default::default(), Instant::now()).unwrap();
    let latest = LatestServerCache::default();
    let scraper = CacheScraper::start(cfg, latest.clone()).await;
    assert_eq!(
        scrapes.load(Ordering::SeqCst),
        1,
        "the start scrape is taken before returning"
    );
    assert!(latest.lock().unwrap().is_none(), "one scrape is no figure");
    tokio::time::sleep(Duration::from_millis(400)).await;
    // While it runs, the figures so far are published after each scrape.
    let so_far = latest
        .lock()
        .unwrap()
        .clone()
        .expect("published after the second scrape");
    assert!(so_far.samples.len() >= 2);
    assert_eq!(
        so_far.namespaces["contacts"].hits,
        9 * (so_far.samples.len() as u64 - 1)
    );
    let cache = scraper.stop().await.unwrap();
    let n = scrapes.load(Ordering::SeqCst);
    assert!(n >= 3, "start, at least one periodic, end: {n}");
    assert_eq!(cache.samples.len() as u64, n);
    let delta = n - 1;
    assert_eq!(cache.namespaces["contacts"].hits, 9 * delta);
    assert_eq!(cache.namespaces["contacts"].misses, delta);
    assert!(!cache.namespaces.contains_key("sessions"));
    assert_eq!(cache.total.hits, 9 * delta);
    assert_eq!(cache.metrics_path, "/metrics");
    assert!(
        cache
            .samples
            .windows(2)
            .all(|w| w[0].offset_secs < w[1].offset_secs)
    );
}

#[tokio::test]
async fn an_unreachable_or_failing_endpoint_gives_a_clear_error() {
    let (base, _) = serve().await;
    let spec = CacheSpec {
        metrics_path: Some("/nope".into()),
        ..CacheSpec::default()
    };
    let cfg = ScrapeConfig::from_spec(&base, &spec, &Default::default(), Instant::now()).unwrap();
    let err = CacheScraper::start(cfg, LatestServerCache::default())
        .await
        .stop()
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("0 of 2 scrapes"), "{err}");
    assert!(err.contains("HTTP 404"), "{err}");

    let off = CacheSpec {
        metrics_path: None,
        ..CacheSpec::default()
    };
    assert!(ScrapeConfig::from_spec(&base, &off, &Default::default(), Instant::now()).is_none());

    // Nothing listens on this port once the listener is dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = ScrapeConfig::from_spec(
        &format!("http://127.0.0.1:{port}"),
        &CacheSpec::default(),
        &Default::default(),
        Instant::now(),
    )
    .unwrap();
    let err = scrape_once(&reqwest::Client::new(), &cfg)
        .await
        .unwrap_err();
    assert!(matches!(err, ScrapeError::Request { .. }), "{err}");
}
