//! The generator's source of randomness: a seeded ChaCha stream plus the few distributions the
//! data needs (uniform picks, weighted picks, log-normal amounts, times before the anchor). Every
//! draw goes through here so a run is a pure function of the seed and the anchor date.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, Duration, OffsetDateTime};

/// Seeded random draws relative to an anchor date.
pub struct Gen {
    rng: ChaCha8Rng,
    /// The anchor's noon (UTC); "now" for the generated data.
    now: OffsetDateTime,
    anchor: Date,
}

impl Gen {
    pub fn new(seed: u64, anchor: Date) -> Gen {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            now: anchor.midnight().assume_utc() + Duration::hours(12),
            anchor,
        }
    }

    /// The anchor date.
    pub fn anchor(&self) -> Date {
        self.anchor
    }

    /// A uniform integer in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    /// A uniform index below `n` (`n` > 0).
    pub fn index(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// A uniform element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An element chosen with the given relative weights.
    pub fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.rng.random_range(0..total.max(1));
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// A log-normal draw with the given median and spread (sigma of the underlying normal).
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        // Box-Muller: one standard normal from two uniforms.
        let u1: f64 = self.rng.random::<f64>().max(f64::MIN_POSITIVE);
        let u2: f64 = self.rng.random();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        median * (sigma * z).exp()
    }

    /// A moment between `min_days` and `max_days` days before the anchor's noon, during office
    /// hours, to the second.
    pub fn before_now(&mut self, min_days: i64, max_days: i64) -> OffsetDateTime {
        let day = self.anchor - Duration::days(self.int(min_days, max_days));
        let secs = self.int(8 * 3600, 18 * 3600);
        day.midnight().assume_utc() + Duration::seconds(secs)
    }

    /// A moment after `t` by up to `max_days`, never later than the anchor's noon.
    pub fn after(&mut self, t: OffsetDateTime, max_days: i64) -> OffsetDateTime {
        let later = t + Duration::seconds(self.int(0, max_days * 86_400));
        later.min(self.now).max(t)
    }

    /// A date `offset_days` from the anchor, drawn uniformly in `lo..=hi`.
    pub fn date_around(&mut self, lo: i64, hi: i64) -> Date {
        self.anchor + Duration::days(self.int(lo, hi))
    }
}
