//! Assembling the `RunResult` from what the run produced: the recorder's histograms and windows,
//! the probes (resources, server-side cache counters), the plan and the run's own account of how it
//! ended. Decides the outcome (a saturated generator makes the run invalid), runs the analyses of
//! the scenario's kind (findings), evaluates the thresholds, and redacts secrets from every string.

use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::health::generator_health;
use super::load_profile::load_profile;
use super::redact::redact_result;
use super::thresholds::evaluate;
use crate::metrics::{EndpointRecord, Recorded};
use crate::model::histogram::{HistogramError, encode, summarize};
use crate::model::{
    CacheReport, EndpointStats, Environment, ErrorCount, Outcome, OutcomeStatus, ResourceSample,
    RunResult, SCHEMA_VERSION, ScenarioInfo, ServerCache, TargetInfo, ToolInfo,
};
use crate::scenario::Plan;
use crate::scenario::plan::ScenarioKind;

/// Why a result could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot encode the latency histogram of '{endpoint}': {source}")]
    Histogram {
        endpoint: String,
        #[source]
        source: HistogramError,
    },
    #[error(
        "cannot redact secrets from the results (a secret equals a word of the results format?): {0}"
    )]
    Redact(#[source] serde_json::Error),
}

/// Everything `build_result` assembles.
#[derive(Debug)]
pub struct ResultInputs<'a> {
    pub plan: &'a Plan,
    pub recorded: Recorded,
    /// The target as the run saw it; its URL must carry no credentials (it is redacted anyway).
    pub target: TargetInfo,
    /// Usually `detect_environment()`.
    pub environment: Environment,
    /// Wall-clock start of the measured phase and end of the run.
    pub started_at: SystemTime,
    pub ended_at: SystemTime,
    /// Length of the measured phase (the plan's duration, or up to Ctrl-C); `None` means the
    /// recorder's elapsed time. Rates are per second of it.
    pub duration: Option<Duration>,
    /// Ctrl-C stopped the run.
    pub interrupted: bool,
    /// Reasons the run is invalid found by the run itself (the generator's own health is checked
    /// here and need not be passed).
    pub invalid_reasons: Vec<String>,
    /// Warnings that do not invalidate the run (e.g. a stall seen in the closed model).
    pub warnings: Vec<String>,
    pub resources: Vec<ResourceSample>,
    /// From the metrics scraper; `None` when not scraped.
    pub server_cache: Option<ServerCache>,
}

