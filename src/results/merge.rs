//! `stampede merge`: several results of one scenario (the workers of a `--segment i/N` run, or
//! runs of it on several machines) made into one, exactly where the inputs allow it.
//!
//! - Exact: latency histograms (per endpoint, total, open-model send latency) are decoded from the
//!   stored V2 base64 and added, never percentiles averaged; every count is summed (requests,
//!   failures by kind, statuses, bytes, cache outcomes, scheduled and dropped starts).
//! - Windows are aligned by their start: the earliest input's start is second 0 and each input's
//!   windows move by its own start's offset, rounded to the whole second (windows cannot be split).
//!   Their counts are added; their percentiles come from the inputs' `latency.hlog` lines added up
//!   (exact, and a merged `latency.hlog` is written) when every input has its log, else they are
//!   the highest of the inputs' (an upper bound, said in the warnings).
//! - Kept as they were: each input's machine, start and outcome in `segments`; the first input's
//!   environment, target and scenario (all inputs must be the same scenario file).
//! - The outcome is the worst of all (invalid, then interrupted, then completed), with every
//!   input's reasons and warnings labelled by where they came from; thresholds are evaluated
//!   again on the merged figures.
//! - Summed per second: the generators' CPU and RSS (all workers together); the target's are the
//!   highest seen. Generator health: the worst worker's CPU; the schedule lag's figures are the
//!   highest of the inputs' (only summaries are stored). Server-side cache counters are one
//!   worker's view of the shared target (the longest run's), not summed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use hdrhistogram::Histogram;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::load_profile::profile_summary;
use crate::metrics::hlog::{HlogError, HlogInterval, HlogWriter, SEND_TAG, intervals};
use crate::model::histogram::{HistogramError, decode, encode, new_latency_histogram, summarize};
use crate::model::{
    CacheCounts, EndpointStats, ErrorCount, ErrorKind, GeneratorHealth, LatencySummary,
    LoadProfile, OutcomeStatus, ResourceSample, RunResult, SegmentInfo, StageInfo, ToolInfo,
    Window,
};
use crate::scenario::plan::ScenarioKind;

/// One results file to merge, with the interval log beside it when there is one.
#[derive(Debug, Clone)]
pub struct MergeInput {
    /// The `results.json` it was read from (for messages and labels).
    pub path: PathBuf,
    pub result: RunResult,
    /// Its `latency.hlog`, when the result names one and the file exists.
    pub hlog: Option<PathBuf>,
}

/// Why results cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("nothing to merge: give two or more results files or run directories (one was given)")]
    TooFew,
    #[error(
        "'{path}' is a run of another scenario ('{found}') than '{first}' ('{expected}'): only \
         runs of one scenario file merge"
    )]
    Scenario {
        path: PathBuf,
        found: String,
        first: PathBuf,
        expected: String,
    },
    #[error(
        "'{path}' used the {found} load model, '{first}' the {expected} model: only runs of one \
         scenario merge"
    )]
    Model {
        path: PathBuf,
        found: String,
        first: PathBuf,
        expected: String,
    },
    #[error(
        "'{path}' is segment {index}/{count}, but another input was cut into {other} segments: \
         merge the workers of one run"
    )]
    SegmentCount {
        path: PathBuf,
        index: u32,
        count: u32,
        other: u32,
    },
    #[error("segment {index}/{count} is given twice (again in '{path}')")]
    DuplicateSegment {
        path: PathBuf,
        index: u32,
        count: u32,
    },
    #[error("'{path}': a stored histogram of '{endpoint}' cannot be read: {source}")]
    Histogram {
        path: PathBuf,
        endpoint: String,
        #[source]
        source: HistogramError,
    },
    #[error("'{path}': started_at '{value}' is not an RFC 3339 time")]
    Time { path: PathBuf, value: String },
    #[error(transparent)]
    Hlog(#[from] HlogError),
}

/// The merged result and, when every input had one, the merged interval log's lines.
pub struct Merged {
    pub result: RunResult,
    pub hlog: Option<Vec<HlogLine>>,
}

