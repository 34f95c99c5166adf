//! One step of a journey, prepared once (method, header names, the endpoint index, what the response
//! must be read for) and executed per request: render, send, time, classify, check, extract, read
//! the cache header, and turn it all into one [`Sample`].
//!
//! Classification, first match wins:
//! - a placeholder without a value, or a rendered value HTTP cannot carry → `template` (not sent);
//! - no response: `connect`, `timeout` or `other` (from the client);
//! - the status: when the step checks the status, a status outside its list is a failure (of its
//!   class: 429 → `rate_limited`, 4xx, 5xx, else `check`) and a status inside it is fine even if
//!   4xx; without a status check any 4xx/5xx is a failure;
//! - then the other checks and the extraction (a missing pointer fails the step) → `check`.

use std::collections::HashSet;
use std::time::Instant;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderName, HeaderValue, Method, Request};
use serde_json::Value;

use super::client::{BaseUrl, Body, HttpClient, Response};
use crate::metrics::LocalRecorder;
use crate::metrics::{CacheOutcome, Sample};
use crate::model::ErrorKind;
use crate::scenario::plan::{self, Check, Plan, Step, ThinkTime};
use crate::scenario::template::{Escape, JsonTemplate, Scope, Template};

/// Where samples go: the recorder, or nowhere (warm-up), or a vector (tests, the closed model's
/// own buffering). The engine's hot path is generic over it, so none of this costs a virtual call.
pub trait SampleSink {
    fn record(&mut self, sample: &Sample);
}

impl SampleSink for LocalRecorder {
    fn record(&mut self, sample: &Sample) {
        LocalRecorder::record(self, sample);
    }
}

impl SampleSink for Vec<Sample> {
    fn record(&mut self, sample: &Sample) {
        self.push(sample.clone());
    }
}

/// A sink that drops every sample (warm-up traffic).
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl SampleSink for Discard {
    fn record(&mut self, _: &Sample) {}
}

impl<S: SampleSink + ?Sized> SampleSink for &mut S {
    fn record(&mut self, sample: &Sample) {
        (**self).record(sample);
    }
}

/// How a response's cache header is read.
#[derive(Debug, Clone)]
pub(crate) struct CacheReader {
    header: Option<HeaderName>,
    hits: Vec<String>,
    misses: Vec<String>,
}

impl CacheReader {
    pub(crate) fn new(spec: &plan::CacheSpec) -> Self {
        CacheReader {
            header: spec
                .header
                .as_deref()
                .and_then(|h| HeaderName::from_bytes(h.as_bytes()).ok()),
            hits: spec.hit_values.clone(),
            misses: spec.miss_values.clone(),
        }
    }

    fn outcome(&self, resp: &Response) -> CacheOutcome {
        let Some(value) = self.header.as_ref().and_then(|h| resp.headers.get(h)) else {
            return CacheOutcome::Absent;
        };
        let value = value.to_str().unwrap_or("").trim();
        if self.hits.iter().any(|h| h.eq_ignore_ascii_case(value)) {
            CacheOutcome::Hit
        } else if self.misses.iter().any(|m| m.eq_ignore_ascii_case(value)) {
            CacheOutcome::Miss
        } else {
            CacheOutcome::Other
        }
    }
}

/// A step ready to execute.
#[derive(Debug, Clone)]
pub(crate) struct PreparedStep {
    pub endpoint: usize,
    method: Method,
    path: Template,
    /// Target headers merged with the step's (the step's win), names parsed once.
    headers: Vec<(HeaderName, Template)>,
    body: Option<plan::Body>,
    status: Option<Vec<u16>>,
    checks: Vec<Check>,
    extract: Vec<(String, String)>,
    needs_body: bool,
    needs_json: bool,
    pub think: Option<ThinkTime>,
}

