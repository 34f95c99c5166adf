//! STAND-IN for the request path (owner: req; `src/engine/{client,context,journey,open,throughput}.rs`).
//! Imitates the spec's API (`EngineContext`, `HttpClient`, `UserState`, `JourneyRunner`,
//! `run_open`, `run_throughput`) with a plain reqwest loop so the closed model and the end-to-end
//! tests run before the merge. Correct but slow; deleted at the merge.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::rec::{LocalRecorder, Recorder};
use crate::metrics::{CacheOutcome, Sample};
use crate::results::schema::ErrorKind;
use crate::scenario::Plan;
use crate::scenario::plan::{Body, Check, FeederOrder, TargetSpec, ThinkTime};
use crate::scenario::template::Escape;

/// What every engine gets (spec: defined by req in `src/engine/context.rs`).
#[derive(Clone)]
pub struct EngineContext {
    pub plan: Arc<Plan>,
    pub base_url: String,
    pub recorder: Recorder,
    pub cancel: CancellationToken,
}

/// What an engine reports besides the recorded samples.
#[derive(Debug, Default, Clone)]
pub struct EngineSummary {
    /// Warnings for `outcome.warnings`.
    pub warnings: Vec<String>,
}

/// An engine that could not run at all (request failures are data, never this).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    Setup(String),
}

/// The shared HTTP client.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    pub fn new(target: &TargetSpec) -> Result<HttpClient, EngineError> {
        let inner = reqwest::Client::builder()
            .timeout(target.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| EngineError::Setup(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpClient { inner })
    }
}

/// One virtual user's variables, feeder cursors and random generator.
pub struct UserState {
    vars: HashMap<String, Value>,
    cursor: usize,
    rng: StdRng,
}

impl UserState {
    pub fn new(plan: &Plan, user_index: usize) -> UserState {
        let mut rng = StdRng::seed_from_u64(user_index as u64 ^ 0x5eed);
        let mut vars = HashMap::new();
        for (name, template) in &plan.variables {
            if let Ok(value) = template.render_string(&vars, &mut rng, Escape::None) {
                vars.insert(name.clone(), Value::String(value));
            }
        }
        UserState {
            vars,
            cursor: user_index,
            rng,
        }
    }
}

/// Runs journey iterations for one user.
pub struct JourneyRunner {
    plan: Arc<Plan>,
    client: HttpClient,
    base_url: String,
    endpoint_index: HashMap<String, usize>,
}

