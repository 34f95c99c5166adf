//! `stampede run --segment i/N`: one worker's deterministic slice of a scenario's load, for runs
//! spread over N machines by an orchestrator (a Kubernetes Indexed Job, a CI matrix). Every worker
//! runs the same scenario with its own `i` (1 to N); together they send the whole load, and
//! `stampede merge` adds their results up exactly.
//!
//! - open model: each worker schedules the rate ÷ N, shifted by (i − 1)/N of an arrival, so worker
//!   i sends arrivals i−1, i−1+N, i−1+2N, ... of the whole schedule: merged, the arrivals are the
//!   scenario's, evenly spread (not N bursts at the same instants). The in-flight cap is split too.
//! - closed model: the users of every stage are split so the workers' counts add up to the
//!   scenario's exactly, the first workers taking one more (7 users over 3 workers: 3, 2, 2).
//! - throughput model: the connections are split the same way.
//! - sequential feeders: worker i keeps rows i, i+N, i+2N, ... (1-based) of each, so no two
//!   workers send the same row; random feeders are left whole (each worker draws from all rows).
//!
//! `--segment auto/N` takes i from the orchestrator: `JOB_COMPLETION_INDEX`, the 0-based index
//! Kubernetes gives each pod of an Indexed Job (i = index + 1).

use crate::model::{RunResult, SegmentInfo};
use crate::scenario::Plan;
use crate::scenario::plan::{FeederOrder, LoadModel};

/// Worker `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub index: u32,
    pub count: u32,
}

/// The environment variable Kubernetes sets in each pod of an Indexed Job: its 0-based index.
pub const JOB_INDEX_VAR: &str = "JOB_COMPLETION_INDEX";

/// Why a `--segment` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    #[error(
        "--segment '{0}': expected i/N with 1 ≤ i ≤ N, e.g. 2/3 for the second of three workers"
    )]
    Syntax(String),
    #[error(
        "--segment auto/{count}: {JOB_INDEX_VAR} is not set; auto takes the worker's index from \
         it, as a Kubernetes Indexed Job sets it (0 to {max}); elsewhere give the index: \
         --segment 1/{count}",
        max = count.saturating_sub(1)
    )]
    NoJobIndex { count: u32 },
    #[error(
        "--segment auto/{count}: {JOB_INDEX_VAR}='{value}' is not an index from 0 to {max} (the \
         Job's completions must equal N)",
        max = count.saturating_sub(1)
    )]
    BadJobIndex { count: u32, value: String },
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
        Segment::parse_with(text, None)
    }

    /// Parses `i/N`, or `auto/N` with i taken from `job_index` (the value of
    /// [`JOB_INDEX_VAR`], 0-based, when it is set).
    pub fn parse_with(text: &str, job_index: Option<&str>) -> Result<Segment, SegmentError> {
        let bad = || SegmentError::Syntax(text.to_string());
        let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(bad());
        }
        let index: u32 = if i.trim() == "auto" {
            let value = job_index.ok_or(SegmentError::NoJobIndex { count })?;
            let bad_index = || SegmentError::BadJobIndex {
                count,
                value: value.to_string(),
            };
            let zero_based: u32 = value.trim().parse().map_err(|_| bad_index())?;
            if zero_based >= count {
                return Err(bad_index());
            }
            zero_based + 1
        } else {
            i.trim().parse().map_err(|_| bad())?
        };
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Segment { index, count })
    }

    /// This worker's share of `total` whole units (users, connections): the shares of all
    /// workers add up to `total` exactly, and differ by at most one.
    pub fn share(&self, total: u32) -> u32 {
        // The first `total % count` workers take one more, so the shares differ by at most one.
        total / self.count + u32::from(self.index <= total % self.count)
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
        for feeder in plan.feeders.values_mut() {
            if feeder.order != FeederOrder::Sequential {
                continue;
            }
            let total = feeder.rows.len() as u32;
            feeder.rows = self.rows(std::mem::take(&mut feeder.rows));
            if feeder.rows.is_empty() {
                return Err(empty("rows of a sequential feeder", total));
            }
        }
        Ok(())
    }

    /// This worker's rows of a sequential feeder: rows i, i+N, i+2N, ... (1-based).
    pub fn rows<T>(&self, rows: Vec<T>) -> Vec<T> {
        let (i, n) = (self.index as usize - 1, self.count as usize);
        rows.into_iter()
            .enumerate()
            .filter(|(k, _)| k % n == i)
            .map(|(_, row)| row)
            .collect()
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
            planned_start: result.planned_start.clone(),
            actual_start: result.actual_start.clone(),
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
    fn auto_takes_the_index_from_the_job() {
        let auto = |index: Option<&str>| Segment::parse_with("auto/3", index);
        assert_eq!(auto(Some("0")), Ok(Segment { index: 1, count: 3 }));
        assert_eq!(auto(Some("2")), Ok(Segment { index: 3, count: 3 }));
        let unset = auto(None).unwrap_err().to_string();
        assert!(unset.contains("JOB_COMPLETION_INDEX is not set"), "{unset}");
        for bad in ["3", "-1", "x", ""] {
            let e = auto(Some(bad)).unwrap_err().to_string();
            assert!(e.contains("not an index from 0 to 2"), "{bad}: {e}");
        }
        // An explicit index ignores the variable.
        assert_eq!(
            Segment::parse_with("2/3", Some("0")),
            Ok(Segment { index: 2, count: 3 })
        );
        assert!(Segment::parse_with("auto/0", Some("0")).is_err());
    }

    #[test]
    fn sequential_feeder_rows_are_dealt_without_overlap() {
        let rows: Vec<u32> = (0..10).collect();
        let mut all = Vec::new();
        for index in 1..=3 {
            let mine = Segment { index, count: 3 }.rows(rows.clone());
            assert!(mine.iter().all(|r| r % 3 == index - 1), "{mine:?}");
            all.extend(mine);
        }
        all.sort_unstable();
        assert_eq!(all, rows);
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
