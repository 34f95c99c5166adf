//! Ctrl-C: the first one cancels the run (the load stops, partial results are written, exit 130);
//! a second one exits at once with 130.
//!
//! The handler is installed with the `ctrlc` crate *before* goose starts: goose then fails to install
//! its own (which would `process::exit(1)` on the second Ctrl-C, skipping our partial results and
//! giving the wrong code) and goes on without one. Goose is stopped from here through
//! `goose::trigger_killswitch`; the closed model also watches the token.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use tokio_util::sync::CancellationToken;

use crate::exit::Exit;

/// Ctrl-C presses seen by this process.
static PRESSES: AtomicUsize = AtomicUsize::new(0);
/// The token of the run in progress.
static CURRENT: Mutex<Option<CancellationToken>> = Mutex::new(None);
/// Whether our handler is installed (the `ctrlc` crate allows one per process).
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Installs the Ctrl-C handler (once per process) and returns a fresh token that the next
/// Ctrl-C cancels. Returns the token even when no handler could be installed (e.g. another one
/// was installed first), so a run still works, only without our Ctrl-C behaviour.
pub fn install() -> CancellationToken {
    let token = CancellationToken::new();
    if let Ok(mut current) = CURRENT.lock() {
        *current = Some(token.clone());
    }
    INSTALLED.get_or_init(|| ctrlc::set_handler(on_ctrl_c).is_ok());
    token
}

/// True when our handler is the process's Ctrl-C handler.
pub fn installed() -> bool {
    INSTALLED.get().copied().unwrap_or(false)
}

fn on_ctrl_c() {
    if PRESSES.fetch_add(1, Ordering::SeqCst) == 0 {
        // Not eprintln!: the main thread holds the stderr lock (see `run::term`).
        crate::engine::term::stderr_line(
            "\ninterrupted: stopping the load and writing partial results (Ctrl-C again to exit at once)",
        );
        goose::trigger_killswitch("Ctrl-C");
        if let Ok(current) = CURRENT.lock()
            && let Some(token) = current.as_ref()
        {
            token.cancel();
        }
    } else {
        crate::engine::term::stderr_line("\ninterrupted again: exiting without results");
        // `exit` skips destructors: stop what we started first.
        crate::engine::bundled::kill_all_started();
        std::process::exit(i32::from(Exit::Interrupted.code()));
    }
}
