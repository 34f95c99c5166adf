//! The validated scenario: what the engine executes. The loader turns a TOML file into a `Plan` and
//! rejects anything wrong before a single request is sent; everything here is already checked
//! (ranges, references, templates), so the engine never has to validate.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use http::HeaderName;

pub use super::extract::{CssSelector, Extract, Pattern};
pub use super::target::DEFAULT_MAX_BODY;
use super::template::{JsonTemplate, Template};

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub description: String,
    pub kind: ScenarioKind,
    /// The scenario file, when the plan came from one.
    pub source: Option<PathBuf>,
    /// SHA-256 (hex) of the scenario file's bytes, so results and baselines can tell scenarios apart.
    pub source_sha256: String,
    pub target: TargetSpec,
    pub load: LoadSpec,
    pub journeys: Vec<Journey>,
    pub feeders: BTreeMap<String, Feeder>,
    /// Scenario-level variables (`[variables]`), rendered once at start.
    pub variables: BTreeMap<String, Template>,
    pub cache: CacheSpec,
    /// Every threshold: whole-run ones (`endpoint: None`, including finding-based ones such as
    /// `recovery_time < 10s`) and per-endpoint ones (`endpoint: Some(name)`). An endpoint groups
    /// every step carrying its name, so its thresholds live here rather than on a step.
    pub thresholds: Vec<Threshold>,
    /// Values resolved from the environment (`${env.NAME}`): secrets by definition. Nothing the tool
    /// writes may contain them; writers redact them with [`Plan::redact`].
    pub secrets: Vec<String>,
    /// `[regression]`: run as repeated trials for the regression gate; `None` for a single run.
    pub regression: Option<super::regression::RegressionSpec>,
    /// Live metrics outputs (`output = [...]`, plus the command line's `--output`).
    pub outputs: Vec<super::output::OutputTarget>,
}

impl Plan {
    /// Replaces every secret value in `text` by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.secrets.iter().filter(|s| !s.is_empty()) {
            out = out.replace(secret.as_str(), "***");
        }
        out
    }

    /// Number of steps over all journeys, setup journeys included.
    pub fn step_count(&self) -> usize {
        self.journeys.iter().map(|j| j.steps.len()).sum()
    }

    /// The distinct endpoint names with their method, in first-seen order. The loader guarantees
    /// one method per endpoint name.
    pub fn endpoints(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for step in self.journeys.iter().flat_map(|j| &j.steps) {
            if !out.iter().any(|(name, _)| *name == step.name) {
                out.push((&step.name, &step.method));
            }
        }
        out
    }
}

/// What kind of test a scenario is; drives the analyses shown in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioKind {
    Smoke,
    Load,
    Stress,
    Endurance,
    Spike,
    Regression,
    Custom,
}

impl ScenarioKind {
    /// The name as written in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            ScenarioKind::Smoke => "smoke",
            ScenarioKind::Load => "load",
            ScenarioKind::Stress => "stress",
            ScenarioKind::Endurance => "endurance",
            ScenarioKind::Spike => "spike",
            ScenarioKind::Regression => "regression",
            ScenarioKind::Custom => "custom",
        }
    }
}

/// Where the load goes.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub kind: TargetKind,
    /// Per-request timeout (connect + full response).
    pub timeout: Duration,
    /// Time allowed to open a connection (DNS, TCP and TLS), within `timeout`.
    pub connect_timeout: Duration,
    /// Body bytes kept of a response a check or extraction reads; the rest is read and counted.
    pub max_body: usize,
    /// Headers sent with every request (steps may add or override).
    pub headers: Vec<(String, Template)>,
    /// A local process to sample for CPU and RSS, when the target runs on this machine.
    pub pid: Option<u32>,
    /// How an https target's certificate is checked.
    pub tls: TlsTrust,
    /// The client's HTTP behaviour: cookies, redirects, compression, basic auth.
    pub http: HttpSpec,
    /// The HTTP version the engine speaks (`[target] http`).
    pub http_version: HttpVersion,
    /// HTTP/2: how many users or workers share one connection, each with at most one request in
    /// flight on it (`[target] max_streams`, capped by the server's own stream limit).
    pub max_streams: u32,
}

