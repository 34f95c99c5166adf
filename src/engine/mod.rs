//! The load engine: open model (own pacer), closed model (goose), throughput model, and the launcher of
//! the bundled target.

pub mod client;
pub mod context;
pub mod journey;
pub mod recorder_shim;
pub mod step;

#[cfg(test)]
mod req_tests;
#[cfg(test)]
mod test_server;
