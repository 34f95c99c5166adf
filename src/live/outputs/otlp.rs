//! OpenTelemetry metrics over OTLP/HTTP: an `ExportMetricsServiceRequest` built from the OpenTelemetry
//! project's own generated messages (`opentelemetry-proto`), protobuf-encoded, POSTed with
//! `Content-Type: application/x-protobuf` (e.g. to a collector's `http://HOST:4318/v1/metrics`).
//!
//! The series are those of [`super::series`], mapped the way a collector's Prometheus exporter maps
//! them back: counters are monotonic cumulative sums named without `_total` (the exporter adds it),
//! gauges are gauges, and the latency's classic buckets become one histogram with explicit bounds
//! per endpoint. The run's labels (scenario, run id, segment, side) are attributes of every point,
//! so the workers of one distributed run add up in one query; the resource says `service.name =
//! stampede`.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use prost::Message as _;

use super::series::{LATENCY_BUCKETS, Point, PointKind};

/// The headers an OTLP/HTTP receiver expects of a protobuf body.
pub const HEADERS: [(&str, &str); 1] = [("content-type", "application/x-protobuf")];

/// The latency histogram's name; its classic-bucket points are named with `_bucket`, `_sum` and
/// `_count` after it.
const LATENCY: &str = "stampede_latency_seconds";