/// What the client does beyond sending a request and reading its response (`[target] cookies`,
/// `redirects`, `accept_encoding`, `basic_auth`).
#[derive(Debug, Clone)]
pub struct HttpSpec {
    /// A cookie jar per virtual user (RFC 6265).
    pub cookies: bool,
    /// Redirects followed at most per step (0: none).
    pub redirects: u32,
    /// The `Accept-Encoding` request header; `None` sends none.
    pub accept_encoding: Option<String>,
    /// Credentials sent with every request (a step's own `basic_auth` wins).
    pub basic_auth: Option<BasicAuth>,
}

/// The `Accept-Encoding` sent when the scenario sets none: what browsers send, so the target
/// compresses as it does for real users (bodies are decoded only when a step reads them).
pub const DEFAULT_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// Redirects followed per step when the scenario sets no `redirects`.
pub const DEFAULT_REDIRECTS: u32 = 10;

impl Default for HttpSpec {
    fn default() -> Self {
        HttpSpec {
            cookies: true,
            redirects: DEFAULT_REDIRECTS,
            accept_encoding: Some(DEFAULT_ACCEPT_ENCODING.to_string()),
            basic_auth: None,
        }
    }
}

/// HTTP basic authentication (RFC 7617): sent as `Authorization: Basic base64(user:password)`.
#[derive(Debug, Clone)]
pub struct BasicAuth {
    pub user: Template,
    pub password: Template,
}

/// The HTTP version requests go out with (`[target] http`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpVersion {
    /// https: HTTP/2 when the server picks it by ALPN, else HTTP/1.1; plain http: HTTP/1.1.
    #[default]
    Auto,
    /// HTTP/1.1 only.
    Http1,
    /// HTTP/2 only: by ALPN over TLS, with prior knowledge (h2c) on plain http.
    Http2,
}

/// How an https target's certificate is checked (`[target] ca_file` / `insecure`).
#[derive(Debug, Clone, Default)]
pub enum TlsTrust {
    /// The platform's trust store (the default).
    #[default]
    Platform,
    /// Only the CA certificates of `ca_file` (DER, read and checked when the scenario is loaded).
    CaFile {
        path: std::path::PathBuf,
        certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    },
    /// No certificate check at all (`insecure = true`): for test setups only.
    Insecure,
}

#[derive(Debug, Clone)]
pub enum TargetKind {
    /// Any HTTP(S) service; `base_url` has no trailing slash.
    Url { base_url: String },
    /// The bundled SalesHub, started (and stopped) by `stampede run`.
    Bundled(BundledSpec),
}

/// How to start the bundled SalesHub.
#[derive(Debug, Clone, Default)]
pub struct BundledSpec {
    /// `redis` (a private redis-server when installed, else memory), `memory` or `off`.
    pub cache: BundledCache,
    /// Seed-data definition (resolved against the scenario file's directory; checked to exist).
    pub seed_config: Option<PathBuf>,
    /// Fault knobs passed to SalesHub: a fixed added delay per request,
    pub inject_delay: Option<Duration>,
    /// only on paths starting with this prefix when set (e.g. `/api/search`),
    pub inject_delay_path: Option<String>,
    /// a share of requests answered with an error (a fraction, 0..=1),
    pub inject_error_rate: Option<f64>,
    /// and a periodic stall of `stall_for` every `stall_every` (both set, or neither).
    pub stall_every: Option<Duration>,
    pub stall_for: Option<Duration>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BundledCache {
    #[default]
    Redis,
    Memory,
    Off,
}

/// The load model and its profile.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub model: LoadModel,
    /// Traffic sent before measuring starts; discarded.
    pub warmup: Duration,
}

impl LoadSpec {
    /// Total measured duration (warm-up excluded).
    pub fn duration(&self) -> Duration {
        match &self.model {
            LoadModel::Open { stages, .. } => stages.iter().map(|s| s.duration).sum(),
            LoadModel::Closed { stages, .. } => stages.iter().map(|s| s.duration).sum(),
            LoadModel::Throughput { duration, .. } => *duration,
        }
    }
}

