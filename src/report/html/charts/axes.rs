//! Axis scales and label formats shared by the charts: time since the start as m:ss, latency in
//! milliseconds, percentages, and the logarithmic "nines" scale of the percentile spectrum.

/// Seconds since the measured start as `m:ss` (or `h:mm:ss` from one hour; negative before the
/// start, e.g. the scrape taken at the start of the warm-up).
pub fn clock(secs: &f64) -> String {
    let sign = if *secs < 0.0 { "-" } else { "" };
    let total = secs.abs().round() as u64;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{sign}{h}:{m:02}:{s:02}")
    } else {
        format!("{sign}{m}:{s:02}")
    }
}

/// Milliseconds with only the decimals that matter: 250, 12, 2.5, 0.25.
pub fn millis(ms: &f64) -> String {
    let v = ms.abs();
    if v >= 10.0 || v == 0.0 {
        format!("{ms:.0}")
    } else if v >= 1.0 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.2}")
    }
}

/// A plain count or rate with k/M suffixes: 950, 1.2k, 3.4M.
pub fn count(value: &f64) -> String {
    let v = value.abs();
    if v >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", value / 1e3)
    } else if v >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A value in percent (already multiplied by 100): "80%".
pub fn percent(value: &f64) -> String {
    format!("{value:.0}%")
}

/// The highest "nines" shown by the spectrum: 4 = 99.99%.
pub const MAX_NINES: f64 = 4.0;

/// A quantile (0..1) as its position on the nines scale: -log10(1 - q), so 0.9 → 1, 0.99 → 2.
pub fn nines(quantile: f64) -> f64 {
    (-(1.0 - quantile).max(10f64.powf(-MAX_NINES)).log10()).clamp(0.0, MAX_NINES)
}

/// The quantile at a position of the nines scale (inverse of [`nines`]).
pub fn quantile_at(nines: f64) -> f64 {
    1.0 - 10f64.powf(-nines)
}

/// A label of the nines scale: 0 → "0%", 1 → "90%", 2 → "99%", 2.5 → "99.7%", 4 → "99.99%".
pub fn nines_label(position: &f64) -> String {
    let p = quantile_at(*position) * 100.0;
    let decimals = (position.ceil() as i32 - 2).clamp(0, 4) as usize;
    let text = format!("{p:.decimals$}");
    format!("{text}%")
}

/// A round upper bound for an axis: at least `value * 1.1` and never zero.
pub fn headroom(value: f64) -> f64 {
    if value.is_finite() && value > 0.0 {
        value * 1.1
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(clock(&65.0), "1:05");
        assert_eq!(clock(&3661.0), "1:01:01");
        assert_eq!(clock(&-3.2), "-0:03");
        assert_eq!(millis(&2.54), "2.5");
        assert_eq!(count(&1234.0), "1.2k");
        assert_eq!(nines_label(&0.0), "0%");
        assert_eq!(nines_label(&1.0), "90%");
        assert_eq!(nines_label(&2.0), "99%");
        assert_eq!(nines_label(&3.0), "99.9%");
        assert_eq!(nines_label(&4.0), "99.99%");
        assert!((nines(0.99) - 2.0).abs() < 1e-9);
        assert!((quantile_at(nines(0.999)) - 0.999).abs() < 1e-12);
    }
}
