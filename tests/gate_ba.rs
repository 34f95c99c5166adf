//! Calibration, B/A: with the slowed SalesHub (`--inject-delay`) as the baseline side and the plain
//! one as the candidate, a live session must say `improved` (p50 named) and exit 0.

mod gate_common;

use gate_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faster_candidate_improves() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = saleshub(&tmp.path().join("a"), None).await;
    let b = saleshub(&tmp.path().join("b"), Some(DELAY)).await;
    let scenario = scenario(tmp.path(), 10);

    let out = live(tmp.path(), &scenario, b.base_url(), a.base_url(), "ba");
    assert_eq!(code(&out), 0, "improved passes the gate: {}", both(&out));
    let c = comparison(&tmp.path().join("ba"));
    assert_eq!(c["verdict"], "improved", "{}", both(&out));
    let verdicts = gated_verdicts(&c);
    assert!(
        verdicts.contains(&("p50".into(), "improved".into())),
        "{verdicts:?}"
    );
    assert!(
        !verdicts.iter().any(|(_, v)| v == "regressed"),
        "{verdicts:?}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("p50 of overall fell"), "{}", both(&out));
    a.stop(std::time::Duration::from_secs(5)).await;
    b.stop(std::time::Duration::from_secs(5)).await;
}