impl PreparedStep {
    pub(crate) fn new(
        plan: &Plan,
        step: &Step,
        journey_think: Option<ThinkTime>,
    ) -> Result<Self, String> {
        let endpoint = plan
            .endpoints()
            .iter()
            .position(|(name, _)| *name == step.name)
            .ok_or_else(|| format!("step '{}' has no endpoint", step.name))?;
        let method = Method::from_bytes(step.method.to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("bad method '{}'", step.method))?;
        let mut headers: Vec<(HeaderName, Template)> = Vec::new();
        for (name, value) in plan.target.headers.iter().chain(&step.headers) {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("bad header name '{name}'"))?;
            headers.retain(|(n, _)| *n != name);
            headers.push((name, value.clone()));
        }
        let status = step.checks.iter().find_map(|c| match c {
            Check::Status(list) => Some(list.clone()),
            _ => None,
        });
        let checks: Vec<Check> = step
            .checks
            .iter()
            .filter(|c| !matches!(c, Check::Status(_)))
            .cloned()
            .collect();
        let needs_json = !step.extract.is_empty()
            || checks
                .iter()
                .any(|c| matches!(c, Check::JsonEquals { .. } | Check::JsonExists { .. }));
        let needs_body = needs_json || !checks.is_empty();
        Ok(PreparedStep {
            endpoint,
            method,
            path: step.path.clone(),
            headers,
            body: step.body.clone(),
            status,
            checks,
            extract: step.extract.clone(),
            needs_body,
            needs_json,
            think: step.think_time.or(journey_think),
        })
    }

    /// Feeder names this step reads (`${feeder.column}`), for taking rows only where used.
    pub(crate) fn feeders_used(&self, into: &mut HashSet<String>) {
        let mut templates: Vec<&Template> = vec![&self.path];
        templates.extend(self.headers.iter().map(|(_, t)| t));
        match &self.body {
            Some(plan::Body::Json(json)) => templates.extend(json.templates()),
            Some(plan::Body::Text(t)) => templates.push(t),
            None => {}
        }
        for t in templates {
            for var in t.variables() {
                if let Some((feeder, _)) = var.split_once('.') {
                    into.insert(feeder.to_string());
                }
            }
        }
    }

    /// Builds the request; the error is a `template` failure message (no values in it: they may
    /// be secrets).
    fn build(
        &self,
        base: &BaseUrl,
        host: &HeaderValue,
        scope: &(dyn Scope + Sync),
        rng: &mut impl rand::Rng,
    ) -> Result<(Request<Body>, u64), String> {
        let mut path = String::with_capacity(base.prefix.len() + 64);
        path.push_str(&base.prefix);
        self.path
            .render(scope, rng, Escape::UrlComponent, &mut path)
            .map_err(|e| format!("path: {e}"))?;
        let uri = base
            .uri(path)
            .map_err(|_| "path: the rendered path is not a valid URI path".to_string())?;
        let mut builder = Request::builder().method(self.method.clone()).uri(uri);
        let headers = builder.headers_mut().expect("a fresh builder has headers");
        headers.insert(HOST, host.clone());
        let mut text = String::new();
        for (name, template) in &self.headers {
            text.clear();
            template
                .render(scope, rng, Escape::None, &mut text)
                .map_err(|e| format!("header {name}: {e}"))?;
            let value = HeaderValue::from_str(&text).map_err(|_| {
                format!("header {name}: the rendered value is not a valid header value")
            })?;
            headers.insert(name.clone(), value);
        }
        let body = match &self.body {
            None => Bytes::new(),
            Some(plan::Body::Json(json)) => {
                let value = render_json(json, scope, rng).map_err(|e| format!("json body: {e}"))?;
                if !headers.contains_key(CONTENT_TYPE) {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                }
                Bytes::from(serde_json::to_vec(&value).map_err(|e| format!("json body: {e}"))?)
            }
            Some(plan::Body::Text(t)) => Bytes::from(
                t.render_string(scope, rng, Escape::None)
                    .map_err(|e| format!("body: {e}"))?,
            ),
        };
        let bytes_out = body.len() as u64;
        let req = builder
            .body(Body::new(body))
            .map_err(|e| format!("request: {e}"))?;
        Ok((req, bytes_out))
    }

    /// Runs the step once: returns the sample and the extracted values to store.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn execute(
        &self,
        client: &HttpClient,
        conn: &mut super::client::Conn,
        base: &BaseUrl,
        host: &HeaderValue,
        cache: &CacheReader,
        scope: &(dyn Scope + Sync),
        rng: &mut impl rand::Rng,
        intended: Option<Instant>,
        open_model: bool,
    ) -> (Sample, Vec<(String, Value)>) {
        let mut sample = Sample {
            endpoint: self.endpoint,
            latency_us: 0,
            send_latency_us: None,
            status: None,
            protocol: None,
            error: None,
            cache: CacheOutcome::Absent,
            bytes_in: 0,
            bytes_out: 0,
        };
        let (req, bytes_out) = match self.build(base, host, scope, rng) {
            Ok(built) => built,
            Err(message) => {
                sample.error = Some((ErrorKind::Template, message));
                return (sample, Vec::new());
            }
        };
        sample.bytes_out = bytes_out;
        let sent = Instant::now();
        let result = client.send(conn, req, self.needs_body).await;
        let done = Instant::now();
        let send_us = micros(done - sent);
        sample.latency_us = intended.map_or(send_us, |i| micros(done.saturating_duration_since(i)));
        if open_model || intended.is_some() {
            sample.send_latency_us = Some(send_us);
        }
        let resp = match result {
            Ok(resp) => resp,
            Err(e) => {
                sample.error = Some((e.kind, e.message));
                return (sample, Vec::new());
            }
        };
        sample.status = Some(resp.status);
        sample.protocol = Some(resp.protocol);
        sample.bytes_in = resp.bytes_in;
        sample.cache = cache.outcome(&resp);
        if let Some(error) = self.status_failure(resp.status) {
            sample.error = Some(error);
            return (sample, Vec::new());
        }
        match self.check_and_extract(&resp) {
            Ok(extracted) => (sample, extracted),
            Err(message) => {
                sample.error = Some((ErrorKind::Check, message));
                (sample, Vec::new())
            }
        }
    }

    fn status_failure(&self, status: u16) -> Option<(ErrorKind, String)> {
        let class = match status {
            429 => Some(ErrorKind::RateLimited),
            400..=499 => Some(ErrorKind::Status4xx),
            500.. => Some(ErrorKind::Status5xx),
            _ => None,
        };
        match &self.status {
            Some(list) if list.contains(&status) => None,
            Some(list) => Some((
                class.unwrap_or(ErrorKind::Check),
                format!("status {status}, expected {}", join(list)),
            )),
            None => class.map(|k| (k, format!("status {status}"))),
        }
    }

    fn check_and_extract(&self, resp: &Response) -> Result<Vec<(String, Value)>, String> {
        if !self.needs_body {
            return Ok(Vec::new());
        }
        let json: Option<Value> = if self.needs_json {
            serde_json::from_slice(&resp.body).ok()
        } else {
            None
        };
        let not_json = || "the response body is not JSON".to_string();
        for check in &self.checks {
            match check {
                Check::Status(_) => {}
                Check::BodyContains(text) => {
                    if !contains(&resp.body, text.as_bytes()) {
                        return Err(format!("body does not contain '{text}'"));
                    }
                }
                Check::JsonExists { pointer, exists } => {
                    let found = json
                        .as_ref()
                        .ok_or_else(not_json)?
                        .pointer(pointer)
                        .is_some();
                    if found != *exists {
                        return Err(if *exists {
                            format!("JSON pointer '{pointer}' is missing")
                        } else {
                            format!("JSON pointer '{pointer}' is present")
                        });
                    }
                }
                Check::JsonEquals { pointer, value } => {
                    match json.as_ref().ok_or_else(not_json)?.pointer(pointer) {
                        Some(found) if found == value => {}
                        Some(_) => {
                            return Err(format!("JSON pointer '{pointer}' is not {value}"));
                        }
                        None => return Err(format!("JSON pointer '{pointer}' is missing")),
                    }
                }
            }
        }
        let mut extracted = Vec::with_capacity(self.extract.len());
        for (var, pointer) in &self.extract {
            match json.as_ref().ok_or_else(not_json)?.pointer(pointer) {
                Some(v) => extracted.push((var.clone(), v.clone())),
                None => {
                    return Err(format!(
                        "extract {var}: JSON pointer '{pointer}' is missing from the response"
                    ));
                }
            }
        }
        Ok(extracted)
    }
}

fn render_json(
    json: &JsonTemplate,
    scope: &(dyn Scope + Sync),
    rng: &mut impl rand::Rng,
) -> Result<Value, crate::scenario::template::TemplateError> {
    json.render(scope, rng)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

fn join(list: &[u16]) -> String {
    match list {
        [one] => one.to_string(),
        _ => format!(
            "one of {}",
            list.iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whole microseconds, at least 1 (a histogram cannot hold 0).
pub(crate) fn micros(d: std::time::Duration) -> u64 {
    (d.as_micros() as u64).max(1)
}
