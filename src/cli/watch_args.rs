//! The options that watch a command live, shared by `run`, `compare --live` and `demo`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use super::values;
use crate::run::watching::WatchSettings;
use crate::scenario::output::OutputTarget;

#[derive(Debug, Args, Default)]
pub struct WatchArgs {
    /// Serve a live dashboard of the run in the browser (the report's figures and charts,
    /// updated every second); its URL is printed at the start. Default address 127.0.0.1:0
    /// (any free port, this machine only); give one with --dashboard=ADDR.
    #[arg(
        long,
        value_name = "ADDR",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "127.0.0.1:0"
    )]
    pub dashboard: Option<SocketAddr>,
    /// With --dashboard: after the run, keep serving the final page (and report.html) this long,
    /// e.g. 5m; Ctrl-C ends it sooner. Default: exit as soon as the run is done.
    #[arg(long, value_name = "DURATION", requires = "dashboard", value_parser = values::parse_duration)]
    pub dashboard_linger: Option<Duration>,
    /// Send live metrics once a second: prometheus=URL (remote write, e.g.
    /// prometheus=http://127.0.0.1:9090/api/v1/write) or otlp=URL (OTLP/HTTP). Repeatable; adds
    /// to the scenario's `output` key. A receiver that is down costs a warning, never the run.
    #[arg(long = "output", value_name = "KIND=URL")]
    pub outputs: Vec<OutputTarget>,
}

impl WatchArgs {
    pub fn into_settings(self) -> WatchSettings {
        WatchSettings {
            dashboard: self.dashboard,
            linger: self.dashboard_linger.unwrap_or_default(),
            outputs: self.outputs,
            running: None,
        }
    }
}
