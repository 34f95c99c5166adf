//! The closed model (virtual users) on goose. Goose is only the user scheduler: it starts and stops
//! users along the scenario's stages (its test plan), and each user loops over one transaction that
//! runs one journey iteration through our [`JourneyRunner`], which times every request itself in
//! microseconds over the whole response (goose's own timing is time to first byte, in ms buckets)
//! and records into our recorder. Per-user state (variables, feeder cursor, rng, local recorders)
//! lives in goose's session data.
//!
//! Goose is configured from code (`initialize_with_config`, never `initialize`, which parses our
//! argv and can exit the process), with the telnet controller off, quiet, and no metrics, reports
//! or summaries of its own.
//!
//! Connections: over HTTP/1.1 each user has its own; over HTTP/2 the users share one pool of
//! connections, `max_streams` users per connection (see [`super::share`]), as many users of one
//! site share a proxy's connection, and each user keeps its seat from one request to the next.
//!
//! Stopping: at the end of the measured duration no new iteration starts and those in flight get
//! a grace period (the request timeout, at most [`MAX_GRACE`]) to finish, so every request the
//! server saw is recorded; Ctrl-C (the context's token) drops in-flight iterations at once. Either
//! way goose is stopped with `goose::trigger_killswitch`, repeated while it runs, because goose
//! clears the killswitch when its run starts.
//!
//! Stalls: a virtual user waits for each response, so a stalled server also stalls the load and
//! plain percentiles understate the stall (coordinated omission); `analysis::stall` detects that
//! from the recorded histogram after the run.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use goose::config::{GooseConfiguration, GooseDefault, GooseDefaultType};
use goose::goose::{GooseUser, Scenario, Transaction, TransactionFunction, TransactionResult};
use goose::{GooseAttack, GooseError};
use tokio_util::sync::CancellationToken;

use super::client::HttpClient;
use super::context::{EngineContext, EngineError, EngineSummary};
use super::journey::{JourneyRunner, UserState};
use super::step::SampleSink;
use crate::metrics::{LocalRecorder, Recorder, Sample};
use crate::scenario::plan::{LoadModel, UserStage};

/// Longest wait for in-flight iterations at the end of the measured duration.
pub const MAX_GRACE: Duration = Duration::from_secs(10);

/// Pause after an iteration that failed faster than this, before the user's next one.
pub const FAILURE_PAUSE: Duration = Duration::from_millis(100);

/// Pause before a user whose setup journeys failed (a sign-in refused or timed out, say) runs
/// them again instead of its next journey, doubled after each further failure up to
/// [`MAX_SETUP_RETRY_PAUSE`]: what a person does whose sign-in failed, and not a retry storm
/// against a target that is already slow to sign people in.
pub const SETUP_RETRY_PAUSE: Duration = Duration::from_secs(1);
pub const MAX_SETUP_RETRY_PAUSE: Duration = Duration::from_secs(30);