/// The request carrying `points` at `now_ms`, counters counting from `started_at`, each point with
/// the run's labels.
pub fn export_request(
    points: &[Point],
    run_labels: &[(&'static str, String)],
    started_at: SystemTime,
    now_ms: i64,
) -> ExportMetricsServiceRequest {
    let stamps = Stamps {
        start: nanos(started_at),
        now: u64::try_from(now_ms).unwrap_or(0).saturating_mul(1_000_000),
    };
    let mut metrics: Vec<Metric> = Vec::new();
    for point in points {
        let (name, attributes) = if let Some(part) = histogram_part(point.name) {
            (LATENCY, histogram_attributes(point, part, run_labels))
        } else {
            (point.name, attributes(run_labels, &point.labels))
        };
        let name = otlp_name(name, point.kind);
        let at = match metrics.iter().position(|m| m.name == name) {
            Some(i) => i,
            None => {
                metrics.push(new_metric(&name, point));
                metrics.len() - 1
            }
        };
        add_point(&mut metrics[at], point, attributes, stamps);
    }
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    key_value("service.name", "stampede"),
                    key_value("service.version", env!("CARGO_PKG_VERSION")),
                ],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "stampede".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// The request's body.
pub fn encode(request: &ExportMetricsServiceRequest) -> Vec<u8> {
    request.encode_to_vec()
}

#[derive(Clone, Copy)]
struct Stamps {
    start: u64,
    now: u64,
}

/// Which part of the latency histogram a point is, if it is one.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Bucket,
    Sum,
    Count,
}

fn histogram_part(name: &str) -> Option<Part> {
    match name.strip_prefix(LATENCY)? {
        "_bucket" => Some(Part::Bucket),
        "_sum" => Some(Part::Sum),
        "_count" => Some(Part::Count),
        _ => None,
    }
}

/// A counter's OTLP name has no `_total`: a collector's Prometheus exporter adds it to monotonic
/// sums, so both outputs end up with the same names in Prometheus.
fn otlp_name(name: &str, kind: PointKind) -> String {
    match kind {
        PointKind::Counter => name.strip_suffix("_total").unwrap_or(name).to_string(),
        PointKind::Gauge => name.to_string(),
    }
}

fn new_metric(name: &str, point: &Point) -> Metric {
    let data = if histogram_part(point.name).is_some() {
        metric::Data::Histogram(Histogram {
            data_points: Vec::new(),
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
        })
    } else if point.kind == PointKind::Counter {
        metric::Data::Sum(Sum {
            data_points: Vec::new(),
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: true,
        })
    } else {
        metric::Data::Gauge(Gauge {
            data_points: Vec::new(),
        })
    };
    let unit = if name.ends_with("_seconds") {
        "s"
    } else if name.ends_with("_bytes") {
        "By"
    } else {
        ""
    };
    Metric {
        name: name.to_string(),
        unit: unit.to_string(),
        data: Some(data),
        ..Default::default()
    }
}

fn add_point(metric: &mut Metric, point: &Point, attributes: Vec<KeyValue>, stamps: Stamps) {
    match metric.data.as_mut() {
        Some(metric::Data::Sum(sum)) => sum.data_points.push(NumberDataPoint {
            attributes,
            start_time_unix_nano: stamps.start,
            time_unix_nano: stamps.now,
            // Counters count requests, failures, hits: whole numbers.
            value: Some(number_data_point::Value::AsInt(point.value as i64)),
            ..Default::default()
        }),
        Some(metric::Data::Gauge(gauge)) => gauge.data_points.push(NumberDataPoint {
            attributes,
            time_unix_nano: stamps.now,
            value: Some(number_data_point::Value::AsDouble(point.value)),
            ..Default::default()
        }),
        Some(metric::Data::Histogram(histogram)) => {
            add_to_histogram(histogram, point, attributes, stamps)
        }
        _ => {}
    }
}

/// Folds one classic-bucket point into its endpoint's histogram point. The series module emits an
/// endpoint's cumulative buckets in the order of [`LATENCY_BUCKETS`] (then `+Inf`), then `_sum`
/// and `_count`; OTLP wants each bucket's own count, so each cumulative count is turned into the
/// difference from the one before.
fn add_to_histogram(
    histogram: &mut Histogram,
    point: &Point,
    attributes: Vec<KeyValue>,
    stamps: Stamps,
) {
    let at = match histogram
        .data_points
        .iter()
        .position(|p| p.attributes == attributes)
    {
        Some(i) => i,
        None => {
            histogram.data_points.push(HistogramDataPoint {
                attributes,
                start_time_unix_nano: stamps.start,
                time_unix_nano: stamps.now,
                explicit_bounds: LATENCY_BUCKETS.to_vec(),
                ..Default::default()
            });
            histogram.data_points.len() - 1
        }
    };
    let data_point = &mut histogram.data_points[at];
    let value = point.value as u64;
    match histogram_part(point.name) {
        Some(Part::Bucket) => {
            let below: u64 = data_point.bucket_counts.iter().sum();
            data_point.bucket_counts.push(value.saturating_sub(below));
        }
        Some(Part::Sum) => data_point.sum = Some(point.value),
        Some(Part::Count) => data_point.count = value,
        None => {}
    }
}

/// A histogram point's attributes: the run's labels and the point's own, without `le`.
fn histogram_attributes(
    point: &Point,
    part: Part,
    run_labels: &[(&'static str, String)],
) -> Vec<KeyValue> {
    let own: Vec<(&'static str, String)> = point
        .labels
        .iter()
        .filter(|(k, _)| part != Part::Bucket || *k != "le")
        .cloned()
        .collect();
    attributes(run_labels, &own)
}

fn attributes(
    run_labels: &[(&'static str, String)],
    own: &[(&'static str, String)],
) -> Vec<KeyValue> {
    run_labels
        .iter()
        .chain(own)
        .map(|(k, v)| key_value(k, v))
        .collect()
}

fn key_value(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_string())),
        }),
        ..Default::default()
    }
}

fn nanos(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(name: &'static str, labels: &[(&'static str, &str)], value: f64) -> Point {
        Point {
            name,
            labels: labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            value,
            kind: PointKind::Counter,
        }
    }

    #[test]
    fn counters_become_cumulative_sums_and_buckets_one_histogram_per_endpoint() {
        let mut points = vec![
            counter(
                "stampede_requests_total",
                &[("endpoint", "home"), ("status", "200")],
                7.0,
            ),
            Point {
                name: "stampede_users",
                labels: Vec::new(),
                value: 3.0,
                kind: PointKind::Gauge,
            },
        ];
        // 2 requests at or under 1 ms, 5 more at or under 2.5 ms, none slower.
        let cumulative = [0, 2, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7];
        let mut les: Vec<String> = LATENCY_BUCKETS.iter().map(f64::to_string).collect();
        les.push("+Inf".into());
        for (le, n) in les.iter().zip(cumulative) {
            points.push(counter(
                "stampede_latency_seconds_bucket",
                &[("endpoint", "home"), ("le", le)],
                n as f64,
            ));
        }
        points.push(counter(
            "stampede_latency_seconds_sum",
            &[("endpoint", "home")],
            0.0123,
        ));
        points.push(counter(
            "stampede_latency_seconds_count",
            &[("endpoint", "home")],
            7.0,
        ));
        let started = UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let request = export_request(
            &points,
            &[("scenario", "smoke".into())],
            started,
            1_700_000_005_000,
        );
        let back = ExportMetricsServiceRequest::decode(encode(&request).as_slice()).unwrap();
        assert_eq!(back, request);
        let metrics = &back.resource_metrics[0].scope_metrics[0].metrics;
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "stampede_requests",
                "stampede_users",
                "stampede_latency_seconds"
            ]
        );
        let Some(metric::Data::Sum(sum)) = &metrics[0].data else {
            panic!("requests are a sum: {:?}", metrics[0]);
        };
        assert!(sum.is_monotonic);
        let point = &sum.data_points[0];
        assert_eq!(point.value, Some(number_data_point::Value::AsInt(7)));
        assert_eq!(point.start_time_unix_nano, 1_700_000_000 * 1_000_000_000);
        assert_eq!(point.time_unix_nano, 1_700_000_005 * 1_000_000_000);
        let keys: Vec<&str> = point.attributes.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["scenario", "endpoint", "status"]);
        let Some(metric::Data::Histogram(histogram)) = &metrics[2].data else {
            panic!("latency is a histogram: {:?}", metrics[2]);
        };
        assert_eq!(histogram.data_points.len(), 1);
        let h = &histogram.data_points[0];
        assert_eq!(h.count, 7);
        assert_eq!(h.sum, Some(0.0123));
        assert_eq!(h.explicit_bounds.len() + 1, h.bucket_counts.len());
        assert_eq!(&h.bucket_counts[..3], &[0, 2, 5]);
        assert_eq!(h.bucket_counts.iter().sum::<u64>(), 7);
        assert_eq!(metrics[2].unit, "s");
        let keys: Vec<&str> = h.attributes.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["scenario", "endpoint"]);
    }
}
