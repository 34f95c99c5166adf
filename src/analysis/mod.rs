//! Analyses that turn a finished run into findings: the breaking point of a stress test, the
//! recovery time of a spike test, the drift of an endurance test. Each reads only the RunResult (and
//! its interval log), so findings can be recomputed from the files at any time, and each returns
//! [`Finding`]s whose figures can be used as thresholds by name.

pub mod drift;
pub mod fit;
pub mod spike;
pub mod stall;
pub mod stats;
pub mod stress;

pub use crate::model::Finding;

use crate::model::RunResult;
use crate::scenario::Plan;
use crate::scenario::plan::{Comparison, Metric, ScenarioKind};

/// The findings of a finished run, by the scenario's kind: a stress run gets its breaking point,
/// a spike run its recovery time, an endurance run its drift. Other kinds get none. The limits
/// come from the scenario's own thresholds where it has them (`p99 < ...` and `error_rate < ...`
/// for the breaking point, `target_rss_slope < ...` for the leak bound).
pub fn analyze(plan: &Plan, result: &RunResult) -> Vec<Finding> {
    let finding = match plan.kind {
        ScenarioKind::Stress => stress::breaking_point(
            result,
            &stress::StressLimits::from_thresholds(&plan.thresholds),
        ),
        ScenarioKind::Spike => spike::spike(result),
        ScenarioKind::Endurance => {
            let mut settings = drift::DriftSettings::default();
            if let Some(bound) = plan
                .thresholds
                .iter()
                .find_map(|t| match (&t.metric, t.op) {
                    (Metric::Finding(name), Comparison::Less | Comparison::LessOrEqual)
                        if name == "target_rss_slope" =>
                    {
                        Some(t.limit)
                    }
                    _ => None,
                })
            {
                settings.leak_bound_mb_per_hour = bound;
            }
            drift::drift(result, &settings)
        }
        ScenarioKind::Smoke
        | ScenarioKind::Load
        | ScenarioKind::Regression
        | ScenarioKind::Custom => None,
    };
    finding.into_iter().collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::model::*;

    /// A completed run of `secs` seconds with empty windows, for the analyses' tests.
    pub fn empty_run(secs: u32) -> RunResult {
        let empty =
            crate::model::histogram::summarize(&crate::model::histogram::new_latency_histogram());
        let stats = EndpointStats {
            name: "total".into(),
            method: None,
            requests: 0,
            successes: 0,
            failures: 0,
            rps: 0.0,
            bytes_received: 0,
            bytes_sent: 0,
            redirects: 0,
            status_counts: Default::default(),
            protocols: Default::default(),
            errors: vec![],
            latency: empty.clone(),
            histogram: String::new(),
            send_latency: None,
            send_histogram: None,
            cache: CacheCounts::default(),
        };
        RunResult {
            schema_version: SCHEMA_VERSION,
            tool: ToolInfo {
                name: "stampede".into(),
                version: "test".into(),
            },
            scenario: ScenarioInfo {
                name: "t".into(),
                kind: "custom".into(),
                description: String::new(),
                file: None,
                file_sha256: String::new(),
            },
            target: TargetInfo {
                url: "http://127.0.0.1:1".into(),
                bundled: false,
                cache_backend: None,
                notes: vec![],
            },
            environment: Environment {
                hostname: "h".into(),
                os: "linux".into(),
                cpu_model: "cpu".into(),
                cores: 2,
                memory_bytes: 0,
                git_commit: None,
            },
            started_at: "2026-01-01T00:00:00Z".into(),
            ended_at: "2026-01-01T00:01:00Z".into(),
            duration_secs: f64::from(secs),
            load: LoadProfile {
                model: "open".into(),
                summary: String::new(),
                stages: vec![],
                warmup_secs: 0.0,
                max_in_flight: None,
                connections: None,
            },
            outcome: Outcome {
                status: OutcomeStatus::Completed,
                reasons: vec![],
                warnings: vec![],
            },
            totals: stats,
            endpoints: vec![],
            timeseries: (0..secs)
                .map(|s| Window {
                    offset_secs: s,
                    ..Window::default()
                })
                .collect(),
            cache: CacheReport::default(),
            resources: vec![],
            generator: GeneratorHealth {
                cpu_mean_percent: 0.0,
                cpu_max_percent: 0.0,
                cpu_limit_percent: 90.0,
                scheduled: 0,
                dropped: 0,
                schedule_lag: None,
            },
            thresholds: vec![],
            trials: vec![],
            findings: vec![],
            interval_log: None,
            segments: vec![],
            planned_start: None,
            actual_start: None,
        }
    }
}
