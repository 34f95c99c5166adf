//! STAND-IN for the recorder and results (owner: rec; `src/metrics/`, `src/results/`,
//! `src/report/terminal.rs`, `src/ui/`). Imitates the spec's API (`Recorder`, `RecorderConfig`,
//! `LocalRecorder`, `Recorded`, `Progress`, the resource sampler, the cache scraper, `build_result`,
//! `evaluate`, the results writer, the terminal summary, the live progress) with a mutex and whole
//! histograms, so orchestration and the end-to-end tests run before the merge. No `latency.hlog`,
//! no resource samples, no server-side cache. Deleted at the merge.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use hdrhistogram::Histogram;

use crate::metrics::{CacheOutcome, Sample};
use crate::results::histogram::{encode, new_latency_histogram, summarize};
use crate::results::schema::{
    CacheCounts, CacheReport, EndpointStats, Environment, ErrorCount, ErrorKind, GeneratorHealth,
    LoadProfile, Outcome, ResourceSample, RunResult, SCHEMA_VERSION, ScenarioInfo, ServerCache,
    StageInfo, TargetInfo, ThresholdResult, ToolInfo, Window,
};
use crate::scenario::Plan;
use crate::scenario::plan::{CacheSpec, LoadModel, Metric, Threshold};

/// How to set a recorder up.
pub struct RecorderConfig {
    pub endpoints: Vec<(String, String)>,
    pub hlog_path: Option<PathBuf>,
    pub started: Instant,
    pub open_model: bool,
}

#[derive(Default)]
struct Acc {
    hist: Option<Histogram<u64>>,
    statuses: BTreeMap<String, u64>,
    errors: BTreeMap<ErrorKind, (u64, String)>,
    cache: CacheCounts,
    bytes_in: u64,
    bytes_out: u64,
    failures: u64,
}

impl Acc {
    fn add(&mut self, s: &Sample) {
        let hist = self.hist.get_or_insert_with(new_latency_histogram);
        hist.saturating_record(s.latency_us.max(1));
        if let Some(status) = s.status {
            *self.statuses.entry(status.to_string()).or_default() += 1;
        }
        if let Some((kind, message)) = &s.error {
            self.failures += 1;
            let e = self.errors.entry(*kind).or_insert((0, message.clone()));
            e.0 += 1;
        }
        match s.cache {
            CacheOutcome::Hit => self.cache.hits += 1,
            CacheOutcome::Miss => self.cache.misses += 1,
            CacheOutcome::Other => self.cache.other += 1,
            CacheOutcome::Absent => {}
        }
        self.bytes_in += s.bytes_in;
        self.bytes_out += s.bytes_out;
    }
}

struct State {
    endpoints: Vec<Acc>,
    windows: BTreeMap<u32, (Acc, f64)>,
    load: f64,
    scheduled: u64,
    dropped: u64,
}

/// The shared recorder (stand-in: one mutex).
#[derive(Clone)]
pub struct Recorder {
    names: Arc<Vec<(String, String)>>,
    started: Instant,
    state: Arc<Mutex<State>>,
}

/// Per-task handle.
pub struct LocalRecorder {
    recorder: Recorder,
}

/// What a recorder holds at the end.
pub struct Recorded {
    names: Arc<Vec<(String, String)>>,
    state: State,
}

/// Live figures for the progress display.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub elapsed: Duration,
    pub requests: u64,
    pub failures: u64,
    pub last_window_rps: f64,
    pub last_window_p95_us: u64,
    pub load: f64,
}

impl Recorder {
    pub fn new(cfg: RecorderConfig) -> Recorder {
        let endpoints = cfg.endpoints.iter().map(|_| Acc::default()).collect();
        Recorder {
            names: Arc::new(cfg.endpoints),
            started: cfg.started,
            state: Arc::new(Mutex::new(State {
                endpoints,
                windows: BTreeMap::new(),
                load: 0.0,
                scheduled: 0,
                dropped: 0,
            })),
        }
    }

    pub fn local(&self) -> LocalRecorder {
        LocalRecorder {
            recorder: self.clone(),
        }
    }

