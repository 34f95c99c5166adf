//! The load profile of a plan as stored in the results: the stages in numbers, and one line for
//! people ("open model: 100/s for 30s, then 100/s → 500/s over 1m").

use std::time::Duration;

use crate::model::{LoadProfile, StageInfo};
use crate::scenario::plan::{LoadModel, Plan};

/// Describes the plan's load model.
pub fn load_profile(plan: &Plan) -> LoadProfile {
    let (stages, summary, max_in_flight, connections) = match &plan.load.model {
        LoadModel::Open {
            stages,
            max_in_flight,
            connections,
        } => {
            let infos: Vec<StageInfo> = stages
                .iter()
                .map(|s| stage(s.duration, s.start_rate, s.end_rate))
                .collect();
            let text = profile_summary("open", &infos);
            (infos, text, Some(*max_in_flight), *connections)
        }
        LoadModel::Closed { stages } => {
            let infos: Vec<StageInfo> = stages
                .iter()
                .map(|s| stage(s.duration, f64::from(s.start_users), f64::from(s.end_users)))
                .collect();
            let text = profile_summary("closed", &infos);
            (infos, text, None, None)
        }
        LoadModel::Throughput {
            connections,
            duration,
        } => {
            let n = f64::from(*connections);
            let infos = vec![stage(*duration, n, n)];
            let text = profile_summary("throughput", &infos);
            (infos, text, None, Some(*connections))
        }
    };
    LoadProfile {
        model: plan.load.model.name().to_string(),
        summary,
        stages,
        warmup_secs: plan.load.warmup.as_secs_f64(),
        max_in_flight,
        connections,
    }
}

/// The one line for people of a profile given by its numbers (also for merged profiles, whose
/// stages are the workers' added up).
pub fn profile_summary(model: &str, stages: &[StageInfo]) -> String {
    match model {
        "open" => format!(
            "open model: {}",
            describe(stages, |v| format!("{}/s", number(v)))
        ),
        "closed" => format!(
            "closed model: {}",
            describe(stages, |v| format!("{} users", number(v)))
        ),
        _ => {
            let (connections, seconds) = stages
                .first()
                .map_or((0.0, 0.0), |s| (s.start, s.duration_secs));
            format!(
                "{model} model: {} connections for {}",
                number(connections),
                readable(Duration::from_secs_f64(seconds))
            )
        }
    }
}

fn stage(duration: Duration, start: f64, end: f64) -> StageInfo {
    StageInfo {
        duration_secs: duration.as_secs_f64(),
        start,
        end,
    }
}

/// "100/s for 30s, then 100/s → 500/s over 1m".
fn describe(stages: &[StageInfo], unit: impl Fn(f64) -> String) -> String {
    stages
        .iter()
        .map(|s| {
            let length = readable(Duration::from_secs_f64(s.duration_secs));
            if s.start == s.end {
                format!("{} for {length}", unit(s.start))
            } else {
                format!("{} → {} over {length}", unit(s.start), unit(s.end))
            }
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

/// 100 → "100", 2.5 → "2.5".
fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A duration for people: whole milliseconds at most (scaled stages are not whole seconds).
fn readable(duration: Duration) -> String {
    let millis = Duration::from_millis(duration.as_millis() as u64);
    humantime::format_duration(millis).to_string()
}