/// One merged window of the interval log.
pub struct HlogLine {
    /// Seconds since the merged start.
    pub index: u32,
    pub length: Duration,
    pub latency: Histogram<u64>,
    /// Open model: the actual-send latency.
    pub send: Option<Histogram<u64>>,
}

impl Merged {
    /// Writes the merged interval log to `path` (base time: the merged start).
    pub fn write_hlog(&self, path: &Path) -> Result<(), HlogError> {
        let Some(lines) = &self.hlog else {
            return Ok(());
        };
        let base = parse_time(&self.result.started_at).map_or(SystemTime::UNIX_EPOCH, |t| t.into());
        let mut writer = HlogWriter::create(path, base)?;
        for line in lines {
            let start = Duration::from_secs(u64::from(line.index));
            writer.write(&line.latency, start, line.length, None)?;
            if let Some(send) = &line.send {
                writer.write(send, start, line.length, Some(SEND_TAG))?;
            }
        }
        writer.flush()
    }
}

/// Merges `inputs` (two or more results of one scenario).
pub fn merge(inputs: &[MergeInput]) -> Result<Merged, MergeError> {
    let [first, ..] = inputs else {
        return Err(MergeError::TooFew);
    };
    if inputs.len() < 2 {
        return Err(MergeError::TooFew);
    }
    check_same_scenario(inputs)?;
    let mut warnings = Vec::new();
    segments_complete(inputs, &mut warnings)?;

    let starts = inputs
        .iter()
        .map(|i| {
            parse_time(&i.result.started_at).ok_or_else(|| MergeError::Time {
                path: i.path.clone(),
                value: i.result.started_at.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let base = starts.iter().min().copied().unwrap_or(starts[0]);
    let offsets: Vec<f64> = starts
        .iter()
        .map(|s| (*s - base).as_seconds_f64())
        .collect();
    let shifts: Vec<u32> = offsets.iter().map(|o| o.round().max(0.0) as u32).collect();
    let duration = inputs
        .iter()
        .zip(&offsets)
        .map(|(i, o)| o + i.result.duration_secs)
        .fold(0.0, f64::max);
    let open = first.result.load.model == "open";

    // Endpoints and totals.
    let mut endpoints: BTreeMap<String, Acc> = BTreeMap::new();
    let mut totals = Acc::new("total");
    for input in inputs {
        totals.add(&input.result.totals, &input.path)?;
        for e in &input.result.endpoints {
            endpoints
                .entry(e.name.clone())
                .or_insert_with(|| Acc::new(&e.name))
                .add(e, &input.path)?;
        }
    }
    let totals = totals.finish(duration, open, &first.path)?;
    let endpoints = endpoints
        .into_values()
        .map(|a| a.finish(duration, open, &first.path))
        .collect::<Result<Vec<_>, _>>()?;

    let all_logs = inputs.iter().all(|i| i.hlog.is_some());
    let (timeseries, hlog) = windows(inputs, &shifts, all_logs, open)?;
    if !all_logs {
        warnings.push(
            "not every input has its latency.hlog: the per-second percentiles are the highest of \
             the inputs' (an upper bound), not exact"
                .into(),
        );
    }

    let mut result = first.result.clone();
    result.tool = ToolInfo {
        name: "stampede".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    result.started_at = rfc3339(base);
    result.ended_at = inputs
        .iter()
        .filter_map(|i| parse_time(&i.result.ended_at))
        .max()
        .map_or_else(|| first.result.ended_at.clone(), rfc3339);
    result.duration_secs = duration;
    result.load = load_profile(inputs);
    outcome(inputs, &mut result, warnings);
    result.cache.client = totals.cache;
    result.cache.server = server_cache(inputs);
    result.totals = totals;
    result.endpoints = endpoints;
    result.timeseries = timeseries;
    result.resources = resources(inputs, &offsets);
    result.generator = generator(inputs);
    result.trials = Vec::new();
    result.findings = Vec::new();
    result.interval_log = all_logs.then(|| super::HLOG_FILE.to_string());
    result.segments = inputs.iter().flat_map(segment_infos).collect();
    result.thresholds = thresholds(&result);
    Ok(Merged { result, hlog })
}

fn check_same_scenario(inputs: &[MergeInput]) -> Result<(), MergeError> {
    let first = &inputs[0];
    let id = |r: &RunResult| {
        format!(
            "{}, file sha256 {}",
            r.scenario.name, r.scenario.file_sha256
        )
    };
    for input in &inputs[1..] {
        if input.result.scenario.name != first.result.scenario.name
            || input.result.scenario.file_sha256 != first.result.scenario.file_sha256
        {
            return Err(MergeError::Scenario {
                path: input.path.clone(),
                found: id(&input.result),
                first: first.path.clone(),
                expected: id(&first.result),
            });
        }
        if input.result.load.model != first.result.load.model {
            return Err(MergeError::Model {
                path: input.path.clone(),
                found: input.result.load.model.clone(),
                first: first.path.clone(),
                expected: first.result.load.model.clone(),
            });
        }
    }
    Ok(())
}

/// Segments must be of one split and not repeat; missing ones make a warning.
fn segments_complete(inputs: &[MergeInput], warnings: &mut Vec<String>) -> Result<(), MergeError> {
    let mut seen: BTreeMap<u32, ()> = BTreeMap::new();
    let mut split: Option<u32> = None;
    for input in inputs {
        for s in &input.result.segments {
            let (Some(index), Some(count)) = (s.index, s.count) else {
                continue;
            };
            match split {
                Some(other) if other != count => {
                    return Err(MergeError::SegmentCount {
                        path: input.path.clone(),
                        index,
                        count,
                        other,
                    });
                }
                _ => split = Some(count),
            }
            if seen.insert(index, ()).is_some() {
                return Err(MergeError::DuplicateSegment {
                    path: input.path.clone(),
                    index,
                    count,
                });
            }
        }
    }
    if let Some(count) = split
        && seen.len() < count as usize
    {
        let missing: Vec<String> = (1..=count)
            .filter(|i| !seen.contains_key(i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        warnings.push(format!(
            "segment(s) {} missing: these results hold only part of the scenario's load",
            missing.join(", ")
        ));
    }
    Ok(())
}

/// One endpoint's figures being added up.
struct Acc {
    name: String,
    method: Option<Option<String>>,
    requests: u64,
    failures: u64,
    bytes_received: u64,
    bytes_sent: u64,
    status_counts: BTreeMap<String, u64>,
    errors: BTreeMap<ErrorKind, (u64, String)>,
    latency: Histogram<u64>,
    send: Option<Histogram<u64>>,
    cache: CacheCounts,
}

impl Acc {
    fn new(name: &str) -> Acc {
        Acc {
            name: name.to_string(),
            method: None,
            requests: 0,
            failures: 0,
            bytes_received: 0,
            bytes_sent: 0,
            status_counts: BTreeMap::new(),
            errors: BTreeMap::new(),
            latency: new_latency_histogram(),
            send: None,
            cache: CacheCounts::default(),
        }
    }

    fn add(&mut self, e: &EndpointStats, path: &Path) -> Result<(), MergeError> {
        let bad = |source| MergeError::Histogram {
            path: path.to_path_buf(),
            endpoint: e.name.clone(),
            source,
        };
        self.latency.add(decode(&e.histogram).map_err(bad)?).ok();
        if let Some(text) = &e.send_histogram {
            let send = decode(text).map_err(bad)?;
            self.send
                .get_or_insert_with(new_latency_histogram)
                .add(send)
                .ok();
        }
        self.method = match self.method.take() {
            None => Some(e.method.clone()),
            Some(m) if m == e.method => Some(m),
            Some(_) => Some(None),
        };
        self.requests += e.requests;
        self.failures += e.failures;
        self.bytes_received += e.bytes_received;
        self.bytes_sent += e.bytes_sent;
        for (status, n) in &e.status_counts {
            *self.status_counts.entry(status.clone()).or_default() += n;
        }
        for error in &e.errors {
            self.errors
                .entry(error.kind)
                .or_insert_with(|| (0, error.sample.clone()))
                .0 += error.count;
        }
        self.cache.hits += e.cache.hits;
        self.cache.misses += e.cache.misses;
        self.cache.other += e.cache.other;
        Ok(())
    }

    fn finish(self, seconds: f64, open: bool, path: &Path) -> Result<EndpointStats, MergeError> {
        let bad = |source| MergeError::Histogram {
            path: path.to_path_buf(),
            endpoint: self.name.clone(),
            source,
        };
        let send = match (&self.send, open) {
            (Some(h), _) => Some(h.clone()),
            (None, true) => Some(new_latency_histogram()),
            (None, false) => None,
        };
        let (send_latency, send_histogram) = match &send {
            Some(h) => (Some(summarize(h)), Some(encode(h).map_err(bad)?)),
            None => (None, None),
        };
        Ok(EndpointStats {
            histogram: encode(&self.latency).map_err(bad)?,
            latency: summarize(&self.latency),
            name: self.name,
            method: self.method.flatten(),
            requests: self.requests,
            successes: self.requests - self.failures.min(self.requests),
            failures: self.failures,
            rps: if seconds > 0.0 {
                self.requests as f64 / seconds
            } else {
                0.0
            },
            bytes_received: self.bytes_received,
            bytes_sent: self.bytes_sent,
            status_counts: self.status_counts,
            errors: self
                .errors
                .into_iter()
                .map(|(kind, (count, sample))| ErrorCount {
                    kind,
                    count,
                    sample,
                })
                .collect(),
            send_latency,
            send_histogram,
            cache: self.cache,
        })
    }
}

/// The merged per-second windows (and interval-log lines when every input has its log).
fn windows(
    inputs: &[MergeInput],
    shifts: &[u32],
    all_logs: bool,
    open: bool,
) -> Result<(Vec<Window>, Option<Vec<HlogLine>>), MergeError> {
    let mut merged: BTreeMap<u32, Window> = BTreeMap::new();
    for (input, shift) in inputs.iter().zip(shifts) {
        for w in &input.result.timeseries {
            let index = w.offset_secs + shift;
            let m = merged.entry(index).or_insert_with(|| Window {
                offset_secs: index,
                ..Window::default()
            });
            m.requests += w.requests;
            m.failures += w.failures;
            m.cache_hits += w.cache_hits;
            m.cache_misses += w.cache_misses;
            m.load += w.load;
            m.dropped += w.dropped;
            // Upper bounds, replaced below by exact figures when the logs are there.
            m.p50_us = m.p50_us.max(w.p50_us);
            m.p95_us = m.p95_us.max(w.p95_us);
            m.p99_us = m.p99_us.max(w.p99_us);
            m.max_us = m.max_us.max(w.max_us);
        }
    }
    if !all_logs {
        return Ok((merged.into_values().collect(), None));
    }
    // Each log's lines come in time order: add them up window by window, holding only one
    // window's histograms per input at a time.
    let files = inputs
        .iter()
        .filter_map(|i| i.hlog.as_ref())
        .map(|p| {
            std::fs::read(p)
                .map(|bytes| (p.clone(), bytes))
                .map_err(|source| HlogError::Io {
                    path: p.clone(),
                    source,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut lines: BTreeMap<u32, HlogLine> = BTreeMap::new();
    for ((path, bytes), shift) in files.iter().zip(shifts) {
        for interval in intervals(bytes, path) {
            let HlogInterval {
                tag,
                start,
                length,
                histogram,
            } = interval?;
            let index = (start.as_secs_f64().round() as u32) + shift;
            let line = lines.entry(index).or_insert_with(|| HlogLine {
                index,
                length,
                latency: new_latency_histogram(),
                send: None,
            });
            line.length = line.length.max(length);
            match tag.as_deref() {
                None => {
                    line.latency.add(&histogram).ok();
                }
                Some(SEND_TAG) => {
                    line.send
                        .get_or_insert_with(new_latency_histogram)
                        .add(&histogram)
                        .ok();
                }
                Some(_) => {}
            }
        }
    }
    for (index, line) in &lines {
        let h = &line.latency;
        if let Some(w) = merged.get_mut(index) {
            let q = |q: f64| {
                if h.is_empty() {
                    0
                } else {
                    h.value_at_quantile(q)
                }
            };
            w.p50_us = q(0.50);
            w.p95_us = q(0.95);
            w.p99_us = q(0.99);
            w.max_us = if h.is_empty() { 0 } else { h.max() };
        }
    }
    let hlog = lines
        .into_values()
        .map(|mut line| {
            if open && line.send.is_none() {
                line.send = Some(new_latency_histogram());
            }
            line
        })
        .collect();
    Ok((merged.into_values().collect(), Some(hlog)))
}

/// The stages added up (the workers' slices make the whole profile again).
fn load_profile(inputs: &[MergeInput]) -> LoadProfile {
    let first = &inputs[0].result.load;
    let mut load = first.clone();
    let same_shape = inputs
        .iter()
        .all(|i| i.result.load.stages.len() == first.stages.len());
    if same_shape {
        load.stages = first
            .stages
            .iter()
            .enumerate()
            .map(|(n, s)| StageInfo {
                duration_secs: s.duration_secs,
                start: inputs.iter().map(|i| i.result.load.stages[n].start).sum(),
                end: inputs.iter().map(|i| i.result.load.stages[n].end).sum(),
            })
            .collect();
        load.summary = format!(
            "{} ({} runs merged)",
            profile_summary(&load.model, &load.stages),
            inputs.len()
        );
    }
    let sum = |f: fn(&LoadProfile) -> Option<u32>| -> Option<u32> {
        inputs.iter().map(|i| f(&i.result.load)).sum()
    };
    load.max_in_flight = sum(|l| l.max_in_flight);
    load.connections = sum(|l| l.connections);
    load
}

fn label(input: &MergeInput) -> String {
    match input.result.segments.as_slice() {
        [
            SegmentInfo {
                index: Some(i),
                count: Some(n),
                ..
            },
        ] => format!("segment {i}/{n}"),
        _ => input.path.display().to_string(),
    }
}

/// The worst status; every input's reasons and warnings, labelled.
fn outcome(inputs: &[MergeInput], result: &mut RunResult, mut warnings: Vec<String>) {
    let rank = |s: OutcomeStatus| match s {
        OutcomeStatus::Completed => 0,
        OutcomeStatus::Interrupted => 1,
        OutcomeStatus::Invalid => 2,
    };
    result.outcome.status = inputs
        .iter()
        .map(|i| i.result.outcome.status)
        .max_by_key(|s| rank(*s))
        .unwrap_or(OutcomeStatus::Completed);
    result.outcome.reasons = inputs
        .iter()
        .flat_map(|i| {
            let l = label(i);
            i.result
                .outcome
                .reasons
                .iter()
                .map(move |r| format!("{l}: {r}"))
        })
        .collect();
    for input in inputs {
        let l = label(input);
        warnings.extend(
            input
                .result
                .outcome
                .warnings
                .iter()
                .map(|w| format!("{l}: {w}")),
        );
        if !input.result.trials.is_empty() || !input.result.findings.is_empty() {
            warnings.push(format!(
                "{l}: its trials and findings are not merged (they describe that run alone)"
            ));
        }
    }
    result.outcome.warnings = warnings;
}

/// The server-side cache counters of the longest input: every worker scraped the same target,
/// so adding them would count the traffic several times.
fn server_cache(inputs: &[MergeInput]) -> Option<crate::model::ServerCache> {
    inputs
        .iter()
        .filter(|i| i.result.cache.server.is_some())
        .max_by(|a, b| a.result.duration_secs.total_cmp(&b.result.duration_secs))
        .and_then(|i| i.result.cache.server.clone())
}

/// Generators summed per second (all workers together), the target's highest figures.
fn resources(inputs: &[MergeInput], offsets: &[f64]) -> Vec<ResourceSample> {
    let mut by_second: BTreeMap<i64, ResourceSample> = BTreeMap::new();
    for (input, offset) in inputs.iter().zip(offsets) {
        for r in &input.result.resources {
            let at = r.offset_secs + offset;
            let m = by_second
                .entry(at.round() as i64)
                .or_insert_with(|| ResourceSample {
                    offset_secs: at.round(),
                    generator_cpu_percent: 0.0,
                    generator_rss_bytes: 0,
                    target_cpu_percent: None,
                    target_rss_bytes: None,
                });
            m.generator_cpu_percent += r.generator_cpu_percent;
            m.generator_rss_bytes += r.generator_rss_bytes;
            m.target_cpu_percent = max_opt(m.target_cpu_percent, r.target_cpu_percent);
            m.target_rss_bytes = m.target_rss_bytes.max(r.target_rss_bytes);
        }
    }
    by_second.into_values().collect()
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The worst worker's CPU; starts summed; the lag's figures the highest of the inputs'.
fn generator(inputs: &[MergeInput]) -> GeneratorHealth {
    let mut health = inputs[0].result.generator.clone();
    let all = inputs.iter().map(|i| &i.result.generator);
    health.cpu_mean_percent = all.clone().map(|g| g.cpu_mean_percent).fold(0.0, f64::max);
    health.cpu_max_percent = all.clone().map(|g| g.cpu_max_percent).fold(0.0, f64::max);
    health.scheduled = all.clone().map(|g| g.scheduled).sum();
    health.dropped = all.clone().map(|g| g.dropped).sum();
    health.schedule_lag =
        all.filter_map(|g| g.schedule_lag.clone())
            .reduce(|a, b| LatencySummary {
                count: a.count + b.count,
                min_us: a.min_us.min(b.min_us),
                mean_us: a.mean_us.max(b.mean_us),
                stdev_us: a.stdev_us.max(b.stdev_us),
                p50_us: a.p50_us.max(b.p50_us),
                p90_us: a.p90_us.max(b.p90_us),
                p95_us: a.p95_us.max(b.p95_us),
                p99_us: a.p99_us.max(b.p99_us),
                p999_us: a.p999_us.max(b.p999_us),
                max_us: a.max_us.max(b.max_us),
            });
    health
}

/// What an input contributes to the merged `segments`: its own entries, or itself as a whole run.
fn segment_infos(input: &MergeInput) -> Vec<SegmentInfo> {
    if !input.result.segments.is_empty() {
        return input.result.segments.clone();
    }
    vec![SegmentInfo {
        index: None,
        count: None,
        environment: input.result.environment.clone(),
        started_at: input.result.started_at.clone(),
        duration_secs: input.result.duration_secs,
        status: input.result.outcome.status,
        requests: input.result.totals.requests,
    }]
}

/// The inputs' thresholds, evaluated again on the merged figures.
fn thresholds(result: &RunResult) -> Vec<crate::model::ThresholdResult> {
    let kind: Option<ScenarioKind> =
        serde_json::from_value(serde_json::Value::String(result.scenario.kind.clone())).ok();
    result
        .thresholds
        .iter()
        .map(|stored| {
            let parsed = kind
                .ok_or_else(|| "unknown scenario kind".to_string())
                .and_then(|k| {
                    crate::scenario::parse_threshold(
                        &stored.expression,
                        k,
                        stored.endpoint.as_deref(),
                    )
                });
            match parsed {
                Ok(threshold) => super::thresholds::evaluate(&[threshold], result)
                    .pop()
                    .unwrap_or_else(|| stored.clone()),
                Err(why) => crate::model::ThresholdResult {
                    observed: None,
                    observed_display: format!("cannot evaluate on the merged result: {why}"),
                    passed: false,
                    ..stored.clone()
                },
            }
        })
        .collect()
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

fn rfc3339(t: OffsetDateTime) -> String {
    super::build::rfc3339(t.into())
}
