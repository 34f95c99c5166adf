//! Live progress during a run, read from the recorder a few times a second: an indicatif bar on a
//! terminal (elapsed/total, last second's rate and p95, errors, users or rate, in flight), a plain
//! line every 5 s when stderr is not a terminal (CI logs), nothing with `--quiet`. It runs on its
//! own thread and only reads the recorder, so it cannot slow the load down. During a warm-up the
//! line reads the warm-up's recorder and says so (`warm-up 12s/70s ... (not measured)`), so the
//! first figures show within seconds of the start, not after the warm-up.

use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::metrics::{Progress, Recorder};
use crate::scenario::plan::LoadModel;
use crate::units::format_micros;

/// Interval of the plain lines.
pub const LINE_EVERY: Duration = Duration::from_secs(5);
/// Refresh interval of the bar.
const BAR_EVERY: Duration = Duration::from_millis(250);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// An indicatif bar (stderr is a terminal).
    Bar,
    /// A plain line every [`LINE_EVERY`] on stderr.
    Lines,
    /// Nothing.
    Quiet,
}

impl ProgressMode {
    /// The bar on a terminal, lines otherwise, nothing when `quiet`.
    pub fn detect(quiet: bool) -> ProgressMode {
        if quiet {
            ProgressMode::Quiet
        } else if std::io::stderr().is_terminal() {
            ProgressMode::Bar
        } else {
            ProgressMode::Lines
        }
    }
}

/// What the load level means, for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadUnit {
    Users,
    Rate,
    Connections,
}

impl LoadUnit {
    pub fn of(model: &LoadModel) -> LoadUnit {
        match model {
            LoadModel::Open { .. } => LoadUnit::Rate,
            LoadModel::Closed { .. } => LoadUnit::Users,
            LoadModel::Throughput { .. } => LoadUnit::Connections,
        }
    }
}

/// The recorders progress reads: the warm-up's, until the measured phase starts, then the
/// measured phase's.
#[derive(Clone)]
pub struct Phases {
    pub measured: Recorder,
    /// `None` without a warm-up.
    pub warmup: Option<Recorder>,
    pub warmup_duration: Duration,
    pub measured_duration: Duration,
}

impl Phases {
    /// A run without a warm-up.
    pub fn measured(recorder: Recorder, duration: Duration) -> Phases {
        Phases {
            measured: recorder,
            warmup: None,
            warmup_duration: Duration::ZERO,
            measured_duration: duration,
        }
    }

    /// The line to show now, and how far the whole run (warm-up included) has come.
    fn now(&self, unit: LoadUnit) -> (String, Duration) {
        let measured = self.measured.progress();
        match &self.warmup {
            Some(warmup) if Instant::now() < self.measured.started() => {
                // The load level (users, rate) is set on the measured recorder all along.
                let progress = Progress {
                    load: measured.load,
                    ..warmup.progress()
                };
                let line = format!(
                    "warm-up {}  (not measured)",
                    progress_line(&progress, self.warmup_duration, unit)
                );
                (line, progress.elapsed)
            }
            _ => (
                progress_line(&measured, self.measured_duration, unit),
                self.warmup_duration + measured.elapsed,
            ),
        }
    }
}

/// The progress display; stop it with [`ProgressDisplay::finish`] before printing the summary.
pub struct ProgressDisplay {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl ProgressDisplay {
    /// Starts showing progress of a run on stderr.
    pub fn start(phases: Phases, unit: LoadUnit, mode: ProgressMode) -> ProgressDisplay {
        Self::start_with(phases, unit, mode, Box::new(std::io::stderr()), LINE_EVERY)
    }

    /// As [`ProgressDisplay::start`], with the line writer and interval chosen (tests).
    pub fn start_with(
        phases: Phases,
        unit: LoadUnit,
        mode: ProgressMode,
        mut lines: Box<dyn Write + Send>,
        line_every: Duration,
    ) -> ProgressDisplay {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = match mode {
            ProgressMode::Quiet => None,
            ProgressMode::Bar => std::thread::Builder::new()
                .name("stampede-progress".into())
                .spawn(move || run_bar(&phases, unit, &stopped))
                .ok(),
            ProgressMode::Lines => std::thread::Builder::new()
                .name("stampede-progress".into())
                .spawn(move || {
                    while let Err(mpsc::RecvTimeoutError::Timeout) =
                        stopped.recv_timeout(line_every)
                    {
                        let (line, _) = phases.now(unit);
                        // A closed stderr (e.g. a broken pipe) is not a reason to stop the run.
                        let _ = writeln!(lines, "{line}");
                    }
                })
                .ok(),
        };
        ProgressDisplay { stop, thread }
    }

