//! Calibration, A/B: against a real SalesHub slowed by `--inject-delay` (B), a live session (8 trials
//! per side, interleaved A B, B A, ...) must say `regressed`, naming p50 (and not throughput or the error
//! rate, which a fixed-rate run keeps equal), exit 1, and say so in Markdown and JUnit.

mod gate_common;

use gate_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slower_candidate_regresses_naming_the_metric() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = saleshub(&tmp.path().join("a"), None).await;
    let b = saleshub(&tmp.path().join("b"), Some(DELAY)).await;
    let scenario = scenario(tmp.path(), 10);

    let out = live(tmp.path(), &scenario, a.base_url(), b.base_url(), "ab");
    assert_eq!(code(&out), 1, "A/B must regress: {}", both(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("verdict: regressed: p50 of overall rose"),
        "{}",
        both(&out)
    );
    assert!(
        stdout.contains("over 10 vs 10 trials: regressed"),
        "{}",
        both(&out)
    );
    assert!(
        stdout.contains("gate: REGRESSED (exit 1)"),
        "{}",
        both(&out)
    );
    let c = comparison(&tmp.path().join("ab"));
    assert_eq!(c["verdict"], "regressed");
    let verdicts = gated_verdicts(&c);
    assert!(
        verdicts.contains(&("p50".into(), "regressed".into())),
        "{verdicts:?}"
    );
    for unchanged in ["throughput", "error_rate"] {
        assert!(
            verdicts.contains(&(unchanged.into(), "pass".into())),
            "{verdicts:?}"
        );
    }
    let md = std::fs::read_to_string(tmp.path().join("ab/comparison.md")).expect("md");
    assert!(
        md.contains("❌ regressed") && md.contains("p50 of overall rose"),
        "{md}"
    );
    let junit = std::fs::read_to_string(tmp.path().join("ab/comparison.junit.xml")).expect("junit");
    assert!(
        junit.contains("<failure message=\"p50 of overall rose"),
        "{junit}"
    );
    a.stop(std::time::Duration::from_secs(5)).await;
    b.stop(std::time::Duration::from_secs(5)).await;
}