impl LoadModel {
    /// `open`, `closed` or `throughput`, as written in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            LoadModel::Open { .. } => "open",
            LoadModel::Closed { .. } => "closed",
            LoadModel::Throughput { .. } => "throughput",
        }
    }
}

#[derive(Debug, Clone)]
pub enum LoadModel {
    /// Arrival rate: journey iterations started per second, independent of responses.
    Open {
        /// Consecutive stages; the rate ramps linearly from `start_rate` to `end_rate` in each.
        stages: Vec<RateStage>,
        /// Cap on iterations in flight; starts beyond it are counted as dropped.
        max_in_flight: u32,
        /// A fixed set of connections (and workers) opened before the load, or `None` to grow
        /// them as the target needs.
        connections: Option<u32>,
    },
    /// Virtual users looping over journeys with think time.
    Closed {
        /// Consecutive stages; the user count ramps linearly from `start_users` to `end_users`.
        stages: Vec<UserStage>,
    },
    /// A fixed number of connections sending back to back.
    Throughput {
        connections: u32,
        duration: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateStage {
    pub duration: Duration,
    /// Iterations per second at the start of the stage.
    pub start_rate: f64,
    /// Iterations per second at the end of the stage.
    pub end_rate: f64,
}

/// A closed-model stage. Start and end are both explicit (like [`RateStage`]) so a stage can hold
/// a level ("20 users for 1 min") without a zero-length ramp before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserStage {
    pub duration: Duration,
    /// Users at the start of the stage.
    pub start_users: u32,
    /// Users at the end of the stage; equal to `start_users` for a hold.
    pub end_users: u32,
}

/// A weighted sequence of steps.
#[derive(Debug, Clone)]
pub struct Journey {
    pub name: String,
    pub weight: u32,
    /// Runs once per virtual user (closed model) or once at start (open and throughput models), before
    /// the weighted journeys; what it extracts is visible to them (e.g. a login token).
    pub setup: bool,
    /// Pause after each step unless the step has its own.
    pub think_time: Option<ThinkTime>,
    pub steps: Vec<Step>,
}

/// One HTTP request of a journey.
#[derive(Debug, Clone)]
pub struct Step {
    /// The endpoint name results are grouped under (e.g. `GET /api/contacts/{id}`).
    pub name: String,
    pub method: String,
    /// Path and query, relative to the target's base URL (e.g. `/api/contacts/${id}?x=1`).
    pub path: Template,
    pub headers: Vec<(String, Template)>,
    pub body: Option<Body>,
    /// Credentials for this step (over the target's).
    pub basic_auth: Option<BasicAuth>,
    /// False when the step must not follow redirects (`follow_redirects = false`).
    pub follow_redirects: bool,
    pub checks: Vec<Check>,
    /// Variables to set from the response: (variable, where its value comes from), sorted by
    /// variable. A value missing from the response counts as a check failure of the step.
    pub extract: Vec<(String, Extract)>,
    /// Pause after this step; `None` means the journey's.
    pub think_time: Option<ThinkTime>,
}

#[derive(Debug, Clone)]
pub enum Body {
    /// Sent with `Content-Type: application/json`.
    Json(JsonTemplate),
    Text(Template),
    /// `application/x-www-form-urlencoded` fields, in key order.
    Form(Vec<(String, Template)>),
    /// `multipart/form-data` parts, in file order.
    Multipart(Vec<MultipartPart>),
    /// A file's bytes, read when the scenario is loaded (`body_file`).
    File {
        bytes: bytes::Bytes,
        content_type: String,
    },
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct MultipartPart {
    pub name: String,
    pub content: PartContent,
}

#[derive(Debug, Clone)]
pub enum PartContent {
    /// A text field.
    Value(Template),
    /// A file, read when the scenario is loaded.
    File {
        filename: String,
        content_type: String,
        bytes: bytes::Bytes,
    },
}

/// A pause: fixed, or uniformly random in a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinkTime {
    pub min: Duration,
    pub max: Duration,
}

/// An assertion on a response; a failed check counts as a `check` failure of the endpoint. JSON
/// pointers are RFC 6901 and already checked for syntax.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The status is one of these.
    Status(Vec<u16>),
    /// The JSON value at the pointer equals this value.
    JsonEquals {
        pointer: String,
        value: serde_json::Value,
    },
    /// The JSON pointer exists (or must not, when `exists` is false).
    JsonExists { pointer: String, exists: bool },
    /// The body contains this text.
    BodyContains(String),
    /// The body matches this regular expression.
    BodyRegex(Pattern),
    /// A response header of this name has this value (any of them, when it is repeated).
    HeaderEquals { name: HeaderName, value: String },
    /// A response header of this name is present (or must not be, when `exists` is false).
    HeaderExists { name: HeaderName, exists: bool },
}