    /// Stops and clears the display.
    pub fn finish(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ProgressDisplay {
    fn drop(&mut self) {
        self.halt();
    }
}

fn run_bar(phases: &Phases, unit: LoadUnit, stopped: &mpsc::Receiver<()>) {
    let total = phases.warmup_duration + phases.measured_duration;
    let bar = ProgressBar::with_draw_target(
        Some(total.as_millis().try_into().unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template("[{bar:25.cyan/blue}] {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(BAR_EVERY) {
        let (line, elapsed) = phases.now(unit);
        bar.set_position(elapsed.as_millis().try_into().unwrap_or(u64::MAX));
        bar.set_message(line);
    }
    bar.finish_and_clear();
}

/// One line of progress, e.g. `12s/30s  512 req/s  p95 4.2ms  errors 3 (0.59%)  40 users`.
pub fn progress_line(p: &Progress, total: Duration, unit: LoadUnit) -> String {
    let mut line = format!("{}s/{}s", p.elapsed.as_secs(), total.as_secs());
    match (p.last_window_rps, p.last_window_p95_us) {
        (Some(rps), Some(p95)) => {
            line.push_str(&format!(
                "  {rps:.0} req/s  p95 {}",
                format_micros(p95 as f64)
            ));
        }
        _ => line.push_str("  - req/s  p95 -"),
    }
    line.push_str(&format!("  requests {}", p.requests));
    if p.requests > 0 {
        let share = p.failures as f64 / p.requests as f64 * 100.0;
        line.push_str(&format!("  errors {} ({share:.2}%)", p.failures));
    } else {
        line.push_str("  errors 0");
    }
    match unit {
        LoadUnit::Users => line.push_str(&format!("  {:.0} users", p.load)),
        LoadUnit::Rate => line.push_str(&format!("  target {:.0}/s", p.load)),
        LoadUnit::Connections => line.push_str(&format!("  {:.0} connections", p.load)),
    }
    if let Some(n) = p.in_flight {
        line.push_str(&format!("  in flight {n}"));
    }
    if p.dropped > 0 {
        line.push_str(&format!("  dropped {}", p.dropped));
    }
    line
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use super::*;
    use crate::metrics::RecorderConfig;

    #[test]
    fn the_line_says_everything() {
        let progress = Progress {
            elapsed: Duration::from_millis(12_400),
            requests: 512,
            failures: 3,
            last_window_rps: Some(512.0),
            last_window_p95_us: Some(4_200),
            load: 40.0,
            in_flight: Some(12),
            dropped: 2,
        };
        assert_eq!(
            progress_line(&progress, Duration::from_secs(30), LoadUnit::Users),
            "12s/30s  512 req/s  p95 4.2ms  requests 512  errors 3 (0.59%)  40 users  in flight 12  dropped 2"
        );
        let start = Progress {
            last_window_rps: None,
            last_window_p95_us: None,
            requests: 0,
            failures: 0,
            in_flight: None,
            dropped: 0,
            load: 200.0,
            ..progress
        };
        assert_eq!(
            progress_line(&start, Duration::from_secs(30), LoadUnit::Rate),
            "12s/30s  - req/s  p95 -  requests 0  errors 0  target 200/s"
        );
    }

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_lines_are_written_periodically_and_quiet_writes_nothing() {
        let recorder = Recorder::new(RecorderConfig {
            endpoints: vec![("GET /".into(), "GET".into())],
            hlog_path: None,
            started: Instant::now(),
            open_model: false,
        });
        recorder.set_load(3.0);
        let out = Shared::default();
        let display = ProgressDisplay::start_with(
            Phases::measured(recorder.clone(), Duration::from_secs(10)),
            LoadUnit::Connections,
            ProgressMode::Lines,
            Box::new(out.clone()),
            Duration::from_millis(50),
        );
        std::thread::sleep(Duration::from_millis(180));
        display.finish();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.lines().count() >= 2, "{text}");
        assert!(text.lines().all(|l| l.ends_with("3 connections")), "{text}");

        let quiet = Shared::default();
        let display = ProgressDisplay::start_with(
            Phases::measured(recorder, Duration::from_secs(10)),
            LoadUnit::Users,
            ProgressMode::Quiet,
            Box::new(quiet.clone()),
            Duration::from_millis(10),
        );
        std::thread::sleep(Duration::from_millis(50));
        display.finish();
        assert!(quiet.0.lock().unwrap().is_empty());
    }
}
