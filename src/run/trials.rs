//! Repeated trials for the regression gate: each trial is a fixed-rate open-model run of the
//! scenario's `trial_duration` after a discarded `trial_warmup`, with a recorder of its own, so
//! the per-trial percentiles come from that trial's own histogram (exact, never averaged). The
//! trials of a run are then merged (histograms added, windows placed one after the other) into one
//! `RunResult` whose `trials` hold the per-trial figures the gate tests.
//!
//! A live A/B comparison (`crate::run::live`) drives [`run_trial`] alternately against two
//! targets and assembles one result per side with [`assemble`].

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use super::measure::{MeasureSpec, Measured, measure};
use super::target::ReadyTarget;
use crate::engine::context::EngineError;
use crate::metrics::{EndpointRecord, Recorded, Recorder, RecorderConfig};
use crate::model::histogram::summarize;
use crate::model::{
    CacheCounts, Environment, ServerCache, ServerCacheSample, TargetInfo, TrialStats, TrialSummary,
};
use crate::results::build::rfc3339;
use crate::results::health::generator_health;
use crate::results::{BuildError, ResultInputs, RunResult, build_result};
use crate::scenario::Plan;
use crate::scenario::regression::RegressionSpec;
use crate::units::format_micros;

/// The plan one trial runs: the scenario with its load replaced by the trial's fixed rate.
pub fn trial_plan(plan: &Plan, spec: &RegressionSpec) -> Arc<Plan> {
    let mut trial = plan.clone();
    trial.load = spec.trial_load();
    Arc::new(trial)
}

/// Runs one trial of `plan` (already a [`trial_plan`]) against `base_url`.
pub async fn run_trial(
    plan: &Arc<Plan>,
    base_url: &str,
    target_pid: Option<u32>,
    live: Option<&crate::live::LiveSpec>,
    cancel: &CancellationToken,
) -> Result<Measured, EngineError> {
    let spec = MeasureSpec {
        live,
        start_at: None,
        plan,
        base_url,
        target_pid,
        hlog_path: None,
        arrival_phase: 0.0,
        progress: None,
    };
    measure(spec, cancel).await
}

/// The per-trial figures of one trial, with its validity (the generator's health over the trial).
pub fn summarize_trial(
    index: u32,
    side: Option<&str>,
    trial: &Measured,
    cores: u32,
) -> TrialSummary {
    let seconds = trial.duration.as_secs_f64();
    let r = &trial.recorded;
    let (_, reasons) = generator_health(
        &trial.resources,
        cores,
        r.scheduled,
        r.dropped,
        r.schedule_lag.as_ref(),
    );
    TrialSummary {
        index,
        side: side.map(str::to_string),
        valid: reasons.is_empty() && !trial.engine.cancelled,
        reasons,
        started_at: rfc3339(trial.started_at),
        duration_secs: seconds,
        total: trial_stats(&r.total, seconds),
        endpoints: r
            .endpoints
            .iter()
            .map(|e| (e.name.clone(), trial_stats(e, seconds)))
            .collect(),
    }
}

fn trial_stats(record: &EndpointRecord, seconds: f64) -> TrialStats {
    TrialStats::new(
        record.requests,
        record.failures,
        &summarize(&record.latency),
        seconds,
    )
}

/// One line per finished trial, for the progress on stderr.
pub fn trial_line(summary: &TrialSummary, of: u32) -> String {
    let side = summary
        .side
        .as_deref()
        .map(|s| format!(" ({})", s.to_uppercase()))
        .unwrap_or_default();
    let t = &summary.total;
    let mut line = format!(
        "trial {}/{of}{side}: {} requests, p50 {}, p95 {}, {:.1}/s, {:.2}% errors",
        summary.index + 1,
        t.requests,
        format_micros(t.p50_us as f64),
        format_micros(t.p95_us as f64),
        t.throughput_rps,
        t.error_rate * 100.0
    );
    if !summary.valid {
        line.push_str(" [invalid, left out");
        if !summary.reasons.is_empty() {
            line.push_str(": ");
            line.push_str(&summary.reasons.join("; "));
        }
        line.push(']');
    }
    line
}

/// The inputs of [`assemble`] besides the trials.
pub struct SessionInfo<'a> {
    /// The trial plan ([`trial_plan`]).
    pub plan: &'a Plan,
    pub spec: &'a RegressionSpec,
    pub target: TargetInfo,
    pub environment: Environment,
    /// Ctrl-C stopped the session.
    pub interrupted: bool,
    pub side: Option<&'a str>,
}

