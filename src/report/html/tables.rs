//! The tables of figures: per endpoint (with deltas against a baseline), errors by kind and
//! endpoint with a sample message, and status codes by endpoint.

use std::collections::BTreeSet;

use super::cards::cell_html;
use super::charts::palette;
use super::escape;
use super::page::{Td, section, table};
use crate::model::{EndpointStats, RunResult};
use crate::report::figures::{
    ENDPOINT_COLUMNS, baseline_endpoint, endpoint_cells, error_kind_name, protocol_text,
};
use crate::units::format_percent;

/// Per endpoint: count, rate, p50/p90/p95/p99/max, error %, hit %, bytes, and the HTTP version
/// that served it (when the results recorded one); the totals last.
pub fn endpoints(result: &RunResult, baseline: Option<&RunResult>) -> String {
    let mut headings = vec!["endpoint"];
    headings.extend(ENDPOINT_COLUMNS);
    let protocols = result
        .endpoints
        .iter()
        .chain([&result.totals])
        .any(|e| !e.protocols.is_empty());
    if protocols {
        headings.push("protocol");
    }
    let rows: Vec<Vec<Td>> = result
        .endpoints
        .iter()
        .enumerate()
        .map(|(index, stats)| {
            let name = format!(
                "<span class=\"swatch\" style=\"background:{}\"></span>{}{}",
                palette::css(palette::category(index)),
                stats
                    .method
                    .as_ref()
                    .filter(|m| !stats.name.starts_with(m.as_str()))
                    .map_or(String::new(), |m| format!("<small>{}</small> ", escape(m))),
                escape(&stats.name)
            );
            row(
                name,
                stats,
                baseline_endpoint(baseline, &stats.name),
                protocols,
            )
        })
        .collect();
    let total = row(
        "total".to_string(),
        &result.totals,
        baseline.map(|b| &b.totals),
        protocols,
    );
    let note = if baseline.is_some() {
        "<p class=\"note\">Changes against the baseline beside each value (red: worse).</p>"
    } else {
        ""
    };
    section(
        "Endpoints",
        "endpoints",
        &format!("{}{note}", table(&headings, &rows, &[total])),
    )
}

fn row(
    name_html: String,
    stats: &EndpointStats,
    base: Option<&EndpointStats>,
    protocol: bool,
) -> Vec<Td> {
    let mut row = vec![Td {
        html: name_html,
        sort: None,
        class: "",
    }];
    row.extend(
        endpoint_cells(stats, base)
            .iter()
            .map(|cell| Td::number(cell_html(cell), cell.sort)),
    );
    if protocol {
        row.push(Td::text(
            &protocol_text(stats).unwrap_or_else(|| "-".into()),
        ));
    }
    row
}

/// Failures by kind and endpoint, with a sample message each.
pub fn errors(result: &RunResult) -> String {
    let rows: Vec<Vec<Td>> = result
        .endpoints
        .iter()
        .flat_map(|e| {
            e.errors.iter().map(move |error| {
                let share = error.count as f64 / e.requests.max(1) as f64;
                vec![
                    Td::text(&e.name),
                    Td::text(&error_kind_name(error.kind)),
                    Td::number(error.count.to_string(), error.count as f64),
                    Td::number(format_percent(share), share),
                    Td {
                        html: escape(&error.sample),
                        sort: None,
                        class: "sample",
                    },
                ]
            })
        })
        .collect();
    let inner = if rows.is_empty() {
        "<p>No failed requests.</p>".to_string()
    } else {
        table(
            &[
                "endpoint",
                "kind",
                "count",
                "of its requests",
                "sample message",
            ],
            &rows,
            &[],
        )
    };
    section("Errors", "errors", &inner)
}

/// Responses by status code (columns) and endpoint (rows), the totals last.
pub fn status_codes(result: &RunResult) -> String {
    let codes: BTreeSet<&String> = result
        .endpoints
        .iter()
        .chain([&result.totals])
        .flat_map(|e| e.status_counts.keys())
        .collect();
    if codes.is_empty() {
        return section(
            "Status codes",
            "status-codes",
            "<p>No response was received.</p>",
        );
    }
    let mut headings = vec!["endpoint"];
    headings.extend(codes.iter().map(|c| c.as_str()));
    let line = |stats: &EndpointStats| -> Vec<Td> {
        let mut cells = vec![Td::text(&stats.name)];
        for code in &codes {
            let count = stats.status_counts.get(*code).copied().unwrap_or(0);
            cells.push(Td::number(
                if count == 0 {
                    "-".to_string()
                } else {
                    count.to_string()
                },
                count as f64,
            ));
        }
        cells
    };
    let rows: Vec<Vec<Td>> = result.endpoints.iter().map(line).collect();
    section(
        "Status codes",
        "status-codes",
        &table(&headings, &rows, &[line(&result.totals)]),
    )
}
