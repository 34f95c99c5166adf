//! `stampede run --segment i/N`: one worker's deterministic slice of a scenario's load, for runs
//! spread over N machines by an orchestrator (a Kubernetes Indexed Job, a CI matrix). Every worker
//! runs the same scenario with its own `i` (1 to N); together they send the whole load, and
//! `stampede merge` adds their results up exactly.
//!
//! - open model: each worker schedules the rate ÷ N, shifted by (i − 1)/N of an arrival, so worker
//!   i sends arrivals i−1, i−1+N, i−1+2N, ... of the whole schedule: merged, the arrivals are the
//!   scenario's, evenly spread (not N bursts at the same instants). The in-flight cap is split too.
//! - closed model: the users of every stage are split so the workers' counts add up to the
//!   scenario's exactly (10 users over 3 workers: 3, 3, 4).
//! - throughput model: the connections are split the same way.

use crate::model::{RunResult, SegmentInfo};
use crate::scenario::Plan;
use crate::scenario::plan::LoadModel;

/// Worker `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub index: u32,
    pub count: u32,
}

/// Why a `--segment` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    #[error(
        "--segment '{0}': expected i/N with 1 ≤ i ≤ N, e.g. 2/3 for the second of three workers"
    )]
    Syntax(String),
    #[error(
        "--segment {segment}: this worker would get no {what} ({total} in the scenario for {count} \
         workers); use at most {total} segments"
    )]
    Empty {
        segment: String,
        what: &'static str,
        total: u32,
        count: u32,
    },
}

impl Segment {
    /// Parses `i/N` (1 ≤ i ≤ N).
    pub fn parse(text: &str) -> Result<Segment, SegmentError> {
        let bad = || SegmentError::Syntax(text.to_string());
        let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Segment { index, count })
    }

    /// This worker's share of `total` whole units (users, connections): the shares of all
    /// workers add up to `total` exactly, and differ by at most one.
    pub fn share(&self, total: u32) -> u32 {
        let (i, n, t) = (
            u64::from(self.index),
            u64::from(self.count),
            u64::from(total),
        );
        ((t * i) / n - (t * (i - 1)) / n) as u32
    }

    /// Open model: how far (in arrivals of this worker's schedule) its arrivals are shifted.
    pub fn phase(&self) -> f64 {
        f64::from(self.index - 1) / f64::from(self.count)
    }

    /// Cuts the plan's load down to this worker's slice.
    pub fn apply(&self, plan: &mut Plan) -> Result<(), SegmentError> {
        let n = f64::from(self.count);
        let empty = |what, total| SegmentError::Empty {
            segment: self.to_string(),
            what,
            total,
            count: self.count,
        };
        match &mut plan.load.model {
            LoadModel::Open {
                stages,
                max_in_flight,
                connections,
            } => {
                for s in stages.iter_mut() {
                    s.start_rate /= n;
                    s.end_rate /= n;
                }
                *max_in_flight = max_in_flight.div_ceil(self.count).max(1);
                if let Some(c) = connections {
                    *c = self.share(*c).max(1);
                }
            }
            LoadModel::Closed { stages } => {
                let most = stages
                    .iter()
                    .map(|s| s.start_users.max(s.end_users))
                    .max()
                    .unwrap_or(0);
                for s in stages.iter_mut() {
                    s.start_users = self.share(s.start_users);
                    s.end_users = self.share(s.end_users);
                }
                if stages
                    .iter()
                    .all(|s| s.start_users == 0 && s.end_users == 0)
                {
                    return Err(empty("users", most));
                }
            }
            LoadModel::Throughput { connections, .. } => {
                let total = *connections;
                *connections = self.share(total);
                if *connections == 0 {
                    return Err(empty("connections", total));
                }
            }
        }
        Ok(())
    }
}

impl Segment {
    /// How `result` (this worker's run) records its segment.
    pub fn info(&self, result: &RunResult) -> SegmentInfo {
        SegmentInfo {
            index: Some(self.index),
            count: Some(self.count),
            environment: result.environment.clone(),
            started_at: result.started_at.clone(),
            duration_secs: result.duration_secs,
            status: result.outcome.status,
            requests: result.totals.requests,
        }
    }
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pacer::Pacer;
    use crate::scenario::plan::RateStage;
    use std::time::Duration;

    #[test]
    fn parses_i_of_n_and_rejects_the_rest() {
        assert_eq!(Segment::parse("2/3"), Ok(Segment { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "1", "a/b", "1/2/3", "-1/2"] {
            assert!(Segment::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shares_add_up_to_the_total() {
        for count in 1..=7u32 {
            for total in [0u32, 1, 2, 3, 10, 64, 1001] {
                let shares: Vec<u32> = (1..=count)
                    .map(|index| Segment { index, count }.share(total))
                    .collect();
                assert_eq!(shares.iter().sum::<u32>(), total, "{total} over {count}");
                let (lo, hi) = (shares.iter().min(), shares.iter().max());
                assert!(hi.unwrap() - lo.unwrap() <= 1, "{shares:?}");
            }
        }
    }

    /// The workers' schedules together are the whole schedule's arrivals, exactly: same count,
    /// and each worker's k-th arrival is the whole schedule's arrival k·N + i − 1.
    #[test]
    fn open_model_segments_interleave_into_the_whole_schedule() {
        let stages = vec![
            RateStage {
                duration: Duration::from_secs(3),
                start_rate: 10.0,
                end_rate: 50.0,
            },
            RateStage {
                duration: Duration::from_secs(2),
                start_rate: 50.0,
                end_rate: 50.0,
            },
        ];
        let whole = Pacer::new(&stages);
        let all: Vec<Duration> = (0..).map_while(|n| whole.offset(n)).collect();
        let count = 3u32;
        let mut merged = Vec::new();
        for index in 1..=count {
            let segment = Segment { index, count };
            let mine: Vec<RateStage> = stages
                .iter()
                .map(|s| RateStage {
                    start_rate: s.start_rate / f64::from(count),
                    end_rate: s.end_rate / f64::from(count),
                    ..*s
                })
                .collect();
            let pacer = Pacer::new(&mine);
            let offsets: Vec<Duration> = (0..)
                .map_while(|k| pacer.offset_with_phase(k, segment.phase()))
                .collect();
            for (k, offset) in offsets.iter().enumerate() {
                let n = k * count as usize + index as usize - 1;
                let diff = offset.as_secs_f64() - all[n].as_secs_f64();
                assert!(diff.abs() < 1e-6, "segment {segment} arrival {k}: {diff}");
            }
            merged.extend(offsets);
        }
        assert_eq!(merged.len(), all.len());
    }
}
