//! Helpers for the scenario-library tests: a copy of a file from `scenarios/` in a temporary
//! workspace (with `fixtures/` beside it, so its feeder paths still resolve), its bundled SalesHub
//! switched to the small seed (seeded in seconds) and optionally given fault knobs.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};

use super::common::{Workspace, repo_root};

/// A workspace with `scenarios/<name>` copied from the repository, `bundled = true` replaced by
/// `bundled = { seed_config = <small seed>, <extra> }`, and each `(from, to)` text replaced.
pub fn library_scenario(
    ws: &Workspace,
    name: &str,
    bundled_extra: &str,
    replace: &[(&str, &str)],
) -> PathBuf {
    let source = repo_root().join("scenarios").join(name);
    let mut text =
        std::fs::read_to_string(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let seed = repo_root().join("fixtures/seed-small.toml");
    let extra = if bundled_extra.is_empty() {
        String::new()
    } else {
        format!(", {bundled_extra}")
    };
    let bundled = format!(
        "bundled = {{ seed_config = \"{}\"{extra} }}",
        seed.display()
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("bundled = "))
        .unwrap_or_else(|| panic!("{name} has no `bundled = ` line"))
        .to_string();
    text = text.replace(&line, &bundled);
    for (from, to) in replace {
        assert!(text.contains(from), "{name} does not contain '{from}'");
        text = text.replace(from, to);
    }
    let dir = ws.path().join("scenarios");
    std::fs::create_dir_all(&dir).expect("scenarios dir");
    link_fixtures(ws.path());
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write scenario copy");
    path
}

fn link_fixtures(root: &Path) {
    let link = root.join("fixtures");
    if !link.exists() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(repo_root().join("fixtures"), &link).expect("link fixtures");
    }
}

/// The finding of `kind` in a results file, or a panic listing the findings there are.
pub fn finding<'a>(results: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    let findings = results["findings"].as_array().expect("findings array");
    findings
        .iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no '{kind}' finding in {findings:#?}"))
}

/// PIDs of running processes whose command line mentions `text` (e.g. a test's temp directory).
pub fn processes_mentioning(text: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(text) && !stat.contains(") Z ") {
            pids.push(pid);
        }
    }
    pids
}
