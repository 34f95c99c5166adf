//! Chart 3: the latency distribution as a percentile spectrum, HdrHistogram style: x is the
//! percentile on a logarithmic "nines" scale (0%, 90%, 99%, 99.9%, 99.99%), y the latency. Drawn
//! for the whole run and its busiest endpoints from the stored histograms; a baseline's curves
//! are overlaid dashed in the same colours.

use hdrhistogram::Histogram;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::{Drawn, FONT, HEIGHT, WIDTH, axes, frame, mesh, palette, svg};
use crate::model::RunResult;
use crate::model::histogram::decode;

/// How many endpoints (the busiest) get their own curve beside the total.
pub const BUSIEST: usize = 5;
/// Points per curve, evenly spaced on the nines scale.
const POINTS: usize = 161;

/// One curve of the spectrum.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumSeries {
    pub label: String,
    pub color: RGBColor,
    /// Drawn dashed (a baseline's curve).
    pub dashed: bool,
    /// (position on the nines scale, latency in µs), ascending.
    pub points: Vec<(f64, u64)>,
}

impl SpectrumSeries {
    /// The curve of a histogram: its latency at evenly spaced positions of the nines scale up to
    /// 99.99% (fewer when the histogram holds too few values to say more).
    pub fn from_histogram(
        label: String,
        color: RGBColor,
        dashed: bool,
        histogram: &Histogram<u64>,
    ) -> Self {
        let count = histogram.len() as f64;
        // With n values, quantiles beyond 1 - 1/n all read the max: stop one step after.
        let reach = if count > 0.0 {
            axes::nines(1.0 - 1.0 / count).max(1.0) + 0.5
        } else {
            0.0
        };
        let points = (0..POINTS)
            .map(|i| axes::MAX_NINES * i as f64 / (POINTS - 1) as f64)
            .take_while(|x| *x <= reach.min(axes::MAX_NINES) + 1e-9)
            .map(|x| (x, histogram.value_at_quantile(axes::quantile_at(x))))
            .collect();
        SpectrumSeries {
            label,
            color,
            dashed,
            points,
        }
    }
}

/// The curves for a run: the total and its busiest endpoints (colour by the endpoint's position
/// in the results), then the same for `baseline` dashed. Unreadable histograms are skipped.
pub fn spectrum_series(run: &RunResult, baseline: Option<&RunResult>) -> Vec<SpectrumSeries> {
    let mut busiest: Vec<(usize, &crate::model::EndpointStats)> = run
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| e.latency.count > 0)
        .collect();
    busiest.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then(a.0.cmp(&b.0)));
    busiest.truncate(BUSIEST);
    busiest.sort_by_key(|(i, _)| *i);

    let mut series = Vec::new();
    let sides: [(Option<&RunResult>, bool); 2] = [(Some(run), false), (baseline, true)];
    for (side, dashed) in sides {
        let Some(side) = side else { continue };
        let prefix = if dashed { "baseline " } else { "" };
        if let Ok(h) = decode(&side.totals.histogram) {
            series.push(SpectrumSeries::from_histogram(
                format!("{prefix}all endpoints"),
                palette::TOTAL,
                dashed,
                &h,
            ));
        }
        for (index, endpoint) in &busiest {
            let stats = side.endpoints.iter().find(|e| e.name == endpoint.name);
            if let Some(h) = stats
                .and_then(|e| decode(&e.histogram).ok())
                .filter(|h| !h.is_empty())
            {
                series.push(SpectrumSeries::from_histogram(
                    format!("{prefix}{}", endpoint.name),
                    palette::category(*index),
                    dashed,
                    &h,
                ));
            }
        }
    }
    series
}

/// Draws the spectrum of the given curves.
pub fn spectrum_svg(series: &[SpectrumSeries]) -> String {
    svg(WIDTH, HEIGHT + 60, "latency percentile spectrum", |root| {
        draw(root, series)
    })
}

/// Width of the legend panel right of the plot: the curves fill the plot's corners, so the
/// legend gets its own room.
const LEGEND_WIDTH: u32 = 260;

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[SpectrumSeries],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (plot, side) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
    let top = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .max()
        .unwrap_or(0);
    let mut chart = frame(&plot).build_cartesian_2d(
        0.0..axes::MAX_NINES,
        0.0..axes::headroom(top as f64 / 1000.0),
    )?;
    mesh(&mut chart)
        .x_labels(9)
        .x_label_formatter(&axes::nines_label)
        .y_label_formatter(&axes::millis)
        .x_desc("percentile (log scale of nines)")
        .y_desc("latency (ms)")
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let points: Vec<(f64, f64)> = s
            .points
            .iter()
            .map(|(x, us)| (*x, *us as f64 / 1000.0))
            .collect();
        let style = style_of(s);
        if s.dashed {
            chart.draw_series(std::iter::once(DashedPathElement::new(points, 6, 4, style)))?;
        } else {
            chart.draw_series(LineSeries::new(points, style))?;
        }
        // The legend, one row per curve, in the panel on the right.
        let y = 24 + 20 * i as i32;
        if s.dashed {
            side.draw(&DashedPathElement::new(vec![(8, y), (34, y)], 5, 3, style))?;
        } else {
            side.draw(&PathElement::new(vec![(8, y), (34, y)], style))?;
        }
        let name: String = if s.label.chars().count() > 34 {
            s.label.chars().take(33).chain(['…']).collect()
        } else {
            s.label.clone()
        };
        side.draw(&Text::new(name, (40, y - 7), (FONT, 12).into_font()))?;
    }
    Ok(())
}

fn style_of(s: &SpectrumSeries) -> ShapeStyle {
    if s.dashed {
        palette::lighter(s.color).stroke_width(2)
    } else {
        s.color.stroke_width(2)
    }
}
