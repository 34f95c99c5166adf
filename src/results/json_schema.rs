//! The JSON Schema of `results.json`, generated from the `RunResult` types so it cannot drift from
//! them; the checked-in copy (`schema/results.schema.json`) is what other tools read, and a test
//! keeps it equal to the generated one (`STAMPEDE_BLESS=1 cargo test` rewrites it).

use serde_json::Value;

use crate::model::RunResult;

/// Path of the checked-in schema, relative to the repository root.
pub const SCHEMA_PATH: &str = "schema/results.schema.json";

/// The schema of `results.json`.
pub fn results_schema() -> Value {
    let schema = schemars::schema_for!(RunResult);
    // A schema is plain JSON; serializing it cannot fail.
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

/// The schema as written to the checked-in file: pretty JSON with a trailing newline.
pub fn results_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&results_schema()).unwrap_or_default();
    text.push('\n');
    text
}
