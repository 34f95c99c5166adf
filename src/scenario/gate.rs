//! What the regression gate tests and how strictly: the metrics it can gate and its knobs (alpha,
//! minimum effects, minimum requests). They are part of the scenario model because a scenario's
//! `[regression]` table and the command line set them; `compare` only reads them.

use serde::{Deserialize, Serialize};

use crate::model::TrialStats;
use crate::units::format_micros;

/// A metric the gate can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatedMetric {
    P50,
    P95,
    P99,
    Throughput,
    ErrorRate,
}

impl GatedMetric {
    pub const ALL: [GatedMetric; 5] = [
        GatedMetric::P50,
        GatedMetric::P95,
        GatedMetric::P99,
        GatedMetric::Throughput,
        GatedMetric::ErrorRate,
    ];

    /// The name in scenario files and on the command line (`error_rate`).
    pub fn key(self) -> &'static str {
        match self {
            GatedMetric::P50 => "p50",
            GatedMetric::P95 => "p95",
            GatedMetric::P99 => "p99",
            GatedMetric::Throughput => "throughput",
            GatedMetric::ErrorRate => "error_rate",
        }
    }

    /// The metric named `name` ([`GatedMetric::key`]); `None` for anything else.
    pub fn parse(name: &str) -> Option<GatedMetric> {
        GatedMetric::ALL
            .into_iter()
            .find(|m| m.key() == name.trim())
    }

    /// The name in sentences (`error rate`).
    pub fn label(self) -> &'static str {
        match self {
            GatedMetric::P50 => "p50",
            GatedMetric::P95 => "p95",
            GatedMetric::P99 => "p99",
            GatedMetric::Throughput => "throughput",
            GatedMetric::ErrorRate => "error rate",
        }
    }

    pub(crate) fn value(self, t: &TrialStats) -> f64 {
        match self {
            GatedMetric::P50 => t.p50_us as f64,
            GatedMetric::P95 => t.p95_us as f64,
            GatedMetric::P99 => t.p99_us as f64,
            GatedMetric::Throughput => t.throughput_rps,
            GatedMetric::ErrorRate => t.error_rate,
        }
    }

    /// True when a larger value is worse.
    pub(crate) fn higher_is_worse(self) -> bool {
        !matches!(self, GatedMetric::Throughput)
    }

    pub(crate) fn format(self, v: f64) -> String {
        match self {
            GatedMetric::P50 | GatedMetric::P95 | GatedMetric::P99 => format_micros(v),
            GatedMetric::Throughput => format!("{v:.1}/s"),
            GatedMetric::ErrorRate => format!("{:.2}%", v * 100.0),
        }
    }

    /// Requests per trial needed behind the metric for it to be meaningful.
    pub(crate) fn min_requests(self, s: &GateSettings) -> u64 {
        match self {
            GatedMetric::P99 => s.min_requests_p99,
            GatedMetric::P95 => (s.min_requests_p99 / 5).max(s.min_requests),
            _ => s.min_requests,
        }
    }
}

/// The gate's knobs; the defaults are calibrated for noisy shared 2-core runners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateSettings {
    /// Significance level of each one-sided test (0.01 split over four metrics).
    pub alpha: f64,
    /// Minimum relative change of p50 and throughput to count (0.05 = 5%).
    pub min_effect_p50: f64,
    /// Minimum relative change of p95 and p99.
    pub min_effect_tail: f64,
    /// Minimum relative change of throughput.
    pub min_effect_throughput: f64,
    /// Minimum absolute change of the error rate (0.001 = 0.1 percentage point).
    pub min_effect_error_rate: f64,
    /// Requests per trial needed to gate p99 (p95 needs a fifth of it).
    pub min_requests_p99: u64,
    /// Requests per trial needed to gate p50, throughput and the error rate of a row.
    #[serde(default = "default_min_requests")]
    pub min_requests: u64,
    /// The metrics tested.
    pub metrics: Vec<GatedMetric>,
    /// Whether each endpoint is gated too (at alpha split over the endpoints), not only the
    /// overall row.
    #[serde(default = "default_gate_endpoints")]
    pub endpoints: bool,
}

fn default_min_requests() -> u64 {
    GateSettings::default().min_requests
}

fn default_gate_endpoints() -> bool {
    true
}

impl Default for GateSettings {
    fn default() -> Self {
        GateSettings {
            alpha: 0.0025,
            min_effect_p50: 0.05,
            min_effect_tail: 0.10,
            min_effect_throughput: 0.05,
            min_effect_error_rate: 0.001,
            min_requests_p99: 10_000,
            min_requests: 100,
            metrics: vec![
                GatedMetric::P50,
                GatedMetric::P95,
                GatedMetric::Throughput,
                GatedMetric::ErrorRate,
            ],
            endpoints: true,
        }
    }
}

impl GateSettings {
    pub(crate) fn min_effect(&self, metric: GatedMetric) -> f64 {
        match metric {
            GatedMetric::P50 => self.min_effect_p50,
            GatedMetric::P95 | GatedMetric::P99 => self.min_effect_tail,
            GatedMetric::Throughput => self.min_effect_throughput,
            GatedMetric::ErrorRate => self.min_effect_error_rate,
        }
    }
}
