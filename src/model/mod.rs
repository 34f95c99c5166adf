//! The shared data model at the bottom of the pipeline: the RunResult, everything a run recorded,
//! stored whole so that reports, comparisons and merges can be made again later from `results.json`
//! alone, without re-running anything. Every stage speaks it: the recorders fill its windows, the
//! engine counts its error kinds, the analyses read it, the reports render it. Histograms are kept
//! losslessly (HdrHistogram V2, deflate, base64; see [`histogram`]), never as pre-computed
//! percentiles only, so results from several runs or machines merge exactly.
//!
//! The layout is versioned by [`SCHEMA_VERSION`]; `schema/results.schema.json` is generated from these
//! types and checked by the tests. Latencies are in microseconds (`_us`), times in RFC 3339, rates per
//! second, ratios as fractions (0.01 = 1%). No secret (token, password, environment value,
//! Authorization header) is ever stored.

pub mod histogram;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Bumped on any incompatible change to the layout below.
pub const SCHEMA_VERSION: u32 = 1;

/// One run (or the merge of several runs of one scenario).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunResult {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub scenario: ScenarioInfo,
    pub target: TargetInfo,
    pub environment: Environment,
    /// RFC 3339 time the measured phase started (after warm-up).
    pub started_at: String,
    /// RFC 3339 time the run ended.
    pub ended_at: String,
    /// Measured duration in seconds (warm-up excluded).
    pub duration_secs: f64,
    pub load: LoadProfile,
    pub outcome: Outcome,
    /// All endpoints together.
    pub totals: EndpointStats,
    /// One entry per endpoint name, sorted by name.
    pub endpoints: Vec<EndpointStats>,
    /// One entry per second of the measured phase; the matching histograms are in `latency.hlog`.
    pub timeseries: Vec<Window>,
    pub cache: CacheReport,
    /// Resource samples (about 1 Hz) of the generator and, when local, the target.
    pub resources: Vec<ResourceSample>,
    pub generator: GeneratorHealth,
    pub thresholds: Vec<ThresholdResult>,
    /// Per-trial summaries when the run was made of repeated trials (regression scenarios).
    #[serde(default)]
    pub trials: Vec<TrialSummary>,
    /// Analyses of the run: breaking point, recovery time, drift, ...
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// File name of the HdrHistogram interval log beside this file, when one was written.
    #[serde(default)]
    pub interval_log: Option<String>,
    /// `stampede run --segment i/N`: the slice of the load this run sent. In a merged result
    /// (`stampede merge`), one entry per input, with the machine it ran on. Empty for a whole run.
    #[serde(default)]
    pub segments: Vec<SegmentInfo>,
    /// `stampede run --start-at`: the RFC 3339 time the load (warm-up first) was planned to
    /// begin. In a merged result, the workers' common planned start.
    #[serde(default)]
    pub planned_start: Option<String>,
    /// RFC 3339 time (with its fraction of a second) the load really began, once the run was prepared
    /// (target checked, setup journeys run) and, with `--start-at`, the start time reached. In a
    /// merged result, the earliest worker's.
    #[serde(default)]
    pub actual_start: Option<String>,
}

