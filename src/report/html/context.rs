//! What the run was and where it ran: scenario, load profile, target, tool, host, git commit,
//! times and warnings; the cache from both sides per namespace; the generator's health. Every
//! value comes from the (already redacted) RunResult.

use std::fmt::Write as _;

use super::escape;
use super::page::{Td, section, table};
use crate::model::{LatencySummary, RunResult};
use crate::report::figures::{format_bytes, format_secs};
use crate::units::{format_micros, format_percent};

/// The context list.
pub fn context(result: &RunResult, baseline: Option<&RunResult>) -> String {
    let mut items: Vec<(&str, String)> = vec![
        (
            "scenario",
            format!("{} ({})", result.scenario.name, result.scenario.kind),
        ),
        ("description", result.scenario.description.clone()),
        (
            "scenario file",
            format!(
                "{} (sha256 {})",
                result.scenario.file.as_deref().unwrap_or("-"),
                result.scenario.file_sha256
            ),
        ),
        ("load profile", result.load.summary.clone()),
        ("warm-up", format_secs(result.load.warmup_secs)),
    ];
    if let Some(cap) = result.load.max_in_flight {
        items.push(("in-flight cap", cap.to_string()));
    }
    if let Some(connections) = result.load.connections {
        items.push(("connections", connections.to_string()));
    }
    let target = &result.target;
    items.push((
        "target",
        format!(
            "{}{}",
            target.url,
            if target.bundled {
                format!(
                    " (bundled SalesHub, cache {})",
                    target.cache_backend.as_deref().unwrap_or("unknown")
                )
            } else {
                String::new()
            }
        ),
    ));
    for note in &target.notes {
        items.push(("target note", note.clone()));
    }
    let env = &result.environment;
    items.extend([
        (
            "tool",
            format!("{} {}", result.tool.name, result.tool.version),
        ),
        (
            "host",
            format!(
                "{} · {} · {} × {} · {} memory",
                env.hostname,
                env.os,
                env.cores,
                env.cpu_model,
                format_bytes(env.memory_bytes)
            ),
        ),
        (
            "git commit",
            env.git_commit.clone().unwrap_or_else(|| "unknown".into()),
        ),
        ("started", result.started_at.clone()),
        ("ended", result.ended_at.clone()),
        ("measured", format_secs(result.duration_secs)),
        (
            "outcome",
            format!("{:?}", result.outcome.status).to_lowercase(),
        ),
    ]);
    for warning in &result.outcome.warnings {
        items.push(("warning", warning.clone()));
    }
    if let Some(base) = baseline {
        items.push((
            "baseline",
            format!(
                "{} started {} (commit {})",
                base.scenario.name,
                base.started_at,
                base.environment.git_commit.as_deref().unwrap_or("unknown")
            ),
        ));
    }
    let mut html = String::from("<dl class=\"context\">\n");
    for (name, value) in items {
        let _ = writeln!(html, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(&value));
    }
    html.push_str("</dl>\n");
    section("Context", "context", &html)
}

/// Hits, misses and hit rate from the client (header) and the server (metrics, per namespace).
pub fn cache(result: &RunResult) -> String {
    let mut rows = Vec::new();
    let mut push = |source: String, counts: &crate::model::CacheCounts| {
        let rate = counts.hit_rate();
        rows.push(vec![
            Td::text(&source),
            Td::number(counts.hits.to_string(), counts.hits as f64),
            Td::number(counts.misses.to_string(), counts.misses as f64),
            Td::number(
                rate.map_or_else(|| "-".to_string(), format_percent),
                rate.unwrap_or(f64::NAN),
            ),
        ]);
    };
    if let Some(header) = &result.cache.header {
        push(format!("client ({header} header)"), &result.cache.client);
    }
    if let Some(server) = &result.cache.server {
        push(
            format!("server ({}), all namespaces", server.metrics_path),
            &server.total,
        );
        for (namespace, counts) in &server.namespaces {
            push(format!("server: {namespace}"), counts);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    section(
        "Cache",
        "cache",
        &table(&["source", "hits", "misses", "hit rate"], &rows, &[]),
    )
}

/// Whether the generator kept up: CPU against its limit, dropped starts, schedule lag.
pub fn generator(result: &RunResult) -> String {
    let g = &result.generator;
    let mut items = vec![(
        "CPU (of the machine)",
        format!(
            "{:.0}% mean, {:.0}% max; the run is invalid above {:.0}%",
            g.cpu_mean_percent, g.cpu_max_percent, g.cpu_limit_percent
        ),
    )];
    if g.scheduled > 0 {
        items.push((
            "starts",
            format!(
                "{} scheduled, {} dropped ({})",
                g.scheduled,
                g.dropped,
                format_percent(g.dropped as f64 / g.scheduled as f64)
            ),
        ));
    }
    if let Some(lag) = &g.schedule_lag {
        items.push(("schedule lag", latency_line(lag)));
    }
    if let Some(send) = &result.totals.send_latency {
        items.push(("latency from the send", latency_line(send)));
        items.push((
            "latency from the intended start",
            latency_line(&result.totals.latency),
        ));
    }
    let mut html = String::from("<dl class=\"context\">\n");
    for (name, value) in items {
        let _ = writeln!(html, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(&value));
    }
    html.push_str("</dl>\n");
    section("Generator health", "generator", &html)
}

fn latency_line(l: &LatencySummary) -> String {
    format!(
        "p50 {} · p95 {} · p99 {} · max {}",
        format_micros(l.p50_us as f64),
        format_micros(l.p95_us as f64),
        format_micros(l.p99_us as f64),
        format_micros(l.max_us as f64)
    )
}
