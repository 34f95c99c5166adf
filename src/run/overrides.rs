//! The command line's overrides of a scenario: `--duration` (the profile is scaled to it, so a
//! ramp keeps its shape; for a regression scenario it is each trial's duration), `--target URL`
//! (replaces the scenario's target, bundled or not) and the gate's `--trials` / `--alpha`.

use std::time::Duration;

use super::{RunError, RunOptions};
use crate::scenario::Plan;
use crate::scenario::plan::{LoadModel, TargetKind};
use crate::scenario::regression::RegressionSpec;

/// Applies `--duration` and `--target` to a validated plan.
pub fn apply(mut plan: Plan, options: &RunOptions) -> Result<Plan, RunError> {
    if let Some(duration) = options.duration {
        if duration.is_zero() {
            return Err(RunError::Usage(
                "--duration must be greater than zero".into(),
            ));
        }
        scale_duration(&mut plan.load.model, duration);
        if let Some(spec) = &mut plan.regression {
            spec.trial_duration = duration;
        }
    }
    apply_gate(&mut plan, &options.gate)?;
    if let Some(url) = &options.target {
        plan.target.kind = TargetKind::Url {
            base_url: parse_target(url)?,
        };
    }
    Ok(plan)
}

/// `--trials N` / `--alpha A` on `stampede run` (and `compare --live`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GateOverrides {
    pub trials: Option<u32>,
    pub alpha: Option<f64>,
}

/// Applies the gate overrides; `--trials` on a scenario without `[regression]` runs it as trials
/// with the default gate settings (it must then be an open model at one rate).
pub fn apply_gate(plan: &mut Plan, gate: &GateOverrides) -> Result<(), RunError> {
    if gate.trials.is_some() && plan.regression.is_none() {
        let spec = RegressionSpec::from_load(&plan.load)
            .map_err(|e| RunError::Usage(format!("--trials: {e}")))?;
        plan.regression = Some(spec);
    }
    if let Some(spec) = &mut plan.regression {
        if let Some(trials) = gate.trials {
            spec.trials = trials;
        }
        if let Some(alpha) = gate.alpha {
            spec.gate.alpha = alpha;
        }
    }
    Ok(())
}

/// Scales every stage so the measured duration becomes `total`.
pub fn scale_duration(model: &mut LoadModel, total: Duration) {
    let scale = |durations: Vec<&mut Duration>| {
        let sum: f64 = durations.iter().map(|d| d.as_secs_f64()).sum();
        let factor = if sum > 0.0 {
            total.as_secs_f64() / sum
        } else {
            1.0
        };
        for d in durations {
            *d = Duration::from_secs_f64(d.as_secs_f64() * factor);
        }
    };
    match model {
        LoadModel::Open { stages, .. } => {
            scale(stages.iter_mut().map(|s| &mut s.duration).collect())
        }
        LoadModel::Closed { stages } => scale(stages.iter_mut().map(|s| &mut s.duration).collect()),
        LoadModel::Throughput { duration, .. } => *duration = total,
    }
}

/// An `http(s)` URL without credentials, query or fragment; the trailing `/` dropped.
pub fn parse_target(text: &str) -> Result<String, RunError> {
    let bad = |why: &str| RunError::Usage(format!("--target '{text}': {why}"));
    let url = reqwest::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("expected an http:// or https:// URL"));
    }
    if url.host_str().is_none() {
        return Err(bad("the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "credentials do not belong in the URL: use [target.headers]",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL takes no query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::plan::UserStage;

    #[test]
    fn duration_scales_stages_proportionally() {
        let mut model = LoadModel::Closed {
            stages: vec![
                UserStage {
                    duration: Duration::from_secs(30),
                    start_users: 0,
                    end_users: 10,
                },
                UserStage {
                    duration: Duration::from_secs(90),
                    start_users: 10,
                    end_users: 10,
                },
            ],
        };
        scale_duration(&mut model, Duration::from_secs(12));
        let LoadModel::Closed { stages } = model else {
            unreachable!()
        };
        assert_eq!(stages[0].duration, Duration::from_secs(3));
        assert_eq!(stages[1].duration, Duration::from_secs(9));
    }

    #[test]
    fn target_urls_are_checked() {
        assert_eq!(
            parse_target("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            parse_target("https://api.example.com/v2").unwrap(),
            "https://api.example.com/v2"
        );
        for bad in ["ftp://x", "not a url", "http://u:p@host", "http://h/?q=1"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
