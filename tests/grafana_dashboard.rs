//! `ci/grafana/stampede.json` queries the series the metric outputs write: every `stampede_*`
//! name in its queries must be one `src/live/outputs/series.rs` emits (a renamed series would
//! leave a panel empty without any error), and the dashboard must be JSON Grafana can import
//! (panels with queries, the data-source variable they use).

use std::collections::BTreeSet;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `stampede_...` word in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("stampede_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

#[test]
fn the_grafana_dashboard_queries_only_series_the_outputs_write() {
    let text = std::fs::read_to_string(format!("{ROOT}/ci/grafana/stampede.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 8);
    let mut queried = BTreeSet::new();
    for panel in panels {
        let targets = panel["targets"].as_array().expect("each panel has queries");
        assert!(!targets.is_empty(), "{}", panel["title"]);
        assert_eq!(panel["datasource"]["uid"], "${datasource}");
        for target in targets {
            queried.extend(metric_names(target["expr"].as_str().expect("expr")));
        }
    }
    let source = std::fs::read_to_string(format!("{ROOT}/src/live/outputs/series.rs")).unwrap();
    let written = metric_names(&source);
    for name in &queried {
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .map_or(name.as_str(), |b| b);
        assert!(
            written.contains(name) || written.contains(base),
            "the dashboard queries {name}, which no output writes"
        );
    }
    for needed in [
        "stampede_requests_total",
        "stampede_failures_total",
        "stampede_latency_seconds_bucket",
        "stampede_cache_hits_total",
        "stampede_generator_cpu",
    ] {
        assert!(queried.contains(needed), "no panel shows {needed}");
    }
}
