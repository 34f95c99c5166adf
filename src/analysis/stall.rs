//! Stalls under the closed model. A virtual user waits for each response, so a stalled server
//! also stalls the load, and plain percentiles understate the stall (coordinated omission). This
//! detects a stall from a finished run's histogram and says how large it was and what the
//! percentiles are once corrected for it.

use crate::model::EndpointStats;
use crate::model::histogram::decode;

/// A warning for `outcome.warnings` when the closed model saw a stall: the longest request is far
/// above the median (≥ 100 ms and ≥ 20× p50). It names the stall's size and the percentiles
/// corrected for coordinated omission (HdrHistogram's `clone_correct`, with the median as the
/// expected interval between a user's requests).
pub fn stall_warning(totals: &EndpointStats) -> Option<String> {
    if totals.requests < 10 {
        return None;
    }
    let histogram = decode(&totals.histogram).ok()?;
    let p50 = histogram.value_at_quantile(0.5).max(1);
    let max = histogram.max();
    if max < 100_000 || max < p50.saturating_mul(20) {
        return None;
    }
    let corrected = histogram.clone_correct(p50);
    let ms = |us: u64| format!("{:.1} ms", us as f64 / 1000.0);
    Some(format!(
        "closed model: the target stalled: the longest request took {} (median {}). Virtual users \
         wait for each response, so the load paused during the stall and the recorded percentiles \
         understate it (coordinated omission). Corrected for the stall: p99 {} (recorded {}), \
         p99.9 {} (recorded {}). The open model measures stalls without correction.",
        ms(max),
        ms(p50),
        ms(corrected.value_at_quantile(0.99)),
        ms(histogram.value_at_quantile(0.99)),
        ms(corrected.value_at_quantile(0.999)),
        ms(histogram.value_at_quantile(0.999)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::histogram::{encode, new_latency_histogram, summarize};

    fn totals(values: &[u64]) -> EndpointStats {
        let mut h = new_latency_histogram();
        for v in values {
            h.record(*v).expect("in range");
        }
        EndpointStats {
            name: "total".into(),
            method: None,
            requests: h.len(),
            successes: h.len(),
            failures: 0,
            rps: 0.0,
            bytes_received: 0,
            bytes_sent: 0,
            redirects: 0,
            status_counts: Default::default(),
            protocols: Default::default(),
            errors: Vec::new(),
            latency: summarize(&h),
            histogram: encode(&h).expect("encode"),
            send_latency: None,
            send_histogram: None,
            cache: Default::default(),
        }
    }

    #[test]
    fn a_stall_is_named_with_its_size_and_corrected_percentiles() {
        let mut values = vec![1_000; 999];
        values.push(1_000_000);
        let warning = stall_warning(&totals(&values)).expect("a stall");
        assert!(warning.contains("took 1000."), "{warning}");
        assert!(warning.contains("Corrected"), "{warning}");
        assert!(stall_warning(&totals(&[1_000; 1000])).is_none());
    }
}
