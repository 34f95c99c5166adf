//! Long runs have one window per second (3,600 for an hour); drawing every one makes a large file
//! and an unreadable line. Windows are merged into at most a given number of consecutive buckets:
//!
//! - latency percentiles and max: the **maximum** over the bucket (the worst second), so a spike
//!   stays visible however far the series is shrunk. Percentiles cannot be merged exactly from
//!   per-second figures; the maximum is the conservative choice and says what the chart means;
//! - requests and failures: the mean per second over the bucket (the axis stays in requests/s);
//! - cache hits and misses: summed (their ratio is exact);
//! - load: the mean.
//!
//! Seconds without any response carry no latency: a bucket whose windows all lack one has `None`
//! percentiles, so lines break rather than drop to zero.

use crate::model::Window;

/// At most this many points per time series in the charts.
pub const MAX_POINTS: usize = 600;

/// One bucket of consecutive windows.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Seconds since the measured start, of the bucket's first window.
    pub start_secs: f64,
    /// Windows merged.
    pub windows: usize,
    pub requests_per_sec: f64,
    pub failures_per_sec: f64,
    /// Worst p50/p95/p99/max of the bucket in µs; `None` without any response in it.
    pub p50_us: Option<u64>,
    pub p95_us: Option<u64>,
    pub p99_us: Option<u64>,
    pub max_us: Option<u64>,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub load: f64,
}

impl Bucket {
    /// Client-side cache hit rate of the bucket, in percent.
    pub fn hit_percent(&self) -> Option<f64> {
        let seen = self.cache_hits + self.cache_misses;
        (seen > 0).then(|| 100.0 * self.cache_hits as f64 / seen as f64)
    }
}

/// How many windows go in one bucket so that `len` windows give at most `max_points` buckets.
pub fn bucket_size(len: usize, max_points: usize) -> usize {
    len.div_ceil(max_points.max(1)).max(1)
}

/// Merges `windows` into buckets of `size` consecutive windows (the last may be shorter).
pub fn merge(windows: &[Window], size: usize) -> Vec<Bucket> {
    windows
        .chunks(size.max(1))
        .map(|chunk| {
            let n = chunk.len() as f64;
            let answered: Vec<&Window> = chunk.iter().filter(|w| w.requests > 0).collect();
            let worst = |pick: fn(&Window) -> u64| answered.iter().map(|w| pick(w)).max();
            Bucket {
                start_secs: f64::from(chunk[0].offset_secs),
                windows: chunk.len(),
                requests_per_sec: chunk.iter().map(|w| w.requests as f64).sum::<f64>() / n,
                failures_per_sec: chunk.iter().map(|w| w.failures as f64).sum::<f64>() / n,
                p50_us: worst(|w| w.p50_us),
                p95_us: worst(|w| w.p95_us),
                p99_us: worst(|w| w.p99_us),
                max_us: worst(|w| w.max_us),
                cache_hits: chunk.iter().map(|w| w.cache_hits).sum(),
                cache_misses: chunk.iter().map(|w| w.cache_misses).sum(),
                load: chunk.iter().map(|w| w.load).sum::<f64>() / n,
            }
        })
        .collect()
}

/// Merges `windows` into at most [`MAX_POINTS`] buckets.
pub fn downsample(windows: &[Window]) -> Vec<Bucket> {
    merge(windows, bucket_size(windows.len(), MAX_POINTS))
}

/// Splits a series with gaps into the runs of consecutive present points (one line each).
pub fn segments(points: impl IntoIterator<Item = (f64, Option<f64>)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (x, y) in points {
        match y {
            Some(y) => current.push((x, y)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(offset: u32, requests: u64, p99: u64) -> Window {
        Window {
            offset_secs: offset,
            requests,
            failures: requests / 10,
            p50_us: p99 / 4,
            p95_us: p99 / 2,
            p99_us: p99,
            max_us: p99 * 2,
            cache_hits: requests / 2,
            cache_misses: requests / 2,
            load: 10.0,
            dropped: 0,
        }
    }

    #[test]
    fn an_hour_shrinks_to_600_points_keeping_the_worst_second() {
        let mut windows: Vec<Window> = (0..3600).map(|i| window(i, 100, 1_000)).collect();
        windows[1234] = window(1234, 100, 90_000);
        windows[7] = window(7, 0, 0);
        let buckets = downsample(&windows);
        assert_eq!(buckets.len(), 600);
        assert_eq!(buckets[1234 / 6].p99_us, Some(90_000));
        assert_eq!(buckets[1234 / 6].start_secs, 1230.0);
        assert!((buckets[1].requests_per_sec - 500.0 / 6.0).abs() < 1e-9);
        assert_eq!(buckets[0].p99_us, Some(1_000));
        assert_eq!(merge(&windows[7..8], 1)[0].p99_us, None);
        assert_eq!(
            segments([
                (0.0, Some(1.0)),
                (1.0, None),
                (2.0, Some(2.0)),
                (3.0, Some(3.0))
            ]),
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
    }
}