impl Check {
    /// Whether the check reads the response body (header and status checks do not).
    pub fn reads_body(&self) -> bool {
        matches!(
            self,
            Check::BodyContains(_)
                | Check::BodyRegex(_)
                | Check::JsonEquals { .. }
                | Check::JsonExists { .. }
        )
    }

    /// Whether the check parses the body as JSON.
    pub fn reads_json(&self) -> bool {
        matches!(self, Check::JsonEquals { .. } | Check::JsonExists { .. })
    }
}

/// Rows of a CSV file, handed out one row per journey iteration.
#[derive(Debug, Clone)]
pub struct Feeder {
    pub name: String,
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub order: FeederOrder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeederOrder {
    /// Row after row, wrapping around.
    Sequential,
    /// A uniformly random row each time.
    Random,
}

/// How the cache hit rate is read, from responses and from the target's metrics.
#[derive(Debug, Clone)]
pub struct CacheSpec {
    /// Response header carrying the cache outcome; `None` disables client-side tracking.
    pub header: Option<String>,
    pub hit_values: Vec<String>,
    pub miss_values: Vec<String>,
    /// Path of the Prometheus endpoint on the target; `None` disables scraping.
    pub metrics_path: Option<String>,
    pub hits_metric: String,
    pub misses_metric: String,
    pub scrape_every: Duration,
}

impl Default for CacheSpec {
    fn default() -> Self {
        CacheSpec {
            header: Some("X-Cache".into()),
            hit_values: vec!["HIT".into()],
            miss_values: vec!["MISS".into()],
            metrics_path: Some("/metrics".into()),
            hits_metric: "cache_hits_total".into(),
            misses_metric: "cache_misses_total".into(),
            scrape_every: Duration::from_secs(5),
        }
    }
}

/// A pass/fail limit evaluated at the end of a run, e.g. `p95 < 100ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// The expression as written, for display.
    pub expression: String,
    pub metric: Metric,
    pub op: Comparison,
    /// In the metric's canonical unit: microseconds for latencies, a fraction for rates and
    /// percentages, requests per second for `rps`, a plain number for `requests`; for a finding,
    /// the unit of the finding's figure (seconds for `recovery_time` and `*_secs`, milliseconds
    /// for `*_ms`, a fraction for `*_rate`, MB/h or ms/h for the drift slopes).
    pub limit: f64,
    /// The endpoint it applies to; `None` for the whole run.
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// A latency percentile, e.g. 95.0 or 99.9.
    Percentile(f64),
    MeanLatency,
    MaxLatency,
    /// Failed requests / all requests.
    ErrorRate,
    /// Requests per second over the measured duration.
    Rps,
    /// Client-side cache hit rate, hits / (hits + misses).
    CacheHitRate,
    /// Total requests.
    Requests,
    /// A finding's figure (e.g. `recovery_time`, `target_rss_slope`), named as in the findings.
    /// Only whole-run; the loader checks the name against what the scenario's kind produces.
    Finding(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparison {
    pub fn holds(self, observed: f64, limit: f64) -> bool {
        match self {
            Comparison::Less => observed < limit,
            Comparison::LessOrEqual => observed <= limit,
            Comparison::Greater => observed > limit,
            Comparison::GreaterOrEqual => observed >= limit,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
        }
    }
}
