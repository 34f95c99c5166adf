//! Chart 6: latency by endpoint: one bar per endpoint from p50 to p95 in the endpoint's colour,
//! a black tick at p99, and the baseline's p95 as an outlined box when given. Endpoints keep
//! their order (by name, top to bottom) and their colour from the other charts.

use plotters::prelude::*;

use super::{Drawn, FONT, WIDTH, axes, legend, mesh, palette, quiet_corner, svg};
use crate::model::RunResult;

/// Height per endpoint row, in SVG units.
const ROW: u32 = 34;

/// The per-endpoint latency chart, or `None` when no endpoint has a response.
pub fn endpoints_svg(run: &RunResult, baseline: Option<&RunResult>) -> Option<String> {
    let rows: Vec<Row> = run
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| e.latency.count > 0)
        .map(|(index, e)| Row {
            name: e.name.clone(),
            color: palette::category(index),
            p50: e.latency.p50_us as f64 / 1000.0,
            p95: e.latency.p95_us as f64 / 1000.0,
            p99: e.latency.p99_us as f64 / 1000.0,
            base_p95: baseline
                .and_then(|b| b.endpoints.iter().find(|x| x.name == e.name))
                .filter(|x| x.latency.count > 0)
                .map(|x| x.latency.p95_us as f64 / 1000.0),
        })
        .collect();
    if rows.is_empty() {
        return None;
    }
    let height = 110 + ROW * rows.len() as u32;
    Some(svg(WIDTH, height, "latency by endpoint", |root| {
        draw(root, &rows)
    }))
}

struct Row {
    name: String,
    color: RGBColor,
    p50: f64,
    p95: f64,
    p99: f64,
    base_p95: Option<f64>,
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>, rows: &[Row]) -> Drawn
where
    DB::ErrorType: 'static,
{
    let top = rows
        .iter()
        .map(|r| r.p99.max(r.base_p95.unwrap_or(0.0)))
        .fold(0.0, f64::max);
    let longest = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(4);
    let n = rows.len();
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size((longest as u32 * 7 + 16).clamp(60, 360))
        .build_cartesian_2d(0.0..axes::headroom(top), (0..n - 1).into_segmented())?;
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let label = move |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(slot) => names
            .get(n - 1 - slot.min(&(n - 1)))
            .map_or(String::new(), |s| (*s).to_string()),
        _ => String::new(),
    };
    mesh(&mut chart)
        .disable_y_mesh()
        .y_labels(n)
        .y_label_formatter(&label)
        .x_label_formatter(&axes::millis)
        .x_desc("latency (ms): bar p50 → p95, tick p99")
        .draw()?;
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            let i = n - 1 - i;
            let mut bar = Rectangle::new(
                [
                    (r.p50, SegmentValue::Exact(i)),
                    (r.p95, SegmentValue::Exact(i + 1)),
                ],
                r.color.mix(0.85).filled(),
            );
            bar.set_margin(7, 7, 0, 0);
            bar
        }))?
        .label("p50 → p95")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], palette::LOAD.filled()));
    chart
        .draw_series(rows.iter().enumerate().map(|(i, r)| {
            let i = n - 1 - i;
            let mut tick = Rectangle::new(
                [
                    (r.p99, SegmentValue::Exact(i)),
                    (r.p99, SegmentValue::Exact(i + 1)),
                ],
                palette::TOTAL.stroke_width(3),
            );
            tick.set_margin(4, 4, 0, 0);
            tick
        }))?
        .label("p99")
        .legend(|(x, y)| {
            PathElement::new(
                vec![(x + 9, y - 6), (x + 9, y + 6)],
                palette::TOTAL.stroke_width(3),
            )
        });
    if rows.iter().any(|r| r.base_p95.is_some()) {
        chart
            .draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
                let i = n - 1 - i;
                let p95 = r.base_p95?;
                let mut outline = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (p95, SegmentValue::Exact(i + 1)),
                    ],
                    palette::TOTAL.stroke_width(1),
                );
                outline.set_margin(4, 4, 0, 0);
                Some(outline)
            }))?
            .label("baseline p95 (outline)")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 5), (x + 18, y + 5)],
                    palette::TOTAL.stroke_width(1),
                )
            });
    }
    // The figures at the end of each bar, so the chart reads without hovering.
    chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
        let i = n - 1 - i;
        EmptyElement::at((r.p99.max(r.p95), SegmentValue::CenterOf(i)))
            + Text::new(
                format!("p95 {}", crate::units::format_micros(r.p95 * 1000.0)),
                (8, -6),
                (FONT, 11).into_font(),
            )
    }))?;
    // Where the bars (and outlines) are, sampled along each row, for the legend's corner.
    let x_end = axes::headroom(top);
    let covered = rows.iter().enumerate().flat_map(|(i, r)| {
        let y = (n - 1 - i) as f64 + 0.5;
        let from = if r.base_p95.is_some() { 0.0 } else { r.p50 };
        let to = r.p99.max(r.base_p95.unwrap_or(0.0)) + x_end * 0.15; // the label after the bar
        (0..=10).map(move |k| (from + (to - from) * f64::from(k) / 10.0, y))
    });
    let corner = quiet_corner(covered, &(0.0..x_end), &(0.0..n as f64));
    legend(&mut chart, corner)
}
