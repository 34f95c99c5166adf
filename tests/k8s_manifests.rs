//! The Kubernetes assets (`ci/k8s/`) and the CI matrix example, checked without a cluster: they
//! parse as YAML; the workers' Job is an Indexed Job whose N agrees everywhere (completions,
//! parallelism, `auto/N`, the merge Job's count, run.sh's defaults), spreads its pods over nodes,
//! requests resources and mounts the scenario and the shared results volume; and its command line
//! is accepted by `stampede run`'s grammar: run with `--dry-run` and each pod's environment
//! (`JOB_COMPLETION_INDEX`, `START`), it exits 0 and names that pod's segment.
//!
//! `kubectl apply --dry-run=client` is not used: this kubectl (1.32) still asks the API server for
//! its resource list, so it needs a cluster, and none exists here.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::{both, code, repo_root, stampede_exe};
use serde::Deserialize;
use serde_json::Value;

fn k8s(name: &str) -> PathBuf {
    repo_root().join("ci/k8s").join(name)
}

/// Every document of a YAML file, as JSON values.
fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

fn one(path: &Path) -> Value {
    let mut docs = documents(path);
    assert_eq!(docs.len(), 1, "{}", path.display());
    docs.remove(0)
}

fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {value:#}"))
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    at(value, pointer)
        .as_str()
        .unwrap_or_else(|| panic!("{pointer} is not a string"))
}

/// The N of `auto/N` in the workers' command line.
fn segments_in(args: &[String]) -> u64 {
    let i = args
        .iter()
        .position(|a| a == "--segment")
        .expect("--segment");
    let n = args[i + 1].strip_prefix("auto/").expect("--segment auto/N");
    n.parse().expect("N")
}

#[test]
fn every_yaml_file_parses() {
    let mut files = vec![
        repo_root().join("ci/github-actions.yml"),
        repo_root().join("ci/gitlab-ci.yml"),
    ];
    for entry in std::fs::read_dir(repo_root().join("ci/k8s")).unwrap() {
        let path = entry.unwrap().path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            files.push(path);
        }
    }
    assert!(files.len() >= 6, "{files:?}");
    for file in files {
        assert!(!documents(&file).is_empty(), "{}", file.display());
    }
}

#[test]
fn the_indexed_job_merge_job_and_volume_agree() {
    let job = one(&k8s("workers-job.yaml"));
    assert_eq!(str_at(&job, "/kind"), "Job");
    assert_eq!(str_at(&job, "/spec/completionMode"), "Indexed");
    let completions = at(&job, "/spec/completions").as_u64().unwrap();
    assert_eq!(at(&job, "/spec/parallelism").as_u64(), Some(completions));
    assert_eq!(at(&job, "/spec/backoffLimitPerIndex").as_u64(), Some(0));
    let pod = at(&job, "/spec/template/spec");
    assert_eq!(str_at(pod, "/restartPolicy"), "Never");
    let term = at(
        pod,
        "/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm",
    );
    assert_eq!(str_at(term, "/topologyKey"), "kubernetes.io/hostname");
    let labels = at(&job, "/spec/template/metadata/labels");
    assert_eq!(at(term, "/labelSelector/matchLabels"), labels);
    let container = at(pod, "/containers/0");
    assert!(at(container, "/resources/requests/cpu").is_string());
    assert!(at(container, "/resources/requests/memory").is_string());
    let args: Vec<String> = serde_json::from_value(at(container, "/args").clone()).unwrap();
    assert_eq!(segments_in(&args), completions, "auto/N = completions");
    assert_eq!(args[..2], ["run", "/scenario/scenario.toml"]);

    // The volumes: the scenario ConfigMap and the shared results claim, which is ReadWriteMany.
    let volumes = at(pod, "/volumes").as_array().unwrap();
    assert_eq!(str_at(&volumes[0], "/configMap/name"), "stampede-scenario");
    let claim = str_at(&volumes[1], "/persistentVolumeClaim/claimName");
    let pvc = one(&k8s("results-pvc.yaml"));
    assert_eq!(str_at(&pvc, "/metadata/name"), claim);
    assert_eq!(str_at(&pvc, "/spec/accessModes/0"), "ReadWriteMany");

    // The merge Job waits for as many workers, on the same claim and run directory.
    let merge = one(&k8s("merge-job.yaml"));
    let merge_pod = at(&merge, "/spec/template/spec");
    assert_eq!(
        str_at(merge_pod, "/volumes/0/persistentVolumeClaim/claimName"),
        claim
    );
    let env = |c: &Value| -> BTreeMap<String, String> {
        at(c, "/env")
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (str_at(e, "/name").into(), str_at(e, "/value").into()))
            .collect()
    };
    let merge_env = env(at(merge_pod, "/containers/0"));
    assert_eq!(merge_env["WORKERS"], completions.to_string());
    let script = str_at(merge_pod, "/containers/0/command/2");
    assert!(script.contains("stampede merge"), "{script}");
    assert_eq!(
        str_at(merge_pod, "/containers/0/volumeMounts/0/subPathExpr"),
        str_at(container, "/volumeMounts/1/subPathExpr")
    );
    assert!(env(container).contains_key("START"));

    // run.sh stamps what it must, and is valid shell.
    let run_sh = std::fs::read_to_string(k8s("run.sh")).unwrap();
    for stamped in [
        format!("completions: {completions}"),
        format!("parallelism: {completions}"),
        format!("auto/{completions}"),
    ] {
        assert!(run_sh.contains(&stamped), "run.sh rewrites {stamped}");
    }
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(k8s("run.sh"))
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{}", both(&syntax));
}

