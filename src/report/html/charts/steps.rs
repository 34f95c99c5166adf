//! The stress chart: latency (p50, p95, p99) and error rate against the offered load, one point
//! per load step of a breaking-point finding, so the knee and the step that broke show at a glance.

use plotters::prelude::*;

use super::{
    Drawn, HEIGHT, WIDTH, axes, frame, label_font, legend, legend_line, mesh, palette,
    quiet_corner, svg,
};
use crate::model::{Finding, LoadStep};

/// Latency and errors against load for a finding with steps; `None` when it has none. `load` names
/// the load's unit ("arrival rate (/s)" or "users").
pub fn steps_svg(finding: &Finding, load: &str) -> Option<String> {
    if finding.steps.is_empty() {
        return None;
    }
    Some(svg(
        WIDTH,
        HEIGHT,
        "latency and errors against load",
        |root| draw(root, &finding.steps, load),
    ))
}

type Pick = fn(&LoadStep) -> u64;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    steps: &[LoadStep],
    load: &str,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let x_max = axes::headroom(steps.iter().map(|s| s.load).fold(0.0, f64::max));
    let y_max = axes::headroom(steps.iter().map(|s| s.p99_us).max().unwrap_or(0) as f64 / 1000.0);
    let err_max = steps
        .iter()
        .map(|s| s.error_rate * 100.0)
        .fold(0.0, f64::max)
        .max(1.0);
    let mut chart = frame(root)
        .right_y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?
        .set_secondary_coord(0.0..x_max, 0.0..axes::headroom(err_max));
    mesh(&mut chart)
        .x_label_formatter(&axes::count)
        .y_label_formatter(&axes::millis)
        .x_desc(load)
        .y_desc("latency (ms)")
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("errors (%)")
        .label_style(label_font())
        .axis_desc_style(label_font())
        .draw()?;
    let lines: [(&str, Pick, RGBColor); 3] = [
        ("p50", |s| s.p50_us, palette::P50),
        ("p95", |s| s.p95_us, palette::P95),
        ("p99", |s| s.p99_us, palette::P99),
    ];
    for (name, pick, color) in lines {
        let style = color.stroke_width(2);
        let points: Vec<(f64, f64)> = steps
            .iter()
            .map(|s| (s.load, pick(s) as f64 / 1000.0))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), style))?
            .label(name)
            .legend(legend_line(style));
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    let error_style = palette::FAILURE.mix(0.8).stroke_width(1);
    chart
        .draw_secondary_series(DashedLineSeries::new(
            steps.iter().map(|s| (s.load, s.error_rate * 100.0)),
            4,
            3,
            error_style,
        ))?
        .label("errors (%)")
        .legend(legend_line(error_style));
    // Steps that broke a limit get a red ring on their p99.
    chart.draw_series(steps.iter().filter(|s| !s.failed.is_empty()).map(|s| {
        Circle::new(
            (s.load, s.p99_us as f64 / 1000.0),
            7,
            palette::LIMIT.stroke_width(2),
        )
    }))?;
    let drawn = steps
        .iter()
        .flat_map(|s| [s.p50_us, s.p95_us, s.p99_us].map(|us| (s.load, us as f64 / 1000.0)));
    let corner = quiet_corner(drawn, &(0.0..x_max), &(0.0..y_max));
    legend(&mut chart, corner)
}
