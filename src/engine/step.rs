//! One step of a journey, prepared once (method, header names, the endpoint index, what the response
//! must be read for) and executed per request: render, send, time, classify, check, extract, read
//! the cache header, and turn it all into one [`Sample`].
//!
//! Classification, first match wins:
//! - a placeholder without a value, or a rendered value HTTP cannot carry → `template` (not sent);
//! - no response: `connect`, `timeout`, `tls` or `protocol` (from the client);
//! - the status: when the step checks the status, a status outside its list is a failure (of its
//!   class: 429 → `rate_limited`, 4xx, 5xx, else `check`) and a status inside it is fine even if
//!   4xx; without a status check any 4xx/5xx is a failure;
//! - then the other checks ([`super::checks`]) and the extraction ([`super::extract`]; a value
//!   missing from the response fails the step, naming the extraction) → `check`.

use std::collections::HashSet;
use std::time::Instant;

use base64::Engine as _;
use bytes::{BufMut, Bytes, BytesMut};
use http::header::{ACCEPT_ENCODING, AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::checks;
use super::client::{BaseUrl, Body, ClientError, HttpClient, Response};
use super::cookies::Jar;
use super::extract::{self, ResponseView};
use super::{decode, redirect};
use crate::metrics::LocalRecorder;
use crate::metrics::{CacheOutcome, Sample};
use crate::model::ErrorKind;
use crate::scenario::plan::{self, Check, Extract, Plan, Step, ThinkTime};
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
    /// `Accept-Encoding`, unless the headers set it.
    accept_encoding: Option<HeaderValue>,
    /// The step's credentials, or the target's (unless the headers set `Authorization`).
    basic_auth: Option<plan::BasicAuth>,
    body: Option<plan::Body>,
    /// `multipart/form-data` boundary (for a multipart body).
    boundary: String,
    /// Cookies kept and sent (`[target] cookies`).
    cookies: bool,
    /// Redirects followed at most (0 when the step follows none).
    max_redirects: u32,
    /// Whether a template of the request draws random values: then a redirect's next request is
    /// rebuilt from a copy of the random generator, so it sends the same values.
    uses_random: bool,
    status: Option<Vec<u16>>,
    checks: Vec<Check>,
    extract: Vec<(String, Extract)>,
    /// Whether a check or an extraction reads the body: only then is it kept.
    needs_body: bool,
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
        let needs_body = checks.iter().any(Check::reads_body)
            || step.extract.iter().any(|(_, e)| e.reads_body());
        let http = &plan.target.http;
        let sets = |name: &HeaderName| headers.iter().any(|(n, _)| n == name);
        let accept_encoding = match &http.accept_encoding {
            Some(v) if !sets(&ACCEPT_ENCODING) => {
                Some(HeaderValue::from_str(v).map_err(|_| format!("bad accept_encoding '{v}'"))?)
            }
            _ => None,
        };
        let basic_auth = match &step.basic_auth {
            Some(auth) => Some(auth.clone()),
            None if !sets(&AUTHORIZATION) => http.basic_auth.clone(),
            None => None,
        };
        let mut prepared = PreparedStep {
            endpoint,
            method,
            path: step.path.clone(),
            headers,
            accept_encoding,
            basic_auth,
            boundary: format!(
                "stampede-{}",
                rand::rng()
                    .sample_iter(rand::distr::Alphanumeric)
                    .take(24)
                    .map(char::from)
                    .collect::<String>()
            ),
            cookies: http.cookies,
            max_redirects: if step.follow_redirects {
                http.redirects
            } else {
                0
            },
            uses_random: false,
            body: step.body.clone(),
            status,
            checks,
            extract: step.extract.clone(),
            needs_body,
            think: step.think_time.or(journey_think),
        };
        prepared.uses_random = prepared
            .templates()
            .iter()
            .any(|t| t.pattern().contains("{random}"));
        Ok(prepared)
    }

    /// Every template the request is rendered from.
    fn templates(&self) -> Vec<&Template> {
        let mut templates: Vec<&Template> = vec![&self.path];
        templates.extend(self.headers.iter().map(|(_, t)| t));
        if let Some(auth) = &self.basic_auth {
            templates.extend([&auth.user, &auth.password]);
        }
        match &self.body {
            Some(plan::Body::Json(json)) => templates.extend(json.templates()),
            Some(plan::Body::Text(t)) => templates.push(t),
            Some(plan::Body::Form(fields)) => templates.extend(fields.iter().map(|(_, t)| t)),
            Some(plan::Body::Multipart(parts)) => {
                templates.extend(parts.iter().filter_map(|p| match &p.content {
                    plan::PartContent::Value(t) => Some(t),
                    plan::PartContent::File { .. } => None,
                }));
            }
            Some(plan::Body::File { .. }) | None => {}
        }
        templates
    }

    /// Whether the body of this step's responses is kept (a check or an extraction reads it).
    #[cfg(test)]
    pub(crate) fn keeps_body(&self) -> bool {
        self.needs_body
    }

    /// Feeder names this step reads (`${feeder.column}`), for taking rows only where used.
    pub(crate) fn feeders_used(&self, into: &mut HashSet<String>) {
        for t in self.templates() {
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
        jar: &Jar,
        scope: &(dyn Scope + Sync),
        rng: &mut impl rand::Rng,
        hop: Option<&Uri>,
    ) -> Result<(Request<Body>, u64), String> {
        let mut path = String::with_capacity(base.prefix.len() + 64);
        path.push_str(&base.prefix);
        self.path
            .render(scope, rng, Escape::UrlComponent, &mut path)
            .map_err(|e| format!("path: {e}"))?;
        let uri = match hop {
            Some(next) => next.clone(),
            None => base
                .uri(path)
                .map_err(|_| "path: the rendered path is not a valid URI path".to_string())?,
        };
        // Read before the URI moves into the request; an empty jar costs nothing.
        let cookie = if self.cookies && !jar.is_empty() {
            jar.header_for(&uri)
        } else {
            None
        };
        let mut builder = Request::builder().method(self.method.clone()).uri(uri);
        let headers = builder.headers_mut().expect("a fresh builder has headers");
        match hop.and_then(Uri::authority) {
            Some(a) => {
                let h = HeaderValue::from_str(a.as_str()).map_err(|_| "redirect: bad host")?;
                headers.insert(HOST, h);
            }
            None => {
                headers.insert(HOST, host.clone());
            }
        }
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
        if let Some(v) = &self.accept_encoding {
            headers.insert(ACCEPT_ENCODING, v.clone());
        }
        if let Some(auth) = &self.basic_auth {
            headers.insert(AUTHORIZATION, basic_auth_header(auth, scope, rng)?);
        }
        if let Some(cookie) = cookie
            && !headers.contains_key(COOKIE)
        {
            headers.insert(COOKIE, cookie);
        }
        let body = match &self.body {
            None => Bytes::new(),
            Some(plan::Body::Json(json)) => {
                let value = render_json(json, scope, rng).map_err(|e| format!("json body: {e}"))?;
                default_content_type(headers, HeaderValue::from_static("application/json"));
                Bytes::from(serde_json::to_vec(&value).map_err(|e| format!("json body: {e}"))?)
            }
            Some(plan::Body::Text(t)) => Bytes::from(
                t.render_string(scope, rng, Escape::None)
                    .map_err(|e| format!("body: {e}"))?,
            ),
            Some(plan::Body::Form(fields)) => {
                default_content_type(
                    headers,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                form_body(fields, scope, rng)?
            }
            Some(plan::Body::Multipart(parts)) => {
                let ct = format!("multipart/form-data; boundary={}", self.boundary);
                let ct = HeaderValue::from_str(&ct).map_err(|_| "multipart: bad boundary")?;
                default_content_type(headers, ct);
                multipart_body(parts, &self.boundary, scope, rng)?
            }
            Some(plan::Body::File {
                bytes,
                content_type,
            }) => {
                if let Ok(ct) = HeaderValue::from_str(content_type) {
                    default_content_type(headers, ct);
                }
                bytes.clone()
            }
        };
        let bytes_out = body.len() as u64;
        let req = builder
            .body(Body::new(body))
            .map_err(|e| format!("request: {e}"))?;
        Ok((req, bytes_out))
    }

    /// Runs the step once: returns the sample and the extracted values to store. Cookies the
    /// responses set go into `jar` (when the target keeps cookies).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn execute<R: rand::Rng + Clone>(
        &self,
        client: &HttpClient,
        conn: &mut super::client::Conn,
        jar: &mut Jar,
        base: &BaseUrl,
        host: &HeaderValue,
        cache: &CacheReader,
        scope: &(dyn Scope + Sync),
        rng: &mut R,
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
            redirects: 0,
        };
        // A redirect rebuilds the request; with random values in it, from the same draws.
        let replay = (self.max_redirects > 0 && self.uses_random).then(|| rng.clone());
        let (req, bytes_out) = match self.build(base, host, jar, scope, rng, None) {
            Ok(built) => built,
            Err(message) => {
                sample.error = Some((ErrorKind::Template, message));
                return (sample, Vec::new());
            }
        };
        sample.bytes_out = bytes_out;
        let sent = Instant::now();
        let mut result = client.send(conn, req, self.needs_body).await;
        // A response that sets no cookie and redirects nowhere costs two header checks here.
        if let Ok(resp) = &result
            && ((self.cookies && resp.headers.contains_key(SET_COOKIE))
                || (self.max_redirects > 0 && redirect::is_redirect(resp.status)))
        {
            let chain = Chain {
                jar,
                base,
                host,
                scope,
                replay,
            };
            if let Some(error) = self
                .follow(client, conn, chain, &mut result, &mut sample)
                .await
            {
                result = Err(error);
            }
        }
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
        sample.bytes_in += resp.bytes_in;
        sample.cache = cache.outcome(&resp);
        if let Some(error) = self.status_failure(resp.status) {
            sample.error = Some(error);
            return (sample, Vec::new());
        }
        match self.check_and_extract(resp) {
            Ok(extracted) => (sample, extracted),
            Err(error) => {
                sample.error = Some(error);
                (sample, Vec::new())
            }
        }
    }

    /// Keeps the cookies of the response in `result` and follows the redirects it starts, up to
    /// the step's limit: `result` ends as the chain's last response; the bytes of the responses
    /// before it and the hops are added to `sample`. Returns a failure that ends the chain (a bad
    /// `Location`, too many hops).
    async fn follow<R: rand::Rng + Clone>(
        &self,
        client: &HttpClient,
        conn: &mut super::client::Conn,
        chain: Chain<'_, R>,
        result: &mut Result<Response, ClientError>,
        sample: &mut Sample,
    ) -> Option<ClientError> {
        let Chain {
            jar,
            base,
            host,
            scope,
            replay,
        } = chain;
        let mut method = self.method.clone();
        let mut keep_body = true;
        let mut same_origin = true;
        loop {
            let Ok(resp) = &*result else { return None };
            if self.cookies {
                jar.store_from(&resp.uri, &resp.headers);
            }
            if self.max_redirects == 0 || !redirect::is_redirect(resp.status) {
                return None;
            }
            let hop = match redirect::next_hop(&resp.uri, &method, resp.status, &resp.headers)? {
                Ok(hop) => hop,
                Err(message) => return Some(ClientError::new(ErrorKind::Other, message)),
            };
            if sample.redirects >= self.max_redirects {
                return Some(ClientError::new(
                    ErrorKind::Other,
                    format!(
                        "more than {} redirects (the limit: [target] redirects)",
                        self.max_redirects
                    ),
                ));
            }
            sample.redirects += 1;
            sample.bytes_in += resp.bytes_in;
            method = hop.method;
            keep_body &= hop.keep_body;
            same_origin &= !hop.cross_origin;
            let mut again = replay.clone();
            let built = match &mut again {
                Some(rng) => self.build(base, host, jar, scope, rng, Some(&hop.uri)),
                // Nothing random in the request: any generator renders the same.
                None => {
                    let mut any = rand::rngs::StdRng::seed_from_u64(0);
                    self.build(base, host, jar, scope, &mut any, Some(&hop.uri))
                }
            };
            let Ok((mut req, bytes_out)) = built else {
                return Some(ClientError::new(
                    ErrorKind::Other,
                    "the request could not be rebuilt for the redirect",
                ));
            };
            *req.method_mut() = method.clone();
            let headers = req.headers_mut();
            if !same_origin {
                // The user's credentials stay with the origin they were written for; the jar
                // (already asked for this URI) sends only the cookies that belong there.
                headers.remove(AUTHORIZATION);
                headers.remove(COOKIE);
                if self.cookies
                    && let Some(cookie) = jar.header_for(&hop.uri)
                {
                    headers.insert(COOKIE, cookie);
                }
            }
            if keep_body {
                sample.bytes_out += bytes_out;
            } else {
                headers.remove(CONTENT_TYPE);
                *req.body_mut() = Body::new(Bytes::new());
            }
            *result = client.send(conn, req, self.needs_body).await;
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

    /// The step's checks and extractions, on the body decoded (when one of them reads it).
    fn check_and_extract(
        &self,
        mut resp: Response,
    ) -> Result<Vec<(String, Value)>, (ErrorKind, String)> {
        if self.checks.is_empty() && self.extract.is_empty() {
            return Ok(Vec::new());
        }
        if self.needs_body && !resp.body.is_empty() {
            resp.body = decode::decoded(&resp.headers, std::mem::take(&mut resp.body))
                .map_err(|e| (ErrorKind::Protocol, e))?;
        }
        let view = ResponseView::new(&resp);
        for c in &self.checks {
            checks::check(&view, c).map_err(|e| (ErrorKind::Check, e))?;
        }
        let mut extracted = Vec::with_capacity(self.extract.len());
        for (var, from) in &self.extract {
            let value = extract::extract(&view, from)
                .map_err(|e| (ErrorKind::Check, format!("extract {var}: {e}")))?;
            extracted.push((var.clone(), value));
        }
        Ok(extracted)
    }
}

/// What a redirect chain needs besides the step: where cookies go, where requests go, what
/// templates read, and the random generator as it was before the first request.
struct Chain<'a, R> {
    jar: &'a mut Jar,
    base: &'a BaseUrl,
    host: &'a HeaderValue,
    scope: &'a (dyn Scope + Sync),
    replay: Option<R>,
}

