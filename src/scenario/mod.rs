//! Scenario files: the TOML model, loading with file:line:column errors, templates and feeders. The
//! loader's output is a validated [`Plan`], the only thing the engine reads.

pub mod plan;
pub mod template;

pub use plan::Plan;
