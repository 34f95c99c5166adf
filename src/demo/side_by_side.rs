//! The demo's closing table: the same traffic with SalesHub's cache on and off, side by side, with
//! the change from one to the other, so a first-time user sees what the cache is worth.

use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

use crate::model::RunResult;
use crate::units::{format_micros, format_percent};

/// One row: a figure of both runs and the change from the first to the second.
struct Row {
    name: &'static str,
    on: Option<f64>,
    off: Option<f64>,
    show: fn(f64) -> String,
    /// Change as a relative difference (latency, throughput) or in percentage points (rates).
    points: bool,
}

/// One figure of both runs, formatted, and the change from cache on to cache off.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedFigure {
    pub name: &'static str,
    pub on: String,
    pub off: String,
    pub change: String,
}

/// p50, p95, p99, throughput, error rate and cache hit rate of all requests together in `on`
/// (cache on) and `off` (cache off), with the change: what the terminal table and the demo's
/// page both show.
pub fn compared_figures(on: &RunResult, off: &RunResult) -> Vec<ComparedFigure> {
    let latency =
        |r: &RunResult, f: fn(&RunResult) -> u64| (r.totals.latency.count > 0).then(|| f(r) as f64);
    let error_rate = |r: &RunResult| {
        (r.totals.requests > 0).then(|| r.totals.failures as f64 / r.totals.requests as f64)
    };
    let rows = [
        Row {
            name: "p50",
            on: latency(on, |r| r.totals.latency.p50_us),
            off: latency(off, |r| r.totals.latency.p50_us),
            show: format_micros,
            points: false,
        },
        Row {
            name: "p95",
            on: latency(on, |r| r.totals.latency.p95_us),
            off: latency(off, |r| r.totals.latency.p95_us),
            show: format_micros,
            points: false,
        },
        Row {
            name: "p99",
            on: latency(on, |r| r.totals.latency.p99_us),
            off: latency(off, |r| r.totals.latency.p99_us),
            show: format_micros,
            points: false,
        },
        Row {
            name: "throughput",
            on: Some(on.totals.rps),
            off: Some(off.totals.rps),
            show: |v| format!("{v:.1}/s"),
            points: false,
        },
        Row {
            name: "error rate",
            on: error_rate(on),
            off: error_rate(off),
            show: format_percent,
            points: true,
        },
        Row {
            name: "cache hit rate",
            on: on.cache.client.hit_rate(),
            off: off.cache.client.hit_rate(),
            show: format_percent,
            points: true,
        },
    ];
    rows.iter()
        .map(|row| {
            let show = |v: Option<f64>| v.map_or_else(|| "-".to_string(), row.show);
            ComparedFigure {
                name: row.name,
                on: show(row.on),
                off: show(row.off),
                change: change(row.on, row.off, row.points),
            }
        })
        .collect()
}

/// The side-by-side table of `on` (cache on) and `off` (cache off): [`compared_figures`] for the
/// terminal.
pub fn comparison_table(on: &RunResult, off: &RunResult) -> String {
    let mut builder = Builder::default();
    builder.push_record(["", "cache on", "cache off", "change"]);
    for figure in compared_figures(on, off) {
        builder.push_record([
            figure.name.to_string(),
            figure.on,
            figure.off,
            figure.change,
        ]);
    }
    let mut table = builder.build();
    table
        .with(Style::rounded())
        .modify(Columns::new(1..), Alignment::right());
    table.to_string()
}

/// `+152%`, `-3.1%`, `-85.2 pt`; `-` when either side has no value.
fn change(on: Option<f64>, off: Option<f64>, points: bool) -> String {
    match (on, off) {
        (Some(a), Some(b)) if points => format!("{:+.1} pt", (b - a) * 100.0),
        (Some(a), Some(b)) if a > 0.0 => format!("{:+.0}%", (b - a) / a * 100.0),
        _ => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_both_sides_and_the_change() {
        let mut on = crate::analysis::tests::empty_run(10);
        on.totals.latency.count = 100;
        on.totals.latency.p50_us = 2_000;
        on.totals.latency.p95_us = 10_000;
        on.totals.latency.p99_us = 20_000;
        on.totals.requests = 100;
        on.totals.rps = 10.0;
        on.cache.client.hits = 90;
        on.cache.client.misses = 10;
        let mut off = on.clone();
        off.totals.latency.p50_us = 5_000;
        off.totals.failures = 1;
        off.cache.client = Default::default();
        let table = comparison_table(&on, &off);
        let line = |name: &str| {
            table
                .lines()
                .find(|l| l.contains(&format!(" {name} ")))
                .unwrap_or_else(|| panic!("no {name} row in\n{table}"))
                .to_string()
        };
        assert!(line("p50").contains("2.0ms") && line("p50").contains("5.0ms"));
        assert!(line("p50").contains("+150%"), "{table}");
        assert!(line("p95").contains("+0%"), "{table}");
        assert!(line("error rate").contains("+1.0 pt"), "{table}");
        let hit = line("cache hit rate");
        assert!(
            hit.contains("90.0%") && hit.trim_end_matches('│').trim().ends_with('-'),
            "{table}"
        );
    }
}
