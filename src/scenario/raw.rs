//! The scenario file as written: serde structs mirroring the TOML, with spans kept on every value
//! the validator may have to point at. Unknown keys are rejected everywhere. The validator
//! ([`super::validate`]) turns these into a [`super::Plan`]; nothing else reads them.
//!
//! The keys are documented, with types, defaults and ranges, in `scenarios/README.md`; keep the two
//! in step.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::plan::ScenarioKind;
use super::values::{
    DurationValue, LoadLevel, PercentValue, RateValue, SizeValue, StatusList, ThinkTimeValue,
};

type S<T> = Spanned<T>;
/// A table of names to strings (headers, variables, extractions); the key path names the key.
pub type SpannedMap = BTreeMap<String, S<String>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<S<String>>,
    #[serde(default)]
    pub description: String,
    pub kind: Option<S<ScenarioKind>>,
    pub target: S<RawTarget>,
    pub load: S<RawLoad>,
    #[serde(default)]
    pub variables: SpannedMap,
    #[serde(default)]
    pub feeders: BTreeMap<String, S<RawFeeder>>,
    #[serde(default)]
    pub cache: RawCache,
    #[serde(default)]
    pub thresholds: Vec<S<String>>,
    #[serde(default)]
    pub endpoint_thresholds: BTreeMap<String, S<Vec<S<String>>>>,
    pub journeys: Option<S<Vec<S<RawJourney>>>>,
    pub regression: Option<S<RawRegression>>,
    /// `output = ["prometheus=URL", "otlp=URL"]`: live metrics outputs (see `super::output`).
    #[serde(default)]
    pub output: Vec<S<String>>,
}

/// `[regression]`: repeated trials and the gate's settings (validated in `super::regression`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegression {
    pub trials: Option<S<i64>>,
    pub trial_duration: Option<S<DurationValue>>,
    pub trial_warmup: Option<S<DurationValue>>,
    pub alpha: Option<S<f64>>,
    pub min_effect_p50: Option<S<PercentValue>>,
    pub min_effect_tail: Option<S<PercentValue>>,
    pub min_effect_throughput: Option<S<PercentValue>>,
    pub min_effect_error_rate: Option<S<PercentValue>>,
    pub metrics: Option<S<Vec<S<String>>>>,
    pub min_requests_p99: Option<S<i64>>,
    pub min_requests: Option<S<i64>>,
    pub gate_endpoints: Option<S<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub url: Option<S<String>>,
    pub bundled: Option<S<RawBundled>>,
    pub timeout: Option<S<DurationValue>>,
    pub connect_timeout: Option<S<DurationValue>>,
    pub max_body: Option<S<SizeValue>>,
    #[serde(default)]
    pub headers: SpannedMap,
    pub pid: Option<S<i64>>,
    pub ca_file: Option<S<String>>,
    pub insecure: Option<S<bool>>,
    pub cookies: Option<S<bool>>,
    pub redirects: Option<S<i64>>,
    pub accept_encoding: Option<S<String>>,
    pub basic_auth: Option<S<RawBasicAuth>>,
    pub http: Option<S<String>>,
    pub max_streams: Option<S<i64>>,
}

/// `basic_auth = { user = "...", password = "..." }` (target or step).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBasicAuth {
    pub user: S<String>,
    pub password: S<String>,
}

/// One part of a step's `multipart` body: a `value`, or a `file` (with an optional
/// `content_type` and `filename`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPart {
    pub name: S<String>,
    pub value: Option<S<String>>,
    pub file: Option<S<String>>,
    pub content_type: Option<S<String>>,
    pub filename: Option<S<String>>,
}

/// `bundled = true`, or a `[target.bundled]` table of options.
#[derive(Debug)]
pub enum RawBundled {
    Enabled(bool),
    Options(Box<RawBundledOptions>),
}

