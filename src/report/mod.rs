//! Reports rendered from a RunResult: HTML (with SVG charts), Markdown, JUnit and the terminal summary.

pub mod terminal;

pub use terminal::write_summary;
