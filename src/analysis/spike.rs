//! Spike analysis: how long after a sudden burst of load does latency return to normal? The spike is
//! found from the load series itself (windows whose load is at least twice the run's typical load);
//! "normal" is the pre-spike p95 band: within 10% of the pre-spike median p95, or within the
//! pre-spike seconds' own spread when that is wider (per-second p95 at low rates is noisy). Recovery
//! is the first second after the spike from which three seconds in a row stay inside the band.

use std::collections::BTreeMap;

use super::Finding;
use crate::analysis::stats::median;
use crate::model::{RunResult, Window};

/// Seconds in a row that must be back to normal to call it recovered.
const CONFIRM_SECS: usize = 3;

/// The spike finding; `None` when the run has no spike (no window with twice the typical load) or
/// no pre-spike period to compare with.
pub fn spike(result: &RunResult) -> Option<Finding> {
    let w = &result.timeseries;
    let loads: Vec<f64> = w.iter().map(|x| x.load).collect();
    let typical = median(&loads)?;
    if typical <= 0.0 {
        return None;
    }
    let in_spike = |x: &Window| x.load >= 2.0 * typical;
    let first = w.iter().position(in_spike)?;
    let last = w.iter().rposition(in_spike)?;
    let spike_end = w[last].offset_secs + 1;
    // Skip the first seconds of the run (cold caches, connection set-up).
    let skip = (first / 5).min(5);
    let pre: Vec<f64> = w[skip..first]
        .iter()
        .filter(|x| x.requests > 0)
        .map(|x| x.p95_us as f64)
        .collect();
    let pre_p95 = median(&pre)?;
    let mut sorted = pre.clone();
    sorted.sort_by(f64::total_cmp);
    let q90 = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
    let band = (pre_p95 * 1.10).max(q90);

    let after = &w[last + 1..];
    let normal = |x: &Window| x.requests > 0 && (x.p95_us as f64) <= band;
    let recovered_at = (0..after.len()).find(|&i| {
        let run = &after[i..(i + CONFIRM_SECS).min(after.len())];
        run.len() == CONFIRM_SECS.min(after.len() - i) && run.iter().all(normal)
    });
    let run_end = w.last().map_or(spike_end, |x| x.offset_secs + 1);
    let (recovery, recovered) = match recovered_at {
        Some(i) => (f64::from(after[i].offset_secs - spike_end), true),
        None => (f64::from(run_end - spike_end), false),
    };
    let spike_windows = &w[first..=last];
    let spike_requests: u64 = spike_windows.iter().map(|x| x.requests).sum();
    let spike_errors: u64 = spike_windows.iter().map(|x| x.failures).sum();
    let spike_p95 = spike_windows.iter().map(|x| x.p95_us).max().unwrap_or(0) as f64;
    let peak_load = spike_windows.iter().map(|x| x.load).fold(0.0, f64::max);

    let mut values = BTreeMap::new();
    values.insert("recovery_time".to_string(), recovery);
    values.insert(
        "spike_start_secs".to_string(),
        f64::from(w[first].offset_secs),
    );
    values.insert("spike_duration_secs".to_string(), (last - first + 1) as f64);
    values.insert("spike_factor".to_string(), peak_load / typical);
    values.insert("spike_errors".to_string(), spike_errors as f64);
    values.insert(
        "spike_error_rate".to_string(),
        if spike_requests > 0 {
            spike_errors as f64 / spike_requests as f64
        } else {
            0.0
        },
    );
    values.insert("pre_spike_p95_ms".to_string(), pre_p95 / 1000.0);
    values.insert("spike_p95_ms".to_string(), spike_p95 / 1000.0);
    let summary = if recovered {
        format!(
            "recovered {recovery:.0} s after a {:.0}× spike of {} s: p95 back within {:.1} ms (pre-spike {:.1} ms, peak {:.1} ms); {spike_errors} errors during the spike",
            peak_load / typical,
            last - first + 1,
            band / 1000.0,
            pre_p95 / 1000.0,
            spike_p95 / 1000.0,
        )
    } else {
        format!(
            "did not recover within the {recovery:.0} s left after a {:.0}× spike: p95 stayed above {:.1} ms (pre-spike {:.1} ms); {spike_errors} errors during the spike",
            peak_load / typical,
            band / 1000.0,
            pre_p95 / 1000.0,
        )
    };
    Some(Finding {
        kind: "recovery_time".into(),
        summary,
        values,
        alarming: !recovered,
        steps: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 s at load 10 with p95 ≈ 5 ms, a spike to 100 at 20..25 s with p95 80 ms and errors, then
    /// p95 decaying back over `tail` seconds.
    fn spiky_run(tail: u32) -> RunResult {
        let mut run = crate::analysis::tests::empty_run(60);
        for x in &mut run.timeseries {
            let t = x.offset_secs;
            x.requests = 10;
            x.load = 10.0;
            x.p95_us = 5_000 + u64::from(t % 3) * 100;
            if (20..25).contains(&t) {
                x.load = 100.0;
                x.requests = 100;
                x.failures = 4;
                x.p95_us = 80_000;
            } else if t >= 25 && t < 25 + tail {
                x.p95_us = 40_000;
            }
        }
        run
    }

    #[test]
    fn measures_recovery_after_the_spike() {
        let f = spike(&spiky_run(4)).unwrap();
        assert_eq!(f.values["recovery_time"], 4.0, "{}", f.summary);
        assert_eq!(f.values["spike_errors"], 20.0);
        assert_eq!(f.values["spike_factor"], 10.0);
        assert!(!f.alarming);
        assert!(
            f.summary
                .starts_with("recovered 4 s after a 10× spike of 5 s"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn says_when_it_never_recovers_and_ignores_flat_runs() {
        let f = spike(&spiky_run(100)).unwrap();
        assert!(f.alarming);
        assert!(f.summary.starts_with("did not recover"), "{}", f.summary);
        let mut flat = spiky_run(0);
        flat.timeseries.iter_mut().for_each(|x| x.load = 10.0);
        assert!(spike(&flat).is_none());
    }
}
