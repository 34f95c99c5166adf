//! Live A/B: the trials of a regression scenario run interleaved against two targets in one session
//! in ABBA order (A B, B A, A B, ...), so whatever drifts on a shared machine (other jobs, thermal
//! limits, a cache warming up) hits both sides alike, and so does any advantage of going first in
//! a round: with a strict A B A B, B always ran right after A and was seen 15% slower than A with
//! both sides the same server, a false alarm. The most trustworthy way to gate a change: build the base
//! and the candidate, serve both, and compare them here rather than against a stored baseline from
//! another day.
//!
//! Each side becomes an ordinary results file (`<out>/a/results.json`, `<out>/b/results.json`)
//! with its trials, so the comparison can be made again later with `stampede compare`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tokio_util::sync::CancellationToken;

use crate::model::TargetInfo;
use crate::results::{REPORTS_DIR, RunResult, create_run_dir, detect_environment, write_results};
use crate::run::RunError;
use crate::run::measure::Measured;
use crate::run::reach::check_reachable;
use crate::run::trials::{
    SessionInfo, assemble, run_trial, summarize_trial, trial_line, trial_plan,
};
use crate::scenario::Plan;
use crate::scenario::regression::RegressionSpec;

/// The two sides of a live comparison.
#[derive(Debug, Clone)]
pub struct LiveTargets {
    /// Base URL of the baseline (A).
    pub a: String,
    /// Base URL of the candidate (B).
    pub b: String,
}

/// What a live session produced: both results, written, and the session directory.
#[derive(Debug)]
pub struct LiveSession {
    pub dir: PathBuf,
    pub a: RunResult,
    pub b: RunResult,
}

/// Runs `spec.trials` rounds of one trial per side, in ABBA order (see [`round_order`]); writes
/// both results.
pub async fn run_live(
    plan: &Plan,
    spec: &RegressionSpec,
    targets: &LiveTargets,
    out: Option<&std::path::Path>,
    watch: &crate::run::watching::WatchSettings,
    cancel: &CancellationToken,
    err: &mut dyn Write,
) -> Result<LiveSession, RunError> {
    for url in [&targets.a, &targets.b] {
        tokio::select! {
            reached = check_reachable(url, &plan.target) => reached?,
            () = cancel.cancelled() => return Err(RunError::InterruptedEarly),
        }
    }
    let dir = create_run_dir(
        out,
        Path::new(REPORTS_DIR),
        &format!("{}-ab", plan.redact(&plan.name)),
        SystemTime::now(),
    )
    .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;
    let live = crate::run::watching::start(plan, watch, &dir, None, err).await?;
    let live = live.as_ref();
    let trial = trial_plan(plan, spec);
    let environment = detect_environment();
    let _ = writeln!(
        err,
        "live A/B: {} trials per side of {:.1}s at {}/s (each after {:.1}s of warm-up), interleaved A B, B A, A B ...",
        spec.trials,
        spec.trial_duration.as_secs_f64(),
        spec.rate,
        spec.trial_warmup.as_secs_f64()
    );
    let (mut runs_a, mut runs_b): (Vec<Measured>, Vec<Measured>) = (Vec::new(), Vec::new());
    'session: for i in 0..spec.trials {
        for side in round_order(i) {
            let (url, runs) = match side {
                "a" => (&targets.a, &mut runs_a),
                _ => (&targets.b, &mut runs_b),
            };
            if cancel.is_cancelled() {
                break 'session;
            }
            let phase = live.map(|l| {
                let mut l = l.clone();
                l.phase = format!(
                    "trial {} of {} · side {}",
                    i + 1,
                    spec.trials,
                    side.to_uppercase()
                );
                l.labels.side = side.to_string();
                l
            });
            let run = run_trial(&trial, url, None, phase.as_ref(), cancel).await?;
            let line = summarize_trial(i, Some(side), &run, environment.cores);
            let _ = writeln!(err, "{}", plan.redact(&trial_line(&line, spec.trials)));
            runs.push(run);
        }
    }
    let interrupted = cancel.is_cancelled();
    let mut results = Vec::new();
    for (side, url, runs) in [("a", &targets.a, runs_a), ("b", &targets.b, runs_b)] {
        let info = SessionInfo {
            plan: &trial,
            spec,
            target: TargetInfo {
                url: url.clone(),
                bundled: false,
                cache_backend: None,
                notes: vec![format!(
                    "side {} of a live A/B comparison",
                    side.to_uppercase()
                )],
            },
            environment: environment.clone(),
            interrupted,
            side: Some(side),
        };
        let result =
            assemble(info, runs).map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;
        let side_dir = dir.join(side);
        std::fs::create_dir_all(&side_dir)?;
        write_results(&side_dir, &result, plan)
            .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?;
        results.push(result);
    }
    let b = results.pop().ok_or(RunError::InterruptedEarly)?;
    let a = results.pop().ok_or(RunError::InterruptedEarly)?;
    crate::run::watching::end(live, &b, None, watch, cancel, err).await;
    Ok(LiveSession { dir, a, b })
}

/// The order of the sides in round `i`: A first in even rounds, B first in odd ones, so each side
/// goes first equally often (and over any four rounds, linear drift cancels too).
fn round_order(i: u32) -> [&'static str; 2] {
    if i.is_multiple_of(2) {
        ["a", "b"]
    } else {
        ["b", "a"]
    }
}

#[cfg(test)]
mod tests {
    use super::round_order;

    #[test]
    fn each_side_goes_first_in_half_the_rounds() {
        let firsts: Vec<&str> = (0..8).map(|i| round_order(i)[0]).collect();
        assert_eq!(firsts, ["a", "b", "a", "b", "a", "b", "a", "b"]);
        assert!((0..8).all(|i| {
            let o = round_order(i);
            o[0] != o[1]
        }));
    }
}
