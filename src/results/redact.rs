//! Secrets out of everything written: every string of a result (names, messages, URLs, notes, map
//! keys) goes through `Plan::redact`. Done on the JSON tree so that a field added later is covered
//! without anyone remembering to. The encoded histograms are skipped: they are base64 of numbers,
//! and rewriting inside them would corrupt them.

use serde_json::Value;

use crate::model::RunResult;

/// Fields holding encoded histograms, never rewritten.
const ENCODED: [&str; 2] = ["histogram", "send_histogram"];

/// Returns `result` with `redact` applied to every string in it. Fails (rather than keep a
/// secret) in the odd case where a secret equals a fixed word of the format, such as `open`.
pub fn redact_result(
    result: &RunResult,
    redact: &dyn Fn(&str) -> String,
) -> Result<RunResult, serde_json::Error> {
    let mut tree = serde_json::to_value(result)?;
    redact_value(&mut tree, redact);
    serde_json::from_value(tree)
}

/// Applies `redact` to every string and object key in `value`, except encoded histograms.
pub fn redact_value(value: &mut Value, redact: &dyn Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = redact(s),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, redact)),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                if !ENCODED.contains(&key.as_str()) {
                    redact_value(&mut v, redact);
                }
                map.insert(redact(&key), v);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
