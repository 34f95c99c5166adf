//! The Prometheus remote-write 1.0 wire format: a `WriteRequest` protobuf (the messages below
//! are those of Prometheus' `prompb/types.proto` and `remote.proto`, encoded by prost), compressed
//! with snappy's block format, POSTed with the protocol's headers.

use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message as _;

use super::series::Point;

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

/// `prometheus.TimeSeries`: labels sorted by name, `__name__` among them.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`: a value at a time in milliseconds since the Unix epoch.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(double, tag = "1")]
    pub value: f64,
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// The headers a remote-write receiver expects.
pub const HEADERS: [(&str, &str); 3] = [
    ("content-type", "application/x-protobuf"),
    ("content-encoding", "snappy"),
    ("x-prometheus-remote-write-version", "0.1.0"),
];

/// The request of `points` at `timestamp_ms`, each series with the run's `labels`.
pub fn write_request(
    points: &[Point],
    run_labels: &[(&'static str, String)],
    timestamp_ms: i64,
) -> WriteRequest {
    let timeseries = points
        .iter()
        .map(|p| {
            let mut labels: Vec<Label> = std::iter::once(("__name__", p.name.to_string()))
                .chain(run_labels.iter().cloned())
                .chain(p.labels.iter().cloned())
                .map(|(name, value)| Label {
                    name: name.to_string(),
                    value,
                })
                .collect();
            labels.sort_by(|a, b| a.name.cmp(&b.name));
            TimeSeries {
                labels,
                samples: vec![Sample {
                    value: p.value,
                    timestamp: timestamp_ms,
                }],
            }
        })
        .collect();
    WriteRequest { timeseries }
}

/// The request's body: protobuf, snappy-compressed.
pub fn encode(request: &WriteRequest) -> Result<Vec<u8>, String> {
    snap::raw::Encoder::new()
        .compress_vec(&request.encode_to_vec())
        .map_err(|e| format!("cannot compress the remote-write request: {e}"))
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::outputs::series::PointKind;

    #[test]
    fn encodes_sorted_labels_and_round_trips_through_snappy_and_protobuf() {
        let points = [Point {
            name: "stampede_requests_total",
            labels: vec![("status", "200".into()), ("endpoint", "home".into())],
            value: 42.0,
            kind: PointKind::Counter,
        }];
        let request = write_request(&points, &[("scenario", "smoke".into())], 1_700_000_000_000);
        let body = encode(&request).unwrap();
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        let back = WriteRequest::decode(raw.as_slice()).unwrap();
        assert_eq!(back, request);
        let names: Vec<&str> = back.timeseries[0]
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(names, ["__name__", "endpoint", "scenario", "status"]);
    }
}
