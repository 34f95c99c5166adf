//! The RunResult schema and its files (`results.json`, `latency.hlog`).

pub mod schema;

pub use schema::{RunResult, SCHEMA_VERSION};
