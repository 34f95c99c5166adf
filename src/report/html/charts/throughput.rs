//! Chart 2: throughput per second over the run, successes and failures stacked (failures at the
//! bottom, in red, so even a few stand out); a baseline's total rate dashed when given.

use plotters::prelude::*;

use super::{
    Drawn, HEIGHT, WIDTH, axes, frame, legend, legend_line, palette, quiet_corner, svg,
    time_buckets, time_mesh,
};
use crate::model::RunResult;

/// Requests per second over time, successes and failures stacked.
pub fn throughput_svg(run: &RunResult, baseline: Option<&RunResult>) -> String {
    svg(WIDTH, HEIGHT, "throughput over time", |root| {
        draw(root, run, baseline)
    })
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    run: &RunResult,
    baseline: Option<&RunResult>,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (buckets, base_buckets, x) = time_buckets(run, baseline);
    let top = buckets
        .iter()
        .chain(&base_buckets)
        .map(|b| b.requests_per_sec)
        .fold(0.0, f64::max);
    let (x_range, y_range) = (x.clone(), 0.0..axes::headroom(top));
    let mut chart = frame(root).build_cartesian_2d(x, y_range.clone())?;
    time_mesh(&mut chart)
        .y_label_formatter(&axes::count)
        .y_desc("requests per second")
        .draw()?;

    // Stacked: the total drawn in the success colour, the failures over its bottom part.
    let steps = |value: fn(&super::downsample::Bucket) -> f64| -> Vec<(f64, f64)> {
        buckets
            .iter()
            .flat_map(|b| {
                let end = b.start_secs + b.windows as f64;
                [(b.start_secs, value(b)), (end, value(b))]
            })
            .collect()
    };
    chart
        .draw_series(AreaSeries::new(
            steps(|b| b.requests_per_sec),
            0.0,
            palette::SUCCESS.mix(0.55),
        ))?
        .label("successes")
        .legend(legend_line(palette::SUCCESS.stroke_width(8)));
    chart
        .draw_series(AreaSeries::new(
            steps(|b| b.failures_per_sec),
            0.0,
            palette::FAILURE.mix(0.85),
        ))?
        .label("failures")
        .legend(legend_line(palette::FAILURE.stroke_width(8)));
    if baseline.is_some() {
        let style = palette::TOTAL.mix(0.6).stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(
                base_buckets
                    .iter()
                    .map(|b| (b.start_secs, b.requests_per_sec)),
                6,
                4,
                style,
            ))?
            .label("baseline total")
            .legend(legend_line(style));
    }
    // The areas fill everything below the line: count each bucket's whole column as covered.
    let covered = buckets.iter().flat_map(|b| {
        let steps = 8;
        (0..=steps).map(move |k| {
            (
                b.start_secs,
                b.requests_per_sec * f64::from(k) / f64::from(steps),
            )
        })
    });
    let corner = quiet_corner(covered, &x_range, &y_range);
    legend(&mut chart, corner)
}
