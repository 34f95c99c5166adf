//! The live dashboard: a page served by Stampede itself while a run goes on (`--dashboard
//! [ADDR]`, default `127.0.0.1:0`, bound to that address only). The page holds no figures of its
//! own: once a second the feed renders the run so far with the report's cards, charts and tables
//! (`report::html::live_body`) into a frame, and the browser gets it by server-sent events
//! (one long-lived response, no polling). Frames are rendered only while a page is open. When the
//! run ends the last frame is the final result's, with a link to its `report.html` (served here
//! too, since a page on http:// cannot open a file:// link).
//!
//! Files: `server` (the routes), `page` (the document and the frames), `dashboard.js`.

mod page;
mod server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::model::RunResult;

/// One state of the page: its body's HTML, and whether the run has ended.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    pub seq: u64,
    pub html: String,
    pub ended: bool,
}

/// What the server's routes share with the feed.
pub(crate) struct Shared {
    pub(crate) frames: watch::Sender<Arc<Frame>>,
    pub(crate) report: Mutex<Option<PathBuf>>,
    pub(crate) title: String,
    /// When the page was last served: it shows the frame current then, so frames are rendered
    /// for a while after a page load too, not only while a page follows the events.
    pub(crate) last_view: Mutex<Option<Instant>>,
}

/// How long after serving the page frames are still rendered without an event stream.
const VIEW_LASTS: Duration = Duration::from_secs(10);

/// A running dashboard server.
pub struct Dashboard {
    shared: Arc<Shared>,
    url: String,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard").field("url", &self.url).finish()
    }
}

impl Dashboard {
    /// Binds `addr` (and only it) and starts serving; `title` names the run on the page.
    pub async fn start(addr: SocketAddr, title: &str) -> std::io::Result<Dashboard> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let first = Frame {
            seq: 0,
            html: page::waiting(),
            ended: false,
        };
        let (frames, _) = watch::channel(Arc::new(first));
        let shared = Arc::new(Shared {
            frames,
            report: Mutex::new(None),
            title: title.to_string(),
            last_view: Mutex::new(None),
        });
        let app = server::app(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Dashboard {
            shared,
            url: format!("http://{bound}/"),
            server,
        })
    }

    /// The page's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// True while a page follows the events or was served lately (frames are rendered only
    /// then).
    pub fn has_viewers(&self) -> bool {
        let viewed = *self
            .shared
            .last_view
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        self.shared.frames.receiver_count() > 0
            || viewed.is_some_and(|at| at.elapsed() < VIEW_LASTS)
    }

    /// Shows the run so far.
    pub fn show_progress(
        &self,
        result: &RunResult,
        phase: &str,
        elapsed: Duration,
        planned: Duration,
    ) {
        self.publish(page::progress_frame(result, phase, elapsed, planned), false);
    }

    /// Shows a line in place of the figures (e.g. between the trials of a comparison).
    pub fn show_message(&self, message: &str) {
        self.publish(page::message_frame(message), false);
    }

    /// Shows the final result and links its report (`report` is served at `/report.html`).
    pub fn show_final(&self, result: &RunResult, report: Option<&Path>) {
        *self.shared.report.lock().unwrap_or_else(|e| e.into_inner()) =
            report.map(Path::to_path_buf);
        self.publish(page::final_frame(result, report.is_some()), true);
    }

    /// Keeps serving the final page for `linger` (or until `cancel`): the process would
    /// otherwise exit, and the page's link to the report with it.
    pub async fn linger(&self, linger: Duration, cancel: &tokio_util::sync::CancellationToken) {
        if linger.is_zero() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(linger) => {}
            () = cancel.cancelled() => {}
        }
    }

    fn publish(&self, html: String, ended: bool) {
        self.shared.frames.send_modify(|frame| {
            *frame = Arc::new(Frame {
                seq: frame.seq + 1,
                html,
                ended,
            });
        });
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        self.server.abort();
    }
}
