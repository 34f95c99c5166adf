//! Helpers for the `run_*` integration tests: real HTTP servers on 127.0.0.1 port 0 (axum), the
//! built `stampede` binary, scenario files in temporary directories.
#![allow(dead_code)] // each test binary uses a different part

pub mod certs;
pub mod nginx;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};

/// The `stampede` binary under test.
pub fn stampede_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stampede"))
}

/// The repository root (fixtures, scenarios).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Counters and knobs shared by the test server's routes.
#[derive(Default)]
pub struct ServerState {
    /// Requests seen, all routes but `GET /` together.
    pub requests: AtomicU64,
    /// Added delay per request on `/delay`, in microseconds.
    pub delay_us: AtomicU64,
    /// While set, `/stall` holds requests until cleared.
    pub stalled: AtomicBool,
    /// While set, `/metrics` (the cache scraper's endpoint) is held too: a target stalled whole.
    pub metrics_stalled: AtomicBool,
    /// The `row` query parameter of every `GET /feed`, in arrival order.
    pub fed: Mutex<Vec<String>>,
    /// `GET /items/{id}` answered HIT and MISS, as `/metrics` counts them.
    pub item_hits: AtomicU64,
    pub item_misses: AtomicU64,
    /// `POST /login` answers this many more requests with 503 (and counts down) before it
    /// signs anyone in again: a target too busy to sign everyone in at once.
    pub login_refusals: AtomicU64,
}

/// A test HTTP server on 127.0.0.1 port 0, running on its own thread and runtime (so it keeps
/// serving while the test blocks on a child process).
pub struct TestServer {
    pub base_url: String,
    pub state: Arc<ServerState>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    /// Routes: `GET /` "ok"; `GET /delay` sleeps `delay_us`; `POST /login` → `{"token": "t-123"}`;
    /// `GET /me` 200 `{"user": "alice"}` only with `Authorization: Bearer t-123`, else 401;
    /// `GET /items/{id}` → `{"id": id}` with `X-Cache: HIT` for even ids, `MISS` for odd ones;
    /// `GET /status/{code}` answers that code; `GET /stall` waits while `stalled` is set;
    /// `GET /feed?row=R` notes R in `fed`; `GET /metrics` gives the items' hits and misses as
    /// Prometheus counters (`cache_hits_total{namespace="items"}`, `cache_misses_total`), as
    /// SalesHub names them.
    pub fn start() -> TestServer {
        let state = Arc::new(ServerState::default());
        let (addr, shutdown_tx) = serve(router(state.clone()));
        TestServer {
            base_url: format!("http://{addr}"),
            state,
            _shutdown: shutdown_tx,
        }
    }

    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The `row` of every `GET /feed` so far.
    pub fn fed(&self) -> Vec<String> {
        self.state
            .fed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// Serves `app` on 127.0.0.1 port 0 from a thread and runtime of its own (so it keeps serving while
/// a test blocks on a child process); returns its address, and the sender that stops it when
/// dropped.
pub fn serve(app: Router) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("test runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            addr_tx
                .send(listener.local_addr().expect("local addr"))
                .expect("send addr");
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = shutdown_rx.await;
                })
                .await
                .expect("serve");
        });
    });
    let addr = addr_rx.recv().expect("server address");
    (addr, shutdown_tx)
}

fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/delay", get(delay))
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/items/{id}", get(item))
        .route("/status/{code}", get(status))
        .route("/stall", get(stall))
        .route("/feed", get(feed))
        .route("/metrics", get(metrics))
        .layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

async fn count(
    State(state): State<Arc<ServerState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // `GET /` is what the reachability check sends and `/metrics` what the cache scraper reads:
    // not counted, so scenarios (which use the other routes) compare exactly.
    if !matches!(request.uri().path(), "/" | "/metrics") {
        state.requests.fetch_add(1, Ordering::SeqCst);
    }
    if request.uri().path() == "/metrics" {
        while state.metrics_stalled.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    next.run(request).await
}

async fn delay(State(state): State<Arc<ServerState>>) -> &'static str {
    let us = state.delay_us.load(Ordering::Relaxed);
    if us > 0 {
        tokio::time::sleep(Duration::from_micros(us)).await;
    }
    "ok"
}

