//! The load engine: open model (own pacer), closed model (goose), throughput model, and the launcher of
//! the bundled target. The request path (client, steps, journeys, pacer, open and throughput models,
//! `EngineContext`) is shared by all three models; [`drive`] is the one entry point, picking the
//! model the plan names.

mod alarm;
pub mod bundled;
mod checks;
pub mod client;
pub mod closed;
pub mod context;
pub mod cookies;
mod crew;
mod decode;
mod extract;
mod h1;
mod h2;
pub mod journey;
mod lane;
pub mod open;
pub mod pacer;
mod redirect;
mod resolve;
pub mod share;
pub mod step;
pub mod term;
pub mod throughput;
pub mod tls;

#[cfg(test)]
mod test_server;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_client;
#[cfg(test)]
mod tests_extract;

use crate::scenario::plan::LoadModel;
use context::{EngineContext, EngineError, EngineSummary};

/// Runs the plan's load model until its stages end or `ctx.cancel` fires, recording into
/// `ctx.recorder`.
pub async fn drive(ctx: &EngineContext) -> Result<EngineSummary, EngineError> {
    match ctx.plan.load.model {
        LoadModel::Open { .. } => open::run_open(ctx).await,
        LoadModel::Closed { .. } => closed::run_closed(ctx).await,
        LoadModel::Throughput { .. } => throughput::run_throughput(ctx).await,
    }
}
