//! Robust trend fitting shared by the analyses: the Theil-Sen slope (median of pairwise slopes),
//! which one outlier sample cannot tilt, unlike least squares.

use crate::analysis::stats::median;

/// Most points used for a fit; longer series are thinned evenly (the fit is O(n²)).
const MAX_POINTS: usize = 400;

/// Theil-Sen slope of `y` over `x` (units of y per unit of x); `None` with fewer than 3 points or
/// when every x is equal.
pub fn theil_sen_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 3 {
        return None;
    }
    let step = points.len().div_ceil(MAX_POINTS);
    let thinned: Vec<(f64, f64)> = points.iter().step_by(step).copied().collect();
    let mut slopes = Vec::with_capacity(thinned.len() * thinned.len() / 2);
    for (i, &(x1, y1)) in thinned.iter().enumerate() {
        for &(x2, y2) in &thinned[i + 1..] {
            if x2 != x1 {
                slopes.push((y2 - y1) / (x2 - x1));
            }
        }
    }
    median(&slopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_an_outlier() {
        let mut pts: Vec<(f64, f64)> = (0..100).map(|i| (i as f64, 2.0 * i as f64 + 5.0)).collect();
        pts[50].1 = 10_000.0;
        let slope = theil_sen_slope(&pts).unwrap();
        assert!((slope - 2.0).abs() < 1e-9, "{slope}");
        assert_eq!(theil_sen_slope(&pts[..2]), None);
    }
}
