//! Whether the generator kept up. A saturated generator understates the load it was asked to make,
//! so such a run is declared *invalid*, with the reason, rather than reported as if it were true:
//! generator CPU above [`CPU_LIMIT_PERCENT`] of the machine on average, or more than
//! [`DROPPED_LIMIT`] of the scheduled starts dropped.

use hdrhistogram::Histogram;

use crate::model::histogram::summarize;
use crate::model::{GeneratorHealth, ResourceSample};

/// Mean generator CPU, in percent of the whole machine, above which the run is invalid.
pub const CPU_LIMIT_PERCENT: f64 = 90.0;
/// Share of scheduled starts that may be dropped before the run is invalid.
pub const DROPPED_LIMIT: f64 = 0.01;

/// The health figures, and the reasons the run is invalid (empty when it is not).
pub fn generator_health(
    resources: &[ResourceSample],
    cores: u32,
    scheduled: u64,
    dropped: u64,
    schedule_lag: Option<&Histogram<u64>>,
) -> (GeneratorHealth, Vec<String>) {
    let cores = f64::from(cores.max(1));
    let cpu: Vec<f64> = resources
        .iter()
        .map(|r| r.generator_cpu_percent / cores)
        .collect();
    let cpu_mean = if cpu.is_empty() {
        0.0
    } else {
        cpu.iter().sum::<f64>() / cpu.len() as f64
    };
    let cpu_max = cpu.iter().copied().fold(0.0, f64::max);
    let mut reasons = Vec::new();
    if cpu_mean > CPU_LIMIT_PERCENT {
        reasons.push(format!(
            "the load generator was saturated: {cpu_mean:.0}% CPU of the machine on average \
             (limit {CPU_LIMIT_PERCENT:.0}%), so the load it reports is lower than asked; use \
             fewer users or a lower rate, or more generators"
        ));
    }
    if scheduled > 0 {
        let share = dropped as f64 / scheduled as f64;
        if share > DROPPED_LIMIT {
            reasons.push(format!(
                "{:.1}% of scheduled starts were dropped ({dropped} of {scheduled}; limit {:.0}%): \
                 the in-flight cap was reached or the generator could not keep up",
                share * 100.0,
                DROPPED_LIMIT * 100.0
            ));
        }
    }
    let health = GeneratorHealth {
        cpu_mean_percent: cpu_mean,
        cpu_max_percent: cpu_max,
        cpu_limit_percent: CPU_LIMIT_PERCENT,
        scheduled,
        dropped,
        schedule_lag: schedule_lag.map(summarize),
    };
    (health, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cpu: f64) -> ResourceSample {
        ResourceSample {
            offset_secs: 0.0,
            generator_cpu_percent: cpu,
            generator_rss_bytes: 0,
            target_cpu_percent: None,
            target_rss_bytes: None,
        }
    }

    #[test]
    fn saturation_and_drops_invalidate_with_reasons() {
        let (health, reasons) = generator_health(&[sample(100.0), sample(60.0)], 2, 1000, 10, None);
        assert_eq!(
            (health.cpu_mean_percent, health.cpu_max_percent),
            (40.0, 50.0)
        );
        assert!(reasons.is_empty(), "{reasons:?}");
        let (_, reasons) = generator_health(&[sample(190.0)], 2, 1000, 11, None);
        assert_eq!(reasons.len(), 2);
        assert!(reasons[0].contains("95% CPU"), "{}", reasons[0]);
        assert!(reasons[1].contains("11 of 1000"), "{}", reasons[1]);
    }
}