/// Builds the result, with thresholds evaluated and secrets redacted.
pub fn build_result(inputs: ResultInputs<'_>) -> Result<RunResult, BuildError> {
    let ResultInputs {
        plan,
        recorded,
        target,
        environment,
        started_at,
        ended_at,
        duration,
        interrupted,
        mut invalid_reasons,
        mut warnings,
        resources,
        server_cache,
    } = inputs;
    let mut target = target;
    target.url = public_url(&target.url);
    let duration = duration.unwrap_or(recorded.elapsed);
    let seconds = duration.as_secs_f64();
    let open = recorded.open_model;

    let health = |dropped| {
        generator_health(
            &resources,
            environment.cores,
            recorded.scheduled,
            dropped,
            recorded.schedule_lag.as_ref(),
        )
    };
    let (generator, mut health_reasons) = health(recorded.dropped);
    if plan.kind == ScenarioKind::Stress && recorded.dropped > 0 {
        // A stress run drops starts past its breaking point by design (the target, not the
        // generator, is the limit): the per-step table shows where. Only the generator's CPU
        // can make it invalid.
        health_reasons = health(0).1;
        warnings.push(format!(
            "{} of {} scheduled starts were dropped (in-flight cap reached): expected past the \
             breaking point, see the steps of the breaking_point finding",
            recorded.dropped, recorded.scheduled
        ));
    }
    invalid_reasons.extend(health_reasons);
    if let Some(e) = &recorded.hlog_error {
        warnings.push(format!("the per-second latency log is incomplete: {e}"));
    }
    if recorded.unflushed_locals > 0 {
        warnings.push(format!(
            "{} task recorder(s) were still open when recording ended; their last samples are \
             missing from these figures",
            recorded.unflushed_locals
        ));
    }
    let status = if interrupted {
        OutcomeStatus::Interrupted
    } else if invalid_reasons.is_empty() {
        OutcomeStatus::Completed
    } else {
        OutcomeStatus::Invalid
    };
    let mut reasons = Vec::new();
    if interrupted {
        reasons.push(format!(
            "interrupted after {seconds:.1}s: the results cover only that part of the run"
        ));
    }
    reasons.extend(invalid_reasons);

    let mut endpoints = recorded
        .endpoints
        .iter()
        .map(|e| endpoint_stats(e, seconds, open))
        .collect::<Result<Vec<_>, _>>()?;
    endpoints.sort_by(|a, b| a.name.cmp(&b.name));
    let totals = endpoint_stats(&recorded.total, seconds, open)?;
    let interval_log = match (&recorded.hlog_path, &recorded.hlog_error) {
        (Some(path), None) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
        _ => None,
    };

    let mut result = RunResult {
        schema_version: SCHEMA_VERSION,
        tool: ToolInfo {
            name: "stampede".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        scenario: ScenarioInfo {
            name: plan.name.clone(),
            kind: plan.kind.name().into(),
            description: plan.description.clone(),
            file: plan.source.as_ref().map(|p| p.display().to_string()),
            file_sha256: plan.source_sha256.clone(),
        },
        target,
        environment,
        started_at: rfc3339(started_at),
        ended_at: rfc3339(ended_at),
        duration_secs: seconds,
        load: load_profile(plan),
        outcome: Outcome {
            status,
            reasons,
            warnings,
        },
        cache: CacheReport {
            header: plan.cache.header.clone(),
            client: totals.cache,
            server: server_cache,
        },
        totals,
        endpoints,
        timeseries: recorded.windows,
        resources,
        generator,
        thresholds: Vec::new(),
        trials: Vec::new(),
        findings: Vec::new(),
        interval_log,
        segments: Vec::new(),
        planned_start: None,
        actual_start: None,
    };
    result.findings = crate::analysis::analyze(plan, &result);
    result.thresholds = evaluate(&plan.thresholds, &result);
    if plan.secrets.is_empty() {
        Ok(result)
    } else {
        redact_result(&result, &|s| plan.redact(s)).map_err(BuildError::Redact)
    }
}

fn endpoint_stats(
    record: &EndpointRecord,
    seconds: f64,
    open_model: bool,
) -> Result<EndpointStats, BuildError> {
    let encode_err = |source| BuildError::Histogram {
        endpoint: record.name.clone(),
        source,
    };
    let histogram = encode(&record.latency).map_err(encode_err)?;
    let (send_latency, send_histogram) = match (&record.send_latency, open_model) {
        (Some(h), _) => (Some(summarize(h)), Some(encode(h).map_err(encode_err)?)),
        (None, true) => {
            let empty = crate::model::histogram::new_latency_histogram();
            (
                Some(summarize(&empty)),
                Some(encode(&empty).map_err(encode_err)?),
            )
        }
        (None, false) => (None, None),
    };
    Ok(EndpointStats {
        name: record.name.clone(),
        method: record.method.clone(),
        requests: record.requests,
        successes: record.requests - record.failures,
        failures: record.failures,
        rps: if seconds > 0.0 {
            record.requests as f64 / seconds
        } else {
            0.0
        },
        bytes_received: record.bytes_in,
        bytes_sent: record.bytes_out,
        redirects: record.redirects,
        status_counts: record
            .status_counts
            .iter()
            .map(|(status, n)| (status.to_string(), *n))
            .collect(),
        protocols: record
            .protocols
            .iter()
            .map(|(protocol, n)| (protocol.name().to_string(), *n))
            .collect(),
        errors: record
            .errors
            .iter()
            .map(|(kind, (count, sample))| ErrorCount {
                kind: *kind,
                count: *count,
                sample: sample.clone(),
            })
            .collect(),
        latency: summarize(&record.latency),
        histogram,
        send_latency,
        send_histogram,
        cache: record.cache,
    })
}

/// RFC 3339 in UTC, e.g. `2025-01-31T12:00:00.123Z`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// The URL without user info, query or fragment: `https://u:p@host/x?k=v` → `https://host/x`.
pub fn public_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{path}")
}
