//! The off backend: nothing is stored, every request runs its loader and is reported `BYPASS`.

use super::*;

#[tokio::test]
async fn off_backend_always_bypasses() -> TestResult {
    let cache = Cache::connect(config(Backend::Off)).await?;
    let source = Source::new("v1");
    for _ in 0..3 {
        assert_eq!(
            read(&cache, &source).await,
            ("v1".into(), CacheStatus::Bypass)
        );
    }
    assert_eq!(source.loads(), 3);
    cache.invalidate(&["contacts:1"]).await;
    cache.session_put("tok", "{}").await;
    assert_eq!(cache.session_get("tok").await, None);
    cache.session_delete("tok").await;
    assert!(!cache.breaker_open());
    let health = cache.health().await;
    assert_eq!((health.backend, health.state), (Backend::Off, "disabled"));
    let stats = cache.stats().namespace(Namespace::Records);
    assert_eq!((stats.bypasses, stats.loads, stats.errors), (3, 3, 0));
    assert_eq!((stats.hits, stats.misses), (0, 0));
    Ok(())
}

#[tokio::test]
async fn memory_backend_reports_up() -> TestResult {
    let cache = Cache::connect(config(Backend::Memory)).await?;
    assert_eq!(cache.health().await.state, "up");
    assert_eq!(cache.epoch(), None);
    Ok(())
}

/// The HTTP layer awaits `get_or_load` inside axum handlers, whose futures must be `Send`, with
/// loaders that borrow request state.
#[tokio::test]
async fn get_or_load_is_send_with_borrowing_loaders() -> TestResult {
    fn assert_send<T: Send>(_: &T) {}
    async fn uses(cache: &Cache, state: &str) -> Result<(Arc<str>, CacheStatus), String> {
        cache
            .get_or_load(
                Namespace::Records,
                &["contacts:1"],
                "contacts/1",
                || async { Ok(state.to_string()) },
            )
            .await
    }
    let cache = Cache::connect(config(Backend::Memory)).await?;
    let state = String::from("row");
    let fut = uses(&cache, &state);
    assert_send(&fut);
    assert_eq!(fut.await.map(|(v, _)| v.to_string()), Ok("row".to_string()));
    Ok(())
}