async fn login(State(state): State<Arc<ServerState>>) -> impl IntoResponse {
    let refused = state
        .login_refusals
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refused {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"error": "busy"})),
        )
    } else {
        (
            StatusCode::OK,
            axum::Json(serde_json::json!({"token": "t-123"})),
        )
    }
}

async fn me(headers: HeaderMap) -> impl IntoResponse {
    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
        Some("Bearer t-123") => (
            StatusCode::OK,
            axum::Json(serde_json::json!({"user": "alice"})),
        ),
        _ => (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": "unauthorized"})),
        ),
    }
}

async fn item(
    State(state): State<Arc<ServerState>>,
    axum::extract::Path(id): axum::extract::Path<u64>,
) -> impl IntoResponse {
    let (cache, counter) = if id % 2 == 0 {
        ("HIT", &state.item_hits)
    } else {
        ("MISS", &state.item_misses)
    };
    counter.fetch_add(1, Ordering::Relaxed);
    (
        [("x-cache", cache)],
        axum::Json(serde_json::json!({"id": id})),
    )
}

async fn metrics(State(state): State<Arc<ServerState>>) -> String {
    format!(
        "# TYPE cache_hits_total counter\ncache_hits_total{{namespace=\"items\"}} {}\n\
         # TYPE cache_misses_total counter\ncache_misses_total{{namespace=\"items\"}} {}\n",
        state.item_hits.load(Ordering::Relaxed),
        state.item_misses.load(Ordering::Relaxed)
    )
}

async fn status(axum::extract::Path(code): axum::extract::Path<u16>) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

async fn feed(
    State(state): State<Arc<ServerState>>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> &'static str {
    let row = query.get("row").cloned().unwrap_or_default();
    state
        .fed
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(row);
    "ok"
}

async fn stall(State(state): State<Arc<ServerState>>) -> &'static str {
    while state.stalled.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    "ok"
}

/// A port with nothing listening (bound, then released).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A temporary directory holding a scenario file; runs use it as their working directory.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` as `name` in the workspace and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write scenario");
        path
    }

    /// `stampede run <scenario> --out <ws>/out --quiet <extra...>` in the workspace.
    pub fn run(&self, scenario: &Path, extra: &[&str]) -> Output {
        self.command(scenario, extra)
            .output()
            .expect("run stampede")
    }

    /// The same command, not started yet (to send it signals).
    pub fn command(&self, scenario: &Path, extra: &[&str]) -> Command {
        let mut command = Command::new(stampede_exe());
        command
            .current_dir(self.path())
            .arg("run")
            .arg(scenario)
            .arg("--out")
            .arg(self.out_dir())
            .arg("--quiet")
            .args(extra);
        command
    }

    /// Where runs write their results.
    pub fn out_dir(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// The results file of the last run, parsed.
    pub fn results(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.out_dir().join("results.json"))
            .expect("results.json written");
        serde_json::from_str(&text).expect("results.json is JSON")
    }
}

/// The exit code, or a panic naming stdout and stderr when the process was killed by a signal.
pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal; stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// stdout and stderr together, for assertion messages.
pub fn both(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A closed-model scenario with one journey of one step, against `base_url`.
pub fn closed_scenario(base_url: &str, users: u32, duration: &str, step: &str) -> String {
    format!(
        r#"name = "t"
[target]
url = "{base_url}"
timeout = "5s"
[load]
model = "closed"
users = {users}
duration = "{duration}"
[[journeys]]
name = "j"
[[journeys.steps]]
{step}
"#
    )
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Sends SIGINT to a process (as Ctrl-C in a terminal does to the foreground process).
pub fn send_sigint(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
}