impl JourneyRunner {
    pub fn new(plan: Arc<Plan>, client: HttpClient, base_url: String) -> JourneyRunner {
        let endpoint_index = plan
            .endpoints()
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.to_string(), i))
            .collect();
        JourneyRunner {
            plan,
            client,
            base_url,
            endpoint_index,
        }
    }

    /// A weighted pick among the non-setup journeys.
    pub fn pick_journey(&self, user: &mut UserState) -> usize {
        let candidates: Vec<(usize, u32)> = self
            .plan
            .journeys
            .iter()
            .enumerate()
            .filter(|(_, j)| !j.setup)
            .map(|(i, j)| (i, j.weight.max(1)))
            .collect();
        let total: u32 = candidates.iter().map(|(_, w)| w).sum();
        let mut pick = user.rng.random_range(0..total.max(1));
        for (i, w) in &candidates {
            if pick < *w {
                return *i;
            }
            pick -= w;
        }
        candidates.first().map_or(0, |(i, _)| *i)
    }

    /// Runs the setup journeys, in file order.
    pub async fn run_setup(&self, user: &mut UserState, rec: &mut LocalRecorder) {
        for index in 0..self.plan.journeys.len() {
            if self.plan.journeys[index].setup {
                self.run_iteration(user, index, None, rec).await;
            }
        }
    }

    /// Runs one iteration of journey `journey`.
    pub async fn run_iteration(
        &self,
        user: &mut UserState,
        journey: usize,
        intended: Option<Instant>,
        rec: &mut LocalRecorder,
    ) {
        self.next_feeder_rows(user);
        let journey = &self.plan.journeys[journey];
        for step in &journey.steps {
            let sample = self.run_step(user, step, intended).await;
            let stop = matches!(sample.error, Some((ErrorKind::Template, _)));
            rec.record(&sample);
            if stop {
                return;
            }
            if let Some(think) = step.think_time.or(journey.think_time) {
                tokio::time::sleep(pick_think(think, &mut user.rng)).await;
            }
        }
    }

    fn next_feeder_rows(&self, user: &mut UserState) {
        for (name, feeder) in &self.plan.feeders {
            if feeder.rows.is_empty() {
                continue;
            }
            let row = match feeder.order {
                FeederOrder::Sequential => user.cursor % feeder.rows.len(),
                FeederOrder::Random => user.rng.random_range(0..feeder.rows.len()),
            };
            for (column, value) in feeder.columns.iter().zip(&feeder.rows[row]) {
                user.vars
                    .insert(format!("{name}.{column}"), Value::String(value.clone()));
            }
        }
        user.cursor += 1;
    }

    async fn run_step(
        &self,
        user: &mut UserState,
        step: &crate::scenario::plan::Step,
        intended: Option<Instant>,
    ) -> Sample {
        let endpoint = self.endpoint_index.get(&step.name).copied().unwrap_or(0);
        let mut sample = Sample {
            endpoint,
            latency_us: 0,
            send_latency_us: None,
            status: None,
            error: None,
            cache: CacheOutcome::Absent,
            bytes_in: 0,
            bytes_out: 0,
        };
        let request = match self.build(user, step) {
            Ok(request) => request,
            Err(message) => {
                sample.error = Some((ErrorKind::Template, message));
                return sample;
            }
        };
        sample.bytes_out = request
            .body()
            .and_then(|b| b.as_bytes())
            .map_or(0, |b| b.len() as u64);
        let sent = Instant::now();
        let result = async {
            let response = self.client.inner.execute(request).await?;
            let status = response.status().as_u16();
            let cache = self.cache_outcome(response.headers());
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, cache, body))
        }
        .await;
        let done = Instant::now();
        sample.latency_us = micros(done - intended.unwrap_or(sent));
        sample.send_latency_us = intended.map(|_| micros(done - sent));
        match result {
            Err(e) => {
                let kind = if e.is_timeout() {
                    ErrorKind::Timeout
                } else if e.is_connect() {
                    ErrorKind::Connect
                } else {
                    ErrorKind::Other
                };
                sample.error = Some((kind, self.plan.redact(&e.to_string())));
            }
            Ok((status, cache, body)) => {
                sample.status = Some(status);
                sample.cache = cache;
                sample.bytes_in = body.len() as u64;
                sample.error = self.judge(user, step, status, &body);
            }
        }
        sample
    }

    fn build(
        &self,
        user: &mut UserState,
        step: &crate::scenario::plan::Step,
    ) -> Result<reqwest::Request, String> {
        let path = step
            .path
            .render_string(&user.vars, &mut user.rng, Escape::UrlComponent)
            .map_err(|e| e.to_string())?;
        let method =
            reqwest::Method::from_bytes(step.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut builder = self
            .client
            .inner
            .request(method, format!("{}{}", self.base_url, path));
        let mut headers: Vec<(String, String)> = Vec::new();
        for (name, template) in self.plan.target.headers.iter().chain(&step.headers) {
            let value = template
                .render_string(&user.vars, &mut user.rng, Escape::None)
                .map_err(|e| e.to_string())?;
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            headers.push((name.clone(), value));
        }
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        match &step.body {
            Some(Body::Json(template)) => {
                let value = template
                    .render(&user.vars, &mut user.rng)
                    .map_err(|e| e.to_string())?;
                builder = builder
                    .header("content-type", "application/json")
                    .body(value.to_string());
            }
            Some(Body::Text(template)) => {
                let text = template
                    .render_string(&user.vars, &mut user.rng, Escape::None)
                    .map_err(|e| e.to_string())?;
                builder = builder.body(text);
            }
            None => {}
        }
        builder.build().map_err(|e| e.to_string())
    }

    fn cache_outcome(&self, headers: &reqwest::header::HeaderMap) -> CacheOutcome {
        let spec = &self.plan.cache;
        let Some(name) = &spec.header else {
            return CacheOutcome::Absent;
        };
        match headers.get(name.as_str()).and_then(|v| v.to_str().ok()) {
            None => CacheOutcome::Absent,
            Some(v) if spec.hit_values.iter().any(|h| h.eq_ignore_ascii_case(v)) => {
                CacheOutcome::Hit
            }
            Some(v) if spec.miss_values.iter().any(|m| m.eq_ignore_ascii_case(v)) => {
                CacheOutcome::Miss
            }
            Some(_) => CacheOutcome::Other,
        }
    }

    /// Status class, checks, extraction: the failure, if any.
    fn judge(
        &self,
        user: &mut UserState,
        step: &crate::scenario::plan::Step,
        status: u16,
        body: &[u8],
    ) -> Option<(ErrorKind, String)> {
        let status_checked = step.checks.iter().any(|c| matches!(c, Check::Status(_)));
        if !status_checked {
            match status {
                429 => return Some((ErrorKind::RateLimited, format!("status {status}"))),
                400..=499 => return Some((ErrorKind::Status4xx, format!("status {status}"))),
                500..=599 => return Some((ErrorKind::Status5xx, format!("status {status}"))),
                _ => {}
            }
        }
        let json: Option<Value> = serde_json::from_slice(body).ok();
        for check in &step.checks {
            let failed = match check {
                Check::Status(codes) => (!codes.contains(&status))
                    .then(|| format!("status {status}, expected one of {codes:?}")),
                Check::JsonExists { pointer, exists } => {
                    let found = json.as_ref().and_then(|j| j.pointer(pointer)).is_some();
                    (found != *exists).then(|| format!("JSON pointer {pointer} exists: {found}"))
                }
                Check::JsonEquals { pointer, value } => {
                    let found = json.as_ref().and_then(|j| j.pointer(pointer));
                    (found != Some(value)).then(|| format!("JSON pointer {pointer} differs"))
                }
                Check::BodyContains(text) => (!String::from_utf8_lossy(body)
                    .contains(text.as_str()))
                .then(|| "body does not contain the expected text".to_string()),
            };
            if let Some(message) = failed {
                let kind = match check {
                    Check::Status(_) if status == 429 => ErrorKind::RateLimited,
                    Check::Status(_) if (400..500).contains(&status) => ErrorKind::Status4xx,
                    Check::Status(_) if status >= 500 => ErrorKind::Status5xx,
                    _ => ErrorKind::Check,
                };
                return Some((kind, message));
            }
        }
        for (var, pointer) in &step.extract {
            let value = if pointer.is_empty() {
                json.clone()
            } else {
                json.as_ref().and_then(|j| j.pointer(pointer)).cloned()
            };
            match value {
                Some(value) => {
                    user.vars.insert(var.clone(), value);
                }
                None => {
                    return Some((
                        ErrorKind::Check,
                        format!("extract {var}: JSON pointer {pointer} not in the response"),
                    ));
                }
            }
        }
        None
    }
}

fn pick_think(think: ThinkTime, rng: &mut StdRng) -> Duration {
    if think.max > think.min {
        rng.random_range(think.min..=think.max)
    } else {
        think.min
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Stand-in: the open model is req's; this branch cannot run it.
pub async fn run_open(_ctx: &EngineContext) -> Result<EngineSummary, EngineError> {
    Err(EngineError::Setup(
        "the open model is not in this build (stand-in until the request path is merged)".into(),
    ))
}

/// Stand-in: the throughput model is req's; this branch cannot run it.
pub async fn run_throughput(_ctx: &EngineContext) -> Result<EngineSummary, EngineError> {
    Err(EngineError::Setup(
        "the throughput model is not in this build (stand-in until the request path is merged)"
            .into(),
    ))
}