    pub fn start_ticker(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async {})
    }

    pub fn set_load(&self, load: f64) {
        if let Ok(mut s) = self.state.lock() {
            s.load = load;
        }
    }

    pub fn add_scheduled(&self, n: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.scheduled += n;
        }
    }

    pub fn add_dropped(&self, n: u64) {
        if let Ok(mut s) = self.state.lock() {
            s.dropped += n;
        }
    }

    pub fn record_lag_us(&self, _us: u64) {}

    pub fn progress(&self) -> Progress {
        let Ok(s) = self.state.lock() else {
            return Progress::default();
        };
        let requests = s
            .endpoints
            .iter()
            .map(|a| a.hist.as_ref().map_or(0, |h| h.len()))
            .sum();
        let failures = s.endpoints.iter().map(|a| a.failures).sum();
        Progress {
            elapsed: self.started.elapsed(),
            requests,
            failures,
            load: s.load,
            ..Progress::default()
        }
    }

    pub fn finish(self) -> Recorded {
        let state = match Arc::try_unwrap(self.state) {
            Ok(m) => m.into_inner().unwrap_or_else(|p| p.into_inner()),
            Err(shared) => {
                let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                State {
                    endpoints: std::mem::take(&mut s.endpoints),
                    windows: std::mem::take(&mut s.windows),
                    load: s.load,
                    scheduled: s.scheduled,
                    dropped: s.dropped,
                }
            }
        };
        Recorded {
            names: self.names,
            state,
        }
    }
}

impl LocalRecorder {
    pub fn record(&mut self, sample: &Sample) {
        let r = &self.recorder;
        let Some(offset) = Instant::now().checked_duration_since(r.started) else {
            return; // warm-up
        };
        if let Ok(mut s) = r.state.lock() {
            if let Some(acc) = s.endpoints.get_mut(sample.endpoint) {
                acc.add(sample);
            }
            let load = s.load;
            let second = u32::try_from(offset.as_secs()).unwrap_or(u32::MAX);
            let w = s
                .windows
                .entry(second)
                .or_insert_with(|| (Acc::default(), load));
            w.0.add(sample);
        }
    }

    pub fn flush(&mut self) {}
}

/// Stand-in resource sampler: samples nothing.
pub struct ResourceSampler;

impl ResourceSampler {
    pub fn start(_target_pid: Option<u32>, _started: Instant) -> ResourceSampler {
        ResourceSampler
    }

    pub async fn stop(self) -> Vec<ResourceSample> {
        Vec::new()
    }
}

/// Stand-in cache scraper: scrapes nothing.
pub struct CacheScraper;

impl CacheScraper {
    pub fn start(_base_url: &str, _spec: &CacheSpec, _started: Instant) -> Option<CacheScraper> {
        None
    }

    pub async fn stop(self) -> Option<ServerCache> {
        None
    }
}

/// Stand-in live progress: a plain line every 5 s on stderr, none with `quiet`.
pub struct ProgressDisplay {
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ProgressDisplay {
    pub fn start(recorder: Recorder, total: Duration, quiet: bool) -> ProgressDisplay {
        if quiet {
            return ProgressDisplay { task: None };
        }
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            tick.tick().await;
            loop {
                tick.tick().await;
                let p = recorder.progress();
                crate::run::term::stderr_line(&format!(
                    "{:.0}s/{:.0}s  {} requests  {} failures  load {}",
                    p.elapsed.as_secs_f64(),
                    total.as_secs_f64(),
                    p.requests,
                    p.failures,
                    p.load
                ));
            }
        });
        ProgressDisplay { task: Some(task) }
    }

    pub fn finish(self) {
        if let Some(task) = self.task {
            task.abort();
        }
    }
}

/// Everything `build_result` needs besides the recording.
pub struct ResultInputs<'a> {
    pub plan: &'a Plan,
    pub scenario_file: Option<String>,
    pub target: TargetInfo,
    pub started_at: SystemTime,
    pub ended_at: SystemTime,
    pub duration: Duration,
    pub recorded: Recorded,
    pub resources: Vec<ResourceSample>,
    pub server_cache: Option<ServerCache>,
    pub outcome: Outcome,
}