/// One `RunResult` from the trials of one side: histograms and counters added, per-second windows
/// placed one trial after the other, generator health over all of them, and `trials` filled.
pub fn assemble(info: SessionInfo<'_>, trials: Vec<Measured>) -> Result<RunResult, BuildError> {
    let cores = info.environment.cores;
    let summaries: Vec<TrialSummary> = trials
        .iter()
        .enumerate()
        .map(|(i, t)| summarize_trial(i as u32, info.side, t, cores))
        .collect();
    let started_at = trials
        .first()
        .map_or_else(SystemTime::now, |t| t.started_at);
    let mut warnings: Vec<String> = Vec::new();
    let mut resources = Vec::new();
    let mut merged: Option<Recorded> = None;
    let mut elapsed = Duration::ZERO;
    let mut server = ServerCacheSum::default();
    for trial in trials {
        warnings.extend(trial.engine.warnings.iter().cloned());
        let shift = elapsed.as_secs_f64();
        match trial.server_cache {
            Ok(cache) => server.add(cache, shift),
            Err(e) => warnings.push(e),
        }
        resources.extend(trial.resources.into_iter().map(|mut r| {
            r.offset_secs += shift;
            r
        }));
        elapsed += trial.duration;
        merged = Some(match merged {
            None => trial.recorded,
            Some(acc) => merge_recorded(acc, trial.recorded),
        });
    }
    warnings.sort();
    warnings.dedup();
    for t in summaries.iter().filter(|t| !t.valid) {
        warnings.push(format!(
            "trial {} is invalid and left out of the comparison: {}",
            t.index + 1,
            if t.reasons.is_empty() {
                "interrupted".to_string()
            } else {
                t.reasons.join("; ")
            }
        ));
    }
    let recorded = merged.unwrap_or_else(|| empty_recorded(info.plan));
    let mut result = build_result(ResultInputs {
        plan: info.plan,
        recorded,
        target: info.target,
        environment: info.environment,
        started_at,
        ended_at: SystemTime::now(),
        duration: Some(elapsed),
        interrupted: info.interrupted,
        invalid_reasons: Vec::new(),
        warnings,
        resources,
        server_cache: server.finish(),
    })?;
    result.load.summary = format!(
        "{} trials of {:.1}s after {:.1}s warm-up each, {}",
        summaries.len(),
        info.spec.trial_duration.as_secs_f64(),
        info.spec.trial_warmup.as_secs_f64(),
        result.load.summary
    );
    result.trials = summaries;
    Ok(result)
}

/// The target's cache counters over the measured phases of all trials, as if they were one run:
/// counts added, and each trial's cumulative samples restarted from the previous trials' total, so
/// the traffic between trials (warm-ups) is in none of them. `None` when a trial has none.
#[derive(Default)]
struct ServerCacheSum {
    sum: Option<ServerCache>,
    missing: bool,
}

impl ServerCacheSum {
    fn add(&mut self, cache: Option<ServerCache>, shift_secs: f64) {
        let Some(cache) = cache else {
            self.missing = true;
            return;
        };
        let sum = self.sum.get_or_insert_with(|| ServerCache {
            metrics_path: cache.metrics_path.clone(),
            namespaces: Default::default(),
            total: CacheCounts::default(),
            samples: Vec::new(),
        });
        let before = sum.namespaces.clone();
        let first = cache.samples.first().map(|s| s.namespaces.clone());
        for sample in cache.samples {
            let mut namespaces = before.clone();
            for (ns, counts) in &sample.namespaces {
                let start = first
                    .as_ref()
                    .and_then(|f| f.get(ns))
                    .cloned()
                    .unwrap_or_default();
                let slot = namespaces.entry(ns.clone()).or_default();
                slot.hits += counts.hits.saturating_sub(start.hits);
                slot.misses += counts.misses.saturating_sub(start.misses);
                slot.other += counts.other.saturating_sub(start.other);
            }
            sum.samples.push(ServerCacheSample {
                offset_secs: sample.offset_secs.max(0.0) + shift_secs,
                namespaces,
            });
        }
        for (ns, counts) in cache.namespaces {
            let slot = sum.namespaces.entry(ns).or_default();
            slot.hits += counts.hits;
            slot.misses += counts.misses;
            slot.other += counts.other;
        }
        sum.total.hits += cache.total.hits;
        sum.total.misses += cache.total.misses;
        sum.total.other += cache.total.other;
    }

    fn finish(self) -> Option<ServerCache> {
        if self.missing { None } else { self.sum }
    }
}

