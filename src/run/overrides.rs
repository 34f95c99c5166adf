//! The command line's overrides of a scenario: `--duration` (the profile is scaled to it, so a
//! ramp keeps its shape, and the warm-up with it; for a regression scenario it is each trial's
//! duration), `--scale` (rates,
//! users and connections multiplied, so any scenario can run lighter or heavier), `--target URL`
//! (replaces the scenario's target, bundled or not) and the gate's `--trials` / `--alpha`.

use std::time::Duration;

use super::{RunError, RunSettings};
use crate::scenario::Plan;
use crate::scenario::gate::GateSettings;
use crate::scenario::plan::{LoadModel, TargetKind};
use crate::scenario::regression::RegressionSpec;

/// Applies `--duration`, `--scale` and `--target` to a validated plan.
pub fn apply(mut plan: Plan, options: &RunSettings) -> Result<Plan, RunError> {
    if let Some(duration) = options.duration {
        if duration.is_zero() {
            return Err(RunError::Usage(
                "--duration must be greater than zero".into(),
            ));
        }
        let planned = plan.load.duration();
        scale_duration(&mut plan.load.model, duration);
        // The warm-up keeps its share of the run: a 1-minute warm-up before 5 measured minutes
        // becomes 9 s before 45 s, not a minute of warm-up before a short run.
        if !planned.is_zero() && plan.regression.is_none() {
            plan.load.warmup = plan
                .load
                .warmup
                .mul_f64(duration.as_secs_f64() / planned.as_secs_f64());
        }
        if let Some(spec) = &mut plan.regression {
            spec.trial_duration = duration;
        }
    }
    apply_gate(&mut plan, &options.gate_overrides)?;
    if let Some(factor) = options.scale {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(RunError::Usage(format!(
                "--scale {factor}: expected a factor above zero, e.g. 0.1 or 2"
            )));
        }
        scale_load(&mut plan.load.model, factor);
    }
    if let Some(url) = &options.target {
        plan.target.kind = TargetKind::Url {
            base_url: parse_target(url)?,
        };
    }
    Ok(plan)
}

/// `--trials N`, `--alpha A`, `--min-effect KEY=PCT` and `--overall-only` on `stampede run` and
/// `stampede compare`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateOverrides {
    pub trials: Option<u32>,
    pub alpha: Option<f64>,
    /// Minimum effects replacing the scenario's, in the order given.
    pub min_effects: Vec<(EffectKey, f64)>,
    /// Gate only the whole run, not each endpoint (`gate_endpoints = false`).
    pub overall_only: bool,
}

/// Which of the gate's minimum effects a `--min-effect KEY=PCT` replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectKey {
    /// `p50`: `min_effect_p50`.
    P50,
    /// `tail`: `min_effect_tail` (p95 and p99).
    Tail,
    /// `throughput`: `min_effect_throughput`.
    Throughput,
    /// `error_rate`: `min_effect_error_rate` (percentage points).
    ErrorRate,
}

