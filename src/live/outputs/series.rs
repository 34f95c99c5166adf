//! The series every output carries, with stable names (the Grafana dashboard in `ci/grafana/`
//! queries them; renaming one breaks it):
//!
//! | name | type | labels |
//! |---|---|---|
//! | `stampede_requests_total` | counter | endpoint, status (`none` when no response) |
//! | `stampede_failures_total` | counter | endpoint, kind (connect, timeout, status_5xx, ...) |
//! | `stampede_latency_seconds` | histogram (classic `_bucket{le}`, `_sum`, `_count`) | endpoint |
//! | `stampede_latency_p50_seconds`, `_p95_`, `_p99_` | gauge, over the last closed second | |
//! | `stampede_cache_hits_total`, `stampede_cache_misses_total` | counter (X-Cache header) | endpoint |
//! | `stampede_users` | gauge: users, arrival rate or connections | |
//! | `stampede_dropped_starts_total` | counter (open model) | |
//! | `stampede_generator_cpu` | gauge, percent of one core | |
//! | `stampede_generator_rss_bytes`, `stampede_target_cpu`, `stampede_target_rss_bytes` | gauge | |
//!
//! Every series also carries `scenario`, `run_id`, `segment` (and `side` in a live comparison).
//! Endpoint labels are the scenario's endpoint names, never URLs: no value a request carried
//! reaches a label. Counters are cumulative from the start of the measured phase, so the last
//! push equals the run's results exactly. These are the remote-write names; OTLP carries the same
//! points as sums, gauges and one histogram (see [`super::otlp`]).

use hdrhistogram::Histogram;

use crate::live::RunLabels;
use crate::metrics::{EndpointRecord, Recorded};
use crate::model::{ErrorKind, ResourceSample, Window};

/// Upper bounds of the latency histogram's buckets, in seconds (Prometheus' `le`), before `+Inf`.
pub const LATENCY_BUCKETS: [f64; 16] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    60.0,
];

/// What the outputs are made from: the recorder's figures at one moment.
pub struct Figures<'a> {
    /// Whole-run counters and histograms per endpoint, as handed over so far.
    pub recorded: &'a Recorded,
    /// The last closed second, for the percentile gauges.
    pub last_window: Option<&'a Window>,
    /// Users, arrival rate or connections now.
    pub load: f64,
    pub resources: Option<&'a ResourceSample>,
}

/// Whether a point counts up or goes up and down (OTLP tells them apart; remote write does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointKind {
    Counter,
    Gauge,
}

/// One value of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub name: &'static str,
    /// The series' own labels (the run's labels are added by the protocol).
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
    pub kind: PointKind,
}

impl Point {
    fn counter(name: &'static str, labels: Vec<(&'static str, String)>, value: u64) -> Point {
        Point {
            name,
            labels,
            value: value as f64,
            kind: PointKind::Counter,
        }
    }

    fn gauge(name: &'static str, value: f64) -> Point {
        Point {
            name,
            labels: Vec::new(),
            value,
            kind: PointKind::Gauge,
        }
    }
}

/// The run's labels as (name, value) pairs, empty ones left out.
pub fn run_labels(labels: &RunLabels) -> Vec<(&'static str, String)> {
    [
        ("scenario", &labels.scenario),
        ("run_id", &labels.run_id),
        ("segment", &labels.segment),
        ("side", &labels.side),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (k, v.clone()))
    .collect()
}

/// Every point of `figures`.
pub fn points(figures: &Figures<'_>) -> Vec<Point> {
    let mut out = Vec::new();
    for endpoint in &figures.recorded.endpoints {
        endpoint_points(endpoint, &mut out);
    }
    out.push(Point::counter(
        "stampede_dropped_starts_total",
        Vec::new(),
        figures.recorded.dropped,
    ));
    out.push(Point::gauge("stampede_users", figures.load));
    if let Some(w) = figures.last_window.filter(|w| w.requests > 0) {
        for (name, us) in [
            ("stampede_latency_p50_seconds", w.p50_us),
            ("stampede_latency_p95_seconds", w.p95_us),
            ("stampede_latency_p99_seconds", w.p99_us),
        ] {
            out.push(Point::gauge(name, us as f64 / 1e6));
        }
    }
    if let Some(r) = figures.resources {
        out.push(Point::gauge(
            "stampede_generator_cpu",
            r.generator_cpu_percent,
        ));
        out.push(Point::gauge(
            "stampede_generator_rss_bytes",
            r.generator_rss_bytes as f64,
        ));
        if let Some(cpu) = r.target_cpu_percent {
            out.push(Point::gauge("stampede_target_cpu", cpu));
        }
        if let Some(rss) = r.target_rss_bytes {
            out.push(Point::gauge("stampede_target_rss_bytes", rss as f64));
        }
    }
    out
}

fn endpoint_points(ep: &EndpointRecord, out: &mut Vec<Point>) {
    let name = || vec![("endpoint", ep.name.clone())];
    let answered: u64 = ep.status_counts.values().sum();
    for (status, n) in &ep.status_counts {
        let mut labels = name();
        labels.push(("status", status.to_string()));
        out.push(Point::counter("stampede_requests_total", labels, *n));
    }
    if ep.requests > answered || ep.requests == 0 {
        let mut labels = name();
        labels.push(("status", "none".into()));
        out.push(Point::counter(
            "stampede_requests_total",
            labels,
            ep.requests - answered.min(ep.requests),
        ));
    }
    for (kind, (n, _message)) in &ep.errors {
        let mut labels = name();
        labels.push(("kind", kind_word(*kind)));
        out.push(Point::counter("stampede_failures_total", labels, *n));
    }
    out.push(Point::counter(
        "stampede_cache_hits_total",
        name(),
        ep.cache.hits,
    ));
    out.push(Point::counter(
        "stampede_cache_misses_total",
        name(),
        ep.cache.misses,
    ));
    latency_points(&ep.latency, &name(), out);
}

/// The error kind as results.json spells it (`status_5xx`, `rate_limited`, ...).
fn kind_word(kind: ErrorKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "other".into())
}

/// A classic Prometheus histogram of an HDR histogram: cumulative `_bucket{le}` counts at
/// [`LATENCY_BUCKETS`], `_sum` and `_count`.
fn latency_points(h: &Histogram<u64>, labels: &[(&'static str, String)], out: &mut Vec<Point>) {
    let mut buckets = [0u64; LATENCY_BUCKETS.len()];
    let mut sum_us = 0f64;
    for v in h.iter_recorded() {
        let us = h.highest_equivalent(v.value_iterated_to());
        let n = v.count_at_value();
        sum_us += us as f64 * n as f64;
        let secs = us as f64 / 1e6;
        if let Some(i) = LATENCY_BUCKETS.iter().position(|le| secs <= *le) {
            buckets[i] += n;
        }
    }
    let mut cumulative = 0;
    for (le, n) in LATENCY_BUCKETS.iter().zip(buckets) {
        cumulative += n;
        let mut l = labels.to_vec();
        l.push(("le", le.to_string()));
        out.push(Point::counter(
            "stampede_latency_seconds_bucket",
            l,
            cumulative,
        ));
    }
    let mut l = labels.to_vec();
    l.push(("le", "+Inf".into()));
    out.push(Point::counter(
        "stampede_latency_seconds_bucket",
        l,
        h.len(),
    ));
    out.push(Point {
        name: "stampede_latency_seconds_sum",
        labels: labels.to_vec(),
        value: sum_us / 1e6,
        kind: PointKind::Counter,
    });
    out.push(Point::counter(
        "stampede_latency_seconds_count",
        labels.to_vec(),
        h.len(),
    ));
}
