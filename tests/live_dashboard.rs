//! `--dashboard` in a real browser: a run against the test server serves its live page; headless
//! Chromium (Debian's `chromium`, installed by `ci/test.sh`) opens it twice a few seconds apart
//! during the run and the figures must differ (the page follows the run), with no script error, and
//! the server-side cache counters (the test server's `/metrics`) must be on the page already;
//! after the run the page (kept up by `--dashboard-linger`) says the run has ended and links the
//! final report, which it serves. Without `chromium` on the PATH the test says so loudly and
//! passes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{TestServer, Workspace, send_sigint};

fn chromium_available() -> bool {
    Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The DOM of `url` as headless Chromium dumps it. With `follow`, Chromium's virtual time runs
/// while the page follows the event stream, which it does until the run's last frame: the DOM is
/// then the one the script built. Without, the DOM is dumped as soon as the page has loaded: the
/// frame the server rendered last.
fn dump_dom(url: &str, follow: bool) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    if follow {
        command.arg("--virtual-time-budget=5000");
    }
    let mut child = command
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().expect("wait for chromium").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("stdout reader")
}

/// The text of the key-figure card labelled `label` in a dumped page.
fn card(dom: &str, label: &str) -> Option<String> {
    let at = dom.find(&format!("<div class=\"label\">{label}</div>"))?;
    let rest = &dom[at..];
    let value = rest.find("class=\"value\">")? + "class=\"value\">".len();
    let end = rest[value..].find('<')?;
    Some(rest[value..value + end].to_string())
}

fn open_scenario(base_url: &str) -> String {
    format!(
        r#"name = "live-page"
[target]
url = "{base_url}"
[load]
model = "open"
rate = "50/s"
duration = "30s"
[cache]
metrics_path = "/metrics"
scrape_every = "1s"
[[journeys]]
name = "j"
[[journeys.steps]]
name = "item"
path = "/items/2"
"#
    )
}

#[test]
fn the_dashboard_follows_the_run_and_outlives_it() {
    if !chromium_available() {
        eprintln!("\n*** chromium is not installed: the live dashboard test did NOT run ***\n");
        return;
    }
    let server = TestServer::start();
    let ws = Workspace::new();
    let file = ws.write("live.toml", &open_scenario(&server.base_url));
    let mut child = ws
        .command(&file, &["--dashboard", "--dashboard-linger", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stampede");
    // The URL is printed on stderr at the start; the report's path on stdout at the end.
    let (tx, lines) = mpsc::channel::<String>();
    let err_tx = tx.clone();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = err_tx.send(line);
        }
    });
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    let mut wait_for = |prefix: &str| -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    seen.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_string();
                    }
                }
                Err(_) => panic!("no `{prefix}` line; output so far:\n{}", seen.join("\n")),
            }
        }
    };
    let url = wait_for("dashboard: ");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    // A first look starts the rendering (frames are drawn only while someone looks); then two
    // looks three seconds apart must show different figures, each drawn with the report's charts.
    let _ = dump_dom(&url, false);
    std::thread::sleep(Duration::from_secs(2));
    let first = dump_dom(&url, false);
    std::thread::sleep(Duration::from_secs(3));
    let second = dump_dom(&url, false);
    for dom in [&first, &second] {
        assert!(!dom.contains(" data-js-errors=\""), "script error:\n{dom}");
        assert!(
            dom.contains("<svg class=\"chart\""),
            "no chart drawn:\n{dom}"
        );
        assert!(dom.contains("· running ·"), "{dom}");
    }
    // The server's own cache counters (its `/metrics`, scraped once a second) are shown live too.
    assert!(
        second.contains("server (/metrics), all namespaces"),
        "no server-side cache row:\n{second}"
    );
    let (a, b) = (card(&first, "requests"), card(&second, "requests"));
    assert!(a.is_some() && b.is_some(), "no requests card:\n{first}");
    assert_ne!(a, b, "the figures did not change between the two looks");

    // A page opened during the run follows it to the end through the event stream: its script
    // replaces the figures frame by frame, and the last frame says the run has ended and links
    // the final report, which the dashboard serves.
    let followed = dump_dom(&url, true);
    assert!(
        !followed.contains(" data-js-errors=\""),
        "script error:\n{followed}"
    );
    let frames: u32 = followed
        .split("data-frames=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no frame arrived by the event stream:\n{followed}"));
    assert!(frames >= 2, "{frames} frames");
    assert!(followed.contains("the run has ended"), "{followed}");
    assert!(followed.contains("href=\"/report.html\""), "{followed}");

    // After the run the page still answers (kept up by --dashboard-linger).
    let report = wait_for("report: ");
    assert!(report.ends_with("report.html"), "{report}");
    let after = dump_dom(&url, false);
    assert!(after.contains("the run has ended"), "{after}");
    let served = dump_dom(&format!("{url}report.html"), false);
    let written = std::fs::read_to_string(ws.path().join(&report)).expect("report.html written");
    let title = |html: &str| {
        html.split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .map(str::to_string)
    };
    assert!(title(&written).is_some());
    assert_eq!(
        title(&served),
        title(&written),
        "the served report is the written one"
    );

    send_sigint(child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "stampede did not stop lingering on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
