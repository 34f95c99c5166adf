//! `goose-bare URL USERS SECONDS`: bare goose 0.19 as a load generator, the baseline Stampede's
//! closed model is measured against in `bench/engine_throughput.sh`. USERS users, started at once,
//! loop over one transaction (GET / on URL, reading the whole body) for SECONDS seconds; goose is
//! configured as the closed model configures it (`initialize_with_config`, quiet, no telnet, no
//! metrics, reports or summaries of its own), so the difference is Stampede's own work.
//!
//! Prints one line: `goose-bare requests=N errors=E seconds=S rps=R`, where S runs from the first
//! request's start to the last response's end.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use goose::config::GooseConfiguration;
use goose::prelude::*;

static REQUESTS: AtomicU64 = AtomicU64::new(0);
static ERRORS: AtomicU64 = AtomicU64::new(0);
/// Microseconds since START of the first request's start and of the last response's end.
static FIRST_START_US: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_END_US: AtomicU64 = AtomicU64::new(0);
static START: OnceLock<Instant> = OnceLock::new();

fn since_start_us() -> u64 {
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

async fn get_root(user: &mut GooseUser) -> TransactionResult {
    FIRST_START_US.fetch_min(since_start_us(), Ordering::Relaxed);
    let ok = match user.get("/").await?.response {
        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
        Err(_) => false,
    };
    if ok {
        REQUESTS.fetch_add(1, Ordering::Relaxed);
    } else {
        ERRORS.fetch_add(1, Ordering::Relaxed);
    }
    LAST_END_US.fetch_max(since_start_us(), Ordering::Relaxed);
    Ok(())
}

/// URL, USERS and SECONDS from the command line; `None` when one is missing or not a number >= 1.
fn parse_args() -> Option<(String, usize, usize)> {
    let mut args = std::env::args().skip(1);
    let url = args.next()?;
    let users = args.next()?.parse().ok().filter(|&n| n >= 1)?;
    let seconds = args.next()?.parse().ok().filter(|&n| n >= 1)?;
    Some((url, users, seconds))
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let Some((url, users, seconds)) = parse_args() else {
        eprintln!("usage: goose-bare URL USERS SECONDS   (USERS and SECONDS whole numbers >= 1)");
        std::process::exit(2);
    };
    START.get_or_init(Instant::now);

    GooseAttack::initialize_with_config(GooseConfiguration::default())?
        .register_scenario(scenario!("bare").register_transaction(transaction!(get_root)))
        .set_default(GooseDefault::Host, url.as_str())?
        .set_default(GooseDefault::Users, users)?
        // All users within a tenth of a second, like the closed model's constant stage.
        .set_default(
            GooseDefault::IncreaseRate,
            (users * 10).to_string().as_str(),
        )?
        .set_default(GooseDefault::RunTime, seconds)?
        .set_default(GooseDefault::NoTelnet, true)?
        .set_default(GooseDefault::Quiet, 1)?
        .set_default(GooseDefault::NoMetrics, true)?
        .set_default(GooseDefault::NoPrintMetrics, true)?
        .set_default(GooseDefault::NoErrorSummary, true)?
        .execute()
        .await?;

    let requests = REQUESTS.load(Ordering::Relaxed);
    let first = FIRST_START_US.load(Ordering::Relaxed);
    let last = LAST_END_US.load(Ordering::Relaxed);
    let secs = last.saturating_sub(first) as f64 / 1e6;
    let rps = if secs > 0.0 {
        requests as f64 / secs
    } else {
        0.0
    };
    println!(
        "goose-bare requests={requests} errors={} seconds={secs:.3} rps={rps:.0}",
        ERRORS.load(Ordering::Relaxed)
    );
    Ok(())
}
