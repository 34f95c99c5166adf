//! The colours of every chart, chosen once so that a series keeps its colour from chart to chart:
//! p50/p95/p99 are always blue/orange/red, successes green and failures red, the load grey, the
//! generator and the target always the same two hues, and each endpoint (by its position in the
//! results, which are sorted by name) the same categorical colour everywhere. A baseline is drawn
//! in the run's colours, lighter and dashed.

use plotters::style::RGBColor;

pub const P50: RGBColor = RGBColor(31, 119, 180);
pub const P95: RGBColor = RGBColor(255, 127, 14);
pub const P99: RGBColor = RGBColor(214, 39, 40);
pub const LOAD: RGBColor = RGBColor(127, 127, 127);
pub const SUCCESS: RGBColor = RGBColor(44, 160, 44);
pub const FAILURE: RGBColor = RGBColor(214, 39, 40);
pub const GENERATOR: RGBColor = RGBColor(31, 119, 180);
pub const TARGET: RGBColor = RGBColor(148, 103, 189);
pub const LIMIT: RGBColor = RGBColor(214, 39, 40);
pub const CLIENT_CACHE: RGBColor = RGBColor(31, 119, 180);
pub const SERVER_CACHE: RGBColor = RGBColor(23, 23, 23);
pub const TOTAL: RGBColor = RGBColor(23, 23, 23);
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// Categorical colours for endpoints and cache namespaces (Tableau 10 without the ones above).
const CATEGORIES: [RGBColor; 8] = [
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
    RGBColor(227, 119, 194),
    RGBColor(140, 86, 75),
    RGBColor(148, 103, 189),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(31, 119, 180),
];

/// The colour of the `index`-th endpoint (or namespace); repeats after eight.
pub fn category(index: usize) -> RGBColor {
    CATEGORIES[index % CATEGORIES.len()]
}

/// The same hue, mixed half-way to white: how a baseline's series is drawn.
pub fn lighter(color: RGBColor) -> RGBColor {
    let mix = |c: u8| ((u16::from(c) + 255) / 2) as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}

/// `#rrggbb`, for HTML legends and table swatches matching the charts.
pub fn css(color: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", color.0, color.1, color.2)
}
