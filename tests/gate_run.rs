//! `stampede run --baseline --gate` end to end against real SalesHub processes: a run of the
//! regression scenario saved as a baseline, a candidate slowed by `--inject-delay` failing the gate
//! (exit 1), too few trials giving `inconclusive` (exit 0 with a loud warning, 1 with --strict), and
//! an unknown baseline refused before any load (exit 2, the saved names listed).

mod gate_common;

use gate_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_then_gate_regressed_and_too_few_trials_inconclusive() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let a = saleshub(&dir.join("a"), None).await;
    let b = saleshub(&dir.join("b"), Some(DELAY)).await;
    let scenario = scenario(dir, 10);
    let scenario = scenario.to_str().expect("utf-8 path");

    // The baseline: a regression run against A, saved under a name.
    let out = stampede(
        dir,
        &[
            "run",
            scenario,
            "--target",
            a.base_url(),
            "--out",
            "base",
            "--quiet",
        ],
    );
    assert_eq!(code(&out), 0, "{}", both(&out));
    // The target's own cache counters are scraped in every trial, like in a single run.
    let base: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("base/results.json")).expect("results.json"),
    )
    .expect("JSON");
    let server = &base["cache"]["server"]["total"];
    assert!(
        server["hits"].as_u64() > Some(0) && server["misses"].as_u64().is_some(),
        "server-side counters of the trials: {:#}",
        base["cache"]
    );
    let out = stampede(dir, &["baseline", "save", "base", "--name", "main"]);
    assert_eq!(code(&out), 0, "{}", both(&out));
    assert!(dir.join("reports/baselines/main/results.json").is_file());
    let out = stampede(dir, &["baseline", "save", "base", "--name", "main"]);
    assert_eq!(code(&out), 2, "no silent overwrite: {}", both(&out));
    assert!(both(&out).contains("--force"), "{}", both(&out));
    let out = stampede(dir, &["baseline", "list"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("main"),
        "{}",
        both(&out)
    );
    let out = stampede(dir, &["baseline", "show", "main"]);
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        shown.contains("10 trials of 1.0s") && shown.contains("cores"),
        "{shown}"
    );

    // An unknown baseline: refused at once, nothing run.
    let out = stampede(
        dir,
        &[
            "run",
            scenario,
            "--target",
            a.base_url(),
            "--baseline",
            "nope",
            "--gate",
            "--out",
            "x",
        ],
    );
    assert_eq!(code(&out), 2, "{}", both(&out));
    assert!(
        both(&out).contains("saved baselines: main"),
        "{}",
        both(&out)
    );
    assert!(!dir.join("x").exists());

    // The candidate against B (slower): the gate fails and says why.
    let out = stampede(
        dir,
        &[
            "run",
            scenario,
            "--target",
            b.base_url(),
            "--out",
            "cand",
            "--quiet",
            "--baseline",
            "main",
            "--gate",
        ],
    );
    print_verdict(&out);
    assert_eq!(code(&out), 1, "{}", both(&out));
    let c = comparison(&dir.join("cand"));
    assert_eq!(c["verdict"], "regressed", "{}", both(&out));
    assert!(gated_verdicts(&c).contains(&("p50".into(), "regressed".into())));
    assert!(
        dir.join("cand/comparison.md").is_file() && dir.join("cand/comparison.junit.xml").is_file()
    );

    // Two trials cannot reach alpha 0.0025: inconclusive, loudly, and it passes without --strict.
    let out = stampede(
        dir,
        &[
            "run",
            scenario,
            "--target",
            a.base_url(),
            "--trials",
            "2",
            "--out",
            "few",
            "--quiet",
            "--baseline",
            "main",
            "--gate",
        ],
    );
    print_verdict(&out);
    assert_eq!(code(&out), 0, "{}", both(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the regression gate is INCONCLUSIVE"),
        "{}",
        both(&out)
    );
    assert!(
        stderr.contains("10 vs 2 trials cannot reach alpha 0.0025"),
        "{}",
        both(&out)
    );
    assert_eq!(comparison(&dir.join("few"))["verdict"], "inconclusive");
    // The same comparison from the files, with --strict: exit 1.
    let out = stampede(
        dir,
        &[
            "compare", "main", "few", "--gate", "--strict", "--out", "strict",
        ],
    );
    assert_eq!(code(&out), 1, "{}", both(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict is set: the gate FAILS"));
    let junit = std::fs::read_to_string(dir.join("strict/comparison.junit.xml")).expect("junit");
    assert!(
        junit.contains("<failure message=") && junit.contains("p50 (overall): inconclusive"),
        "{junit}"
    );

    a.stop(std::time::Duration::from_secs(5)).await;
    b.stop(std::time::Duration::from_secs(5)).await;
}