/// Runs the closed model until the stages end or `ctx.cancel` fires.
pub async fn run_closed(ctx: &EngineContext) -> Result<EngineSummary, EngineError> {
    let LoadModel::Closed { stages } = &ctx.plan.load.model else {
        return Err(EngineError::Prepare(
            "run_closed needs a closed-model plan".into(),
        ));
    };
    let warmup = ctx.plan.load.warmup;
    let measured: Duration = stages.iter().map(|s| s.duration).sum();
    let (test_plan, rounded) = goose_test_plan(stages, warmup);
    let mut summary = EngineSummary::default();
    if rounded {
        summary.warnings.push(
            "closed model: goose schedules users in whole seconds, so stage durations were \
             rounded to the nearest second (the measured duration is exact)"
                .into(),
        );
    }

    let client = HttpClient::for_target(&ctx.plan.target)?;
    let now = Instant::now();
    let shared = Arc::new(Shared {
        pool: client.pool(),
        runner: JourneyRunner::new(ctx.plan.clone(), client, &ctx.base_url)?,
        recorder: ctx.recorder.clone(),
        // Warm-up traffic goes to the run's warm-up recorder (live progress only).
        warmup_recorder: ctx.warmup_recorder.clone(),
        measure_start: ctx.recorder.started().max(now),
        next_user: AtomicUsize::new(0),
        active: AtomicUsize::new(0),
        iterating: AtomicUsize::new(0),
        end: CancellationToken::new(),
        hard: ctx.cancel.child_token(),
    });

    // Ready: goose and the users start at the start gate. Each user's setup journeys run as it
    // starts (they are per user), so they fall in the warm-up, as in any closed-model run.
    if !ctx.start.wait(&ctx.cancel).await {
        summary.cancelled = true;
        return Ok(summary);
    }

    // End of the measured phase: no new iterations, then a grace period, then drop what is left.
    let grace = ctx.plan.target.timeout.min(MAX_GRACE);
    let timer = {
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = tokio::time::sleep_until((shared.measure_start + measured).into()) => {}
                () = shared.hard.cancelled() => {}
            }
            shared.end.cancel();
            tokio::select! {
                () = tokio::time::sleep(grace) => shared.hard.cancel(),
                () = shared.hard.cancelled() => {}
            }
        })
    };
    // Goose clears the killswitch when its run starts: keep pulling it once we are stopping.
    let killswitch = {
        let shared = shared.clone();
        tokio::spawn(async move {
            shared.end.cancelled().await;
            // Goose drops the users' futures when its killswitch fires: let the iterations in
            // flight finish (bounded by the grace period) so every request sent is recorded.
            while shared.iterating.load(Ordering::SeqCst) > 0 && !shared.hard.is_cancelled() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            loop {
                goose::trigger_killswitch("stampede: stopping the closed model");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    let attack = build_attack(&shared, &ctx.base_url, &test_plan).map_err(goose_error)?;
    let silenced = crate::engine::term::SilencedStdout::new();
    let result = tokio::select! {
        result = attack.execute() => result.map(|_| ()).map_err(goose_error),
        // Goose has no other way out if a user never returns; the grace period bounds ours.
        () = async { shared.hard.cancelled().await; tokio::time::sleep(MAX_GRACE).await } => Ok(()),
    };
    drop(silenced);
    killswitch.abort();
    timer.abort();
    goose::reset_killswitch();
    shared.recorder.set_load(0.0);
    result?;
    Ok(summary)
}

/// The pause after the `failures`-th setup failure in a row: 1 s, 2 s, 4 s ... at most 30 s.
fn setup_retry_pause(failures: u32) -> Duration {
    SETUP_RETRY_PAUSE
        .saturating_mul(1 << failures.saturating_sub(1).min(5))
        .min(MAX_SETUP_RETRY_PAUSE)
}

/// Where a user's samples go: the warm-up's recorder until the measured phase starts, the
/// measured one from then on, decided per request as it completes. Deciding per iteration would
/// leave the first seconds of the measured phase short of every request whose journey began in
/// the warm-up (a journey with think times lasts many seconds), and under-state the throughput.
struct ByPhase<'a> {
    warmup: &'a mut LocalRecorder,
    measured: &'a mut LocalRecorder,
    measure_start: Instant,
}

impl<'a> ByPhase<'a> {
    fn new(
        warmup: &'a mut LocalRecorder,
        measured: &'a mut LocalRecorder,
        measure_start: Instant,
    ) -> Self {
        ByPhase {
            warmup,
            measured,
            measure_start,
        }
    }

    fn flush(&mut self) {
        self.warmup.flush();
        self.measured.flush();
    }
}

impl SampleSink for ByPhase<'_> {
    fn record(&mut self, sample: &Sample) {
        if Instant::now() < self.measure_start {
            self.warmup.record(sample);
        } else {
            self.measured.record(sample);
        }
    }
}

/// Counts an iteration in flight for as long as it lives.
struct Running<'a>(&'a AtomicUsize);

