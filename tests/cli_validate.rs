//! `stampede validate` and the `run` stub, through the built binary: output lines and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stampede(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stampede"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the stampede binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

const GOOD: &str = r#"name = "tiny"
kind = "smoke"
[target]
url = "http://127.0.0.1:9"
[target.headers]
Authorization = "Bearer ${env.STAMPEDE_TEST_TOKEN}"
[load]
model = "throughput"
connections = 4
duration = "2s"
[[journeys]]
name = "home"
[[journeys.steps]]
path = "/"
"#;

const BAD: &str = r#"name = "broken"
[target]
url = "http://127.0.0.1:9"
[load]
rate = "-5/s"
duration = "10s"
[[journeys]]
name = "home"
[[journeys.steps]]
path = "/"
thinktime = "1s"
"#;

#[test]
fn valid_files_print_ok_and_exit_0() {
    let out = stampede(&["validate", "scenarios/example.toml"], &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "ok scenarios/example.toml: example (load, closed, 3 journeys, 5 steps)\n"
    );
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn invalid_files_print_each_error_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.toml", BAD);
    let good = write(dir.path(), "good.toml", GOOD);
    let (bad, good) = (bad.to_str().unwrap(), good.to_str().unwrap());
    let secret = [("STAMPEDE_TEST_TOKEN", "tok-do-not-print")];

    let out = stampede(&["validate", good, bad], &secret);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stdout),
        format!("ok {good}: tiny (smoke, throughput, 1 journey, 1 step)\n")
    );
    assert_eq!(
        text(&out.stderr),
        format!(
            "{bad}:5:8: load.rate: '-5/s' is negative: a rate cannot be negative\n\
             {bad}:11:1: journeys[0].steps[0].thinktime: unknown key `thinktime`: did you mean `think_time`? \
             (expected one of `name`, `method`, `path`, `headers`, `json`, `body`, `form`, `multipart`, \
             `body_file`, `basic_auth`, `follow_redirects`, `checks`, `extract`, `think_time`)\n\
             1 of 2 scenario files invalid\n"
        )
    );
}

#[test]
fn missing_environment_variables_are_named_and_values_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.toml", GOOD);
    let out = stampede(&["validate", good.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(":6:17: target.headers.Authorization: environment variable `STAMPEDE_TEST_TOKEN` is not set"), "{stderr}");

    let out = stampede(
        &["validate", good.to_str().unwrap()],
        &[("STAMPEDE_TEST_TOKEN", "tok-do-not-print")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !text(&out.stdout).contains("tok-do-not-print")
            && !text(&out.stderr).contains("tok-do-not-print")
    );
}

#[test]
fn missing_files_and_usage_errors_exit_2() {
    let out = stampede(&["validate", "scenarios/does-not-exist.toml"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .starts_with("error: cannot read scenario file 'scenarios/does-not-exist.toml'")
    );
    let out = stampede(&["validate"], &[]);
    assert_eq!(out.status.code(), Some(2), "no files is a usage error");
    let out = stampede(&["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn run_refuses_an_invalid_file_before_sending_anything() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.toml", BAD);
    let out = stampede(&["run", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("load.rate: '-5/s' is negative"));
}
