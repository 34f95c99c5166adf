//! The page around the sections: the HTML document with its inline style and script, and the
//! building blocks every section uses (section, figure, table). Nothing here loads anything from
//! a network: the page reads the same offline, attached to a ticket.

use std::fmt::Write as _;

use super::escape;
use crate::model::RunResult;

/// The page's style sheet, inlined (the live dashboard inlines it too).
pub const STYLE: &str = include_str!("page.css");
/// The page's script: sortable tables, and a record of each chart's drawn size and of any
/// script error in the DOM (`data-width`/`data-height` on each chart, `data-js-errors` on the
/// root) so a headless browser test can check them. The page reads fully without it.
const SCRIPT: &str = include_str!("page.js");

/// The whole document.
pub fn document(title: &str, body: &str, result: &RunResult) -> String {
    let mut html = String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"{tool} {version}\">\n\
         <title>Stampede · {title}</title>\n<style>\n{STYLE}</style>\n\
         <script>\n{SCRIPT}</script>\n</head>\n<body>\n<main>\n{body}</main>\n\
         <footer>Rendered by {tool} {version} from the run's results.json \
         (schema version {schema}).</footer>\n</body>\n</html>\n",
        tool = escape(&result.tool.name),
        version = escape(&result.tool.version),
        title = escape(title),
        schema = result.schema_version,
    );
    html
}

/// A titled section; `id` must be a plain slug, `inner` trusted HTML.
pub fn section(title: &str, id: &str, inner: &str) -> String {
    format!(
        "<section id=\"{id}\">\n<h2>{}</h2>\n{inner}\n</section>\n",
        escape(title)
    )
}

/// A chart with its title and a line saying how to read it.
pub fn figure(title: &str, svg: &str, note: &str) -> String {
    format!(
        "<figure>\n<figcaption>{}</figcaption>\n{svg}\n<p class=\"note\">{}</p>\n</figure>\n",
        escape(title),
        escape(note)
    )
}

/// The place of a chart that has no data to draw.
pub fn missing_figure(title: &str, why: &str) -> String {
    format!(
        "<figure class=\"empty\">\n<figcaption>{}</figcaption>\n<p class=\"note\">{}</p>\n</figure>\n",
        escape(title),
        escape(why)
    )
}

/// One table cell: trusted HTML content, a numeric sort key (or none) and a CSS class.
#[derive(Debug, Clone, Default)]
pub struct Td {
    pub html: String,
    pub sort: Option<f64>,
    pub class: &'static str,
}

impl Td {
    /// A text cell (escaped).
    pub fn text(text: &str) -> Td {
        Td {
            html: escape(text),
            ..Td::default()
        }
    }

    /// A numeric cell, right-aligned, sorted by `sort`.
    pub fn number(html: String, sort: f64) -> Td {
        Td {
            html,
            sort: sort.is_finite().then_some(sort),
            class: "num",
        }
    }
}

/// A sortable table (click a heading): `headings`, body
/// rows, and optional footer rows (kept at the bottom when sorting, e.g. the totals).
pub fn table(headings: &[&str], rows: &[Vec<Td>], footer: &[Vec<Td>]) -> String {
    let mut html = String::from("<div class=\"table\"><table class=\"sortable\">\n<thead><tr>");
    for heading in headings {
        let _ = write!(html, "<th>{}</th>", escape(heading));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    let write_row = |html: &mut String, row: &Vec<Td>| {
        html.push_str("<tr>");
        for cell in row {
            let class = if cell.class.is_empty() {
                String::new()
            } else {
                format!(" class=\"{}\"", cell.class)
            };
            let sort = cell
                .sort
                .map_or(String::new(), |s| format!(" data-sort=\"{s}\""));
            let _ = write!(html, "<td{class}{sort}>{}</td>", cell.html);
        }
        html.push_str("</tr>\n");
    };
    for row in rows {
        write_row(&mut html, row);
    }
    html.push_str("</tbody>\n");
    if !footer.is_empty() {
        html.push_str("<tfoot>\n");
        for row in footer {
            write_row(&mut html, row);
        }
        html.push_str("</tfoot>\n");
    }
    html.push_str("</table></div>\n");
    html
}
