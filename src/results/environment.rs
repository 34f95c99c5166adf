//! The machine a run was made on, stored with the results so that comparisons can tell when two
//! runs do not share a machine (a different CPU explains a lot of "regressions").

use std::process::Command;

use sysinfo::{CpuRefreshKind, MemoryRefreshKind, RefreshKind, System};

use crate::model::Environment;

/// Describes this machine; anything that cannot be read is left empty rather than failing.
pub fn detect_environment() -> Environment {
    let system = System::new_with_specifics(
        RefreshKind::nothing()
            .with_cpu(CpuRefreshKind::nothing())
            .with_memory(MemoryRefreshKind::nothing().with_ram()),
    )
    .ok();
    let cpu_model = system
        .as_ref()
        .and_then(|s| s.cpus().first().map(|c| c.brand().trim().to_string()))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    Environment {
        hostname: System::host_name().unwrap_or_default(),
        os: System::long_os_version().unwrap_or_else(|_| std::env::consts::OS.to_string()),
        cpu_model,
        cores: u32::try_from(cores).unwrap_or(u32::MAX),
        memory_bytes: system.as_ref().map(|s| s.total_memory()).unwrap_or(0),
        git_commit: git_commit(),
    }
}

/// The commit checked out in the working directory, when it is in a git repository.
fn git_commit() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--verify", "--quiet", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && commit.len() >= 7).then_some(commit)
}

#[cfg(test)]
mod tests {
    #[test]
    fn describes_this_machine() {
        let env = super::detect_environment();
        assert!(env.cores >= 1);
        assert!(!env.os.is_empty());
    }
}