/// Kubernetes' `$(VAR)` expansion in `args`, from the pod's environment.
fn expand(arg: &str, env: &BTreeMap<&str, String>) -> String {
    let mut out = arg.to_string();
    for (name, value) in env {
        out = out.replace(&format!("$({name})"), value);
    }
    assert!(!out.contains("$("), "unexpanded variable in {arg}");
    out
}

#[test]
fn every_pod_command_line_is_accepted_by_stampede_run() {
    let job = one(&k8s("workers-job.yaml"));
    let n = at(&job, "/spec/completions").as_u64().unwrap();
    let args: Vec<String> =
        serde_json::from_value(at(&job, "/spec/template/spec/containers/0/args").clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The ConfigMap's scenario: a repository scenario with a sequential feeder (20 rows).
    let scenario = repo_root().join("scenarios/load.toml");
    let start = time::OffsetDateTime::from(SystemTime::now() + Duration::from_secs(60))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let mut rows = Vec::new();
    for index in 0..n {
        let env = BTreeMap::from([
            ("START", start.clone()),
            ("JOB_COMPLETION_INDEX", index.to_string()),
        ]);
        let line: Vec<String> = args
            .iter()
            .map(|a| expand(a, &env))
            .map(|a| a.replace("/scenario/scenario.toml", scenario.to_str().unwrap()))
            .map(|a| a.replace("/results/", &format!("{}/", dir.path().display())))
            .collect();
        let output = Command::new(stampede_exe())
            .args(&line)
            .arg("--dry-run")
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("START", &start)
            .output()
            .unwrap();
        assert_eq!(code(&output), 0, "{line:?}: {}", both(&output));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains(&format!("segment: {}/{n}", index + 1)),
            "{text}"
        );
        let feeder = text
            .lines()
            .find(|l| l.starts_with("feeder reps: "))
            .unwrap_or_else(|| panic!("{text}"));
        rows.push(feeder.split(' ').nth(2).unwrap().parse::<u32>().unwrap());
        assert!(text.contains("dry run: nothing was sent"), "{text}");
    }
    assert_eq!(rows.iter().sum::<u32>(), 20, "the 20 reps dealt: {rows:?}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "a dry run writes nothing"
    );

    // Outside a Job, or with an index past N: a clear error, exit 2.
    let mut without = Command::new(stampede_exe());
    without
        .args(["run", scenario.to_str().unwrap(), "--segment"])
        .arg(format!("auto/{n}"))
        .arg("--dry-run")
        .env_remove("JOB_COMPLETION_INDEX");
    let out = without.output().unwrap();
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(
        both(&out).contains("JOB_COMPLETION_INDEX is not set"),
        "{}",
        both(&out)
    );
    let out = without
        .env("JOB_COMPLETION_INDEX", n.to_string())
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(both(&out).contains("not an index from 0"), "{}", both(&out));

    // A start already past (beyond the 2 s grace) is refused.
    let out = Command::new(stampede_exe())
        .args(["run", scenario.to_str().unwrap(), "--dry-run", "--start-at"])
        .arg("2020-01-01T00:00:00Z")
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(both(&out).contains("2 s grace"), "{}", both(&out));
}

#[test]
fn the_ci_matrix_runs_one_segment_per_entry_and_merges() {
    let workflow = one(&k8s("github-actions-matrix.yml"));
    let segments = at(&workflow, "/jobs/worker/strategy/matrix/segment")
        .as_array()
        .unwrap();
    let n = segments.len();
    let expected: Vec<Value> = (1..=n as u64).map(Value::from).collect();
    assert_eq!(*segments, expected);
    let steps = at(&workflow, "/jobs/worker/steps").as_array().unwrap();
    let run = steps
        .iter()
        .filter_map(|s| s.get("run").and_then(Value::as_str))
        .find(|r| r.contains("stampede run"))
        .unwrap();
    assert!(
        run.contains(&format!("--segment ${{{{ matrix.segment }}}}/{n}")),
        "{run}"
    );
    assert!(run.contains("--start-at"), "{run}");
    assert_eq!(str_at(&workflow, "/jobs/merge/needs"), "worker");
    let merge_steps = at(&workflow, "/jobs/merge/steps").as_array().unwrap();
    assert!(merge_steps.iter().any(|s| {
        s.get("run")
            .and_then(Value::as_str)
            .is_some_and(|r| r.contains("stampede merge"))
    }));
}
