//! The load engine: open model (own pacer), closed model (goose), throughput model, and the launcher of
//! the bundled target.
//!
//! Owners: `bundled.rs` and `closed.rs` belong to the run orchestration; the request path (client,
//! steps, journeys, pacer, open and throughput models, `EngineContext`) to the request-path work.

pub mod bundled;
pub mod closed;
