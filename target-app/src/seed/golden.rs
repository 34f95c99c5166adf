//! Golden-file checks for the generated fixtures: a test compares `fixtures/<name>` with what the
//! generator produces now, and `SALESHUB_REGENERATE_FIXTURES=1` rewrites the file instead.

use std::path::PathBuf;

/// Asserts that `fixtures/<name>` equals `expected` (or rewrites it when regenerating).
pub fn check(name: &str, expected: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    if std::env::var("SALESHUB_REGENERATE_FIXTURES").as_deref() == Ok("1") {
        std::fs::write(&path, expected).expect("write fixture");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is stale; run `SALESHUB_REGENERATE_FIXTURES=1 cargo test -p saleshub` to rewrite it",
        path.display()
    );
}
