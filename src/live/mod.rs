//! Watching a run while it happens: a web dashboard served by Stampede itself (`--dashboard`) and
//! metric outputs into the monitoring stack users already run (`--output prometheus=URL`,
//! `--output otlp=URL`). Both read the recorder's per-second windows and whole-run counters through
//! [`crate::metrics::Recorder::snapshot`], once a second, so nothing is measured twice; the
//! dashboard draws them with the report's own chart code.
//!
//! Files: `feed` (the once-a-second task a measured phase starts), `history` (the windows and
//! resource samples kept for the page, thinned so hours fit), `dashboard/` (the HTTP server and its
//! page), `outputs/` (the metric series and the protocols that carry them).

pub mod dashboard;
pub mod feed;
pub mod history;
pub mod outputs;

pub use dashboard::Dashboard;
pub use feed::{FeedInputs, LiveFeed};

use std::sync::Arc;

use crate::scenario::output::OutputTarget;

/// What a command watches live: the dashboard it serves (started once per command, so a page
/// stays open across the trials of a live comparison) and the outputs each measured phase feeds.
#[derive(Clone, Default)]
pub struct LiveSpec {
    pub dashboard: Option<Arc<Dashboard>>,
    pub outputs: Vec<OutputTarget>,
    pub labels: RunLabels,
    /// What the measured phase is, for the page's status line (e.g. "trial 3 of 8 · side B").
    pub phase: String,
}

impl LiveSpec {
    /// True when there is nothing to feed.
    pub fn is_empty(&self) -> bool {
        self.dashboard.is_none() && self.outputs.is_empty()
    }
}

/// The labels every output series carries, so several runs (and the workers of one distributed
/// run) can be told apart and added up in one query. None of them holds a URL or a secret.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunLabels {
    /// The scenario's name (secrets redacted).
    pub scenario: String,
    /// The run directory's name, unique per run (e.g. `load-20261203-141500`).
    pub run_id: String,
    /// `--segment i/N` of a distributed run, `1/1` for a whole run.
    pub segment: String,
    /// A live comparison's side (`a` or `b`); empty otherwise.
    pub side: String,
}