/// `Authorization: Basic base64(user:password)` (RFC 7617).
fn basic_auth_header(
    auth: &plan::BasicAuth,
    scope: &(dyn Scope + Sync),
    rng: &mut impl rand::Rng,
) -> Result<HeaderValue, String> {
    let mut plain = String::new();
    auth.user
        .render(scope, rng, Escape::None, &mut plain)
        .map_err(|e| format!("basic_auth user: {e}"))?;
    plain.push(':');
    auth.password
        .render(scope, rng, Escape::None, &mut plain)
        .map_err(|e| format!("basic_auth password: {e}"))?;
    let mut value = String::from("Basic ");
    base64::engine::general_purpose::STANDARD.encode_string(plain.as_bytes(), &mut value);
    let mut value = HeaderValue::from_str(&value).map_err(|_| "basic_auth: not a header value")?;
    value.set_sensitive(true);
    Ok(value)
}

/// Sets `Content-Type` unless the step's headers did.
fn default_content_type(headers: &mut HeaderMap, value: HeaderValue) {
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, value);
    }
}

/// An `application/x-www-form-urlencoded` body.
fn form_body(
    fields: &[(String, Template)],
    scope: &(dyn Scope + Sync),
    rng: &mut impl rand::Rng,
) -> Result<Bytes, String> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    let mut value = String::new();
    for (name, template) in fields {
        value.clear();
        template
            .render(scope, rng, Escape::None, &mut value)
            .map_err(|e| format!("form field {name}: {e}"))?;
        form.append_pair(name, &value);
    }
    Ok(Bytes::from(form.finish()))
}

