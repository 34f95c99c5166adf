//! The inputs' time series laid on one timeline: per-second windows aligned by each input's start
//! (percentiles from the added interval logs when every input has one), the resources summed per
//! second, and the server's cache counters of the longest run.

use super::*;

/// The merged per-second windows (and interval-log lines when every input has its log).
pub(super) fn windows(
    inputs: &[MergeInput],
    shifts: &[u32],
    all_logs: bool,
    open: bool,
) -> Result<(Vec<Window>, Option<Vec<HlogLine>>), MergeError> {
    let mut merged: BTreeMap<u32, Window> = BTreeMap::new();
    for (input, shift) in inputs.iter().zip(shifts) {
        for w in &input.result.timeseries {
            let index = w.offset_secs + shift;
            let m = merged.entry(index).or_insert_with(|| Window {
                offset_secs: index,
                ..Window::default()
            });
            m.requests += w.requests;
            m.failures += w.failures;
            m.cache_hits += w.cache_hits;
            m.cache_misses += w.cache_misses;
            m.load += w.load;
            m.dropped += w.dropped;
            // Upper bounds, replaced below by exact figures when the logs are there.
            m.p50_us = m.p50_us.max(w.p50_us);
            m.p95_us = m.p95_us.max(w.p95_us);
            m.p99_us = m.p99_us.max(w.p99_us);
            m.max_us = m.max_us.max(w.max_us);
        }
    }
    if !all_logs {
        return Ok((merged.into_values().collect(), None));
    }
    // Each log's lines come in time order: add them up window by window, holding only one
    // window's histograms per input at a time.
    let files = inputs
        .iter()
        .filter_map(|i| i.hlog.as_ref())
        .map(|p| {
            std::fs::read(p)
                .map(|bytes| (p.clone(), bytes))
                .map_err(|source| HlogError::Io {
                    path: p.clone(),
                    source,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut lines: BTreeMap<u32, HlogLine> = BTreeMap::new();
    for ((path, bytes), shift) in files.iter().zip(shifts) {
        for interval in intervals(bytes, path) {
            let HlogInterval {
                tag,
                start,
                length,
                histogram,
            } = interval?;
            let index = (start.as_secs_f64().round() as u32) + shift;
            let line = lines.entry(index).or_insert_with(|| HlogLine {
                index,
                length,
                latency: new_latency_histogram(),
                send: None,
            });
            line.length = line.length.max(length);
            match tag.as_deref() {
                None => {
                    line.latency.add(&histogram).ok();
                }
                Some(SEND_TAG) => {
                    line.send
                        .get_or_insert_with(new_latency_histogram)
                        .add(&histogram)
                        .ok();
                }
                Some(_) => {}
            }
        }
    }
    for (index, line) in &lines {
        let h = &line.latency;
        if let Some(w) = merged.get_mut(index) {
            let q = |q: f64| {
                if h.is_empty() {
                    0
                } else {
                    h.value_at_quantile(q)
                }
            };
            w.p50_us = q(0.50);
            w.p95_us = q(0.95);
            w.p99_us = q(0.99);
            w.max_us = if h.is_empty() { 0 } else { h.max() };
        }
    }
    let hlog = lines
        .into_values()
        .map(|mut line| {
            if open && line.send.is_none() {
                line.send = Some(new_latency_histogram());
            }
            line
        })
        .collect();
    Ok((merged.into_values().collect(), Some(hlog)))
}

/// The server-side cache counters of the longest input: every worker scraped the same target,
/// so adding them would count the traffic several times.
pub(super) fn server_cache(inputs: &[MergeInput]) -> Option<crate::model::ServerCache> {
    inputs
        .iter()
        .filter(|i| i.result.cache.server.is_some())
        .max_by(|a, b| a.result.duration_secs.total_cmp(&b.result.duration_secs))
        .and_then(|i| i.result.cache.server.clone())
}

/// Generators summed per second (all workers together), the target's highest figures.
pub(super) fn resources(inputs: &[MergeInput], offsets: &[f64]) -> Vec<ResourceSample> {
    let mut by_second: BTreeMap<i64, ResourceSample> = BTreeMap::new();
    for (input, offset) in inputs.iter().zip(offsets) {
        for r in &input.result.resources {
            let at = r.offset_secs + offset;
            let m = by_second
                .entry(at.round() as i64)
                .or_insert_with(|| ResourceSample {
                    offset_secs: at.round(),
                    generator_cpu_percent: 0.0,
                    generator_rss_bytes: 0,
                    target_cpu_percent: None,
                    target_rss_bytes: None,
                });
            m.generator_cpu_percent += r.generator_cpu_percent;
            m.generator_rss_bytes += r.generator_rss_bytes;
            m.target_cpu_percent = max_opt(m.target_cpu_percent, r.target_cpu_percent);
            m.target_rss_bytes = m.target_rss_bytes.max(r.target_rss_bytes);
        }
    }
    by_second.into_values().collect()
}

pub(super) fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
