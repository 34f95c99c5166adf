//! What the merged result says about itself: its load profile, the worst outcome with every
//! input's reasons labelled, the worst generator health, each input's segment, and the thresholds
//! evaluated again on the merged figures.

use super::*;

/// The stages added up (the workers' slices make the whole profile again).
pub(super) fn load_profile(inputs: &[MergeInput]) -> LoadProfile {
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

/// The worst status; every input's reasons and warnings, labelled.
pub(super) fn outcome(inputs: &[MergeInput], result: &mut RunResult, mut warnings: Vec<String>) {
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

/// The worst worker's CPU; starts summed; the lag's figures the highest of the inputs'.
pub(super) fn generator(inputs: &[MergeInput]) -> GeneratorHealth {
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
pub(super) fn segment_infos(input: &MergeInput) -> Vec<SegmentInfo> {
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
        planned_start: input.result.planned_start.clone(),
        actual_start: input.result.actual_start.clone(),
    }]
}

/// The inputs' thresholds, evaluated again on the merged figures.
pub(super) fn thresholds(result: &RunResult) -> Vec<crate::model::ThresholdResult> {
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
                Ok(threshold) => crate::results::thresholds::evaluate(&[threshold], result)
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
