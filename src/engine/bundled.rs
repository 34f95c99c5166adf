//! The bundled target: `stampede run` starts SalesHub as a child process (`stampede saleshub serve`),
//! seeded, on a free port, waits until it answers `/health`, and stops it when the run ends, on an
//! error and on Ctrl-C.
//!
//! Why a child process and not SalesHub in-process: its CPU and RSS must be measured apart from the
//! generator's (the resource sampler takes its PID), and its runtime must not share ours.
//!
//! The child is put in its own process group, so a Ctrl-C typed in the terminal reaches only
//! `stampede`, which then stops the load, writes the partial results and only then stops SalesHub.
//! It is stopped with SIGTERM (SalesHub shuts down gracefully and flushes its search index), then
//! SIGKILL after a grace period; dropping a [`BundledTarget`] does the same, so every way out of a
//! run (return, `?`, panic) stops it.
//!
//! The cache: with `cache = "redis"` and `redis-server` installed, we start a *private*
//! `redis-server` on a free port ourselves and hand its URL to SalesHub (SalesHub's own `--cache
//! redis` would first try a shared Redis on 6379, whose state would leak between runs); without
//! `redis-server`, SalesHub runs the in-memory cache and the results carry a note saying so.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

use crate::scenario::plan::{BundledCache, BundledSpec};

/// PIDs of bundled SalesHub processes still running, so a second Ctrl-C (which exits at once,
/// skipping destructors) can still stop them: see [`kill_all_started`].
static STARTED: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// SIGKILLs every bundled SalesHub this process started and has not stopped yet. For the
/// immediate exit on a second Ctrl-C only; normal paths stop them through [`BundledTarget`].
pub fn kill_all_started() {
    if let Ok(pids) = STARTED.lock() {
        for pid in pids.iter() {
            #[cfg(unix)]
            if let Ok(pid) = i32::try_from(*pid) {
                // SAFETY: kill(2) on a child we spawned and have not reaped (it is in STARTED).
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }
}

fn forget_started(pid: u32) {
    if let Ok(mut pids) = STARTED.lock() {
        pids.retain(|p| *p != pid);
    }
}

/// The line SalesHub prints on stdout once it accepts connections (see `target-app/README.md`).
pub const LISTENING_PREFIX: &str = "SalesHub listening on http://";

/// How to start the bundled SalesHub.
#[derive(Debug, Clone)]
pub struct BundledOptions {
    /// The `stampede` binary to run as `<exe> saleshub serve ...`: `std::env::current_exe()` in
    /// the CLI; integration tests pass `env!("CARGO_BIN_EXE_stampede")` (their own `current_exe()`
    /// is the test binary).
    pub exe: PathBuf,
    /// What the scenario asked for (cache backend, seed configuration, fault knobs).
    pub spec: BundledSpec,
    /// Where SalesHub keeps its database and search index (seeded once, reused by later runs).
    pub data_dir: PathBuf,
    /// How long seeding plus start-up may take before we give up. Seeding the default data set
    /// takes about a minute in a debug build the first time.
    pub start_timeout: Duration,
    /// Forward SalesHub's own start-up notes (seeding progress, the cache in use) to our stderr.
    pub show_notes: bool,
}

impl BundledOptions {
    /// Options with the defaults `stampede run` uses: the data directory from
    /// [`default_data_dir`] and a 10-minute start timeout.
    pub fn new(exe: PathBuf, spec: BundledSpec) -> BundledOptions {
        let data_dir = default_data_dir(&spec);
        BundledOptions {
            exe,
            spec,
            data_dir,
            start_timeout: Duration::from_secs(600),
            show_notes: true,
        }
    }
}

/// `.data/bundled` for SalesHub's default data set, `.data/bundled-<hash>` for a scenario's own
/// `seed_config` (hash of the file's bytes), so that runs with different data sets never share a
/// database (SalesHub seeds only an empty one).
pub fn default_data_dir(spec: &BundledSpec) -> PathBuf {
    let base = PathBuf::from(".data");
    match &spec.seed_config {
        None => base.join("bundled"),
        Some(path) => {
            use sha2::Digest;
            let bytes = std::fs::read(path).unwrap_or_else(|_| path.display().to_string().into());
            let digest = sha2::Sha256::digest(&bytes);
            let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            base.join(format!("bundled-{short}"))
        }
    }
}

/// Why the bundled target could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BundledError {
    #[error("cannot start the bundled SalesHub ('{exe}'): {source}")]
    Spawn { exe: String, source: std::io::Error },
    #[error("cannot create the bundled target's data directory '{dir}': {source}")]
    DataDir { dir: String, source: std::io::Error },
    #[error("cannot start a private redis-server for the bundled SalesHub: {0}")]
    Redis(String),
    #[error(
        "the bundled SalesHub exited before it was ready ({status}); its log '{log}' ends with:\n{tail}"
    )]
    Exited {
        status: String,
        log: String,
        tail: String,
    },
    #[error(
        "the bundled SalesHub was not ready within {secs} s; its log '{log}' ends with:\n{tail}"
    )]
    Timeout {
        secs: u64,
        log: String,
        tail: String,
    },
    #[error("the bundled SalesHub printed an address we cannot read: '{0}'")]
    BadAddress(String),
    #[error("interrupted while starting the bundled SalesHub")]
    Interrupted,
}

