//! Starts a real SalesHub for a test: a temporary data directory seeded with a small data set, a
//! private `redis-server` on a free port (unless the test asks for another cache), and the server on
//! 127.0.0.1 port 0, through the same `Server::start` path as `saleshub serve`.

use std::collections::HashMap;
use std::net::SocketAddr;

use reqwest::{Client, Method, Response};
use saleshub::cache::CacheConfig;
use saleshub::faults::FaultConfig;
use saleshub::redis_server::RedisServer;
use saleshub::seed::SeedConfig;
use saleshub::server::{CacheChoice, SeedMode, Server, ServerConfig};
use saleshub::throttle::ThrottleConfig;
use saleshub::transport::HttpConfig;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How a test wants its SalesHub.
pub struct Options {
    pub cache: CacheChoice,
    pub faults: FaultConfig,
    pub cache_config: CacheConfig,
    pub login_throttle: ThrottleConfig,
    pub http: HttpConfig,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            cache: CacheChoice::Redis,
            faults: FaultConfig::default(),
            cache_config: CacheConfig::default(),
            login_throttle: ThrottleConfig::default(),
            http: HttpConfig::default(),
        }
    }
}

/// A small data set: big enough for lists, search and analytics to mean something, fast to seed.
pub fn small_seed() -> SeedConfig {
    SeedConfig {
        users: 3,
        companies: 40,
        contacts: 300,
        deals: 150,
        leads: 120,
        activities: 400,
        ..SeedConfig::default()
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT` (`https://` with TLS).
    pub base: String,
    pub addr: SocketAddr,
    pub client: Client,
    pub redis: Option<RedisServer>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    _dir: TempDir,
}

/// Fixture users' passwords, by email (from fixtures/users.csv).
pub fn passwords() -> HashMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/users.csv");
    let mut reader = csv::Reader::from_path(path).expect("fixtures/users.csv is readable");
    let headers = reader.headers().expect("users.csv has a header").clone();
    let email = headers
        .iter()
        .position(|h| h == "email")
        .expect("email column");
    let password = headers
        .iter()
        .position(|h| h == "password")
        .expect("password column");
    reader
        .records()
        .map(|r| {
            let r = r.expect("a users.csv row");
            (r[email].to_string(), r[password].to_string())
        })
        .collect()
}

pub const ADMIN: &str = "admin@saleshub.test";
pub const REP1: &str = "rep01@saleshub.test";
pub const REP2: &str = "rep02@saleshub.test";

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let redis = if options.cache == CacheChoice::Redis {
            Some(RedisServer::start().expect("redis-server starts (ci/test.sh installs it)"))
        } else {
            None
        };
        let config = ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.path().to_path_buf(),
            seed: SeedMode::IfEmpty,
            seed_config: small_seed(),
            cache: options.cache,
            redis_url: redis.as_ref().map(|r| r.url()),
            cache_config: options.cache_config,
            faults: options.faults,
            pool_size: 4,
            login_throttle: options.login_throttle,
            http: options.http,
        };
        let server = Server::start(config).await.expect("SalesHub starts");
        let (base, addr) = (server.url(), server.addr);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        TestApp {
            base,
            addr,
            client: Client::new(),
            redis,
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
        }
    }

    /// Signs in a fixture user and returns the bearer token.
    pub async fn login(&self, email: &str) -> String {
        let password = passwords()
            .remove(email)
            .unwrap_or_else(|| panic!("{email} is in fixtures/users.csv"));
        self.login_as(email, &password).await
    }

    /// Signs in with these credentials, which must be right, and returns the bearer token.
    pub async fn login_as(&self, email: &str, password: &str) -> String {
        let response = self.try_login(email, password).await;
        assert_eq!(response.status(), 200, "login of {email}");
        let body: Value = response.json().await.expect("login answers JSON");
        body["token"].as_str().expect("a token").to_string()
    }

    /// `POST /api/auth/login` with these credentials, whatever the answer.
    pub async fn try_login(&self, email: &str, password: &str) -> Response {
        self.call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(serde_json::json!({"email": email, "password": password})),
        )
        .await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the request reaches SalesHub")
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// GET that must succeed; returns the body and the X-Cache header.
    pub async fn get_json(&self, token: &str, path: &str) -> (Value, String) {
        let response = self.get(token, path).await;
        let status = response.status();
        let cache = x_cache(&response);
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(status, 200, "GET {path}: {body}");
        (body, cache)
    }

    /// The item with `id` in the list at `path` (a list route with a query and no `limit` or
    /// `offset`), read page by page with `limit=100`. Tests find records by id this way: sorted
    /// lists tie (and seeded timestamps run up to the seed's anchor day), so a position is no
    /// evidence of anything.
    pub async fn find_listed(&self, token: &str, path: &str, id: i64) -> Option<Value> {
        let mut offset = 0;
        // Bounded: the small seed has a few hundred rows per entity.
        while offset < 10_000 {
            let (page, _) = self
                .get_json(token, &format!("{path}&limit=100&offset={offset}"))
                .await;
            if let Some(item) = item_with_id(&page, id) {
                return Some(item.clone());
            }
            offset += 100;
            if page["total"].as_i64().is_none_or(|total| total <= offset) {
                break;
            }
        }
        None
    }

    /// The value of a Prometheus sample, e.g. `cache_hits_total{namespace="records"}`; 0 when absent.
    /// Waits (at most 10 s) until the recomputations started by earlier writes have finished, so
    /// a read can tell whether they stored what they should.
    pub async fn refreshed(&self) {
        for _ in 0..1000 {
            if self.metric("cache_refreshes_in_flight").await == 0.0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the refreshes after a write still run after 10 s");
    }

    pub async fn metric(&self, sample: &str) -> f64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .find_map(|line| {
                let (name, value) = line.rsplit_once(' ')?;
                (name == sample).then(|| value.parse().ok())?
            })
            .unwrap_or(0.0)
    }
}

/// The item with `id` among a list page's `items`.
pub fn item_with_id(page: &Value, id: i64) -> Option<&Value> {
    page["items"]
        .as_array()?
        .iter()
        .find(|item| item["id"].as_i64() == Some(id))
}

pub fn x_cache(response: &Response) -> String {
    response
        .headers()
        .get("x-cache")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