fn stats(name: &str, method: Option<String>, acc: &Acc, secs: f64) -> EndpointStats {
    let hist = acc.hist.clone().unwrap_or_else(new_latency_histogram);
    let requests = hist.len();
    EndpointStats {
        name: name.into(),
        method,
        requests,
        successes: requests - acc.failures.min(requests),
        failures: acc.failures,
        rps: if secs > 0.0 {
            requests as f64 / secs
        } else {
            0.0
        },
        bytes_received: acc.bytes_in,
        bytes_sent: acc.bytes_out,
        status_counts: acc.statuses.clone(),
        errors: acc
            .errors
            .iter()
            .map(|(kind, (count, sample))| ErrorCount {
                kind: *kind,
                count: *count,
                sample: sample.clone(),
            })
            .collect(),
        latency: summarize(&hist),
        histogram: encode(&hist).unwrap_or_default(),
        send_latency: None,
        send_histogram: None,
        cache: acc.cache,
    }
}

fn merge(total: &mut Acc, acc: &Acc) {
    if let Some(h) = &acc.hist {
        let _ = total.hist.get_or_insert_with(new_latency_histogram).add(h);
    }
    for (k, v) in &acc.statuses {
        *total.statuses.entry(k.clone()).or_default() += v;
    }
    for (k, (c, s)) in &acc.errors {
        total.errors.entry(*k).or_insert((0, s.clone())).0 += c;
    }
    total.cache.hits += acc.cache.hits;
    total.cache.misses += acc.cache.misses;
    total.cache.other += acc.cache.other;
    total.bytes_in += acc.bytes_in;
    total.bytes_out += acc.bytes_out;
    total.failures += acc.failures;
}

