//! `stampede run`: plan → target → engine → results → thresholds → exit code, and Ctrl-C.

pub mod reach;
pub mod signal;