/// A running bundled SalesHub. Stopped on [`BundledTarget::stop`] or on drop.
#[derive(Debug)]
pub struct BundledTarget {
    child: Option<Child>,
    pid: u32,
    base_url: String,
    cache_backend: String,
    notes: Vec<String>,
    log_path: PathBuf,
    /// Our private redis-server, stopped after SalesHub (fields drop in declaration order, and
    /// `Drop` stops the child first).
    _redis: Option<saleshub::redis_server::RedisServer>,
}

impl BundledTarget {
    /// Starts SalesHub and waits until it prints its address and answers `/health` (or until
    /// `start_timeout`, or until `cancel` fires). Everything started is stopped again on failure.
    pub async fn start(
        options: &BundledOptions,
        cancel: &CancellationToken,
    ) -> Result<BundledTarget, BundledError> {
        std::fs::create_dir_all(&options.data_dir).map_err(|source| BundledError::DataDir {
            dir: options.data_dir.display().to_string(),
            source,
        })?;
        let (redis, cache_arg, cache_backend, mut notes) = choose_cache(options.spec.cache).await?;
        let log_path = options.data_dir.join("saleshub.log");
        let mut command = Command::new(&options.exe);
        command
            .arg("saleshub")
            .arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--seed")
            .arg("--data-dir")
            .arg(&options.data_dir)
            .arg("--cache")
            .arg(cache_arg)
            .args(fault_args(&options.spec))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(redis) = &redis {
            command.arg("--redis-url").arg(redis.url());
        }
        if let Some(seed) = &options.spec.seed_config {
            command.arg("--seed-config").arg(seed);
        }
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command.spawn().map_err(|source| BundledError::Spawn {
            exe: options.exe.display().to_string(),
            source,
        })?;
        let pid = child.id().unwrap_or(0);
        if let Ok(mut pids) = STARTED.lock() {
            pids.push(pid);
        }
        // From here on, `target` owns the child: any early return stops it.
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let mut target = BundledTarget {
            child: Some(child),
            pid,
            base_url: String::new(),
            cache_backend,
            notes: Vec::new(),
            log_path: log_path.clone(),
            _redis: redis,
        };
        if let Some(stderr) = stderr {
            tokio::spawn(copy_log(stderr, log_path.clone(), options.show_notes));
        }
        let Some(stdout) = stdout else {
            return Err(target.exited_error("no stdout").await);
        };
        let deadline = Instant::now() + options.start_timeout;
        let addr = tokio::select! {
            addr = read_listening_line(stdout) => addr,
            () = tokio::time::sleep_until(deadline.into()) => {
                return Err(target.timeout_error(options.start_timeout));
            }
            () = cancel.cancelled() => return Err(BundledError::Interrupted),
        };
        let Some(addr) = addr? else {
            let status = target.wait_status().await;
            return Err(target.exited_error(&status).await);
        };
        target.base_url = format!("http://{addr}");
        tokio::select! {
            ready = wait_healthy(&target.base_url, deadline) => {
                if !ready {
                    return Err(target.timeout_error(options.start_timeout));
                }
            }
            () = cancel.cancelled() => return Err(BundledError::Interrupted),
        }
        if target.cache_backend == "memory" && options.spec.cache == BundledCache::Redis {
            notes.push(
                "redis-server is not installed: the bundled SalesHub ran with its in-memory \
                 cache (install redis-server for realistic cache behaviour)"
                    .into(),
            );
        }
        target.notes = notes;
        Ok(target)
    }

