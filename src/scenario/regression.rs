//! `[regression]`: a regression scenario runs as repeated trials, each a fixed-rate open-model run
//! of `trial_duration` after a discarded `trial_warmup`, so the gate can test per-trial values
//! instead of trusting one noisy run. The table also holds the gate's settings (alpha, minimum
//! effects, gated metrics); the command line can change them (`--trials`, `--alpha`).
//!
//! One trial is described by `[load]` itself: it must be the open model at one constant rate, and
//! its `duration` and `warmup` are a trial's unless `trial_duration` / `trial_warmup` say otherwise.

use std::time::Duration;

use toml::Spanned;

use super::error::did_you_mean;
use super::gate::{GateSettings, GatedMetric};
use super::plan::{LoadModel, LoadSpec, RateStage};
use super::raw::RawRegression;
use super::validate::Ctx;

/// Trials per side when neither the scenario nor the command line says.
pub const DEFAULT_TRIALS: u32 = 8;
/// Bounds on the trial count: fewer than 2 cannot be ranked, more than this is a typo.
pub const MIN_TRIALS: u32 = 2;
pub const MAX_TRIALS: u32 = 200;

/// How a regression scenario runs and is judged.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionSpec {
    /// Trials per run (per side in a live A/B comparison).
    pub trials: u32,
    /// Measured length of each trial.
    pub trial_duration: Duration,
    /// Traffic before each trial's measurement, discarded.
    pub trial_warmup: Duration,
    /// Arrival rate of every trial, iterations per second.
    pub rate: f64,
    /// Open model: cap on iterations in flight.
    pub max_in_flight: u32,
    /// Open model: a fixed set of connections, or `None` to grow them as needed.
    pub connections: Option<u32>,
    /// The gate's alpha, minimum effects and metrics.
    pub gate: GateSettings,
}

impl RegressionSpec {
    /// Default trials and gate settings for a `[load]` that is the open model at one constant rate;
    /// the load's duration and warm-up become a trial's. Says why when the load does not fit.
    pub fn from_load(load: &LoadSpec) -> Result<RegressionSpec, String> {
        let LoadModel::Open {
            stages,
            max_in_flight,
            connections,
        } = &load.model
        else {
            return Err(format!(
                "trials are fixed-rate open-model runs, and this load has model = \"{}\": use \
                 model = \"open\" with one `rate` and `duration`",
                load.model.name()
            ));
        };
        let rate = match stages.as_slice() {
            [stage] if stage.start_rate == stage.end_rate => stage.start_rate,
            _ => {
                return Err(
                    "trials run at one constant rate: give [load] one `rate` and `duration` \
                     instead of stages or a ramp"
                        .into(),
                );
            }
        };
        Ok(RegressionSpec {
            trials: DEFAULT_TRIALS,
            trial_duration: load.duration(),
            trial_warmup: load.warmup,
            rate,
            max_in_flight: *max_in_flight,
            connections: *connections,
            gate: GateSettings::default(),
        })
    }

    /// The load of one trial: `rate` for `trial_duration` after `trial_warmup`.
    pub fn trial_load(&self) -> LoadSpec {
        LoadSpec {
            model: LoadModel::Open {
                stages: vec![RateStage {
                    duration: self.trial_duration,
                    start_rate: self.rate,
                    end_rate: self.rate,
                }],
                max_in_flight: self.max_in_flight,
                connections: self.connections,
            },
            warmup: self.trial_warmup,
        }
    }
}

/// Validates `[regression]` against the scenario's (already validated) `[load]`.
pub(crate) fn regression(
    ctx: &mut Ctx,
    raw: &Spanned<RawRegression>,
    load: Option<&LoadSpec>,
) -> Option<RegressionSpec> {
    let r = raw.get_ref();
    let load = load?;
    let mut spec = match RegressionSpec::from_load(load) {
        Ok(spec) => spec,
        Err(e) => {
            ctx.err(raw.span(), "regression", e);
            return None;
        }
    };
    if let Some(t) = &r.trials {
        spec.trials = ctx.int_in(
            t,
            "regression.trials",
            i64::from(MIN_TRIALS),
            i64::from(MAX_TRIALS),
        );
    }
    if let Some(d) = &r.trial_duration {
        spec.trial_duration = ctx.positive(d, "regression.trial_duration");
    }
    if let Some(w) = &r.trial_warmup {
        spec.trial_warmup = w.get_ref().0;
    }
    if let Some(a) = &r.alpha {
        let alpha = *a.get_ref();
        if !(alpha > 0.0 && alpha <= 0.5) {
            ctx.err(
                a.span(),
                "regression.alpha",
                format!("{alpha} is out of range: expected a significance level above 0 and at most 0.5, e.g. 0.0025"),
            );
        }
        spec.gate.alpha = alpha;
    }
    let gate = &mut spec.gate;
    for (value, slot) in [
        (&r.min_effect_p50, &mut gate.min_effect_p50),
        (&r.min_effect_tail, &mut gate.min_effect_tail),
        (&r.min_effect_throughput, &mut gate.min_effect_throughput),
        (&r.min_effect_error_rate, &mut gate.min_effect_error_rate),
    ] {
        if let Some(v) = value {
            *slot = v.get_ref().0;
        }
    }
    if let Some(n) = &r.min_requests_p99 {
        gate.min_requests_p99 =
            u64::from(ctx.int_in(n, "regression.min_requests_p99", 1, i64::from(u32::MAX)));
    }
    if let Some(n) = &r.min_requests {
        gate.min_requests =
            u64::from(ctx.int_in(n, "regression.min_requests", 1, i64::from(u32::MAX)));
    }
    if let Some(b) = &r.gate_endpoints {
        gate.endpoints = *b.get_ref();
    }
    if let Some(list) = &r.metrics {
        let mut metrics = Vec::new();
        for (i, name) in list.get_ref().iter().enumerate() {
            match GatedMetric::parse(name.get_ref()) {
                Some(m) if !metrics.contains(&m) => metrics.push(m),
                Some(_) => {}
                None => {
                    let names = GatedMetric::ALL.map(GatedMetric::key);
                    let hint = did_you_mean(name.get_ref(), names).map_or_else(
                        || format!("expected one of {}", names.join(", ")),
                        |best| format!("did you mean `{best}`?"),
                    );
                    ctx.err(
                        name.span(),
                        &format!("regression.metrics[{i}]"),
                        format!("`{}` is not a gated metric: {hint}", name.get_ref()),
                    );
                }
            }
        }
        if list.get_ref().is_empty() {
            ctx.err(
                list.span(),
                "regression.metrics",
                "must list at least one metric, e.g. [\"p50\", \"p95\"]",
            );
        }
        gate.metrics = metrics;
    }
    Some(spec)
}
