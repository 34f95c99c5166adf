//! Render benchmark (ignored by default; run by `bench/report_render.sh`): a results file the size
//! of a one-hour run (3,600 windows, 10 endpoints, 1 Hz resource samples, server cache scrapes
//! every 5 s) is written, read back and rendered to HTML, Markdown and JUnit; the times (median of
//! 5) and sizes are printed. Nothing is asserted about time: the figures go in notes.

mod report_support;

use std::time::{Duration, Instant};

use stampede::report::{ReportFormat, render};
use stampede::results::read_results;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..rounds {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed());
    }
    (median(times), last.expect("at least one round"))
}

#[test]
#[ignore = "benchmark: run bench/report_render.sh"]
fn render_a_one_hour_result() {
    let result = report_support::synthetic::one_hour_result();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("results.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&result).expect("serialize"),
    )
    .expect("write");
    let json_size = std::fs::metadata(&path).expect("size").len();

    let (read, loaded) = time(5, || read_results(&path).expect("read back"));
    println!(
        "one-hour results.json: {:.1} MB, {} windows, {} endpoints, {} resource samples, {} cache scrapes; read in {:.0} ms",
        json_size as f64 / 1e6,
        loaded.timeseries.len(),
        loaded.endpoints.len(),
        loaded.resources.len(),
        loaded.cache.server.as_ref().map_or(0, |s| s.samples.len()),
        read.as_secs_f64() * 1e3
    );
    for format in [
        ReportFormat::Html,
        ReportFormat::Markdown,
        ReportFormat::Junit,
    ] {
        let (took, text) = time(5, || render(format, &loaded, None));
        println!(
            "{:<9} rendered in {:>6.1} ms (median of 5), {:>8.1} KB",
            format!("{format:?}"),
            took.as_secs_f64() * 1e3,
            text.len() as f64 / 1e3
        );
    }
    let (took, text) = time(5, || render(ReportFormat::Html, &loaded, Some(&result)));
    println!(
        "Html with a baseline overlaid: {:.1} ms, {:.1} KB",
        took.as_secs_f64() * 1e3,
        text.len() as f64 / 1e3
    );
}
