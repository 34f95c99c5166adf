//! The load engine: open model (own pacer), closed model (goose), throughput model, and the launcher of
//! the bundled target. The request path (client, steps, journeys, pacer, open and throughput models,
//! `EngineContext`) is shared by all three models.

mod alarm;
pub mod bundled;
pub mod client;
pub mod closed;
pub mod context;
mod crew;
mod h1;
pub mod journey;
mod lane;
pub mod open;
pub mod pacer;
pub mod step;
pub mod throughput;
pub mod tls;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod req_tests;
#[cfg(test)]
mod test_server;
