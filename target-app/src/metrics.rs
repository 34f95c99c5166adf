//! Prometheus metrics at `GET /metrics` (text format): requests and latency by route, and the cache's
//! counters by namespace, read from the cache at scrape time so they always agree with the `X-Cache`
//! headers served. Names (documented in `target-app/README.md`):
//! `saleshub_http_requests_total{method,route,status}`,
//! `saleshub_http_request_duration_seconds{method,route}` (histogram),
//! `cache_hits_total`, `cache_misses_total`, `cache_errors_total`, `cache_bypasses_total`,
//! `cache_loads_total`, `cache_shared_loads_total`, `cache_refreshes_total` (all `{namespace}`), `cache_breaker_open`,
//! `cache_refreshes_in_flight`, `cache_refreshes_skipped_total`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::cache::Cache;
use crate::refresh::Registry as RefreshRegistry;
use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 100 µs .. ~3.3 s
    Histogram::new(exponential_buckets(0.000_1, 2.0, 16))
}

/// The registry and the request metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: HistogramFamily,
}

impl Metrics {
    pub fn new(cache: Cache, refresh: Arc<RefreshRegistry>) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "saleshub_http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let durations: HistogramFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "saleshub_http_request_duration_seconds",
            "Time to answer HTTP requests, by method and route template",
            durations.clone(),
        );
        registry.register_collector(Box::new(CacheCollector { cache, refresh }));
        Metrics {
            registry,
            requests,
            durations,
        }
    }

    /// The whole registry in the Prometheus/OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    fn observe(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_string(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels {
                method,
                route: route.to_string(),
            })
            .observe(seconds);
    }
}

/// The `method` label of a request: one of the methods HTTP defines for this API, or `other`.
/// A client can send any token as a method (`FOO`, or 5,000 characters of one): each would be a
/// new series in every family, forever, so the label set stays bounded.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware counting and timing every request by its route template (`/api/contacts/{id}`, not
/// one series per id); unmatched paths count under `unmatched`, unknown methods under `other`.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let response = next.run(request).await;
    state.metrics.observe(
        method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Reads the cache's counters at scrape time.
#[derive(Debug)]
struct CacheCollector {
    cache: Cache,
    refresh: Arc<RefreshRegistry>,
}

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.cache.stats();
        type Pick = fn(&crate::cache::NamespaceStats) -> u64;
        let families: [(&str, &str, Pick); 7] = [
            ("cache_hits", "Cache lookups answered from the cache", |s| {
                s.hits
            }),
            (
                "cache_misses",
                "Cache lookups that had to load from the database",
                |s| s.misses,
            ),
            (
                "cache_errors",
                "Cache operations that failed (the request was still served)",
                |s| s.errors,
            ),
            (
                "cache_bypasses",
                "Lookups served without the cache (cache off, down or breaker open)",
                |s| s.bypasses,
            ),
            (
                "cache_loads",
                "Database loads run behind cache misses",
                |s| s.loads,
            ),
            (
                "cache_shared_loads",
                "Misses served by another request's load (single-flight)",
                |s| s.shared_loads,
            ),
            (
                "cache_refreshes",
                "Values recomputed and stored by writes (write-through, refresh on write)",
                |s| s.refreshes,
            ),
        ];
        for (name, help, pick) in families {
            let mut family = encoder.encode_descriptor(
                name,
                help,
                None,
                ConstCounter::new(0u64).metric_type(),
            )?;
            for ns in &stats.namespaces {
                let labels = [("namespace", ns.namespace.as_str())];
                ConstCounter::new(pick(ns)).encode(family.encode_family(&labels)?)?;
            }
        }
        let open = ConstGauge::new(i64::from(self.cache.breaker_open()));
        open.encode(encoder.encode_descriptor(
            "cache_breaker_open",
            "1 while the cache breaker skips a failing Redis, else 0",
            None,
            open.metric_type(),
        )?)?;
        let running = ConstGauge::new(self.refresh.in_flight() as i64);
        running.encode(encoder.encode_descriptor(
            "cache_refreshes_in_flight",
            "Recomputations after writes running now, off the request path",
            None,
            running.metric_type(),
        )?)?;
        let skipped = ConstCounter::new(self.refresh.skipped());
        skipped.encode(encoder.encode_descriptor(
            "cache_refreshes_skipped",
            "Writes whose recomputation was skipped because too many were running",
            None,
            skipped.metric_type(),
        )?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::OPTIONS), "OPTIONS");
        assert_eq!(method_label(&Method::TRACE), "other");
        let made_up = Method::from_bytes("X".repeat(5000).as_bytes()).unwrap();
        assert_eq!(method_label(&made_up), "other");
    }
}
