//! The run directory: `--out DIR`, or `reports/<scenario>-<YYYYmmdd-HHMMSS>/` (UTC). Created only
//! once the target is known to answer, so an aborted start leaves nothing that looks like a run.

use std::path::{Path, PathBuf};

/// Creates and returns the run directory.
pub fn prepare(out: Option<&Path>, scenario: &str) -> std::io::Result<PathBuf> {
    let dir = match out {
        Some(dir) => dir.to_path_buf(),
        None => default_dir(scenario, time::OffsetDateTime::now_utc()),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot create '{}': {e}", dir.display()))
    })?;
    Ok(dir)
}

/// `reports/<safe scenario name>-<YYYYmmdd-HHMMSS>`.
pub fn default_dir(scenario: &str, now: time::OffsetDateTime) -> PathBuf {
    let safe: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    PathBuf::from("reports").join(format!("{safe}-{stamp}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dir_names_scenario_and_time() {
        let at = time::macros::datetime!(2025-01-15 09:08:07 UTC);
        assert_eq!(
            default_dir("load test/1", at),
            Path::new("reports/load-test-1-20250115-090807")
        );
    }
}
