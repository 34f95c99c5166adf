//! What the dashboard keeps of a run to draw its charts: the closed per-second windows and the
//! resource samples, bounded however long the run. Past [`KEEP`] entries, neighbours are merged in
//! pairs the way the report thins its series (`report::html::charts::downsample`): latency
//! percentiles keep the worst, rates and load the mean per second (weighted by the seconds each
//! entry spans), cache hits and misses their sum. An hour and a day both stay at most [`KEEP`]
//! entries, which the report's charts thin again to what they draw.

use crate::model::{ResourceSample, Window};
use crate::report::html::charts::downsample::MAX_POINTS;

/// At most this many windows (and resource samples) are kept.
pub const KEEP: usize = 2 * MAX_POINTS;

/// The series of a run so far.
#[derive(Debug, Default, Clone)]
pub struct History {
    /// Windows, oldest first; a merged one is stamped with its first second.
    pub windows: Vec<Window>,
    /// Seconds each window spans (1 until merged).
    spans: Vec<u32>,
    /// Recorder windows taken so far (the index of the next one to ask for).
    pub seen: usize,
    pub resources: Vec<ResourceSample>,
}

impl History {
    /// Appends newly closed windows, thinning when the bound is passed.
    pub fn add_windows(&mut self, windows: Vec<Window>) {
        self.seen += windows.len();
        for window in windows {
            self.windows.push(window);
            self.spans.push(1);
        }
        if self.windows.len() > KEEP {
            let (windows, spans) = (
                std::mem::take(&mut self.windows),
                std::mem::take(&mut self.spans),
            );
            let mut pairs = windows.chunks(2).zip(spans.chunks(2));
            for (w, s) in &mut pairs {
                match (w, s) {
                    ([a, b], [sa, sb]) => {
                        self.windows.push(merge(a, *sa, b, *sb));
                        self.spans.push(sa + sb);
                    }
                    _ => {
                        self.windows.extend_from_slice(w);
                        self.spans.extend_from_slice(s);
                    }
                }
            }
        }
    }

    /// Appends a resource sample unless it is the one already last; past the bound every other
    /// sample is dropped (a 1 Hz CPU line over hours loses nothing a chart can show).
    pub fn add_resource(&mut self, sample: Option<ResourceSample>) {
        let Some(sample) = sample else { return };
        if self
            .resources
            .last()
            .is_some_and(|last| last.offset_secs >= sample.offset_secs)
        {
            return;
        }
        self.resources.push(sample);
        if self.resources.len() > KEEP {
            let kept = std::mem::take(&mut self.resources);
            self.resources = kept.into_iter().step_by(2).collect();
        }
    }
}

/// Two neighbouring windows as one, spanning `sa + sb` seconds.
fn merge(a: &Window, sa: u32, b: &Window, sb: u32) -> Window {
    let (fa, fb) = (f64::from(sa), f64::from(sb));
    let mean = |x: u64, y: u64| ((x as f64 * fa + y as f64 * fb) / (fa + fb)).round() as u64;
    Window {
        offset_secs: a.offset_secs,
        requests: mean(a.requests, b.requests),
        failures: mean(a.failures, b.failures),
        p50_us: a.p50_us.max(b.p50_us),
        p95_us: a.p95_us.max(b.p95_us),
        p99_us: a.p99_us.max(b.p99_us),
        max_us: a.max_us.max(b.max_us),
        cache_hits: a.cache_hits + b.cache_hits,
        cache_misses: a.cache_misses + b.cache_misses,
        load: (a.load * fa + b.load * fb) / (fa + fb),
        dropped: mean(a.dropped, b.dropped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn second(i: u32) -> Window {
        Window {
            offset_secs: i,
            requests: 100,
            failures: 1,
            p50_us: 1000 + u64::from(i),
            p95_us: 2000,
            p99_us: 3000,
            max_us: 4000,
            cache_hits: 3,
            cache_misses: 1,
            load: 10.0,
            dropped: 0,
        }
    }

    #[test]
    fn a_day_of_windows_stays_bounded_and_keeps_rates_and_the_worst_latency() {
        let mut history = History::default();
        for chunk in (0..86_400u32).collect::<Vec<_>>().chunks(7) {
            history.add_windows(chunk.iter().map(|i| second(*i)).collect());
        }
        assert!(history.windows.len() <= KEEP, "{}", history.windows.len());
        assert!(history.windows.len() > KEEP / 4);
        assert_eq!(history.seen, 86_400);
        assert!(
            history
                .windows
                .iter()
                .all(|w| w.requests == 100 && w.failures == 1)
        );
        let hits: u64 = history.windows.iter().map(|w| w.cache_hits).sum();
        assert_eq!(hits, 3 * 86_400);
        assert_eq!(history.windows.last().unwrap().p50_us, 1000 + 86_399);
        assert!(
            history
                .windows
                .windows(2)
                .all(|p| p[0].offset_secs < p[1].offset_secs)
        );
    }
}
