//! The exit-code contract, written once (and documented in the README, "Exit codes"); every command returns one of
//! these and `main` hands it to the OS.

/// How a command ended, as the process exit code scripts and CI read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything passed.
    Passed,
    /// 1: thresholds or the regression gate failed.
    Failed,
    /// 2: bad usage or an invalid scenario file (also what clap uses for argument errors).
    Usage,
    /// 3: the run is invalid (saturated generator, dropped starts) or the target was unreachable.
    Invalid,
    /// 130: interrupted by Ctrl-C (partial results were still written).
    Interrupted,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Passed => 0,
            Exit::Failed => 1,
            Exit::Usage => 2,
            Exit::Invalid => 3,
            Exit::Interrupted => 130,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}
