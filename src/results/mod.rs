//! The RunResult schema and its files (`results.json`, `latency.hlog`).

pub mod histogram;
pub mod schema;

pub use schema::{RunResult, SCHEMA_VERSION};