/// Adds `b` to `a`: same endpoints (same plan), windows of `b` after those of `a`.
fn merge_recorded(mut a: Recorded, b: Recorded) -> Recorded {
    for (mine, theirs) in a.endpoints.iter_mut().zip(&b.endpoints) {
        mine.merge(theirs);
    }
    a.total.merge(&b.total);
    let shift = a.windows.len() as u32;
    a.windows.extend(b.windows.into_iter().map(|mut w| {
        w.offset_secs += shift;
        w
    }));
    a.elapsed += b.elapsed;
    a.scheduled += b.scheduled;
    a.dropped += b.dropped;
    a.schedule_lag = match (a.schedule_lag.take(), b.schedule_lag) {
        (Some(mut x), Some(y)) => {
            // Same bounds on both sides: `add` cannot fail.
            let _ = x.add(&y);
            Some(x)
        }
        (x, y) => x.or(y),
    };
    a.late_samples += b.late_samples;
    a.unflushed_locals += b.unflushed_locals;
    a
}

/// A recording with nothing in it (no trial ran before Ctrl-C).
fn empty_recorded(plan: &Plan) -> Recorded {
    Recorder::new(RecorderConfig::for_plan(plan, Instant::now(), None)).finish_at(Duration::ZERO)
}

/// Runs all trials of a regression scenario against one target, one line per trial on `err`.
pub async fn run_trials(
    plan: &Plan,
    spec: &RegressionSpec,
    target: &ReadyTarget,
    live: Option<&crate::live::LiveSpec>,
    cancel: &CancellationToken,
    err: &mut dyn Write,
) -> Result<RunResult, super::RunError> {
    let trial = trial_plan(plan, spec);
    let environment = crate::results::detect_environment();
    let _ = writeln!(
        err,
        "running {} trials of {:.1}s at {}/s (each after {:.1}s of warm-up)",
        spec.trials,
        spec.trial_duration.as_secs_f64(),
        spec.rate,
        spec.trial_warmup.as_secs_f64()
    );
    let mut runs = Vec::new();
    for i in 0..spec.trials {
        if cancel.is_cancelled() {
            break;
        }
        let phase = live.map(|l| crate::live::LiveSpec {
            phase: format!("trial {} of {}", i + 1, spec.trials),
            ..l.clone()
        });
        let run = run_trial(&trial, &target.base_url, target.pid, phase.as_ref(), cancel).await?;
        let line = summarize_trial(i, None, &run, environment.cores);
        let _ = writeln!(err, "{}", plan.redact(&trial_line(&line, spec.trials)));
        runs.push(run);
    }
    let info = SessionInfo {
        plan: &trial,
        spec,
        target: target.info.clone(),
        environment,
        interrupted: cancel.is_cancelled(),
        side: None,
    };
    assemble(info, runs).map_err(|e| super::RunError::Io(std::io::Error::other(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(hits: u64, misses: u64) -> CacheCounts {
        CacheCounts {
            hits,
            misses,
            other: 0,
        }
    }

    /// One trial's scrape: cumulative server counters at its measured start and end.
    fn trial(start: (u64, u64), end: (u64, u64), secs: f64) -> ServerCache {
        let sample = |offset_secs: f64, (h, m): (u64, u64)| ServerCacheSample {
            offset_secs,
            namespaces: [("lists".to_string(), counts(h, m))].into(),
        };
        let delta = counts(end.0 - start.0, end.1 - start.1);
        ServerCache {
            metrics_path: "/metrics".into(),
            namespaces: [("lists".to_string(), delta)].into(),
            total: delta,
            samples: vec![sample(-0.001, start), sample(secs, end)],
        }
    }

    #[test]
    fn trials_server_counters_add_up_without_the_traffic_between_them() {
        let mut sum = ServerCacheSum::default();
        // Trial 1 saw 90 hits and 10 misses; 500 requests of warm-up came before trial 2, which
        // saw 80 and 20.
        sum.add(Some(trial((1000, 100), (1090, 110), 10.0)), 0.0);
        sum.add(Some(trial((1590, 130), (1670, 150), 10.0)), 10.0);
        let cache = sum.finish().expect("both trials scraped");
        assert_eq!(cache.total, counts(170, 30));
        assert_eq!(cache.namespaces["lists"], counts(170, 30));
        let points: Vec<(f64, u64, u64)> = cache
            .samples
            .iter()
            .map(|s| {
                (
                    s.offset_secs,
                    s.namespaces["lists"].hits,
                    s.namespaces["lists"].misses,
                )
            })
            .collect();
        assert_eq!(
            points,
            [(0.0, 0, 0), (10.0, 90, 10), (10.0, 90, 10), (20.0, 170, 30)]
        );
        let mut partial = ServerCacheSum::default();
        partial.add(Some(trial((0, 0), (5, 5), 1.0)), 0.0);
        partial.add(None, 1.0);
        assert!(partial.finish().is_none(), "a trial without counters");
    }
}