    /// Base URL, e.g. `http://127.0.0.1:40123`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The SalesHub process, for the resource sampler.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The cache backend it runs with: `redis`, `memory` or `off`.
    pub fn cache_backend(&self) -> &str {
        &self.cache_backend
    }

    /// Notes for the results (e.g. the in-memory cache fallback).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// SalesHub's stderr, kept in its data directory.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Stops SalesHub gracefully (SIGTERM, then SIGKILL after `grace`) and waits for it.
    pub async fn stop(mut self, grace: Duration) {
        if let Some(mut child) = self.child.take() {
            terminate(&child);
            if tokio::time::timeout(grace, child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
            forget_started(self.pid);
        }
    }

    async fn wait_status(&mut self) -> String {
        match self.child.as_mut() {
            Some(child) => match tokio::time::timeout(Duration::from_secs(5), child.wait()).await {
                Ok(Ok(status)) => status.to_string(),
                _ => "no exit status".into(),
            },
            None => "stopped".into(),
        }
    }

    async fn exited_error(&mut self, status: &str) -> BundledError {
        // Let the log copier catch up with the last lines.
        tokio::time::sleep(Duration::from_millis(100)).await;
        BundledError::Exited {
            status: status.to_string(),
            log: self.log_path.display().to_string(),
            tail: log_tail(&self.log_path),
        }
    }

    fn timeout_error(&self, timeout: Duration) -> BundledError {
        BundledError::Timeout {
            secs: timeout.as_secs(),
            log: self.log_path.display().to_string(),
            tail: log_tail(&self.log_path),
        }
    }
}

impl Drop for BundledTarget {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            forget_started(self.pid);
            // Synchronous: a graceful stop cannot be awaited here. Give SIGTERM a moment, then kill.
            terminate(&child);
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.start_kill();
            let _ = child.try_wait();
        }
    }
}

/// Sends SIGTERM (SalesHub's graceful shutdown); elsewhere, kills.
fn terminate(child: &Child) {
    #[cfg(unix)]
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a PID we spawned and have not reaped yet (we hold the Child).
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
    #[cfg(not(unix))]
    {
        let _ = child;
    }
}

/// Our private redis-server (when asked for and installed), SalesHub's `--cache` value, the
/// backend name for the results, and notes.
async fn choose_cache(
    cache: BundledCache,
) -> Result<
    (
        Option<saleshub::redis_server::RedisServer>,
        &'static str,
        String,
        Vec<String>,
    ),
    BundledError,
> {
    match cache {
        BundledCache::Off => Ok((None, "off", "off".into(), Vec::new())),
        BundledCache::Memory => Ok((None, "memory", "memory".into(), Vec::new())),
        BundledCache::Redis if saleshub::redis_server::is_installed() => {
            let redis =
                tokio::task::spawn_blocking(saleshub::redis_server::RedisServer::start).await;
            match redis {
                Ok(Ok(redis)) => Ok((Some(redis), "redis", "redis".into(), Vec::new())),
                Ok(Err(e)) => Err(BundledError::Redis(e.to_string())),
                Err(e) => Err(BundledError::Redis(e.to_string())),
            }
        }
        BundledCache::Redis => Ok((None, "memory", "memory".into(), Vec::new())),
    }
}

