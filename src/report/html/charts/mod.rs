//! The report's charts, drawn with plotters' SVG backend as inline `<svg>` elements (text is left
//! to the browser's fonts: no font files are needed to render). Each chart kind has its own file;
//! this module holds the frame they share: the SVG canvas, fonts, mesh and legend styles.
//!
//! The functions are public so the compare command can draw the same charts for two runs.

pub mod axes;
pub mod cache;
pub mod downsample;
pub mod endpoints;
pub mod latency;
pub mod palette;
pub mod resources;
pub mod spectrum;
pub mod steps;
pub mod throughput;

pub use cache::cache_svg;
pub use endpoints::endpoints_svg;
pub use latency::latency_over_time_svg;
pub use resources::resources_svg;
pub use spectrum::{SpectrumSeries, spectrum_series, spectrum_svg};
pub use steps::steps_svg;
pub use throughput::throughput_svg;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::escape;

/// What a drawing function returns; plotters' errors are boxed, the chart shows the message.
pub(crate) type Drawn = Result<(), Box<dyn std::error::Error>>;

/// The font family of every label (drawn by the browser).
pub(crate) const FONT: &str = "sans-serif";
/// Width of a full-width chart, in SVG units (the page scales it to the column).
pub(crate) const WIDTH: u32 = 960;
/// Height of a full-width time chart.
pub(crate) const HEIGHT: u32 = 340;

/// Draws onto a new `width`×`height` SVG canvas and returns the `<svg>` element, labelled for
/// screen readers with `label`. A drawing error gives a small SVG saying so rather than no chart.
pub(crate) fn svg(
    width: u32,
    height: u32,
    label: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Drawn,
) -> String {
    let mut out = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root).map_err(|e| e.to_string()))
            .and_then(|()| root.present().map_err(|e| e.to_string()))
    };
    match drawn {
        Ok(()) => out.replacen(
            "<svg ",
            &format!(
                "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" ",
                escape(label)
            ),
            1,
        ),
        Err(message) => format!(
            "<svg class=\"chart\" role=\"img\" aria-label=\"{label}\" width=\"{width}\" height=\"60\" \
             viewBox=\"0 0 {width} 60\" xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\" y=\"30\">\
             this chart could not be drawn: {message}</text></svg>",
            label = escape(label),
            message = escape(&message)
        ),
    }
}

/// The frame of every chart: a 12 px margin and room for the axes' labels (56 px for a y axis).
pub(crate) fn frame<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56);
    builder
}

/// The mesh of every chart: major grid lines only, labels in the report's font. The caller adds
/// its axes' formatters and descriptions, then draws it.
pub(crate) fn mesh<'a, 'b, X, Y, DB>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
    DB: DrawingBackend,
{
    let mut style = chart.configure_mesh();
    style
        .light_line_style(TRANSPARENT)
        .bold_line_style(palette::GRID)
        .label_style(label_font())
        .axis_desc_style(label_font());
    style
}

/// The mesh of a chart over the run's time: [`mesh`] with the x axis in minutes and seconds since
/// the start.
pub(crate) fn time_mesh<'a, 'b, Y, DB>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
) -> MeshStyle<'a, 'b, RangedCoordf64, Y, DB>
where
    Y: Ranged + ValueFormatter<Y::ValueType>,
    DB: DrawingBackend,
{
    let mut style = mesh(chart);
    style
        .x_label_formatter(&axes::clock)
        .x_desc("time since start (m:ss)");
    style
}

/// The style of axis labels.
pub(crate) fn label_font() -> TextStyle<'static> {
    (FONT, 12).into_font().color(&BLACK)
}

/// Draws the legend of the series that have a label, top left, over a white box.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(palette::GRID)
        .label_font((FONT, 12))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The short line shown for a series in the legend.
pub(crate) fn legend_line(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style)
}

/// The run's and the baseline's per-second series thinned for drawing, and the x range that
/// covers both.
pub(crate) fn time_buckets(
    run: &crate::model::RunResult,
    baseline: Option<&crate::model::RunResult>,
) -> (
    Vec<downsample::Bucket>,
    Vec<downsample::Bucket>,
    std::ops::Range<f64>,
) {
    let buckets = downsample::downsample(&run.timeseries);
    let base_buckets = baseline
        .map(|b| downsample::downsample(&b.timeseries))
        .unwrap_or_default();
    let mut x = time_range(&run.timeseries, run.duration_secs);
    if let Some(b) = baseline {
        x.end = x.end.max(time_range(&b.timeseries, b.duration_secs).end);
    }
    (buckets, base_buckets, x)
}

/// The x range of a time chart: from the first to one past the last second.
pub(crate) fn time_range(
    windows: &[crate::model::Window],
    duration_secs: f64,
) -> std::ops::Range<f64> {
    let last = windows
        .last()
        .map_or(0.0, |w| f64::from(w.offset_secs) + 1.0);
    0.0..last.max(duration_secs).max(1.0)
}

/// The corner of the plot with the fewest data points (each corner a box of 40% of the width by
/// 35% of the height), where the legend hides the least. Ties go to the upper left.
pub(crate) fn quiet_corner(
    points: impl IntoIterator<Item = (f64, f64)>,
    x: &std::ops::Range<f64>,
    y: &std::ops::Range<f64>,
) -> SeriesLabelPosition {
    let (w, h) = (x.end - x.start, y.end - y.start);
    let mut counts = [0usize; 4]; // upper left, upper right, lower left, lower right
    for (px, py) in points {
        let (fx, fy) = ((px - x.start) / w, (py - y.start) / h);
        let left = fx <= 0.4;
        let right = fx >= 0.6;
        let upper = fy >= 0.65;
        let lower = fy <= 0.35;
        for (i, inside) in [upper && left, upper && right, lower && left, lower && right]
            .into_iter()
            .enumerate()
        {
            counts[i] += usize::from(inside);
        }
    }
    let best = (0..4).min_by_key(|i| counts[*i]).unwrap_or(0);
    [
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::UpperRight,
        SeriesLabelPosition::LowerLeft,
        SeriesLabelPosition::LowerRight,
    ][best]
        .clone()
}
