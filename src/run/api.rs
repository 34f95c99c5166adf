//! The one place the run orchestration and the closed model import the request path's and the
//! recorder's items from. Today they come from the stand-ins in [`super::shims`]; at the merge this
//! file is rewritten to re-export the real items and `shims/` is deleted. The intended real paths:
//!
//! ```text
//! pub use crate::engine::context::{EngineContext, EngineError, EngineSummary};
//! pub use crate::engine::client::HttpClient;
//! pub use crate::engine::journey::{JourneyRunner, UserState};
//! pub use crate::engine::open::run_open;
//! pub use crate::engine::throughput::run_throughput;
//! pub use crate::metrics::{LocalRecorder, Progress, Recorded, Recorder, RecorderConfig};
//! pub use crate::metrics::{ResourceSampler, CacheScraper};             // names as rec chose them
//! pub use crate::results::{build_result, evaluate, write_results, ResultInputs};
//! pub use crate::report::terminal::print_summary;
//! pub use crate::ui::ProgressDisplay;
//! ```

pub use crate::engine::client::HttpClient;
pub use crate::engine::context::{EngineContext, EngineError, EngineSummary};
pub use crate::engine::journey::{JourneyRunner, UserState};
pub use crate::engine::open::run_open;
pub use crate::engine::throughput::run_throughput;
pub use crate::metrics::{LocalRecorder, Recorder, RecorderConfig};
