//! Lossless storage of latency histograms inside `results.json`: HdrHistogram V2 with deflate, in
//! base64. Storing histograms (not percentiles) is what lets reports be re-rendered and runs be merged
//! exactly. All histograms share one shape: microseconds, 1 µs .. 1 h, 3 significant digits.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};

use super::LatencySummary;

/// Highest trackable latency: one hour, in microseconds.
pub const MAX_LATENCY_US: u64 = 3_600_000_000;

/// Why a stored histogram could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistogramError {
    #[error("histogram is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("histogram is not a valid HdrHistogram V2 encoding: {0:?}")]
    Decode(hdrhistogram::serialization::DeserializeError),
    #[error("histogram could not be encoded: {0:?}")]
    Encode(hdrhistogram::serialization::V2DeflateSerializeError),
}

/// A new, empty latency histogram (µs, 1 µs .. 1 h, 3 significant digits).
pub fn new_latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("constant histogram bounds are valid")
}

/// Encodes a histogram as base64 of its V2-deflate serialization.
pub fn encode(histogram: &Histogram<u64>) -> Result<String, HistogramError> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .map_err(HistogramError::Encode)?;
    Ok(STANDARD.encode(bytes))
}

/// Decodes what [`encode`] wrote.
pub fn decode(text: &str) -> Result<Histogram<u64>, HistogramError> {
    let bytes = STANDARD.decode(text.trim())?;
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(HistogramError::Decode)
}

/// The summary figures of a histogram (all zero when it is empty).
pub fn summarize(histogram: &Histogram<u64>) -> LatencySummary {
    if histogram.is_empty() {
        return LatencySummary {
            count: 0,
            min_us: 0,
            mean_us: 0.0,
            stdev_us: 0.0,
            p50_us: 0,
            p90_us: 0,
            p95_us: 0,
            p99_us: 0,
            p999_us: 0,
            max_us: 0,
        };
    }
    LatencySummary {
        count: histogram.len(),
        min_us: histogram.min(),
        mean_us: histogram.mean(),
        stdev_us: histogram.stdev(),
        p50_us: histogram.value_at_quantile(0.50),
        p90_us: histogram.value_at_quantile(0.90),
        p95_us: histogram.value_at_quantile(0.95),
        p99_us: histogram.value_at_quantile(0.99),
        p999_us: histogram.value_at_quantile(0.999),
        max_us: histogram.max(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_exactly_and_merges() {
        let mut a = new_latency_histogram();
        let mut b = new_latency_histogram();
        for v in 1..=10_000u64 {
            a.record(v * 3).unwrap();
            b.record(v * 7 + 1_000_000).unwrap();
        }
        let decoded = decode(&encode(&a).unwrap()).unwrap();
        assert_eq!(decoded, a);
        let mut merged = decode(&encode(&a).unwrap()).unwrap();
        merged.add(decode(&encode(&b).unwrap()).unwrap()).unwrap();
        assert_eq!(merged.len(), 20_000);
        assert_eq!(summarize(&merged).max_us, b.max());
        assert!(decode("not base64!").is_err());
    }
}