fn rfc3339(t: SystemTime) -> String {
    time::OffsetDateTime::from(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Assembles the RunResult (thresholds left empty: see [`evaluate`]).
pub fn build_result(inputs: ResultInputs<'_>) -> RunResult {
    let plan = inputs.plan;
    let secs = inputs.duration.as_secs_f64();
    let mut total = Acc::default();
    let mut endpoints = Vec::new();
    for ((name, method), acc) in inputs
        .recorded
        .names
        .iter()
        .zip(&inputs.recorded.state.endpoints)
    {
        merge(&mut total, acc);
        endpoints.push(stats(name, Some(method.clone()), acc, secs));
    }
    endpoints.sort_by(|a, b| a.name.cmp(&b.name));
    let timeseries = inputs
        .recorded
        .state
        .windows
        .iter()
        .map(|(offset, (acc, load))| {
            let h = acc.hist.clone().unwrap_or_else(new_latency_histogram);
            Window {
                offset_secs: *offset,
                requests: h.len(),
                failures: acc.failures,
                p50_us: h.value_at_quantile(0.5),
                p95_us: h.value_at_quantile(0.95),
                p99_us: h.value_at_quantile(0.99),
                max_us: h.max(),
                cache_hits: acc.cache.hits,
                cache_misses: acc.cache.misses,
                load: *load,
                dropped: 0,
            }
        })
        .collect();
    let (stages, max_in_flight, connections) = match &plan.load.model {
        LoadModel::Open {
            stages,
            max_in_flight,
        } => (
            stages
                .iter()
                .map(|s| StageInfo {
                    duration_secs: s.duration.as_secs_f64(),
                    start: s.start_rate,
                    end: s.end_rate,
                })
                .collect(),
            Some(*max_in_flight),
            None,
        ),
        LoadModel::Closed { stages } => (
            stages
                .iter()
                .map(|s| StageInfo {
                    duration_secs: s.duration.as_secs_f64(),
                    start: f64::from(s.start_users),
                    end: f64::from(s.end_users),
                })
                .collect(),
            None,
            None,
        ),
        LoadModel::Throughput {
            connections,
            duration,
        } => (
            vec![StageInfo {
                duration_secs: duration.as_secs_f64(),
                start: f64::from(*connections),
                end: f64::from(*connections),
            }],
            None,
            Some(*connections),
        ),
    };
    let client = total.cache;
    RunResult {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: "stampede".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        scenario: ScenarioInfo {
            name: plan.name.clone(),
            kind: plan.kind.name().into(),
            description: plan.description.clone(),
            file: inputs.scenario_file,
            file_sha256: plan.source_sha256.clone(),
        },
        target: inputs.target,
        environment: Environment {
            hostname: String::new(),
            os: std::env::consts::OS.into(),
            cpu_model: String::new(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
            memory_bytes: 0,
            git_commit: None,
        },
        started_at: rfc3339(inputs.started_at),
        ended_at: rfc3339(inputs.ended_at),
        duration_secs: secs,
        load: LoadProfile {
            model: plan.load.model.name().into(),
            summary: plan.load.model.name().into(),
            stages,
            warmup_secs: plan.load.warmup.as_secs_f64(),
            max_in_flight,
            connections,
        },
        outcome: inputs.outcome,
        totals: stats("total", None, &total, secs),
        endpoints,
        timeseries,
        cache: CacheReport {
            header: plan.cache.header.clone(),
            client,
            server: inputs.server_cache,
        },
        resources: inputs.resources,
        generator: GeneratorHealth {
            cpu_mean_percent: 0.0,
            cpu_max_percent: 0.0,
            cpu_limit_percent: 90.0,
            scheduled: inputs.recorded.state.scheduled,
            dropped: inputs.recorded.state.dropped,
            schedule_lag: None,
        },
        thresholds: Vec::new(),
        trials: Vec::new(),
        findings: Vec::new(),
        interval_log: None,
    }
}

/// Evaluates thresholds against a result.
pub fn evaluate(thresholds: &[Threshold], result: &RunResult) -> Vec<ThresholdResult> {
    thresholds
        .iter()
        .map(|t| {
            let stats = match &t.endpoint {
                None => Some(&result.totals),
                Some(name) => result.endpoints.iter().find(|e| &e.name == name),
            };
            let observed = stats.and_then(|s| {
                let h = crate::results::histogram::decode(&s.histogram).ok()?;
                match &t.metric {
                    Metric::Percentile(p) if s.requests > 0 => {
                        Some(h.value_at_quantile(p / 100.0) as f64)
                    }
                    Metric::MeanLatency if s.requests > 0 => Some(h.mean()),
                    Metric::MaxLatency if s.requests > 0 => Some(h.max() as f64),
                    Metric::ErrorRate if s.requests > 0 => {
                        Some(s.failures as f64 / s.requests as f64)
                    }
                    Metric::Rps => Some(s.rps),
                    Metric::Requests => Some(s.requests as f64),
                    Metric::CacheHitRate => s.cache.hit_rate(),
                    _ => None,
                }
            });
            ThresholdResult {
                expression: t.expression.clone(),
                endpoint: t.endpoint.clone(),
                observed,
                observed_display: observed.map_or("no value".into(), |v| format!("{v:.3}")),
                limit: t.limit,
                passed: observed.is_some_and(|v| t.op.holds(v, t.limit)),
            }
        })
        .collect()
}

/// Writes `results.json` (secrets redacted) into `dir`; returns its path.
pub fn write_results(dir: &Path, result: &RunResult, plan: &Plan) -> std::io::Result<PathBuf> {
    let text = serde_json::to_string_pretty(result).map_err(std::io::Error::other)?;
    let path = dir.join("results.json");
    std::fs::write(&path, plan.redact(&text))?;
    Ok(path)
}

/// The end-of-run table.
pub fn print_summary(result: &RunResult, out: &mut dyn Write) -> std::io::Result<()> {
    for e in result.endpoints.iter().chain([&result.totals]) {
        writeln!(
            out,
            "{:<40} {:>8} req {:>9.1}/s p50 {:>8}us p95 {:>8}us p99 {:>8}us max {:>8}us err {}",
            e.name,
            e.requests,
            e.rps,
            e.latency.p50_us,
            e.latency.p95_us,
            e.latency.p99_us,
            e.latency.max_us,
            e.failures
        )?;
    }
    Ok(())
}
