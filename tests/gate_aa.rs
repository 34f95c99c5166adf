//! Calibration, A/A: a real SalesHub compared with itself in a live session (10 trials per side,
//! interleaved) must pass, every gated metric included.

mod gate_common;

use gate_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_target_against_itself_passes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = saleshub(&tmp.path().join("a"), None).await;
    let scenario = scenario(tmp.path(), 10);
    let url = a.base_url().to_string();

    let out = live(tmp.path(), &scenario, &url, &url, "aa");
    assert_eq!(code(&out), 0, "A/A must pass: {}", both(&out));
    let c = comparison(&tmp.path().join("aa"));
    assert_eq!(c["verdict"], "pass", "{}", both(&out));
    let verdicts = gated_verdicts(&c);
    assert_eq!(verdicts.len(), 4, "{verdicts:?}");
    for (metric, verdict) in verdicts {
        assert_eq!(verdict, "pass", "A/A {metric}: {}", both(&out));
    }
    // Both sides are ordinary results files with 10 trials each, marked with their side.
    for side in ["a", "b"] {
        let path = tmp.path().join("aa").join(side).join("results.json");
        let text = std::fs::read_to_string(&path).expect("side results");
        let r: serde_json::Value = serde_json::from_str(&text).expect("json");
        let trials = r["trials"].as_array().expect("trials");
        assert_eq!(trials.len(), 10, "{side}");
        assert!(
            trials
                .iter()
                .all(|t| t["side"] == side && t["valid"] == true)
        );
        assert!(
            trials
                .iter()
                .all(|t| t["total"]["requests"].as_u64() > Some(200))
        );
    }
    a.stop(std::time::Duration::from_secs(5)).await;
}
