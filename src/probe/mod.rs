//! The probes beside the load: what the generator and the target spend (CPU and memory, sampled
//! once a second) and the target's own cache counters (its Prometheus `/metrics`). They run next
//! to the engine during the measured phase and hand their samples to the results; they send no
//! load of their own.

pub mod prometheus;
pub mod resources;
pub mod scrape;

#[cfg(test)]
mod tests;

pub use resources::ResourceSampler;
pub use scrape::{CacheScraper, LatestServerCache, ScrapeConfig, ScrapeError};