impl<'de> Deserialize<'de> for RawBundled {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawBundled;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, or a table of options ([target.bundled])")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<RawBundled, E> {
                Ok(RawBundled::Enabled(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawBundled, A::Error> {
                RawBundledOptions::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|o| RawBundled::Options(Box::new(o)))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBundledOptions {
    pub cache: Option<S<RawBundledCache>>,
    pub seed_config: Option<S<String>>,
    pub inject_delay: Option<S<DurationValue>>,
    pub inject_delay_path: Option<S<String>>,
    pub inject_error_rate: Option<S<PercentValue>>,
    pub stall_every: Option<S<DurationValue>>,
    pub stall_for: Option<S<DurationValue>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawBundledCache {
    Redis,
    Memory,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawModel {
    Open,
    Closed,
    Throughput,
}

impl RawModel {
    pub fn name(self) -> &'static str {
        match self {
            RawModel::Open => "open",
            RawModel::Closed => "closed",
            RawModel::Throughput => "throughput",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoad {
    pub model: Option<S<RawModel>>,
    pub warmup: Option<S<DurationValue>>,
    pub duration: Option<S<DurationValue>>,
    pub rate: Option<S<RateValue>>,
    pub users: Option<S<i64>>,
    pub connections: Option<S<i64>>,
    pub max_in_flight: Option<S<i64>>,
    pub stages: Option<S<Vec<S<RawStage>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub duration: S<DurationValue>,
    pub rate: Option<S<RateValue>>,
    pub users: Option<S<i64>>,
    pub from: Option<S<LoadLevel>>,
    pub to: Option<S<LoadLevel>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeeder {
    pub file: S<String>,
    pub order: Option<S<RawOrder>>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawOrder {
    Sequential,
    Random,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    pub header: Option<S<String>>,
    pub hit_values: Option<S<Vec<String>>>,
    pub miss_values: Option<S<Vec<String>>>,
    pub metrics_path: Option<S<String>>,
    pub hits_metric: Option<S<String>>,
    pub misses_metric: Option<S<String>>,
    pub scrape_every: Option<S<DurationValue>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJourney {
    pub name: S<String>,
    pub weight: Option<S<i64>>,
    #[serde(default)]
    pub setup: bool,
    pub think_time: Option<S<ThinkTimeValue>>,
    pub steps: Option<S<Vec<S<RawStep>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Option<S<String>>,
    pub method: Option<S<String>>,
    pub path: S<String>,
    #[serde(default)]
    pub headers: SpannedMap,
    pub json: Option<S<toml::Value>>,
    pub body: Option<S<String>>,
    pub form: Option<S<SpannedMap>>,
    pub multipart: Option<S<Vec<S<RawPart>>>>,
    pub body_file: Option<S<String>>,
    pub basic_auth: Option<S<RawBasicAuth>>,
    pub follow_redirects: Option<S<bool>>,
    #[serde(default)]
    pub checks: Vec<S<RawCheck>>,
    #[serde(default)]
    pub extract: BTreeMap<String, S<RawExtract>>,
    pub think_time: Option<S<ThinkTimeValue>>,
}

/// An `extract` value: a JSON pointer string, or a table naming where the value comes from
/// (validated in `super::extract`).
#[derive(Debug)]
pub enum RawExtract {
    Pointer(String),
    Table(Box<RawExtractTable>),
}

impl<'de> Deserialize<'de> for RawExtract {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawExtract;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON pointer such as \"/token\", or a table such as { header = \"Location\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawExtract, E> {
                Ok(RawExtract::Pointer(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawExtract, A::Error> {
                RawExtractTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|t| RawExtract::Table(Box::new(t)))
            }
        }
        d.deserialize_any(V)
    }
}

/// `{ json = "/p" }`, `{ header = "..." }`, `{ cookie = "..." }`, `{ regex = "..." }` or
/// `{ css = "...", attr = "..." }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExtractTable {
    pub json: Option<S<String>>,
    pub header: Option<S<String>>,
    pub cookie: Option<S<String>>,
    pub regex: Option<S<String>>,
    pub css: Option<S<String>>,
    pub attr: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub status: Option<S<StatusList>>,
    pub json: Option<S<String>>,
    pub equals: Option<S<toml::Value>>,
    pub exists: Option<S<bool>>,
    pub body_contains: Option<S<String>>,
    pub header: Option<S<String>>,
    pub regex: Option<S<String>>,
}