impl EffectKey {
    /// Parses `KEY=PCT`, e.g. `p50=3%` or `error_rate=0.5%`.
    pub fn parse_pair(text: &str) -> Result<(EffectKey, f64), String> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| format!("'{text}': expected KEY=PERCENT, e.g. p50=3%"))?;
        let key = match key.trim() {
            "p50" => EffectKey::P50,
            "tail" => EffectKey::Tail,
            "throughput" => EffectKey::Throughput,
            "error_rate" => EffectKey::ErrorRate,
            other => {
                return Err(format!(
                    "'{other}' is not a gate metric: expected p50, tail, throughput or error_rate"
                ));
            }
        };
        match crate::units::parse_percent(value) {
            Ok(v) if (0.0..=10.0).contains(&v) => Ok((key, v)),
            Ok(_) => Err(format!("'{value}': expected a percentage from 0% to 1000%")),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl GateOverrides {
    /// Puts `--alpha`, `--min-effect` and `--overall-only` into the gate's settings.
    pub fn apply_to(&self, gate: &mut GateSettings) {
        if let Some(alpha) = self.alpha {
            gate.alpha = alpha;
        }
        if self.overall_only {
            gate.endpoints = false;
        }
        for &(key, value) in &self.min_effects {
            match key {
                EffectKey::P50 => gate.min_effect_p50 = value,
                EffectKey::Tail => gate.min_effect_tail = value,
                EffectKey::Throughput => gate.min_effect_throughput = value,
                EffectKey::ErrorRate => gate.min_effect_error_rate = value,
            }
        }
    }
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
        gate.apply_to(&mut spec.gate);
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

/// Multiplies every rate (open), user count (closed) or the connections (throughput) by `factor`.
/// Users and connections are rounded, and a level above zero stays at least 1 (a hold of 0 users
/// is not a stage); a ramp to 0 stays a ramp to 0.
pub fn scale_load(model: &mut LoadModel, factor: f64) {
    let count = |n: u32| -> u32 {
        if n == 0 {
            0
        } else {
            ((f64::from(n) * factor).round() as u32).max(1)
        }
    };
    match model {
        LoadModel::Open {
            stages,
            connections,
            ..
        } => {
            for stage in stages {
                stage.start_rate *= factor;
                stage.end_rate *= factor;
            }
            if let Some(c) = connections {
                *c = count(*c);
            }
        }
        LoadModel::Closed { stages } => {
            for stage in stages {
                stage.start_users = count(stage.start_users);
                stage.end_users = count(stage.end_users);
            }
        }
        LoadModel::Throughput { connections, .. } => *connections = count(*connections),
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
    fn duration_scales_the_warmup_with_the_stages() {
        let text = r#"name = "w"
[target]
url = "http://127.0.0.1:9"
[load]
model = "closed"
warmup = "1m"
stages = [{ duration = "5m", users = 20 }]
[[journeys]]
name = "j"
[[journeys.steps]]
path = "/"
"#;
        let plan =
            crate::scenario::load_bytes(text.as_bytes(), std::path::Path::new("w.toml"), &|_| None)
                .expect("valid");
        let options = RunSettings {
            duration: Some(Duration::from_secs(30)),
            ..RunSettings::new("w.toml".into())
        };
        let plan = apply(plan, &options).expect("applies");
        assert_eq!(plan.load.warmup, Duration::from_secs(6));
        assert_eq!(plan.load.duration(), Duration::from_secs(30));
    }

    #[test]
    fn scale_multiplies_rates_and_rounds_users_to_at_least_one() {
        let mut open = LoadModel::Open {
            stages: vec![crate::scenario::plan::RateStage {
                duration: Duration::from_secs(10),
                start_rate: 50.0,
                end_rate: 500.0,
            }],
            max_in_flight: 100,
            connections: None,
        };
        scale_load(&mut open, 0.1);
        let LoadModel::Open { stages, .. } = open else {
            unreachable!()
        };
        assert_eq!((stages[0].start_rate, stages[0].end_rate), (5.0, 50.0));

        let stage = |start_users, end_users| UserStage {
            duration: Duration::from_secs(10),
            start_users,
            end_users,
        };
        let mut closed = LoadModel::Closed {
            stages: vec![stage(0, 20), stage(20, 20), stage(4, 0)],
        };
        scale_load(&mut closed, 0.1);
        let LoadModel::Closed { stages } = closed else {
            unreachable!()
        };
        assert_eq!(stages, vec![stage(0, 2), stage(2, 2), stage(1, 0)]);

        let mut throughput = LoadModel::Throughput {
            connections: 8,
            duration: Duration::from_secs(5),
        };
        scale_load(&mut throughput, 2.5);
        assert!(matches!(
            throughput,
            LoadModel::Throughput {
                connections: 20,
                ..
            }
        ));
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

    #[test]
    fn min_effects_parse_and_replace_the_scenarios() {
        let mut gate = GateSettings::default();
        let overrides = GateOverrides {
            trials: None,
            alpha: Some(0.01),
            min_effects: vec![
                EffectKey::parse_pair("p50=3%").unwrap(),
                EffectKey::parse_pair("tail=20%").unwrap(),
            ],
            overall_only: true,
        };
        let throughput = gate.min_effect_throughput;
        assert!(gate.endpoints);
        overrides.apply_to(&mut gate);
        assert_eq!(gate.alpha, 0.01);
        assert!(!gate.endpoints, "--overall-only turns endpoint gating off");
        assert!((gate.min_effect_p50 - 0.03).abs() < 1e-12);
        assert!((gate.min_effect_tail - 0.2).abs() < 1e-12);
        assert_eq!(gate.min_effect_throughput, throughput);
        for bad in ["p50", "p75=3%", "p50=3", "p50=-1%"] {
            assert!(EffectKey::parse_pair(bad).is_err(), "{bad}");
        }
    }
}