impl<'a> Running<'a> {
    fn enter(counter: &'a AtomicUsize) -> Running<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        Running(counter)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What every goose user shares.
struct Shared {
    runner: JourneyRunner,
    /// The HTTP/2 connections every virtual user shares (`max_streams` users per connection).
    pool: Arc<super::share::Pool>,
    recorder: Recorder,
    warmup_recorder: Recorder,
    measure_start: Instant,
    next_user: AtomicUsize,
    active: AtomicUsize,
    /// Iterations running right now (the end waits for them before stopping goose).
    iterating: AtomicUsize,
    /// The measured duration is over: start no new iteration.
    end: CancellationToken,
    /// Drop in-flight iterations (Ctrl-C, or the grace period is over).
    hard: CancellationToken,
}

/// One user's state, in goose session data (which must be `Clone`: hence the `Arc`).
type Slot = Arc<tokio::sync::Mutex<UserSlot>>;

struct UserSlot {
    state: UserState,
    /// Whether the setup journeys succeeded; until they have, each iteration runs them again.
    set_up: bool,
    /// Setup journeys that failed in a row (for the pause before the next try).
    setup_failures: u32,
    measured: LocalRecorder,
    warmup: LocalRecorder,
}

fn build_attack(
    shared: &Arc<Shared>,
    base_url: &str,
    test_plan: &str,
) -> Result<GooseAttack, GooseError> {
    let on_start = {
        let shared = shared.clone();
        transaction(move |user: &mut GooseUser| {
            let shared = shared.clone();
            Box::pin(async move {
                let index = shared.next_user.fetch_add(1, Ordering::Relaxed);
                let active = shared.active.fetch_add(1, Ordering::Relaxed) + 1;
                shared.recorder.set_load(active as f64);
                let mut slot = UserSlot {
                    state: shared.runner.user(index as u64),
                    set_up: false,
                    setup_failures: 0,
                    measured: shared.recorder.local(),
                    warmup: shared.warmup_recorder.local(),
                };
                slot.state.conn_mut().share(&shared.pool);
                if !shared.end.is_cancelled() {
                    let mut rec = ByPhase::new(&mut slot.warmup, &mut slot.measured, shared.measure_start);
                    slot.set_up = tokio::select! {
                        report = shared.runner.run_setup(&mut slot.state, &mut rec) => report.failures == 0,
                        () = shared.hard.cancelled() => false,
                    };
                    rec.flush();
                }
                let slot: Slot = Arc::new(tokio::sync::Mutex::new(slot));
                user.set_session_data(slot);
                Ok(())
            })
        })
        .set_name("setup")
        .set_on_start()
    };
    let iteration = {
        let shared = shared.clone();
        transaction(move |user: &mut GooseUser| {
            let shared = shared.clone();
            let slot = user.get_session_data::<Slot>().cloned();
            Box::pin(async move {
                let Some(slot) = slot else { return Ok(()) };
                // Counted before the check, so the killswitch (which waits for zero) never cuts an
                // iteration that started before the end.
                let _running = Running::enter(&shared.iterating);
                if shared.end.is_cancelled() {
                    // Goose calls again until it sees the killswitch; do not spin a core meanwhile.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    return Ok(());
                }
                let mut slot = slot.lock().await;
                let slot = &mut *slot;
                let mut rec = ByPhase::new(&mut slot.warmup, &mut slot.measured, shared.measure_start);
                let rec = &mut rec;
                let began = Instant::now();
                let setup = !slot.set_up;
                let report = if setup {
                    tokio::select! {
                        report = shared.runner.run_setup(&mut slot.state, rec) => Some(report),
                        () = shared.hard.cancelled() => None,
                    }
                } else {
                    let journey = shared.runner.pick_journey(&mut slot.state);
                    tokio::select! {
                        report = shared.runner.run_iteration(&mut slot.state, journey, None, rec) => Some(report),
                        () = shared.hard.cancelled() => None,
                    }
                };
                // Hand the iteration's samples over now: goose may keep the user (and its
                // recorder) alive past the end of the run, and windows stay on time.
                rec.flush();
                let failed = report.is_some_and(|r| r.failures > 0);
                slot.set_up |= setup && report.is_some() && !failed;
                // A user whose iterations fail at once (say, a target refusing every request)
                // would loop without a pause and saturate the generator: give it a short one.
                let pause = if setup && failed {
                    slot.setup_failures += 1;
                    setup_retry_pause(slot.setup_failures)
                } else {
                    FAILURE_PAUSE
                };
                if failed && began.elapsed() < pause {
                    tokio::select! {
                        () = tokio::time::sleep(pause - began.elapsed()) => {}
                        () = shared.end.cancelled() => {}
                    }
                }
                Ok(())
            })
        })
        .set_name("iteration")
    };
    let on_stop = {
        let shared = shared.clone();
        transaction(move |user: &mut GooseUser| {
            let shared = shared.clone();
            let slot = user.get_session_data::<Slot>().cloned();
            Box::pin(async move {
                if let Some(slot) = slot {
                    let mut slot = slot.lock().await;
                    slot.measured.flush();
                    slot.warmup.flush();
                }
                let active = shared
                    .active
                    .fetch_sub(1, Ordering::Relaxed)
                    .saturating_sub(1);
                shared.recorder.set_load(active as f64);
                Ok(())
            })
        })
        .set_name("teardown")
        .set_on_stop()
    };
    let scenario = Scenario::new("stampede")
        .register_transaction(on_start)
        .register_transaction(iteration)
        .register_transaction(on_stop);
    let attack = GooseAttack::initialize_with_config(GooseConfiguration::default())?
        .register_scenario(scenario)
        .set_default(GooseDefault::Host, base_url)?
        .set_default(GooseDefault::TestPlan, test_plan)?
        .set_default(GooseDefault::NoTelnet, true)?
        .set_default(GooseDefault::Quiet, 1)?
        .set_default(GooseDefault::NoMetrics, true)?
        .set_default(GooseDefault::NoPrintMetrics, true)?
        .set_default(GooseDefault::NoErrorSummary, true)?;
    Ok(*attack)
}

/// Pins the closure's higher-ranked signature (`for<'r> Fn(&'r mut GooseUser) -> ... + 'r`), which
/// inference does not find by itself.
fn transaction<F>(f: F) -> Transaction
where
    F: for<'r> Fn(
            &'r mut GooseUser,
        ) -> Pin<Box<dyn Future<Output = TransactionResult> + Send + 'r>>
        + Send
        + Sync
        + 'static,
{
    let function: TransactionFunction = Arc::new(f);
    Transaction::new(function)
}

fn goose_error(e: GooseError) -> EngineError {
    EngineError::Prepare(format!("goose (closed model): {e}"))
}

/// The stages as goose's test plan (`users,seconds;...`, each step ramping linearly from the
/// previous level): a jump to a stage's start level is a zero-length step, the warm-up starts the
/// first stage's users over its first half and holds them for the second, a last step of a few seconds gives goose slack past our own end timer
/// (which stops it), then all users stop. True when a stage was rounded to whole seconds.
pub fn goose_test_plan(stages: &[UserStage], warmup: Duration) -> (String, bool) {
    let mut steps: Vec<(u32, u64)> = Vec::new();
    let mut rounded = false;
    let mut secs = |d: Duration| {
        let s = d.as_secs_f64().round();
        if (s - d.as_secs_f64()).abs() > 1e-9 {
            rounded = true;
        }
        s as u64
    };
    let mut level = 0;
    if let Some(first) = stages.first()
        && !warmup.is_zero()
    {
        // The users start at an even pace over the first half of the warm-up, then hold: a
        // crowd that signs in all at once measures a stampede of logins, not the working day.
        let users = first.start_users.max(first.end_users.min(1));
        let ramp = secs(warmup / 2);
        steps.push((users, ramp));
        steps.push((users, secs(warmup).saturating_sub(ramp)));
        level = users;
    }
    for stage in stages {
        if stage.start_users != level {
            steps.push((stage.start_users, 0));
        }
        steps.push((stage.end_users, secs(stage.duration).max(1)));
        level = stage.end_users;
    }
    steps.push((level, 5));
    steps.push((0, 0));
    let text = steps
        .iter()
        .map(|(u, s)| format!("{u},{s}s"))
        .collect::<Vec<_>>()
        .join(";");
    (text, rounded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(secs: u64, start: u32, end: u32) -> UserStage {
        UserStage {
            duration: Duration::from_secs(secs),
            start_users: start,
            end_users: end,
        }
    }

    #[test]
    fn stages_map_to_a_goose_test_plan() {
        let stages = [
            stage(60, 20, 20),
            stage(30, 20, 100),
            stage(300, 100, 100),
            stage(30, 100, 0),
        ];
        let (plan, rounded) = goose_test_plan(&stages, Duration::ZERO);
        assert_eq!(plan, "20,0s;20,60s;100,30s;100,300s;0,30s;0,5s;0,0s");
        assert!(!rounded);
    }

    #[test]
    fn setup_retries_back_off_to_thirty_seconds() {
        let pauses: Vec<u64> = (1..=7).map(|n| setup_retry_pause(n).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn warmup_starts_the_first_level_over_its_first_half_and_odd_durations_round() {
        let (plan, rounded) = goose_test_plan(&[stage(10, 5, 5)], Duration::from_millis(2500));
        assert_eq!(plan, "5,1s;5,2s;5,10s;5,5s;0,0s");
        assert!(rounded);
        let (plan, rounded) = goose_test_plan(&[stage(60, 1000, 1000)], Duration::from_secs(30));
        assert_eq!(plan, "1000,15s;1000,15s;1000,60s;1000,5s;0,0s");
        assert!(!rounded);
        let (plan, _) = goose_test_plan(&[stage(10, 0, 8)], Duration::ZERO);
        assert_eq!(plan, "8,10s;8,5s;0,0s");
    }
}
