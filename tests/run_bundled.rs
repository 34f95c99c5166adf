//! The bundled-target launcher against the real SalesHub (started through the built `stampede`
//! binary), with the small seed so a debug build starts in seconds.

mod common;

use std::time::Duration;

use stampede::engine::bundled::{BundledOptions, BundledTarget};
use stampede::scenario::plan::{BundledCache, BundledSpec};
use tokio_util::sync::CancellationToken;

fn options(dir: &std::path::Path, cache: BundledCache) -> BundledOptions {
    let spec = BundledSpec {
        cache,
        seed_config: Some(common::repo_root().join("fixtures/seed-small.toml")),
        inject_delay: Some(Duration::from_millis(1)),
        ..BundledSpec::default()
    };
    let mut options = BundledOptions::new(common::stampede_exe(), spec);
    options.data_dir = dir.join("data");
    options.start_timeout = Duration::from_secs(240);
    options.show_notes = false;
    options
}

fn alive(pid: u32) -> bool {
    // Signal 0 checks existence; a zombie counts as gone for our purpose once reaped by tokio.
    std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[tokio::test(flavor = "multi_thread")]
async fn starts_seeded_saleshub_answers_health_and_stops_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let options = options(tmp.path(), BundledCache::Redis);
    let target = BundledTarget::start(&options, &CancellationToken::new())
        .await
        .expect("bundled SalesHub starts");
    assert!(target.base_url().starts_with("http://127.0.0.1:"));
    assert!(target.pid() > 0 && alive(target.pid()));
    let health = reqwest::get(format!("{}/health", target.base_url()))
        .await
        .expect("health answers");
    assert!(health.status().is_success());
    // Seeded: the fixture users can sign in.
    let login = reqwest::Client::new()
        .post(format!("{}/api/auth/login", target.base_url()))
        .json(
            &serde_json::json!({"email": "admin@saleshub.test", "password": "admin-saleshub-pass"}),
        )
        .send()
        .await
        .expect("login answers");
    assert_eq!(login.status(), 200);
    let expected = if saleshub::redis_server::is_installed() {
        "redis"
    } else {
        "memory"
    };
    assert_eq!(target.cache_backend(), expected);
    let pid = target.pid();
    target.stop(Duration::from_secs(5)).await;
    assert!(!alive(pid), "SalesHub {pid} still runs after stop");
}

#[tokio::test(flavor = "multi_thread")]
async fn dropping_the_target_stops_saleshub() {
    let tmp = tempfile::tempdir().expect("tmp");
    let options = options(tmp.path(), BundledCache::Memory);
    let target = BundledTarget::start(&options, &CancellationToken::new())
        .await
        .expect("bundled SalesHub starts");
    let pid = target.pid();
    assert_eq!(target.cache_backend(), "memory");
    drop(target);
    // Drop waits for the process; give the OS a moment to reap.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!alive(pid), "SalesHub {pid} still runs after drop");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_start_is_reported_with_the_log_tail() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut options = options(tmp.path(), BundledCache::Off);
    options.spec.seed_config = Some(tmp.path().join("missing-seed.toml"));
    let err = BundledTarget::start(&options, &CancellationToken::new())
        .await
        .expect_err("a missing seed config fails");
    let text = err.to_string();
    assert!(text.contains("exited before it was ready"), "{text}");
    assert!(text.contains("missing-seed.toml"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_during_start_stops_at_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let options = options(tmp.path(), BundledCache::Off);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let started = std::time::Instant::now();
    let err = BundledTarget::start(&options, &cancel)
        .await
        .expect_err("cancelled");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(err.to_string().contains("interrupted"), "{err}");
}