/// A `multipart/form-data` body (RFC 7578) with `boundary` between its parts.
fn multipart_body(
    parts: &[plan::MultipartPart],
    boundary: &str,
    scope: &(dyn Scope + Sync),
    rng: &mut impl rand::Rng,
) -> Result<Bytes, String> {
    // Quotes and line breaks in names are percent-encoded, as browsers do (WHATWG HTML).
    let quoted = |s: &str| {
        s.replace('"', "%22")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let mut out = BytesMut::new();
    let mut value = String::new();
    for part in parts {
        out.put_slice(b"--");
        out.put_slice(boundary.as_bytes());
        out.put_slice(b"\r\nContent-Disposition: form-data; name=\"");
        out.put_slice(quoted(&part.name).as_bytes());
        out.put_slice(b"\"");
        match &part.content {
            plan::PartContent::Value(template) => {
                value.clear();
                template
                    .render(scope, rng, Escape::None, &mut value)
                    .map_err(|e| format!("multipart part {}: {e}", part.name))?;
                out.put_slice(b"\r\n\r\n");
                out.put_slice(value.as_bytes());
            }
            plan::PartContent::File {
                filename,
                content_type,
                bytes,
            } => {
                out.put_slice(b"; filename=\"");
                out.put_slice(quoted(filename).as_bytes());
                out.put_slice(b"\"\r\nContent-Type: ");
                out.put_slice(content_type.as_bytes());
                out.put_slice(b"\r\n\r\n");
                out.put_slice(bytes);
            }
        }
        out.put_slice(b"\r\n");
    }
    out.put_slice(b"--");
    out.put_slice(boundary.as_bytes());
    out.put_slice(b"--\r\n");
    Ok(out.freeze())
}

fn render_json(
    json: &JsonTemplate,
    scope: &(dyn Scope + Sync),
    rng: &mut impl rand::Rng,
) -> Result<Value, crate::scenario::template::TemplateError> {
    json.render(scope, rng)
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
