//! Headless Chromium for the tests of HTML pages (Debian's `chromium`, installed by `ci/test.sh`):
//! open a page, dump its DOM and console, check that it loads with no script error and that every
//! chart is drawn with a non-zero size, and keep a screenshot under `<target>/test-artifacts/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Whether `chromium` runs here (tests that need it say loudly when it does not, and pass).
pub fn chromium_available() -> bool {
    Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `<target>/test-artifacts/`, created.
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the tmp dir is inside the target dir")
        .join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("create test-artifacts");
    dir
}

/// Runs headless Chromium with `args` on `page`; returns (stdout, stderr). Bounded by a timeout.
pub fn chromium(page: &Path, args: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Read the pipes on threads so a full pipe cannot stall the browser; kill it after 90 s.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).ok();
        s
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().expect("wait for chromium").is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (out.join().expect("stdout"), err.join().expect("stderr"))
}

/// The value of `name="..."` in an HTML start tag.
pub fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// The start tags `<svg class="chart" ...>` in a DOM dump.
pub fn chart_tags(dom: &str) -> Vec<&str> {
    dom.match_indices("<svg class=\"chart\"")
        .map(|(at, _)| &dom[at..at + dom[at..].find('>').expect("tag end")])
        .collect()
}

/// Writes `html` as `<name>.html` in the artifacts, opens it, checks it, screenshots it.
pub fn check_page(name: &str, html: &str, charts: usize) {
    // Self-contained: nothing to fetch.
    for needle in ["<link", "src=", "href=\"http", "url(", "@import"] {
        assert!(
            !html.contains(needle),
            "{name}: the page refers to something outside it: {needle}"
        );
    }
    let dir = artifacts_dir();
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, html).expect("write page");

    let (dom, log) = chromium(&page, &["--dump-dom"]);
    let root = &dom[dom.find("<html").expect("a DOM was dumped")..];
    let root_tag = &root[..root.find('>').expect("tag end")];
    assert_eq!(
        attribute(root_tag, "data-js-errors"),
        None,
        "{name}: script errors"
    );
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(console.is_empty(), "{name}: console messages: {console:#?}");
    assert_eq!(
        attribute(root_tag, "data-charts-measured"),
        Some(charts.to_string().as_str()),
        "{name}: the load script measured every chart"
    );
    let tags = chart_tags(root);
    assert_eq!(tags.len(), charts, "{name}: charts in the page");
    for tag in tags {
        let size = |a| {
            attribute(tag, a)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        assert!(
            size("data-width") > 100.0 && size("data-height") > 50.0,
            "{name}: a chart has no size: {tag}"
        );
    }

    let shot = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&shot);
    chromium(
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1400,4000",
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "{name}: screenshot"
    );
    eprintln!(
        "report_browser: {name}: {charts} charts drawn; screenshot {}",
        shot.display()
    );
}
