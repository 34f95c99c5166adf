//! Chart 4: cache hit rate over time from both sides: the client's view (the response header,
//! e.g. `X-Cache`, counted per window) and the server's (its `/metrics` counters, scraped every
//! few seconds; cumulative, so each point is the hit rate between two scrapes), per cache
//! namespace and for all namespaces together.

use std::collections::BTreeMap;

use plotters::prelude::*;

use super::downsample::{MAX_POINTS, bucket_size, merge, segments};
use super::{
    Drawn, HEIGHT, WIDTH, axes, frame, legend, legend_line, palette, quiet_corner, svg, time_mesh,
    time_range,
};
use crate::model::{CacheCounts, RunResult, ServerCacheSample};

/// Client-side points are merged into buckets of at least this many seconds: a per-second hit
/// rate of a few requests is mostly noise (and scrapes come every few seconds anyway).
pub const MIN_CLIENT_BUCKET_SECS: usize = 5;

/// At most this many server-side intervals are drawn: longer runs skip scrapes (the counters are
/// cumulative, so the rate between two kept scrapes is still exact).
pub const MAX_SERVER_POINTS: usize = 300;

/// One server-side series: (seconds since start, hit rate in percent or `None` when the interval
/// saw neither hits nor misses).
type ServerSeries = Vec<(f64, Option<f64>)>;

/// Hit rate per interval between consecutive scrapes, by namespace and for all together
/// (key `None`).
pub fn server_hit_rates(samples: &[ServerCacheSample]) -> BTreeMap<Option<String>, ServerSeries> {
    let mut out: BTreeMap<Option<String>, ServerSeries> = BTreeMap::new();
    let step = bucket_size(samples.len().saturating_sub(1), MAX_SERVER_POINTS);
    let mut kept: Vec<&ServerCacheSample> = samples.iter().step_by(step).collect();
    if let Some(last) = samples.last()
        && kept.last().is_some_and(|k| !std::ptr::eq(*k, last))
    {
        kept.push(last);
    }
    for pair in kept.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        let mut all = CacheCounts::default();
        for (name, now) in &after.namespaces {
            let then = before.namespaces.get(name).copied().unwrap_or_default();
            let delta = CacheCounts {
                hits: now.hits.saturating_sub(then.hits),
                misses: now.misses.saturating_sub(then.misses),
                other: 0,
            };
            all.hits += delta.hits;
            all.misses += delta.misses;
            out.entry(Some(name.clone()))
                .or_default()
                .push((after.offset_secs, delta.hit_rate().map(|r| r * 100.0)));
        }
        out.entry(None)
            .or_default()
            .push((after.offset_secs, all.hit_rate().map(|r| r * 100.0)));
    }
    out
}

/// The cache chart, or `None` when the run has no cache data from either side.
pub fn cache_svg(run: &RunResult) -> Option<String> {
    let client_seen = run
        .timeseries
        .iter()
        .any(|w| w.cache_hits + w.cache_misses > 0);
    let samples = run
        .cache
        .server
        .as_ref()
        .map_or(&[][..], |s| &s.samples[..]);
    if !client_seen && samples.len() < 2 {
        return None;
    }
    Some(svg(WIDTH, HEIGHT, "cache hit rate over time", |root| {
        draw(root, run, client_seen, samples)
    }))
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    run: &RunResult,
    client_seen: bool,
    samples: &[ServerCacheSample],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let mut x = time_range(&run.timeseries, run.duration_secs);
    if let Some(last) = samples.last() {
        x.end = x.end.max(last.offset_secs);
    }
    let x_range = x.clone();
    let mut drawn: Vec<(f64, f64)> = Vec::new();
    let mut chart = frame(root).build_cartesian_2d(x, 0.0..100.0)?;
    time_mesh(&mut chart)
        .y_label_formatter(&axes::percent)
        .y_desc("hit rate")
        .draw()?;

    if client_seen {
        let size = bucket_size(run.timeseries.len(), MAX_POINTS).max(MIN_CLIENT_BUCKET_SECS);
        let buckets = merge(&run.timeseries, size);
        let points = buckets
            .iter()
            .map(|b| (b.start_secs + b.windows as f64, b.hit_percent()));
        drawn.extend(points.clone().filter_map(|(x, y)| Some((x, y?))));
        let style = palette::CLIENT_CACHE.stroke_width(3);
        let header = run.cache.header.as_deref().unwrap_or("header");
        chart
            .draw_series(
                segments(points)
                    .into_iter()
                    .map(|p| PathElement::new(p, style)),
            )?
            .label(format!("client ({header})"))
            .legend(legend_line(style));
    }
    let mut namespace_index = 0;
    for (namespace, series) in server_hit_rates(samples) {
        if series.iter().all(|(_, rate)| rate.is_none()) {
            continue; // a namespace this run never touched
        }
        let (label, style) = match &namespace {
            None => (
                "server, all namespaces".to_string(),
                palette::SERVER_CACHE.stroke_width(2),
            ),
            Some(name) => {
                namespace_index += 1;
                (
                    format!("server: {name}"),
                    palette::category(namespace_index - 1).stroke_width(1),
                )
            }
        };
        drawn.extend(series.iter().filter_map(|(x, y)| Some((*x, (*y)?))));
        let few = series.len() <= 60;
        let parts = segments(series);
        chart
            .draw_series(parts.iter().map(|p| PathElement::new(p.clone(), style)))?
            .label(label)
            .legend(legend_line(style));
        if few {
            // With few scrapes, dots show where the measurements are.
            chart.draw_series(
                parts
                    .into_iter()
                    .flatten()
                    .map(|p| Circle::new(p, 2, style.filled())),
            )?;
        }
    }
    let corner = quiet_corner(drawn, &x_range, &(0.0..100.0));
    legend(&mut chart, corner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_rates_come_from_counter_deltas() {
        let sample = |t: f64, hits: u64, misses: u64| ServerCacheSample {
            offset_secs: t,
            namespaces: BTreeMap::from([(
                "records".to_string(),
                CacheCounts {
                    hits,
                    misses,
                    other: 0,
                },
            )]),
        };
        let rates = server_hit_rates(&[
            sample(0.0, 10, 10),
            sample(5.0, 40, 20),
            sample(10.0, 40, 20),
        ]);
        assert_eq!(rates[&None], vec![(5.0, Some(75.0)), (10.0, None)]);
        assert_eq!(rates[&Some("records".to_string())][0], (5.0, Some(75.0)));
    }
}