/// SalesHub flags for the scenario's fault knobs.
fn fault_args(spec: &BundledSpec) -> Vec<String> {
    // Microseconds: exact for any duration the scenario can express, and humantime reads `us`.
    let us = |d: Duration| format!("{}us", d.as_micros());
    let mut args = Vec::new();
    if let Some(delay) = spec.inject_delay {
        args.extend(["--inject-delay".to_string(), us(delay)]);
        if let Some(prefix) = &spec.inject_delay_path {
            args.extend(["--inject-delay-path".to_string(), prefix.clone()]);
        }
    }
    if let Some(rate) = spec.inject_error_rate {
        args.extend(["--inject-error-rate".to_string(), rate.to_string()]);
    }
    if let (Some(every), Some(stall)) = (spec.stall_every, spec.stall_for) {
        args.extend([
            "--stall-every".to_string(),
            us(every),
            "--stall-for".to_string(),
            us(stall),
        ]);
    }
    args
}

/// Reads stdout until the listening line; returns `None` when stdout closes first (the child
/// exited). Keeps draining stdout afterwards so the child never blocks on a full pipe.
async fn read_listening_line(
    stdout: tokio::process::ChildStdout,
) -> Result<Option<std::net::SocketAddr>, BundledError> {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(addr) = line.trim().strip_prefix(LISTENING_PREFIX) {
            let addr = addr
                .trim_end_matches('/')
                .parse()
                .map_err(|_| BundledError::BadAddress(line.clone()))?;
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok(Some(addr));
        }
    }
    Ok(None)
}

/// Polls `GET /health` until it answers 200 (or 503's "degraded" is never good enough: we want
/// a usable database) or the deadline passes.
async fn wait_healthy(base_url: &str, deadline: Instant) -> bool {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
    {
        Ok(client) => client,
        Err(_) => return false,
    };
    let url = format!("{base_url}/health");
    while Instant::now() < deadline {
        if let Ok(response) = client.get(&url).send().await
            && response.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Copies SalesHub's stderr into its log file; start-up notes (`saleshub: ...`) also go to our
/// stderr when asked.
async fn copy_log(stderr: tokio::process::ChildStderr, path: PathBuf, show_notes: bool) {
    let mut file = tokio::fs::File::create(&path).await.ok();
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if show_notes && line.starts_with("saleshub: ") && !line.starts_with("saleshub: try ") {
            crate::engine::term::stderr_line(&format!(
                "bundled target: {}",
                &line["saleshub: ".len()..]
            ));
        }
        if let Some(f) = file.as_mut() {
            let _ = f.write_all(line.as_bytes()).await;
            let _ = f.write_all(b"\n").await;
        }
    }
    if let Some(f) = file.as_mut() {
        let _ = f.flush().await;
    }
}

/// The last lines of the log, for error messages.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(15);
    let tail = lines[start..].join("\n");
    if tail.is_empty() {
        "(nothing)".into()
    } else {
        tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_knobs_become_saleshub_flags() {
        let spec = BundledSpec {
            inject_delay: Some(Duration::from_millis(5)),
            inject_error_rate: Some(0.01),
            stall_every: Some(Duration::from_secs(10)),
            stall_for: Some(Duration::from_secs(1)),
            ..BundledSpec::default()
        };
        assert_eq!(
            fault_args(&spec),
            [
                "--inject-delay",
                "5000us",
                "--inject-error-rate",
                "0.01",
                "--stall-every",
                "10000000us",
                "--stall-for",
                "1000000us"
            ]
        );
        assert!(fault_args(&BundledSpec::default()).is_empty());
    }

    #[test]
    fn a_seed_config_gets_its_own_data_dir() {
        assert_eq!(
            default_data_dir(&BundledSpec::default()),
            Path::new(".data/bundled")
        );
        let spec = BundledSpec {
            seed_config: Some(PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/seed-small.toml"
            ))),
            ..BundledSpec::default()
        };
        let dir = default_data_dir(&spec);
        assert!(
            dir.to_string_lossy().starts_with(".data/bundled-"),
            "{dir:?}"
        );
    }
}
