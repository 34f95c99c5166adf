//! The figures every report shows, formatted once: the key figures (the HTML cards, the Markdown
//! summary line) and the per-endpoint table rows, each value with its change against a baseline
//! when one is given. HTML and Markdown differ only in how they draw these cells.
//!
//! Deltas exist only for display (a baseline is just a previous result): relative change for
//! latencies, counts and rates; percentage points for error and hit rates.

use crate::model::{EndpointStats, Finding, RunResult};
use crate::units::{format_micros, format_percent};

/// A value's change against the baseline, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    /// "+5.2%", "-0.4 pp", "±0".
    pub text: String,
    /// True when the change is for the worse, false for the better, `None` when neutral.
    pub worse: Option<bool>,
}

/// Which way is bad for a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
    /// Neither (e.g. a request count).
    Neutral,
}

/// One formatted value, with what a table needs to sort it and its delta.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    /// Numeric sort key (`NaN` when the value is missing).
    pub sort: f64,
    pub delta: Option<Delta>,
}

/// One key figure: a label and a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyFigure {
    pub label: &'static str,
    pub cell: Cell,
}

/// Relative change `now` vs `before` ("+5.2%"); `None` when `before` is zero or missing.
pub fn relative_delta(now: f64, before: Option<f64>, better: Better) -> Option<Delta> {
    let before = before?;
    if before == 0.0 || !before.is_finite() || !now.is_finite() {
        return None;
    }
    let change = (now - before) / before;
    Some(Delta {
        text: if change.abs() < 0.0005 {
            "±0%".to_string()
        } else {
            format!("{:+.1}%", change * 100.0)
        },
        worse: direction(change, better),
    })
}

/// Change of a fraction in percentage points ("+0.40 pp").
pub fn points_delta(now: Option<f64>, before: Option<f64>, better: Better) -> Option<Delta> {
    let change = (now? - before?) * 100.0;
    Some(Delta {
        text: if change.abs() < 0.005 {
            "±0 pp".to_string()
        } else {
            format!("{change:+.2} pp")
        },
        worse: direction(change, better),
    })
}

fn direction(change: f64, better: Better) -> Option<bool> {
    if change.abs() < 1e-9 {
        return None;
    }
    match better {
        Better::Lower => Some(change > 0.0),
        Better::Higher => Some(change < 0.0),
        Better::Neutral => None,
    }
}

/// Failed requests / all requests, `None` without requests.
pub fn error_rate(stats: &EndpointStats) -> Option<f64> {
    (stats.requests > 0).then(|| stats.failures as f64 / stats.requests as f64)
}

/// The run's cache hit rate: from the response header when seen, else from the target's metrics.
pub fn cache_hit_rate(result: &RunResult) -> Option<f64> {
    result.cache.client.hit_rate().or_else(|| {
        result
            .cache
            .server
            .as_ref()
            .and_then(|s| s.total.hit_rate())
    })
}

/// A duration in seconds for people: "20.0 s", "1h 2m 3s".
pub fn format_secs(secs: f64) -> String {
    if secs < 120.0 {
        format!("{secs:.1} s")
    } else {
        humantime::format_duration(std::time::Duration::from_secs(secs.round() as u64)).to_string()
    }
}

fn latency(
    stats: &EndpointStats,
    pick: fn(&EndpointStats) -> u64,
    base: Option<&EndpointStats>,
) -> Cell {
    if stats.latency.count == 0 {
        return missing();
    }
    let us = pick(stats) as f64;
    Cell {
        text: format_micros(us),
        sort: us,
        delta: base
            .filter(|b| b.latency.count > 0)
            .and_then(|b| relative_delta(us, Some(pick(b) as f64), Better::Lower)),
    }
}

fn fraction(now: Option<f64>, before: Option<f64>, better: Better) -> Cell {
    match now {
        None => missing(),
        Some(value) => Cell {
            text: format_percent(value),
            sort: value,
            delta: points_delta(Some(value), before, better),
        },
    }
}

fn missing() -> Cell {
    Cell {
        text: "-".to_string(),
        sort: f64::NAN,
        delta: None,
    }
}

/// Column headings of [`endpoint_cells`], in order.
pub const ENDPOINT_COLUMNS: [&str; 10] = [
    "count", "rate", "p50", "p90", "p95", "p99", "max", "error %", "hit %", "received",
];