/// One worker's part of a distributed run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SegmentInfo {
    /// Which slice (1-based) of `count`; both `None` for a merged input that was a whole run.
    pub index: Option<u32>,
    pub count: Option<u32>,
    /// The machine that ran it.
    pub environment: Environment,
    /// RFC 3339 time its measured phase started.
    pub started_at: String,
    pub duration_secs: f64,
    pub status: OutcomeStatus,
    pub requests: u64,
    /// `--start-at`: when its load was planned to begin (RFC 3339).
    #[serde(default)]
    pub planned_start: Option<String>,
    /// When its load really began (RFC 3339, with its fraction of a second): the workers of one run are
    /// compared on it.
    #[serde(default)]
    pub actual_start: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScenarioInfo {
    pub name: String,
    /// smoke, load, stress, endurance, spike, regression or custom.
    pub kind: String,
    pub description: String,
    /// Path of the scenario file as given on the command line.
    pub file: Option<String>,
    /// SHA-256 (hex) of the scenario file's bytes.
    pub file_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetInfo {
    /// Base URL, without credentials or query.
    pub url: String,
    /// True when Stampede started the bundled SalesHub for this run.
    pub bundled: bool,
    /// For the bundled target: the cache backend it ran with (redis, memory, off).
    pub cache_backend: Option<String>,
    /// Notes about the target, e.g. "redis-server not installed: in-memory cache".
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    pub hostname: String,
    pub os: String,
    pub cpu_model: String,
    pub cores: u32,
    pub memory_bytes: u64,
    /// Commit of the working directory's git repository, when there is one.
    pub git_commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadProfile {
    /// open, closed or throughput.
    pub model: String,
    /// One line for people, e.g. "open model: 100/s for 30s, then 100/s → 500/s over 1m".
    pub summary: String,
    pub stages: Vec<StageInfo>,
    pub warmup_secs: f64,
    /// Open model: cap on iterations in flight.
    pub max_in_flight: Option<u32>,
    /// Throughput model: connections.
    pub connections: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StageInfo {
    pub duration_secs: f64,
    /// Arrival rate (open, per second) or users (closed) at the start of the stage.
    pub start: f64,
    /// Arrival rate (open, per second) or users (closed) at the end of the stage.
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Outcome {
    pub status: OutcomeStatus,
    /// Why the run is interrupted or invalid, in words.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Warnings that do not invalidate the run (e.g. a stall seen in the closed model).
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeStatus {
    Completed,
    Interrupted,
    Invalid,
}

/// Statistics of one endpoint (or of all together, in `totals`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EndpointStats {
    /// Endpoint name (the step's name); "total" for the totals.
    pub name: String,
    /// HTTP method, when all requests of the endpoint share one.
    pub method: Option<String>,
    pub requests: u64,
    /// Requests that got a response and passed every check.
    pub successes: u64,
    pub failures: u64,
    /// Requests per second over the measured duration.
    pub rps: f64,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    /// Redirects followed, over all requests (each request's latency covers its whole chain);
    /// left out when none were.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redirects: u64,
    /// Responses by status code ("200": 1234).
    pub status_counts: BTreeMap<String, u64>,
    /// Responses by the HTTP version that carried them ("HTTP/1.1" or "HTTP/2": count); absent in
    /// results written before it was recorded.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub protocols: BTreeMap<String, u64>,
    /// Failures by kind, with a sample message each.
    pub errors: Vec<ErrorCount>,
    /// Latency from the intended start (open model) or from the send (other models).
    pub latency: LatencySummary,
    /// The same latency as an HdrHistogram (V2, deflate, base64).
    pub histogram: String,
    /// Open model only: latency from the actual send, beside the intended-start latency.
    pub send_latency: Option<LatencySummary>,
    pub send_histogram: Option<String>,
    /// Cache outcomes read from the response header.
    pub cache: CacheCounts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LatencySummary {
    pub count: u64,
    pub min_us: u64,
    pub mean_us: f64,
    pub stdev_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p95_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorCount {
    pub kind: ErrorKind,
    pub count: u64,
    /// One example message (redacted).
    pub sample: String,
}

/// Kinds of failure, counted separately.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The connection could not be made.
    Connect,
    /// No full response within the timeout.
    Timeout,
    /// The TLS handshake failed (an untrusted or mismatched certificate, no common protocol), or
    /// the TLS layer broke a connection.
    Tls,
    /// The response broke HTTP: malformed, cut short, or the connection reset or closed before
    /// its end.
    Protocol,
    /// 429 Too Many Requests.
    RateLimited,
    /// Any other 4xx.
    Status4xx,
    /// 5xx.
    Status5xx,
    /// A response arrived but a check failed (or an extraction found nothing).
    Check,
    /// A placeholder had no value, so the request was not sent.
    Template,
    /// Anything else (kept so that results written before `tls` and `protocol` existed still
    /// read).
    Other,
}

/// The HTTP version that carried a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Http1,
    Http2,
}

impl Protocol {
    /// As written in results and reports: `HTTP/1.1`, `HTTP/2`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Http1 => "HTTP/1.1",
            Protocol::Http2 => "HTTP/2",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
    /// Responses with the header but another value (e.g. BYPASS).
    pub other: u64,
}

impl CacheCounts {
    /// hits / (hits + misses), or `None` when there were neither.
    pub fn hit_rate(&self) -> Option<f64> {
        let seen = self.hits + self.misses;
        (seen > 0).then(|| self.hits as f64 / seen as f64)
    }
}

/// One second of the measured phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    /// Seconds since the measured phase started.
    pub offset_secs: u32,
    pub requests: u64,
    pub failures: u64,
    pub p50_us: u64,
    pub p95_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Users (closed), target arrival rate (open) or connections (throughput) at this second.
    pub load: f64,
    /// Open model: starts that could not be issued in this second.
    pub dropped: u64,
}

/// The cache hit rate from both sides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheReport {
    /// Response header name used (e.g. X-Cache); `None` when disabled.
    pub header: Option<String>,
    /// Client side, from the header, over the whole run.
    pub client: CacheCounts,
    /// Server side, from the target's metrics; `None` when not scraped.
    pub server: Option<ServerCache>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServerCache {
    /// URL path scraped, e.g. /metrics.
    pub metrics_path: String,
    /// Hits and misses during the measured phase (end minus start), by namespace label.
    pub namespaces: BTreeMap<String, CacheCounts>,
    /// Hits and misses of all namespaces together.
    pub total: CacheCounts,
    /// Scrapes over time: cumulative counters per namespace at each scrape.
    pub samples: Vec<ServerCacheSample>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServerCacheSample {
    /// Seconds since the measured phase started (may be negative for the scrape at start).
    pub offset_secs: f64,
    pub namespaces: BTreeMap<String, CacheCounts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceSample {
    /// Seconds since the measured phase started.
    pub offset_secs: f64,
    /// CPU of the generator process, in percent of one core (200 = two cores busy).
    pub generator_cpu_percent: f64,
    pub generator_rss_bytes: u64,
    pub target_cpu_percent: Option<f64>,
    pub target_rss_bytes: Option<u64>,
}

/// Whether the generator kept up; a saturated generator makes the run invalid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GeneratorHealth {
    /// Mean CPU of the generator over the run, in percent of the machine (100 = all cores).
    pub cpu_mean_percent: f64,
    pub cpu_max_percent: f64,
    /// The CPU level above which the run is declared invalid, in percent of the machine.
    pub cpu_limit_percent: f64,
    /// Open model: starts scheduled and starts dropped (in-flight cap reached).
    pub scheduled: u64,
    pub dropped: u64,
    /// Open model: how late starts were issued against the schedule.
    pub schedule_lag: Option<LatencySummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThresholdResult {
    /// As written in the scenario, e.g. "p95 < 100ms".
    pub expression: String,
    /// The endpoint it applies to; `None` for the whole run.
    pub endpoint: Option<String>,
    /// Observed value in the metric's canonical unit (µs, fraction, per second); `None` when the
    /// metric had no data (which fails the threshold).
    pub observed: Option<f64>,
    /// The observed value formatted for people, e.g. "87.2ms".
    pub observed_display: String,
    pub limit: f64,
    pub passed: bool,
}

/// One trial of a run made of repeated trials (the regression gate compares these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrialSummary {
    pub index: u32,
    /// Which side of a live A/B comparison the trial belongs to ("a"/"b"), when it does.
    pub side: Option<String>,
    /// False when the trial's generator saturated or dropped starts.
    pub valid: bool,
    /// Why the trial is invalid, in words (empty when it is valid).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// RFC 3339 time the trial's measured phase started (after its warm-up).
    #[serde(default)]
    pub started_at: String,
    /// Measured duration of the trial in seconds.
    #[serde(default)]
    pub duration_secs: f64,
    /// All endpoints together.
    pub total: TrialStats,
    /// Per endpoint name.
    #[serde(default)]
    pub endpoints: BTreeMap<String, TrialStats>,
}

/// The figures of one trial that the gate tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrialStats {
    pub requests: u64,
    pub p50_us: u64,
    pub p95_us: u64,
    pub p99_us: u64,
    pub throughput_rps: f64,
    /// Failed requests / all requests.
    pub error_rate: f64,
}

impl TrialStats {
    /// The gated figures of `requests` requests (`failures` of them failed) over `seconds`.
    pub fn new(requests: u64, failures: u64, latency: &LatencySummary, seconds: f64) -> TrialStats {
        TrialStats {
            requests,
            p50_us: latency.p50_us,
            p95_us: latency.p95_us,
            p99_us: latency.p99_us,
            throughput_rps: if seconds > 0.0 {
                requests as f64 / seconds
            } else {
                0.0
            },
            error_rate: if requests > 0 {
                failures as f64 / requests as f64
            } else {
                0.0
            },
        }
    }
}

/// A result of an analysis, with its figures; usable in thresholds by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Machine name, e.g. "breaking_point", "recovery_time", "drift".
    pub kind: String,
    /// One line for people.
    pub summary: String,
    /// Named figures, e.g. {"recovery_time": 4.0}; each name can be used in a threshold.
    pub values: BTreeMap<String, f64>,
    /// True when the finding is a problem (e.g. "possible leak").
    pub alarming: bool,
    /// Stress runs: latency, errors and throughput against load, one entry per load step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<LoadStep>,
}

/// One step of constant load in a stress run, as measured (its first second, a transition, left
/// out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadStep {
    /// The offered load: arrival rate per second (open model) or users (closed model).
    pub load: f64,
    /// Seconds since the measured phase started.
    pub start_secs: u32,
    pub seconds: u32,
    pub requests: u64,
    /// Requests per second answered during the step.
    pub achieved_rps: f64,
    /// Medians over the step's seconds of each second's percentile.
    pub p50_us: u64,
    pub p95_us: u64,
    pub p99_us: u64,
    /// Failed requests / all requests of the step.
    pub error_rate: f64,
    /// Open model: starts dropped in the step (in-flight cap reached).
    pub dropped: u64,
    /// The limits the step broke, in words; empty when it met them all.
    pub failed: Vec<String>,
}

/// For `skip_serializing_if`: a counter that stayed at zero is left out of `results.json`.
fn is_zero(n: &u64) -> bool {
    *n == 0
}
