//! Redis failing under the cache: requests keep being served by their loaders (`BYPASS`), failures
//! are counted, the breaker opens after the configured number of failures, and the cache comes back
//! by itself, on a new epoch when invalidations were lost.

use super::*;
use crate::cache::CacheError;

/// Polls `read` until the cache answers without bypassing, bounded by [`HANG`].
async fn until_recovered(cache: &Cache, source: &Source) -> (String, CacheStatus) {
    bounded(async {
        loop {
            let answer = read(cache, source).await;
            if answer.1 != CacheStatus::Bypass {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

#[tokio::test]
async fn killed_redis_bypasses_then_recovers() -> TestResult {
    let cfg = CacheConfig {
        breaker_failures: 3,
        breaker_cooldown: Duration::from_millis(200),
        ..config(Backend::Redis)
    };
    let (mut server, cache) = redis_cache(cfg).await?;
    let source = Source::new("v1");
    assert_eq!(read(&cache, &source).await.1, CacheStatus::Miss);
    assert_eq!(read(&cache, &source).await.1, CacheStatus::Hit);
    let epoch_before = cache.epoch();

    server.kill();
    source.set("v2");
    for failures in 1..=3 {
        assert!(!cache.breaker_open(), "closed before {failures} failures");
        assert_eq!(
            read(&cache, &source).await,
            ("v2".into(), CacheStatus::Bypass)
        );
        assert_eq!(
            cache.stats().namespace(Namespace::Records).errors,
            failures,
            "every failure is counted"
        );
    }
    assert!(cache.breaker_open(), "open after the configured failures");
    assert_eq!(
        read(&cache, &source).await,
        ("v2".into(), CacheStatus::Bypass)
    );

    bounded(cache.invalidate(&["contacts:1"])).await;
    assert_eq!(cache.stats().invalidation_errors, 1);
    assert_eq!(bounded(cache.session_get("tok")).await, None);
    assert_eq!(bounded(cache.health()).await.state, "down");

    server.restart()?;
    assert_eq!(
        until_recovered(&cache, &source).await,
        ("v2".into(), CacheStatus::Miss)
    );
    assert_eq!(read(&cache, &source).await, ("v2".into(), CacheStatus::Hit));
    assert!(!cache.breaker_open());
    assert_ne!(cache.epoch(), epoch_before, "lost invalidation → new epoch");
    let stats = cache.stats();
    assert_eq!(stats.epoch_changes, 1);
    let records = stats.namespace(Namespace::Records);
    assert!(records.bypasses >= 4 && records.errors >= 3);
    assert_eq!(bounded(cache.health()).await.state, "up");
    Ok(())
}

/// A hung (not dead) Redis keeps its data. An invalidation that never reached it must still never
/// let the old value be served once it answers again: the cache moves to a new epoch.
#[tokio::test]
async fn hung_redis_cannot_serve_values_of_lost_invalidations() -> TestResult {
    let cfg = CacheConfig {
        breaker_failures: 3,
        breaker_cooldown: Duration::from_secs(1),
        op_timeout: Duration::from_millis(250),
        ..config(Backend::Redis)
    };
    let (server, cache) = redis_cache(cfg).await?;
    let source = Source::new("v1");
    read(&cache, &source).await;
    assert_eq!(read(&cache, &source).await, ("v1".into(), CacheStatus::Hit));

    server.pause()?;
    source.set("v2");
    for _ in 0..3 {
        assert_eq!(
            read(&cache, &source).await,
            ("v2".into(), CacheStatus::Bypass)
        );
    }
    assert!(cache.breaker_open());
    // Skipped by the open breaker (or, on a very slow machine, a probe that times out): lost.
    bounded(cache.invalidate(&["contacts:1"])).await;
    assert_eq!(cache.stats().invalidation_errors, 1);
    server.resume()?;

    assert_eq!(
        until_recovered(&cache, &source).await,
        ("v2".into(), CacheStatus::Miss),
        "the value cached before the lost invalidation must not be served"
    );
    assert_eq!(read(&cache, &source).await, ("v2".into(), CacheStatus::Hit));
    assert_eq!(cache.stats().epoch_changes, 1);
    Ok(())
}

#[tokio::test]
async fn connect_fails_clearly_when_redis_is_unreachable() -> TestResult {
    let mut server = RedisServer::start()?;
    let url = server.url();
    server.kill();
    let cfg = CacheConfig {
        redis_url: url.clone(),
        ..config(Backend::Redis)
    };
    let outcome = bounded(Cache::connect(cfg)).await;
    match outcome {
        Err(err @ (CacheError::Unreachable { .. } | CacheError::ConnectTimeout { .. })) => {
            assert!(err.to_string().contains(&url), "names the URL: {err}");
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("connected to a dead Redis"),
    }
    let bad = CacheConfig {
        redis_url: "http://nope".into(),
        ..config(Backend::Redis)
    };
    assert!(matches!(
        bounded(Cache::connect(bad)).await,
        Err(CacheError::InvalidUrl { .. })
    ));
    Ok(())
}
