//! Chart 5: CPU and memory (RSS) of the generator and, when it ran locally, the target, side by
//! side. CPU is drawn in percent of one core (200% = two cores busy), as sampled; the generator's
//! CPU limit (stored in percent of the whole machine) is converted with the core count and drawn
//! as a red line whenever the generator came near or above it, with the samples above it marked.

use plotters::prelude::*;

use super::downsample::{MAX_POINTS, bucket_size};
use super::{
    Drawn, HEIGHT, WIDTH, axes, frame, legend, legend_line, palette, quiet_corner, svg, time_mesh,
};
use crate::model::{ResourceSample, RunResult};

/// The generator's CPU limit in percent of one core (the samples' unit).
pub fn cpu_limit_of_one_core(run: &RunResult) -> f64 {
    run.generator.cpu_limit_percent * f64::from(run.environment.cores.max(1))
}

/// The resources chart, or `None` without samples.
pub fn resources_svg(run: &RunResult) -> Option<String> {
    if run.resources.is_empty() {
        return None;
    }
    let samples = thin(&run.resources);
    Some(svg(
        WIDTH,
        HEIGHT,
        "generator and target CPU and memory over time",
        |root| {
            let (left, right) = root.split_horizontally(WIDTH / 2);
            draw_cpu(&left, run, &samples)?;
            draw_rss(&right, run, &samples)
        },
    ))
}

/// At most [`MAX_POINTS`] samples: consecutive samples merged by their maximum CPU and RSS (the
/// peaks are what matters here), at the first sample's time.
pub fn thin(samples: &[ResourceSample]) -> Vec<ResourceSample> {
    let max_opt = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    samples
        .chunks(bucket_size(samples.len(), MAX_POINTS))
        .map(|chunk| {
            let mut merged = chunk[0].clone();
            for s in &chunk[1..] {
                merged.generator_cpu_percent =
                    merged.generator_cpu_percent.max(s.generator_cpu_percent);
                merged.generator_rss_bytes = merged.generator_rss_bytes.max(s.generator_rss_bytes);
                merged.target_cpu_percent =
                    max_opt(merged.target_cpu_percent, s.target_cpu_percent);
                merged.target_rss_bytes = merged.target_rss_bytes.max(s.target_rss_bytes);
            }
            merged
        })
        .collect()
}

fn x_range(run: &RunResult) -> std::ops::Range<f64> {
    let first = run
        .resources
        .first()
        .map_or(0.0, |s| s.offset_secs.min(0.0));
    let last = run.resources.last().map_or(1.0, |s| s.offset_secs);
    first..last.max(run.duration_secs).max(first + 1.0)
}

fn draw_cpu<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    run: &RunResult,
    samples: &[ResourceSample],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let limit = cpu_limit_of_one_core(run);
    let highest = run
        .resources
        .iter()
        .map(|s| {
            s.generator_cpu_percent
                .max(s.target_cpu_percent.unwrap_or(0.0))
        })
        .fold(0.0, f64::max);
    let crossed = samples.iter().any(|s| s.generator_cpu_percent > limit);
    // The limit is drawn when it was crossed or is within reach; otherwise it would flatten the
    // chart (the caption below the chart still states it).
    let show_limit = limit > 0.0 && (crossed || highest * 1.5 >= limit);
    let top = if show_limit {
        highest.max(limit)
    } else {
        highest
    };
    let mut chart = frame(area).build_cartesian_2d(x_range(run), 0.0..axes::headroom(top))?;
    let y_range = 0.0..axes::headroom(top);
    time_mesh(&mut chart)
        .y_label_formatter(&axes::percent)
        .x_labels(6)
        .y_desc("CPU (% of one core)")
        .draw()?;
    let generator = palette::GENERATOR.stroke_width(2);
    chart
        .draw_series(LineSeries::new(
            samples
                .iter()
                .map(|s| (s.offset_secs, s.generator_cpu_percent)),
            generator,
        ))?
        .label("generator CPU")
        .legend(legend_line(generator));
    let target: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|s| s.target_cpu_percent.map(|c| (s.offset_secs, c)))
        .collect();
    if !target.is_empty() {
        let style = palette::TARGET.stroke_width(2);
        chart
            .draw_series(LineSeries::new(target, style))?
            .label("target CPU")
            .legend(legend_line(style));
    }
    if show_limit {
        let style = palette::LIMIT.stroke_width(2);
        let range = x_range(run);
        chart
            .draw_series(DashedLineSeries::new(
                [(range.start, limit), (range.end, limit)],
                8,
                4,
                style,
            ))?
            .label(format!(
                "invalid above {limit:.0}%{}",
                if crossed { " (crossed)" } else { "" }
            ))
            .legend(legend_line(style));
        chart.draw_series(
            samples
                .iter()
                .filter(|s| s.generator_cpu_percent > limit)
                .map(|s| {
                    Circle::new(
                        (s.offset_secs, s.generator_cpu_percent),
                        4,
                        palette::LIMIT.filled(),
                    )
                }),
        )?;
    }
    let drawn = samples.iter().flat_map(|s| {
        let limit_point = show_limit.then_some((s.offset_secs, limit));
        [Some((s.offset_secs, s.generator_cpu_percent))]
            .into_iter()
            .chain([
                s.target_cpu_percent.map(|c| (s.offset_secs, c)),
                limit_point,
            ])
            .flatten()
    });
    let corner = quiet_corner(drawn, &x_range(run), &y_range);
    legend(&mut chart, corner)
}

fn draw_rss<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    run: &RunResult,
    samples: &[ResourceSample],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    const MIB: f64 = 1024.0 * 1024.0;
    let highest = run
        .resources
        .iter()
        .map(|s| s.generator_rss_bytes.max(s.target_rss_bytes.unwrap_or(0)) as f64 / MIB)
        .fold(0.0, f64::max);
    let mut chart = frame(area).build_cartesian_2d(x_range(run), 0.0..axes::headroom(highest))?;
    let y_range = 0.0..axes::headroom(highest);
    time_mesh(&mut chart)
        .y_label_formatter(&axes::count)
        .x_labels(6)
        .y_desc("memory, RSS (MiB)")
        .draw()?;
    let generator = palette::GENERATOR.stroke_width(2);
    chart
        .draw_series(LineSeries::new(
            samples
                .iter()
                .map(|s| (s.offset_secs, s.generator_rss_bytes as f64 / MIB)),
            generator,
        ))?
        .label("generator RSS")
        .legend(legend_line(generator));
    let target: Vec<(f64, f64)> = samples
        .iter()
        .filter_map(|s| s.target_rss_bytes.map(|b| (s.offset_secs, b as f64 / MIB)))
        .collect();
    if !target.is_empty() {
        let style = palette::TARGET.stroke_width(2);
        chart
            .draw_series(LineSeries::new(target, style))?
            .label("target RSS")
            .legend(legend_line(style));
    }
    let drawn = samples.iter().flat_map(|s| {
        [Some(s.generator_rss_bytes), s.target_rss_bytes]
            .into_iter()
            .flatten()
            .map(|b| (s.offset_secs, b as f64 / MIB))
    });
    let corner = quiet_corner(drawn, &x_range(run), &y_range);
    legend(&mut chart, corner)
}
