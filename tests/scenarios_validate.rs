//! Every file in `scenarios/` is a valid scenario (`stampede validate`), the library holds every
//! kind the README promises, and `--scale` is checked on the command line.

mod common;

use std::process::Command;

use common::{both, code, repo_root, stampede_exe};

fn library_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("scenarios"))
        .expect("scenarios/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_scenario_file_validates() {
    let files = library_files();
    for name in [
        "smoke",
        "load",
        "peak",
        "stress",
        "endurance",
        "spike",
        "cache-off",
        "demo",
        "example",
    ] {
        assert!(
            files
                .iter()
                .any(|f| f.file_stem().is_some_and(|s| s == name)),
            "scenarios/{name}.toml is missing"
        );
    }
    let output = Command::new(stampede_exe())
        .arg("validate")
        .args(&files)
        .output()
        .expect("run stampede validate");
    assert_eq!(code(&output), 0, "{}", both(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "{}",
        both(&output)
    );
}

#[test]
fn scenario_kinds_match_their_analyses() {
    let kind = |name: &str| {
        let text = std::fs::read_to_string(repo_root().join(format!("scenarios/{name}.toml")))
            .expect("scenario");
        let value: toml::Value = toml::from_str(&text).expect("TOML");
        value["kind"].as_str().expect("kind").to_string()
    };
    assert_eq!(kind("stress"), "stress");
    assert_eq!(kind("spike"), "spike");
    assert_eq!(kind("endurance"), "endurance");
    assert_eq!(kind("smoke"), "smoke");
    assert_eq!(kind("load"), "load");
    assert_eq!(kind("peak"), "load");
    assert_eq!(kind("demo"), "load");
}

#[test]
fn a_scale_that_is_not_a_positive_factor_is_a_usage_error() {
    for bad in ["0", "-1", "fast"] {
        let output = Command::new(stampede_exe())
            .args(["run", "scenarios/smoke.toml", "--scale", bad])
            .current_dir(repo_root())
            .output()
            .expect("run stampede");
        assert_eq!(code(&output), 2, "--scale {bad}: {}", both(&output));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("factor above zero"),
            "{}",
            both(&output)
        );
    }
}
