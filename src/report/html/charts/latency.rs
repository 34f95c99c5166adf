//! Chart 1: latency percentiles (p50, p95, p99) per second over the run, with the load (users,
//! arrival rate or connections) on a second axis; a baseline's p95 and p99 overlaid, dashed.

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::downsample::{Bucket, segments};
use super::{
    Drawn, HEIGHT, WIDTH, axes, frame, label_font, legend, legend_line, palette, quiet_corner, svg,
    time_buckets, time_mesh,
};
use crate::model::RunResult;

/// The name of the load for a model, with its unit: "users", "arrival rate (/s)", "connections".
pub fn load_label(model: &str) -> &'static str {
    match model {
        "open" => "arrival rate (/s)",
        "throughput" => "connections",
        _ => "users",
    }
}

type Pick = fn(&Bucket) -> Option<u64>;

/// Latency percentiles over time for `run`, with `baseline`'s p95/p99 dashed when given.
pub fn latency_over_time_svg(run: &RunResult, baseline: Option<&RunResult>) -> String {
    svg(WIDTH, HEIGHT, "latency percentiles over time", |root| {
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
    let worst = buckets
        .iter()
        .chain(&base_buckets)
        .filter_map(|b| b.p99_us)
        .max()
        .unwrap_or(0);
    let y_max = axes::headroom(worst as f64 / 1000.0);
    let load_max = axes::headroom(buckets.iter().map(|b| b.load).fold(0.0, f64::max));
    let x_range = x.clone();
    let mut chart = frame(root)
        .right_y_label_area_size(56)
        .build_cartesian_2d(x.clone(), 0.0..y_max)?
        .set_secondary_coord(x, 0.0..load_max);
    time_mesh(&mut chart)
        .y_label_formatter(&axes::millis)
        .y_desc("latency (ms)")
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc(load_label(&run.load.model))
        .y_label_formatter(&axes::count)
        .label_style(label_font())
        .axis_desc_style(label_font())
        .draw()?;

    let load_style = palette::LOAD.mix(0.8).stroke_width(1);
    chart
        .draw_secondary_series(DashedLineSeries::new(
            buckets.iter().map(|b| (b.start_secs, b.load)),
            4,
            3,
            load_style,
        ))?
        .label(load_label(&run.load.model))
        .legend(legend_line(load_style));

    let lines: [(&str, Pick, RGBColor); 3] = [
        ("p50", |b| b.p50_us, palette::P50),
        ("p95", |b| b.p95_us, palette::P95),
        ("p99", |b| b.p99_us, palette::P99),
    ];
    for (name, pick, color) in lines {
        let style = color.stroke_width(2);
        let parts = segments(buckets.iter().map(|b| (b.start_secs, ms(pick(b)))));
        chart
            .draw_series(parts.into_iter().map(|part| PathElement::new(part, style)))?
            .label(name)
            .legend(legend_line(style));
    }
    if baseline.is_some() {
        for (name, pick, color) in &lines[1..] {
            let style = palette::lighter(*color).stroke_width(2);
            let parts = segments(base_buckets.iter().map(|b| (b.start_secs, ms(pick(b)))));
            chart
                .draw_series(
                    parts
                        .into_iter()
                        .map(|part| DashedPathElement::new(part, 6, 4, style)),
                )?
                .label(format!("baseline {name}"))
                .legend(legend_line(style));
        }
    }
    let drawn = buckets.iter().flat_map(|b| {
        let load = (b.start_secs, b.load / load_max * y_max);
        [b.p50_us, b.p95_us, b.p99_us]
            .into_iter()
            .flatten()
            .map(|us| (b.start_secs, us as f64 / 1000.0))
            .chain([load])
    });
    let corner = quiet_corner(drawn, &x_range, &(0.0..y_max));
    legend(&mut chart, corner)
}

fn ms(us: Option<u64>) -> Option<f64> {
    us.map(|us| us as f64 / 1000.0)
}
