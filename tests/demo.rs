//! `stampede demo`, shortened (load.toml's 20 users for 5 s per run, small seed): both runs
//! happen, the second with the cache off (where the hit-rate threshold is not checked), the
//! comparison is printed, both results are written, the one page comparing them is written,
//! linked and renders in headless Chromium, and no process it started is left running.

mod common;
mod library;
mod report_support;

use std::process::Command;

use common::{Workspace, both, code, repo_root, stampede_exe};

#[test]
fn demo_runs_cache_on_then_off_compares_and_cleans_up() {
    let ws = Workspace::new();
    let out = ws.path().join("demo");
    let output = Command::new(stampede_exe())
        .current_dir(ws.path())
        .arg("demo")
        .arg("--scenario")
        .arg(repo_root().join("scenarios/load.toml"))
        .arg("--seed-config")
        .arg(repo_root().join("fixtures/seed-small.toml"))
        .args(["--duration", "5s", "--quiet", "--out"])
        .arg(&out)
        .output()
        .expect("run stampede demo");
    assert_eq!(code(&output), 0, "{}", both(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for text in [
        "== 1/2",
        "== 2/2",
        "set for its full 5m run after 60.0 s of warm-up",
        "What the cache buys",
        "cache on",
        "cache off",
        "cache hit rate",
        "throughput",
        "both runs on one page: file:///",
    ] {
        assert!(
            stdout.contains(text),
            "'{text}' missing:\n{}",
            both(&output)
        );
    }
    let read = |side: &str| -> serde_json::Value {
        let path = out.join(side).join("results.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).expect("JSON")
    };
    let (on, off) = (read("cache-on"), read("cache-off"));
    let expected_on = if saleshub::redis_server::is_installed() {
        "redis"
    } else {
        "memory"
    };
    assert_eq!(on["target"]["cache_backend"], expected_on);
    assert_eq!(off["target"]["cache_backend"], "off");
    assert!(on["totals"]["requests"].as_u64() > Some(0));
    assert!(off["totals"]["requests"].as_u64() > Some(0));
    // Without a cache there are no hits, and no hit-rate threshold to fail.
    assert_eq!(off["cache"]["client"]["hits"], 0, "{:#}", off["cache"]);
    let expressions = |run: &serde_json::Value| -> Vec<String> {
        run["thresholds"]
            .as_array()
            .expect("thresholds")
            .iter()
            .map(|t| t["expression"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let hit_rate = "cache_hit_rate > 80%".to_string();
    assert!(
        expressions(&on).contains(&hit_rate),
        "{:?}",
        expressions(&on)
    );
    assert!(
        !expressions(&off).contains(&hit_rate),
        "{:?}",
        expressions(&off)
    );
    assert!(
        stdout.contains("not checked without a cache: cache_hit_rate > 80%"),
        "{}",
        both(&output)
    );
    // The one page: both runs, linked by an absolute file:// URL, and drawn in a real browser.
    let page = out.join("index.html");
    let link = format!("file://{}", page.display());
    assert!(stdout.contains(&link), "{link} not printed:\n{stdout}");
    let html = std::fs::read_to_string(&page).expect("index.html written");
    for text in [
        "Cache on: ",
        "cache off: ",
        "cache-on/report.html",
        "not checked",
    ] {
        assert!(html.contains(text), "'{text}' missing from index.html");
    }
    if report_support::browser::chromium_available() {
        report_support::browser::check_page("demo-index", &html, 2);
    } else {
        eprintln!(
            "\n\n*** demo: the page's browser check SKIPPED: `chromium` is not installed ***\n\n"
        );
    }
    // Every SalesHub (and redis-server) the demo started is gone.
    let left = library::processes_mentioning(&ws.path().display().to_string());
    assert!(left.is_empty(), "processes still running: {left:?}");
}
