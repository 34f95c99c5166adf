//! Live progress: indicatif bars on a terminal, plain periodic lines otherwise.

pub mod progress;

pub use progress::{LoadUnit, Phases, ProgressDisplay, ProgressMode};
