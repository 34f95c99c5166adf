//! The regression gate's flags, shared by `run` and `compare` (one definition, so both commands
//! accept and document them alike): `--trials`, `--alpha`, `--min-effect`, `--overall-only`.

use clap::Args;

use super::values;
use crate::run::overrides::{EffectKey, GateOverrides};

#[derive(Debug, Args)]
pub struct GateArgs {
    /// Run as N repeated trials, replacing [regression] trials (run: turns an open-model scenario
    /// at one rate into a regression run; compare --live: trials per side).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=200))]
    pub trials: Option<u32>,
    /// The gate's significance level per metric, replacing [regression] alpha, e.g. 0.0025.
    #[arg(long, value_name = "ALPHA", value_parser = values::parse_alpha)]
    pub alpha: Option<f64>,
    /// A minimum effect replacing [regression]'s, e.g. `p50=3%`; KEY is p50, tail (p95/p99),
    /// throughput or error_rate (percentage points). Repeat for several.
    #[arg(long, value_name = "KEY=PCT", value_parser = EffectKey::parse_pair)]
    pub min_effect: Vec<(EffectKey, f64)>,
    /// Gate only the whole run's figures, not each endpoint's too (replaces [regression]
    /// gate_endpoints).
    #[arg(long)]
    pub overall_only: bool,
}

impl GateArgs {
    pub fn into_overrides(self) -> GateOverrides {
        GateOverrides {
            trials: self.trials,
            alpha: self.alpha,
            min_effects: self.min_effect,
            overall_only: self.overall_only,
        }
    }
}
