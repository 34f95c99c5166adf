//! CPU and memory of the generator (this process) and of the target when it runs on this machine,
//! sampled once a second on a thread of its own (sysinfo reads `/proc`, which blocks). The
//! generator's CPU is what tells a saturated generator apart from a slow target.

use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

use crate::model::ResourceSample;

/// Time between samples.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// Samples in the background until stopped.
pub struct ResourceSampler {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<Vec<ResourceSample>>>,
    latest: Arc<Mutex<Option<ResourceSample>>>,
}

impl ResourceSampler {
    /// Starts sampling this process and, when given, the target's process. `started` is the start
    /// of the measured phase: sample offsets are relative to it (negative before it).
    pub fn start(started: Instant, target_pid: Option<u32>) -> ResourceSampler {
        Self::start_every(started, target_pid, SAMPLE_EVERY)
    }

    /// As [`ResourceSampler::start`], with another interval (tests).
    pub fn start_every(
        started: Instant,
        target_pid: Option<u32>,
        every: Duration,
    ) -> ResourceSampler {
        let (stop, stopped) = mpsc::channel();
        let latest = Arc::new(Mutex::new(None));
        let shared = Arc::clone(&latest);
        let thread = std::thread::Builder::new()
            .name("stampede-resources".into())
            .spawn(move || sample_until_stopped(started, target_pid, every, &stopped, &shared))
            .ok();
        ResourceSampler {
            stop,
            thread,
            latest,
        }
    }

    /// Where the newest sample is published as it is taken, for live outputs.
    pub fn latest(&self) -> Arc<Mutex<Option<ResourceSample>>> {
        Arc::clone(&self.latest)
    }

    /// Stops and returns the samples taken (none when the system cannot be read).
    pub fn stop(mut self) -> Vec<ResourceSample> {
        let _ = self.stop.send(());
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

fn sample_until_stopped(
    started: Instant,
    target_pid: Option<u32>,
    every: Duration,
    stopped: &mpsc::Receiver<()>,
    latest: &Mutex<Option<ResourceSample>>,
) -> Vec<ResourceSample> {
    let Ok(mut system) = System::new() else {
        return Vec::new();
    };
    let me = Pid::from_u32(std::process::id());
    let target = target_pid.map(Pid::from_u32);
    let pids: Vec<Pid> = std::iter::once(me).chain(target).collect();
    let kind = ProcessRefreshKind::nothing().with_cpu().with_memory();
    // CPU usage is a difference between two readings, and sysinfo reports 0 until a process has
    // been read twice: take both readings now, so the first sample is already real.
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&pids), true, kind);
    std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.min(every));
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&pids), true, kind);
    let mut samples = Vec::new();
    // Until stopped (or the sampler dropped); the last partial interval is not sampled.
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
        system.refresh_processes_specifics(ProcessesToUpdate::Some(&pids), true, kind);
        let Some(generator) = system.process(me) else {
            continue;
        };
        let target = target.and_then(|pid| system.process(pid));
        let now = Instant::now();
        let offset_secs = if now >= started {
            (now - started).as_secs_f64()
        } else {
            -(started - now).as_secs_f64()
        };
        let sample = ResourceSample {
            offset_secs,
            generator_cpu_percent: f64::from(generator.cpu_usage()),
            generator_rss_bytes: generator.memory(),
            target_cpu_percent: target.map(|p| f64::from(p.cpu_usage())),
            target_rss_bytes: target.map(|p| p.memory()),
        };
        *latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(sample.clone());
        samples.push(sample);
    }
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_this_process_and_a_target() {
        // The target: a child process that burns CPU.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .unwrap();
        let sampler = ResourceSampler::start_every(
            Instant::now(),
            Some(child.id()),
            Duration::from_millis(300),
        );
        // Keep this process busy too.
        let until = Instant::now() + Duration::from_millis(1_000);
        let mut x = 0u64;
        while Instant::now() < until {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let samples = sampler.stop();
        let _ = child.kill();
        let _ = child.wait();
        assert!(x > 0);
        // Figures depend on what else the machine runs: check presence, not levels.
        assert!(samples.len() >= 2, "{samples:?}");
        assert!(
            samples[0].generator_cpu_percent > 0.0,
            "first sample is real: {samples:?}"
        );
        assert!(samples.iter().all(|s| s.generator_rss_bytes > 0));
        assert!(
            samples
                .iter()
                .all(|s| s.target_rss_bytes.is_some_and(|b| b > 0))
        );
        assert!(
            samples
                .iter()
                .any(|s| s.target_cpu_percent.is_some_and(|c| c > 0.0)),
            "{samples:?}"
        );
    }
}