/// The cells of one endpoint row (see [`ENDPOINT_COLUMNS`]), with deltas against the baseline's
/// endpoint of the same name when given.
pub fn endpoint_cells(stats: &EndpointStats, base: Option<&EndpointStats>) -> Vec<Cell> {
    let requests = stats.requests as f64;
    vec![
        Cell {
            text: stats.requests.to_string(),
            sort: requests,
            delta: relative_delta(requests, base.map(|b| b.requests as f64), Better::Neutral),
        },
        Cell {
            text: format!("{:.1}/s", stats.rps),
            sort: stats.rps,
            delta: relative_delta(stats.rps, base.map(|b| b.rps), Better::Higher),
        },
        latency(stats, |s| s.latency.p50_us, base),
        latency(stats, |s| s.latency.p90_us, base),
        latency(stats, |s| s.latency.p95_us, base),
        latency(stats, |s| s.latency.p99_us, base),
        latency(stats, |s| s.latency.max_us, base),
        fraction(error_rate(stats), base.and_then(error_rate), Better::Lower),
        fraction(
            stats.cache.hit_rate(),
            base.and_then(|b| b.cache.hit_rate()),
            Better::Higher,
        ),
        Cell {
            text: format_bytes(stats.bytes_received),
            sort: stats.bytes_received as f64,
            delta: None,
        },
    ]
}

/// The HTTP versions that carried an endpoint's responses: `HTTP/2`, or the shares when several
/// did (`HTTP/2 90% · HTTP/1.1 10%`, the most used first); `None` when none was recorded (no
/// response, or results from before protocols were recorded).
pub fn protocol_text(stats: &EndpointStats) -> Option<String> {
    let total: u64 = stats.protocols.values().sum();
    let mut used: Vec<(&String, &u64)> = stats.protocols.iter().filter(|(_, n)| **n > 0).collect();
    used.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    match used.as_slice() {
        [] => None,
        [(name, _)] => Some((*name).clone()),
        several => Some(
            several
                .iter()
                .map(|(name, n)| {
                    format!(
                        "{name} {}",
                        crate::units::format_percent(**n as f64 / total as f64)
                    )
                })
                .collect::<Vec<_>>()
                .join(" · "),
        ),
    }
}

/// Bytes for people: "512 B", "655.7 KiB", "12.3 MiB".
pub fn format_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GiB", b / (1024.0 * 1024.0 * 1024.0))
    }
}

/// The baseline's endpoint of the same name.
pub fn baseline_endpoint<'a>(
    baseline: Option<&'a RunResult>,
    name: &str,
) -> Option<&'a EndpointStats> {
    baseline?.endpoints.iter().find(|e| e.name == name)
}

/// The key figures: requests, rate, error rate, p50, p95, p99, max, cache hit rate, duration,
/// model; with deltas against the baseline's totals when given.
pub fn key_figures(result: &RunResult, baseline: Option<&RunResult>) -> Vec<KeyFigure> {
    let cells = endpoint_cells(&result.totals, baseline.map(|b| &b.totals));
    let pick = |i: usize| cells[i].clone();
    let text = |s: String| Cell {
        text: s,
        sort: f64::NAN,
        delta: None,
    };
    vec![
        KeyFigure {
            label: "requests",
            cell: pick(0),
        },
        KeyFigure {
            label: "rate",
            cell: pick(1),
        },
        KeyFigure {
            label: "error rate",
            cell: pick(7),
        },
        KeyFigure {
            label: "p50",
            cell: pick(2),
        },
        KeyFigure {
            label: "p95",
            cell: pick(4),
        },
        KeyFigure {
            label: "p99",
            cell: pick(5),
        },
        KeyFigure {
            label: "max",
            cell: pick(6),
        },
        KeyFigure {
            label: "cache hit rate",
            cell: fraction(
                cache_hit_rate(result),
                baseline.and_then(cache_hit_rate),
                Better::Higher,
            ),
        },
        KeyFigure {
            label: "duration",
            cell: text(format_secs(result.duration_secs)),
        },
        KeyFigure {
            label: "model",
            cell: text(result.load.model.clone()),
        },
    ]
}

/// An error kind's name as written in results.json ("status_5xx").
pub fn error_kind_name(kind: crate::model::ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}"))
}

/// A finding's named figures as `name = value`, in name order, as every report lists them.
pub fn finding_values(finding: &Finding) -> Vec<String> {
    finding
        .values
        .iter()
        .map(|(name, value)| format!("{name} = {value}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_say_which_way_is_worse() {
        let slower = relative_delta(110.0, Some(100.0), Better::Lower).unwrap();
        assert_eq!(slower.text, "+10.0%");
        assert_eq!(slower.worse, Some(true));
        let faster = relative_delta(110.0, Some(100.0), Better::Higher).unwrap();
        assert_eq!(faster.worse, Some(false));
        assert!(relative_delta(1.0, Some(0.0), Better::Lower).is_none());
        let points = points_delta(Some(0.012), Some(0.008), Better::Lower).unwrap();
        assert_eq!(points.text, "+0.40 pp");
        assert_eq!(format_bytes(671_478), "655.7 KiB");
        assert_eq!(format_secs(3723.0), "1h 2m 3s");
    }
}
