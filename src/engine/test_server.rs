//! A real HTTP server on 127.0.0.1 port 0 for the engine's tests (axum), counting what it saw, and
//! helpers to build plans from scenario text.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::metrics::{Recorder, RecorderConfig};
use crate::scenario::Plan;

#[derive(Default)]
pub struct Seen {
    pub total: AtomicU64,
    pub by_path: Mutex<HashMap<String, u64>>,
    /// Every `q` query value of `/echo`, in arrival order.
    pub echoed: Mutex<Vec<String>>,
    /// Every Authorization header seen by `/me`.
    pub auth: Mutex<Vec<String>>,
    /// When each `/hello` and `/stall` request arrived.
    pub times: Mutex<Vec<Instant>>,
    /// `/stall` answers only after this instant.
    pub stall_until: Mutex<Option<Instant>>,
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
}

impl TestServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn count(&self, path: &str) -> u64 {
        self.seen
            .by_path
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.seen.total.load(Ordering::SeqCst)
    }
}

async fn count(
    State(seen): State<Arc<Seen>>,
    req: axum::extract::Request,
) -> axum::extract::Request {
    seen.total.fetch_add(1, Ordering::SeqCst);
    *seen
        .by_path
        .lock()
        .unwrap()
        .entry(req.uri().path().to_string())
        .or_default() += 1;
    if matches!(req.uri().path(), "/hello" | "/stall") {
        seen.times.lock().unwrap().push(Instant::now());
    }
    req
}

/// Starts the test server on its own task.
pub async fn start() -> TestServer {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route("/hello", get(|| async { "Hello, World!" }))
        .route(
            "/login",
            post(|Json(body): Json<Value>| async move {
                let email = body["email"].as_str().unwrap_or("").to_string();
                if body["password"].as_str() == Some("pw") {
                    (StatusCode::OK, Json(json!({"token": format!("tok-{email}")})))
                } else {
                    (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad login"})))
                }
            }),
        )
        .route(
            "/me",
            get(|State(seen): State<Arc<Seen>>, headers: HeaderMap| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                seen.auth.lock().unwrap().push(auth.clone());
                match auth.strip_prefix("Bearer tok-") {
                    Some(email) => (StatusCode::OK, Json(json!({"email": email}))).into_response(),
                    None => StatusCode::UNAUTHORIZED.into_response(),
                }
            }),
        )
        .route(
            "/echo",
            get(
                |State(seen): State<Arc<Seen>>, Query(q): Query<HashMap<String, String>>| async move {
                    let v = q.get("q").cloned().unwrap_or_default();
                    seen.echoed.lock().unwrap().push(v.clone());
                    Json(json!({"q": v, "items": [{"id": 7}]}))
                },
            ),
        )
        .route(
            "/form",
            get(|| async {
                (
                    [
                        ("set-cookie", "theme=dark; Path=/"),
                        ("set-cookie", "sessionid=abc123; HttpOnly; Path=/"),
                        ("location", "/next?id=42"),
                        ("x-frame-options", "DENY"),
                        ("content-type", "text/html; charset=utf-8"),
                    ],
                    r#"<html><body><h1 class="title"> Sign in </h1>
<form method="post"><input type="hidden" name="csrf" value="t0k3n"></form>
<p>order id=42 placed</p></body></html>"#,
                )
            }),
        )
        .route(
            "/status/{code}",
            get(|UrlPath(code): UrlPath<u16>| async move {
                StatusCode::from_u16(code).unwrap_or(StatusCode::IM_A_TEAPOT)
            }),
        )
        .route(
            "/cached/{outcome}",
            get(|UrlPath(outcome): UrlPath<String>| async move {
                ([("x-cache", outcome)], "cached").into_response()
            }),
        )
        .route(
            "/sleep/{ms}",
            get(|UrlPath(ms): UrlPath<u64>| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                "slept"
            }),
        )
        .route(
            "/bad-gzip",
            get(|| async { ([("content-encoding", "gzip")], "not gzip at all") }),
        )
        .route(
            "/stall",
            get(|State(seen): State<Arc<Seen>>| async move {
                let until = *seen.stall_until.lock().unwrap();
                if let Some(until) = until {
                    tokio::time::sleep_until(until.into()).await;
                }
                "ok"
            }),
        )
        .layer(axum::middleware::map_request_with_state(seen.clone(), count))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    TestServer { addr, seen }
}

/// Loads scenario text (as if from `dir/test.toml`), with `TOKEN=s3cret-token` in the environment.
pub fn plan(dir: &Path, text: &str) -> Arc<Plan> {
    let env = |name: &str| (name == "TOKEN").then(|| "s3cret-token".to_string());
    match crate::scenario::load_bytes(text.as_bytes(), &dir.join("test.toml"), &env) {
        Ok(plan) => Arc::new(plan),
        Err(e) => panic!("test scenario invalid: {e:?}"),
    }
}

/// A recorder that keeps every sample, for the plan's endpoints.
pub fn recorder(plan: &Plan) -> Recorder {
    // As `stampede run` does: the measured phase starts after the warm-up.
    Recorder::new(RecorderConfig::for_plan(
        plan,
        Instant::now() + plan.load.warmup,
        None,
    ))
}
