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
//! - Start: each input's planned (`--start-at`) and actual start are kept in `segments`; the
//!   merged result holds the common planned start and the earliest actual one, and warns when
//!   the workers started [`SPREAD_WARNING`] or more apart ([`start_spread`]).
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
use endpoints::Acc;
use outcome::{generator, load_profile, outcome, segment_infos, thresholds};
use timeline::{resources, server_cache, windows};

mod endpoints;
mod outcome;
mod timeline;

/// Workers that started this far apart or more get a warning (the same limit as `run --start-at`
/// uses for a late worker).
pub const SPREAD_WARNING: Duration = Duration::from_millis(100);

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
    starts_together(&mut result);
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

/// How far apart the inputs' loads really began (latest actual start − earliest), when at least
/// two of them recorded one.
pub fn start_spread(segments: &[SegmentInfo]) -> Option<Duration> {
    let starts: Vec<OffsetDateTime> = segments
        .iter()
        .filter_map(|s| s.actual_start.as_deref().and_then(parse_time))
        .collect();
    let (first, last) = (starts.iter().min()?, starts.iter().max()?);
    (starts.len() >= 2).then(|| (*last - *first).try_into().unwrap_or_default())
}

/// The merged result's planned start (the workers' common one) and actual start (the earliest),
/// with a warning when the workers started [`SPREAD_WARNING`] or more apart or were given
/// different start times.
fn starts_together(result: &mut RunResult) {
    let planned: Vec<&str> = result
        .segments
        .iter()
        .filter_map(|s| s.planned_start.as_deref())
        .collect();
    result.planned_start = planned.first().map(|p| p.to_string());
    if planned
        .windows(2)
        .any(|w| parse_time(w[0]) != parse_time(w[1]))
    {
        result.planned_start = None;
        result.outcome.warnings.push(format!(
            "the inputs were given different --start-at times ({}): they are not the workers of \
             one synchronized run",
            planned.join(", ")
        ));
    }
    result.actual_start = result
        .segments
        .iter()
        .filter_map(|s| s.actual_start.as_deref().and_then(parse_time))
        .min()
        .map(rfc3339);
    if let Some(spread) = start_spread(&result.segments)
        && spread >= SPREAD_WARNING
    {
        result.outcome.warnings.push(format!(
            "the workers started {:.0} ms apart (more than {} ms): for that long the load was \
             not the scenario's (are the machines' clocks synchronized? was a worker still \
             preparing at the start time?)",
            spread.as_secs_f64() * 1e3,
            SPREAD_WARNING.as_millis()
        ));
    }
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

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

fn rfc3339(t: OffsetDateTime) -> String {
    super::build::rfc3339(t.into())
}
