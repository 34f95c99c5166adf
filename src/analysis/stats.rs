//! The statistics behind the regression gate: a one-sided Mann-Whitney U test on per-trial values.
//!
//! Why this test: per-trial latencies on a shared runner are skewed and noisy; a rank test makes no
//! normality assumption and one outlier trial cannot swing it. With the small trial counts a gate can
//! afford (8 vs 8), the p-value is computed *exactly* by enumerating every way to split the pooled
//! values (12,870 splits for 8 vs 8), which also handles ties exactly (mid-ranks); larger samples use
//! the normal approximation with tie correction.

/// Which way the candidate is tested to differ from the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// The candidate's values tend to be greater than the baseline's.
    Greater,
    /// The candidate's values tend to be smaller than the baseline's.
    Less,
}

/// Outcome of a Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the candidate: the number of (baseline, candidate) pairs where the candidate is greater,
    /// ties counting one half.
    pub u: f64,
    /// One-sided p-value for the chosen alternative.
    pub p_value: f64,
    /// True when the p-value was computed exactly by enumeration.
    pub exact: bool,
}

/// Above this many splits the normal approximation is used instead of enumeration.
const MAX_EXACT_SPLITS: f64 = 250_000.0;

/// One-sided Mann-Whitney U test of `candidate` against `baseline`; `None` when either is empty.
pub fn mann_whitney(baseline: &[f64], candidate: &[f64], alt: Alternative) -> Option<MannWhitney> {
    let (n_a, n_b) = (baseline.len(), candidate.len());
    if n_a == 0 || n_b == 0 {
        return None;
    }
    let pooled: Vec<f64> = baseline.iter().chain(candidate).copied().collect();
    let ranks = mid_ranks(&pooled);
    let rank_sum_b: f64 = ranks[n_a..].iter().sum();
    let u_b = rank_sum_b - (n_b * (n_b + 1)) as f64 / 2.0;
    let exact = binomial(n_a + n_b, n_b) <= MAX_EXACT_SPLITS;
    let p_value = if exact {
        exact_p(&ranks, n_b, rank_sum_b, alt)
    } else {
        normal_p(&pooled, n_a, n_b, u_b, alt)
    };
    Some(MannWhitney {
        u: u_b,
        p_value,
        exact,
    })
}

/// The smallest one-sided p-value any outcome can reach with these sample sizes: when it is above
/// the alpha, no difference can ever be called significant and the verdict must be inconclusive.
pub fn min_achievable_p(n_a: usize, n_b: usize) -> f64 {
    if n_a == 0 || n_b == 0 {
        return 1.0;
    }
    1.0 / binomial(n_a + n_b, n_b)
}

/// Median of the values (`None` when empty).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// 1-based ranks, ties sharing the mean of their ranks.
fn mid_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Exact p: the share of all splits of the pooled ranks whose candidate rank sum is at least as
/// extreme as the observed one.
fn exact_p(ranks: &[f64], n_b: usize, observed: f64, alt: Alternative) -> f64 {
    let eps = 1e-9;
    let mut extreme = 0u64;
    let mut total = 0u64;
    enumerate_splits(ranks, n_b, 0, 0.0, &mut |sum| {
        total += 1;
        let is_extreme = match alt {
            Alternative::Greater => sum >= observed - eps,
            Alternative::Less => sum <= observed + eps,
        };
        if is_extreme {
            extreme += 1;
        }
    });
    extreme as f64 / total as f64
}

fn enumerate_splits(
    ranks: &[f64],
    left: usize,
    start: usize,
    sum: f64,
    visit: &mut impl FnMut(f64),
) {
    if left == 0 {
        visit(sum);
        return;
    }
    for i in start..=ranks.len() - left {
        enumerate_splits(ranks, left - 1, i + 1, sum + ranks[i], visit);
    }
}

fn normal_p(pooled: &[f64], n_a: usize, n_b: usize, u: f64, alt: Alternative) -> f64 {
    let (na, nb) = (n_a as f64, n_b as f64);
    let n = na + nb;
    // Tie correction: sum of (t^3 - t) over groups of tied values.
    let mut sorted = pooled.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let mean = na * nb / 2.0;
    let variance = na * nb / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    if variance <= 0.0 {
        return 1.0;
    }
    // Continuity correction of one half towards the mean.
    let z = match alt {
        Alternative::Greater => (u - mean - 0.5) / variance.sqrt(),
        Alternative::Less => (mean - u - 0.5) / variance.sqrt(),
    };
    upper_tail_normal(z)
}

/// P(Z > z) for a standard normal Z (Abramowitz-Stegun 7.1.26 via erfc; error < 1.5e-7).
fn upper_tail_normal(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let poly = t
        * (-x * x - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { poly } else { 2.0 - poly }
}

fn binomial(n: usize, k: usize) -> f64 {
    let k = k.min(n - k);
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_separation_gives_the_smallest_p() {
        let a: Vec<f64> = (0..8).map(|i| 10.0 + i as f64 * 0.1).collect();
        let b: Vec<f64> = (0..8).map(|i| 12.0 + i as f64 * 0.1).collect();
        let r = mann_whitney(&a, &b, Alternative::Greater).unwrap();
        assert!(r.exact);
        assert_eq!(r.u, 64.0);
        assert!((r.p_value - 1.0 / 12_870.0).abs() < 1e-12);
        assert!((min_achievable_p(8, 8) - 1.0 / 12_870.0).abs() < 1e-12);
        let other_way = mann_whitney(&a, &b, Alternative::Less).unwrap();
        assert!((other_way.p_value - 1.0).abs() < 1e-12);
    }

    #[test]
    fn matches_published_small_sample_tables() {
        // n = 8 vs 8, U <= 5 gives a one-sided p of about 0.0015 (the exact distribution, enumerated); check U = 5 exactly.
        // Candidate below the baseline in all but 5 pairs.
        let base = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0];
        let cand = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 15.5];
        let r = mann_whitney(&base, &cand, Alternative::Less).unwrap();
        assert_eq!(r.u, 6.0);
        // scipy.stats.mannwhitneyu(cand, base, alternative='less', method='exact').pvalue
        assert!(
            (r.p_value - 0.002331002331002331).abs() < 1e-12,
            "{}",
            r.p_value
        );
    }

    #[test]
    fn identical_samples_are_not_significant_and_ties_are_handled() {
        let a = [5.0; 8];
        let r = mann_whitney(&a, &a, Alternative::Greater).unwrap();
        assert_eq!(r.u, 32.0);
        assert!((r.p_value - 1.0).abs() < 1e-12);
    }

    #[test]
    fn large_samples_use_the_normal_approximation() {
        let a: Vec<f64> = (0..12).map(|i| (i * 7 % 12) as f64).collect();
        let b: Vec<f64> = (0..12).map(|i| (i * 5 % 12) as f64 + 3.5).collect();
        let r = mann_whitney(&a, &b, Alternative::Greater).unwrap();
        assert!(!r.exact);
        assert_eq!(r.u, 108.0);
        // scipy.stats.mannwhitneyu(b, a, alternative='greater', method='asymptotic').pvalue = 0.020202;
        // the exact value is 0.019361.
        assert!(
            (r.p_value - 0.020202059794111847).abs() < 1e-6,
            "{}",
            r.p_value
        );
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), Some(2.5));
    }
}
