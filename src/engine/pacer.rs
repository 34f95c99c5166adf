//! The open model's schedule: when each arrival is *intended* to start. One abstraction for every
//! profile (constant and ramping stages, a warm-up before them): a stage's rate ramps linearly from
//! `r0` to `r1` over `D`, so the number of arrivals by time `t` is the integral
//! `N(t) = r0·t + (r1 − r0)·t² / (2D)`, and arrival `n` is intended at the `t` where `N(t) = n`.
//!
//! Intended times are computed, never accumulated, so a late scheduler does not drift: when it falls
//! behind, the overdue arrivals start at once and their lag is measured from the intended times.

use std::time::Duration;

use crate::scenario::plan::RateStage;

#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Offset of the stage's start from the pacer's start, in seconds.
    start: f64,
    duration: f64,
    r0: f64,
    r1: f64,
    /// Arrivals in all earlier stages (fractional).
    before: f64,
    /// Arrivals in this stage: (r0 + r1) / 2 · D.
    count: f64,
}

/// Intended start times of an arrival-rate profile.
#[derive(Debug, Clone)]
pub struct Pacer {
    segments: Vec<Segment>,
    total: f64,
    duration: f64,
}

impl Pacer {
    /// A pacer over consecutive stages.
    pub fn new(stages: &[RateStage]) -> Pacer {
        let mut segments = Vec::with_capacity(stages.len());
        let (mut start, mut before) = (0.0, 0.0);
        for s in stages {
            let duration = s.duration.as_secs_f64();
            let (r0, r1) = (s.start_rate.max(0.0), s.end_rate.max(0.0));
            let count = (r0 + r1) / 2.0 * duration;
            segments.push(Segment {
                start,
                duration,
                r0,
                r1,
                before,
                count,
            });
            start += duration;
            before += count;
        }
        Pacer {
            segments,
            total: before,
            duration: start,
        }
    }

    /// A pacer that first holds a warm-up of `warmup` at the rate the profile starts with (or, when
    /// it starts from zero, the first stage's end rate), then runs `stages`. The measured part
    /// begins at offset `warmup`.
    pub fn with_warmup(warmup: Duration, stages: &[RateStage]) -> Pacer {
        if warmup.is_zero() {
            return Pacer::new(stages);
        }
        let rate = stages.first().map_or(0.0, |s| {
            if s.start_rate > 0.0 {
                s.start_rate
            } else {
                s.end_rate
            }
        });
        let mut all = vec![RateStage {
            duration: warmup,
            start_rate: rate,
            end_rate: rate,
        }];
        all.extend_from_slice(stages);
        Pacer::new(&all)
    }

    /// The whole schedule's length.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration)
    }

    /// Expected number of arrivals over the whole schedule.
    pub fn expected(&self) -> f64 {
        self.total
    }

    /// The intended start of arrival `n` (0-based) as an offset from the start, or `None` when the
    /// schedule has ended.
    pub fn offset(&self, n: u64) -> Option<Duration> {
        self.offset_with_phase(n, 0.0)
    }

    /// The intended start of arrival `n + phase` (`phase` in `[0, 1)`): the schedule shifted by a
    /// fraction of an arrival, which is how the workers of a segmented run (`--segment i/N`, each
    /// at 1/N of the rate) interleave their arrivals into the whole schedule's.
    pub fn offset_with_phase(&self, n: u64, phase: f64) -> Option<Duration> {
        let x = n as f64 + phase;
        if x >= self.total {
            return None;
        }
        let seg = self
            .segments
            .iter()
            .find(|s| s.count > 0.0 && x < s.before + s.count)?;
        let m = x - seg.before;
        let a = (seg.r1 - seg.r0) / (2.0 * seg.duration);
        let b = seg.r0;
        // The smaller root of a·t² + b·t − m = 0, in the form that stays exact when a → 0.
        let root = (b * b + 4.0 * a * m).max(0.0).sqrt();
        let t = if b + root > 0.0 {
            2.0 * m / (b + root)
        } else {
            0.0
        };
        Some(Duration::from_secs_f64(seg.start + t.min(seg.duration)))
    }

    /// The scheduled rate (arrivals per second) at `t` from the start.
    pub fn rate_at(&self, t: Duration) -> f64 {
        let t = t.as_secs_f64();
        self.segments
            .iter()
            .find(|s| t < s.start + s.duration)
            .map_or(0.0, |s| s.r0 + (s.r1 - s.r0) * (t - s.start) / s.duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(secs: u64, r0: f64, r1: f64) -> RateStage {
        RateStage {
            duration: Duration::from_secs(secs),
            start_rate: r0,
            end_rate: r1,
        }
    }

    fn count_until(p: &Pacer, secs: f64) -> u64 {
        (0..)
            .take_while(|&n| p.offset(n).is_some_and(|o| o.as_secs_f64() < secs))
            .count() as u64
    }

    #[test]
    fn constant_rate_is_evenly_spaced() {
        let p = Pacer::new(&[stage(5, 100.0, 100.0)]);
        assert_eq!(p.offset(0), Some(Duration::ZERO));
        assert_eq!(p.offset(1), Some(Duration::from_millis(10)));
        assert_eq!(p.offset(250), Some(Duration::from_millis(2500)));
        assert_eq!(p.offset(499).map(|d| d.as_millis()), Some(4990));
        assert_eq!(p.offset(500), None);
        assert_eq!(p.expected(), 500.0);
        assert_eq!(p.rate_at(Duration::from_secs(3)), 100.0);
        assert_eq!(p.rate_at(Duration::from_secs(5)), 0.0);
    }

    #[test]
    fn ramps_follow_the_rate_integral() {
        // 0 → 100/s over 10 s: 500 arrivals, N(t) = 5 t², so 125 by 5 s.
        let p = Pacer::new(&[stage(10, 0.0, 100.0)]);
        assert_eq!(p.expected(), 500.0);
        assert_eq!(count_until(&p, 5.0), 125);
        assert_eq!(count_until(&p, 10.0), 500);
        assert!((p.rate_at(Duration::from_millis(2500)) - 25.0).abs() < 1e-9);
        // Down-ramps and stage chains: 100 → 0 over 2 s (100), then 50/s for 2 s (100).
        let p = Pacer::new(&[stage(2, 100.0, 0.0), stage(2, 50.0, 50.0)]);
        assert_eq!(count_until(&p, 1.0), 75);
        assert_eq!(count_until(&p, 2.0), 100);
        assert_eq!(count_until(&p, 4.0), 200);
        let mut last = Duration::ZERO;
        for n in 0..200 {
            let o = p.offset(n).unwrap();
            assert!(o >= last, "offsets must not go back");
            last = o;
        }
    }

    #[test]
    fn warmup_holds_the_starting_rate_first() {
        let p = Pacer::with_warmup(Duration::from_secs(2), &[stage(3, 10.0, 10.0)]);
        assert_eq!(p.duration(), Duration::from_secs(5));
        assert_eq!(count_until(&p, 2.0), 20);
        let p = Pacer::with_warmup(Duration::from_secs(1), &[stage(3, 0.0, 30.0)]);
        assert_eq!(count_until(&p, 1.0), 30);
    }
}
