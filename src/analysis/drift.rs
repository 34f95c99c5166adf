//! Endurance analysis: does the service get slower, or bigger, the longer it runs? After a warm-up,
//! the trend of p95 (ms per hour) and of the target's and generator's RSS (MB per hour) are fitted
//! robustly; a target RSS trend above the bound is reported as a possible leak.

use std::collections::BTreeMap;

use super::Finding;
use super::fit::theil_sen_slope;
use crate::model::RunResult;

/// Knobs of the drift analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct DriftSettings {
    /// Leading part of the run ignored (caches filling, JIT-like warm-up of the target).
    pub warmup_secs: f64,
    /// A target RSS trend above this many MB per hour is reported as a possible leak.
    pub leak_bound_mb_per_hour: f64,
}

impl Default for DriftSettings {
    fn default() -> Self {
        DriftSettings {
            warmup_secs: 60.0,
            leak_bound_mb_per_hour: 50.0,
        }
    }
}

const MB: f64 = 1024.0 * 1024.0;

/// The drift finding; `None` when the run is too short after warm-up to fit a trend.
pub fn drift(result: &RunResult, settings: &DriftSettings) -> Option<Finding> {
    // Never ignore more than a third of the run, so short (scaled-down) runs still get a trend.
    let warmup = settings.warmup_secs.min(result.duration_secs / 3.0);
    let p95: Vec<(f64, f64)> = result
        .timeseries
        .iter()
        .filter(|w| f64::from(w.offset_secs) >= warmup && w.requests > 0)
        .map(|w| (f64::from(w.offset_secs), w.p95_us as f64 / 1000.0))
        .collect();
    let after: Vec<_> = result
        .resources
        .iter()
        .filter(|s| s.offset_secs >= warmup)
        .collect();
    let target: Vec<(f64, f64)> = after
        .iter()
        .filter_map(|s| s.target_rss_bytes.map(|r| (s.offset_secs, r as f64 / MB)))
        .collect();
    let generator: Vec<(f64, f64)> = after
        .iter()
        .map(|s| (s.offset_secs, s.generator_rss_bytes as f64 / MB))
        .collect();
    let per_hour = |pts: &[(f64, f64)]| theil_sen_slope(pts).map(|s| s * 3600.0);
    let mut values = BTreeMap::new();
    values.insert("warmup_secs".to_string(), warmup);
    let mut parts = Vec::new();
    if let Some(slope) = per_hour(&p95) {
        values.insert("p95_slope".to_string(), slope);
        parts.push(format!("p95 {slope:+.2} ms/h"));
    }
    let mut alarming = false;
    if let Some(slope) = per_hour(&target) {
        values.insert("target_rss_slope".to_string(), slope);
        alarming = slope > settings.leak_bound_mb_per_hour;
        parts.push(if alarming {
            format!(
                "target RSS {slope:+.1} MB/h: possible leak (above {:.0} MB/h)",
                settings.leak_bound_mb_per_hour
            )
        } else {
            format!("target RSS {slope:+.1} MB/h")
        });
    }
    if let Some(slope) = per_hour(&generator) {
        values.insert("generator_rss_slope".to_string(), slope);
        parts.push(format!("generator RSS {slope:+.1} MB/h"));
    }
    if parts.is_empty() {
        return None;
    }
    let summary = format!("drift after {warmup:.0} s of warm-up: {}", parts.join("; "));
    Some(Finding {
        kind: "drift".into(),
        summary,
        values,
        alarming,
        steps: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceSample;

    fn run_with_rss(rss: impl Fn(f64) -> u64) -> RunResult {
        let mut run = crate::analysis::tests::empty_run(600);
        run.resources = (0..600)
            .map(|s| ResourceSample {
                offset_secs: s as f64,
                generator_cpu_percent: 10.0,
                generator_rss_bytes: 20 * 1024 * 1024 + (s % 3) * 4096,
                target_cpu_percent: Some(30.0),
                target_rss_bytes: Some(rss(s as f64)),
            })
            .collect();
        run
    }

    #[test]
    fn flags_an_upward_rss_series_and_not_a_flat_one() {
        // +1 MB every 10 s = 360 MB/h, with sawtooth noise from an allocator.
        let leaking = run_with_rss(|t| (100.0 * MB + t / 10.0 * MB + (t % 7.0) * 50_000.0) as u64);
        let f = drift(&leaking, &DriftSettings::default()).unwrap();
        assert!(f.alarming, "{}", f.summary);
        assert!(
            (f.values["target_rss_slope"] - 360.0).abs() < 20.0,
            "{:?}",
            f.values
        );
        assert!(f.summary.contains("possible leak"));

        let flat = run_with_rss(|t| (100.0 * MB + (t % 7.0) * 50_000.0) as u64);
        let f = drift(&flat, &DriftSettings::default()).unwrap();
        assert!(!f.alarming, "{}", f.summary);
        assert!(f.values["target_rss_slope"].abs() < 5.0, "{:?}", f.values);
        assert!(f.values["generator_rss_slope"].abs() < 1.0);
    }
}
