//! The cache contract, checked identically against Redis and the memory backend: miss then hit, TTL
//! expiry, invalidation, the read/write race, single-flight, sessions.

use super::*;
use tokio::sync::oneshot;

/// Runs a scenario `fn name(&Cache)` against both backends, as tests `name::redis` and `name::memory`.
macro_rules! both_backends {
    ($name:ident, $cfg:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn redis() -> TestResult {
                let (_server, cache) = redis_cache($cfg).await?;
                super::$name(&cache).await
            }

            #[tokio::test]
            async fn memory() -> TestResult {
                let cache = Cache::connect(CacheConfig {
                    backend: Backend::Memory,
                    ..$cfg
                })
                .await?;
                super::$name(&cache).await
            }
        }
    };
}

both_backends!(miss_then_hit, config(Backend::Redis));
both_backends!(
    ttl_expires,
    with_ttl(config(Backend::Redis), Duration::from_secs(2))
);
both_backends!(
    invalidate_then_read_returns_new_value,
    config(Backend::Redis)
);
both_backends!(
    load_started_before_invalidation_stays_invisible,
    config(Backend::Redis)
);
both_backends!(single_flight_loads_once, config(Backend::Redis));
both_backends!(sessions_round_trip, config(Backend::Redis));

async fn miss_then_hit(cache: &Cache) -> TestResult {
    let source = Source::new("v1");
    assert_eq!(read(cache, &source).await, ("v1".into(), CacheStatus::Miss));
    assert_eq!(read(cache, &source).await, ("v1".into(), CacheStatus::Hit));
    assert_eq!(source.loads(), 1);
    let stats = cache.stats().namespace(Namespace::Records);
    assert_eq!((stats.hits, stats.misses, stats.loads), (1, 1, 1));
    assert_eq!(
        (stats.errors, stats.bypasses, stats.shared_loads),
        (0, 0, 0)
    );
    Ok(())
}

async fn ttl_expires(cache: &Cache) -> TestResult {
    let source = Source::new("v1");
    assert_eq!(read(cache, &source).await.1, CacheStatus::Miss);
    assert_eq!(read(cache, &source).await.1, CacheStatus::Hit);
    bounded(async {
        while read(cache, &source).await.1 == CacheStatus::Hit {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert_eq!(source.loads(), 2, "expired exactly once, then reloaded");
    Ok(())
}

async fn invalidate_then_read_returns_new_value(cache: &Cache) -> TestResult {
    let one = Source::new("contact 1 v1");
    let two = Source::new("contact 2 v1");
    let list = Source::new("list v1");
    let read_list = async |source: &Source| {
        let call = cache.get_or_load(
            Namespace::Lists,
            &["contacts", "companies"],
            "contacts?limit=20",
            source.loader(),
        );
        match bounded(call).await {
            Ok((value, status)) => (value.to_string(), status),
            Err(never) => match never {},
        }
    };
    read(cache, &one).await;
    read_key(cache, "contacts/2", "contacts:2", &two).await;
    read_list(&list).await;

    one.set("contact 1 v2");
    bounded(cache.invalidate(&["contacts:1"])).await;
    assert_eq!(
        read(cache, &one).await,
        ("contact 1 v2".into(), CacheStatus::Miss)
    );
    assert_eq!(
        read(cache, &one).await,
        ("contact 1 v2".into(), CacheStatus::Hit)
    );
    assert_eq!(
        read_key(cache, "contacts/2", "contacts:2", &two).await,
        ("contact 2 v1".into(), CacheStatus::Hit),
        "other groups keep their values"
    );
    assert_eq!(read_list(&list).await, ("list v1".into(), CacheStatus::Hit));

    list.set("list v2");
    bounded(cache.invalidate(&["companies"])).await;
    assert_eq!(
        read_list(&list).await,
        ("list v2".into(), CacheStatus::Miss)
    );
    assert_eq!(cache.stats().invalidations, 2);
    Ok(())
}

/// A load that read the database before a write must not become visible to reads after the write's
/// invalidation, even if it finishes (and stores) after it.
async fn load_started_before_invalidation_stays_invisible(cache: &Cache) -> TestResult {
    let source = Source::new("old");
    let (started_tx, started_rx) = oneshot::channel::<()>();
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let slow = {
        let cache = cache.clone();
        let stale = source.get();
        tokio::spawn(async move {
            let load = move || async move {
                let _ = started_tx.send(());
                let _ = release_rx.await;
                Ok::<_, Infallible>(stale)
            };
            cache
                .get_or_load(Namespace::Records, &["contacts:1"], "contacts/1", load)
                .await
        })
    };
    bounded(started_rx).await?;

    // The write commits, then invalidates, while the slow load still holds the old value.
    source.set("new");
    bounded(cache.invalidate(&["contacts:1"])).await;
    assert_eq!(
        read(cache, &source).await,
        ("new".into(), CacheStatus::Miss),
        "a read after the invalidation must not join the old load"
    );

    let _ = release_tx.send(());
    let (value, status) = bounded(slow).await??;
    assert_eq!((&*value, status), ("old", CacheStatus::Miss));
    assert_eq!(
        read(cache, &source).await,
        ("new".into(), CacheStatus::Hit),
        "the old load's late store must not replace the new value"
    );
    Ok(())
}

async fn single_flight_loads_once(cache: &Cache) -> TestResult {
    const N: u64 = 50;
    let loads = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let cache = cache.clone();
            let loads = loads.clone();
            tokio::spawn(async move {
                let watcher = cache.clone();
                let load = move || async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    // Keep loading until every request has missed. On this single-threaded test
                    // runtime a request joins the flight right after counting its miss, without
                    // yielding, so this makes the test independent of scheduling speed.
                    while watcher.stats().namespace(Namespace::Records).misses < N {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok::<_, Infallible>("shared value".to_string())
                };
                cache
                    .get_or_load(Namespace::Records, &["deals:7"], "deals/7", load)
                    .await
            })
        })
        .collect();
    for task in tasks {
        let (value, status) = bounded(task).await??;
        assert_eq!((&*value, status), ("shared value", CacheStatus::Miss));
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    let stats = cache.stats().namespace(Namespace::Records);
    assert_eq!(
        (stats.misses, stats.loads, stats.shared_loads),
        (N, 1, N - 1)
    );
    assert_eq!(cache.inner.flights.in_flight(), 0, "flights are cleaned up");
    let source = Source::new("unused");
    assert_eq!(
        read_key(cache, "deals/7", "deals:7", &source).await.1,
        CacheStatus::Hit
    );
    Ok(())
}

async fn sessions_round_trip(cache: &Cache) -> TestResult {
    assert_eq!(bounded(cache.session_get("tok")).await, None);
    bounded(cache.session_put("tok", r#"{"id":1}"#)).await;
    assert_eq!(
        bounded(cache.session_get("tok")).await.as_deref(),
        Some(r#"{"id":1}"#)
    );
    bounded(cache.session_delete("tok")).await;
    assert_eq!(bounded(cache.session_get("tok")).await, None);
    let stats = cache.stats().namespace(Namespace::Sessions);
    assert_eq!((stats.hits, stats.misses, stats.errors), (1, 2, 0));
    Ok(())
}
