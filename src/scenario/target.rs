//! `[target]`: a URL or the bundled SalesHub, the request timeout, headers sent with every
//! request, and the bundled target's options.

use std::collections::BTreeMap;

use toml::Spanned;

use super::body::basic_auth;
use super::plan::{
    BundledCache, BundledSpec, HttpSpec, HttpVersion, TargetKind, TargetSpec, TlsTrust,
};
use super::raw::{RawBundled, RawBundledCache, RawBundledOptions, RawTarget, SpannedMap};
use super::template::Template;
use super::validate::{Ctx, join, valid_header_name};

/// Request timeout when the scenario sets none.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Body bytes kept for checks and extraction when the scenario sets no `max_body`: far above any
/// page or API answer a step reads, far below what would hurt when many users read at once.
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;

/// HTTP/2 users or workers per connection when the scenario sets no `max_streams`: enough that
/// HTTP/2 runs multiplex, few enough that one connection's losses (every stream on it waits) and
/// the server's per-connection fairness do not dominate, and well under the 100 concurrent
/// streams RFC 9113 recommends servers allow (nginx: 128).
pub const DEFAULT_MAX_STREAMS: u32 = 10;

/// The largest `max_streams` accepted.
pub const MAX_STREAMS: u32 = 1000;

/// Headers sent with every request, including setup steps that run before anything is extracted:
/// so they may read scenario variables only.
fn target_headers(
    ctx: &mut Ctx,
    map: &SpannedMap,
    variables: &BTreeMap<String, Template>,
) -> Vec<(String, Template)> {
    let mut out = Vec::new();
    for (name, value) in map {
        let key = join("target.headers", name);
        if !valid_header_name(name) {
            ctx.err(
                value.span(),
                &key,
                format!("`{name}` is not a valid header name"),
            );
            continue;
        }
        let Some(t) = ctx.template(value.get_ref(), value.span(), &key) else {
            continue;
        };
        if let Some(var) = t.variables().find(|v| !variables.contains_key(*v)) {
            ctx.err(value.span(), &key, format!("`${{{var}}}` is not a scenario variable: target headers go with every request, so they may use only `[variables]`, `${{env.NAME}}` and `${{random...}}`; put it in the steps' headers instead"));
            continue;
        }
        out.push((name.clone(), t));
    }
    out
}

pub(crate) fn target(
    ctx: &mut Ctx,
    raw: &Spanned<RawTarget>,
    variables: &BTreeMap<String, Template>,
) -> Option<TargetSpec> {
    let t = raw.get_ref();
    let timeout = t
        .timeout
        .as_ref()
        .map_or(DEFAULT_TIMEOUT, |v| ctx.positive(v, "target.timeout"));
    let connect_timeout = connect_timeout(ctx, t, timeout);
    let max_body = match &t.max_body {
        None => DEFAULT_MAX_BODY,
        Some(v) if v.get_ref().0 == 0 => {
            ctx.err(v.span(), "target.max_body", "must be greater than zero");
            DEFAULT_MAX_BODY
        }
        Some(v) => usize::try_from(v.get_ref().0).unwrap_or(usize::MAX),
    };
    let headers = target_headers(ctx, &t.headers, variables);
    let pid = t
        .pid
        .as_ref()
        .map(|p| ctx.int_in(p, "target.pid", 1, i64::from(u32::MAX)));
    let bundled = match t.bundled.as_ref().map(|b| (b.get_ref(), b.span())) {
        None | Some((RawBundled::Enabled(false), _)) => None,
        Some((RawBundled::Enabled(true), _)) => Some(BundledSpec::default()),
        Some((RawBundled::Options(o), _)) => Some(bundled_options(ctx, o)),
    };
    let kind = match (&t.url, bundled) {
        (Some(url), None) => TargetKind::Url {
            base_url: base_url(ctx, url)?,
        },
        (None, Some(spec)) => {
            if let Some(pid) = &t.pid {
                ctx.err(pid.span(), "target.pid", "the bundled target's process is sampled already: `pid` is for a `url` target running on this machine");
            }
            TargetKind::Bundled(spec)
        }
        (Some(url), Some(_)) => {
            ctx.err(
                url.span(),
                "target.url",
                "give either `url` or `bundled`, not both",
            );
            return None;
        }
        (None, None) => {
            ctx.err(
                raw.span(),
                "target",
                "expected `url = \"http://host:port\"` or `bundled = true`",
            );
            return None;
        }
    };
    let tls = tls_trust(ctx, t, &kind);
    let http = http_spec(ctx, t, variables);
    let (http_version, max_streams) = http_version(ctx, t, &kind);
    Some(TargetSpec {
        kind,
        timeout,
        connect_timeout,
        max_body,
        headers,
        pid,
        tls,
        http,
        http_version,
        max_streams,
    })
}

/// Redirects a step may follow at most, whatever the scenario asks.
pub const MAX_REDIRECTS: i64 = 100;

/// `cookies`, `redirects`, `accept_encoding` and `basic_auth`.
fn http_spec(ctx: &mut Ctx, t: &RawTarget, variables: &BTreeMap<String, Template>) -> HttpSpec {
    let mut spec = HttpSpec::default();
    if let Some(c) = &t.cookies {
        spec.cookies = *c.get_ref();
    }
    if let Some(r) = &t.redirects {
        spec.redirects = ctx.int_in(r, "target.redirects", 0, MAX_REDIRECTS);
    }
    if let Some(a) = &t.accept_encoding {
        let v = a.get_ref().trim();
        if v.is_empty() {
            spec.accept_encoding = None;
        } else if http::HeaderValue::from_str(v).is_err() {
            ctx.err(
                a.span(),
                "target.accept_encoding",
                format!("'{v}' is not a valid header value: expected e.g. \"gzip, br\" (\"\" sends no Accept-Encoding)"),
            );
        } else {
            spec.accept_encoding = Some(v.to_string());
        }
    }
    if let Some(a) = &t.basic_auth {
        let only_variables = |ctx: &mut Ctx,
                              t: &Template,
                              span: std::ops::Range<usize>,
                              k: &str| {
            if let Some(var) = t.variables().find(|v| !variables.contains_key(*v)) {
                ctx.err(span, k, format!("`${{{var}}}` is not a scenario variable: the target's credentials go with every request, so they may use only `[variables]`, `${{env.NAME}}` and `${{random...}}`; put them in the steps' `basic_auth` instead"));
            }
        };
        spec.basic_auth = basic_auth(ctx, a, "target.basic_auth", &t.headers, &only_variables);
    }
    spec
}

/// `connect_timeout`: above zero and within the request timeout, which covers connecting too; the
/// request timeout when not set.
fn connect_timeout(
    ctx: &mut Ctx,
    t: &RawTarget,
    timeout: std::time::Duration,
) -> std::time::Duration {
    let Some(value) = &t.connect_timeout else {
        return timeout;
    };
    let d = ctx.positive(value, "target.connect_timeout");
    if d > timeout {
        ctx.err(
            value.span(),
            "target.connect_timeout",
            format!(
                "is longer than `timeout` ({}), which covers connecting too: make it shorter, or raise `timeout`",
                humantime::format_duration(timeout)
            ),
        );
    }
    d
}

/// `http` and `max_streams`. `max_streams` is an error where HTTP/2 cannot be spoken: with
/// `http = "1.1"`, and with `auto` on a plain http URL (which means HTTP/1.1 there).
fn http_version(ctx: &mut Ctx, t: &RawTarget, kind: &TargetKind) -> (HttpVersion, u32) {
    let http = match &t.http {
        None => HttpVersion::Auto,
        Some(v) => match v.get_ref().as_str() {
            "auto" => HttpVersion::Auto,
            "1.1" => HttpVersion::Http1,
            "2" => HttpVersion::Http2,
            other => {
                ctx.err(
                    v.span(),
                    "target.http",
                    format!(
                        "'{other}' is not an HTTP version: expected \"auto\", \"1.1\" or \"2\""
                    ),
                );
                HttpVersion::Auto
            }
        },
    };
    if let (Some(v), HttpVersion::Http2, TargetKind::Bundled(_)) = (&t.http, http, kind) {
        ctx.err(
            v.span(),
            "target.http",
            "the bundled SalesHub speaks HTTP/1.1 only: use `http = \"2\"` with a `url` target that serves HTTP/2",
        );
    }
    let Some(raw) = &t.max_streams else {
        return (http, DEFAULT_MAX_STREAMS);
    };
    let max_streams = ctx.int_in(raw, "target.max_streams", 1, i64::from(MAX_STREAMS));
    let plain = matches!(kind, TargetKind::Url { base_url } if base_url.starts_with("http://"))
        || matches!(kind, TargetKind::Bundled(_));
    match http {
        HttpVersion::Http1 => ctx.err(
            raw.span(),
            "target.max_streams",
            "applies to HTTP/2 only, and `http = \"1.1\"` sends one request at a time per connection",
        ),
        HttpVersion::Auto if plain => ctx.err(
            raw.span(),
            "target.max_streams",
            "applies to HTTP/2 only, and on a plain http URL `http = \"auto\"` means HTTP/1.1: set `http = \"2\"` for HTTP/2 with prior knowledge (h2c)",
        ),
        _ => {}
    }
    (http, max_streams)
}

/// `ca_file` / `insecure`: only for an https `url`, not both; the CA file is read and parsed now,
/// so a bad one is a scenario error, not a failed run.
fn tls_trust(ctx: &mut Ctx, t: &RawTarget, kind: &TargetKind) -> TlsTrust {
    let https = matches!(kind, TargetKind::Url { base_url } if base_url.starts_with("https://"));
    let insecure = t.insecure.as_ref().filter(|i| *i.get_ref());
    match (&t.ca_file, insecure) {
        (Some(file), Some(_)) => {
            ctx.err(
                file.span(),
                "target.ca_file",
                "give either `ca_file` or `insecure = true`, not both",
            );
            TlsTrust::Platform
        }
        (Some(file), None) if !https => {
            ctx.err(
                file.span(),
                "target.ca_file",
                "applies to an https `url` only",
            );
            TlsTrust::Platform
        }
        (None, Some(flag)) if !https => {
            ctx.err(
                flag.span(),
                "target.insecure",
                "applies to an https `url` only",
            );
            TlsTrust::Platform
        }
        (Some(file), None) => {
            let path = ctx.base_dir.join(file.get_ref());
            match read_ca_file(&path) {
                Ok(certs) => TlsTrust::CaFile { path, certs },
                Err(why) => {
                    ctx.err(file.span(), "target.ca_file", why);
                    TlsTrust::Platform
                }
            }
        }
        (None, Some(_)) => TlsTrust::Insecure,
        (None, None) => TlsTrust::Platform,
    }
}

/// The certificates of a PEM file (`-----BEGIN CERTIFICATE-----` blocks).
fn read_ca_file(
    path: &std::path::Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "cannot read '{}': {e} (paths are relative to the scenario file's directory)",
            path.display()
        )
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("'{}' is not a valid PEM file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "'{}' holds no certificate: expected PEM blocks starting with -----BEGIN CERTIFICATE-----",
            path.display()
        ));
    }
    Ok(certs)
}

fn base_url(ctx: &mut Ctx, url: &Spanned<String>) -> Option<String> {
    let text = url.get_ref().trim();
    let fail = |ctx: &mut Ctx, why: &str| {
        ctx.err(
            url.span(),
            "target.url",
            format!(
                "'{text}' {why}: expected an http or https URL such as \"http://127.0.0.1:8080\""
            ),
        );
        None
    };
    if text.contains("${") {
        return fail(
            ctx,
            "contains a placeholder (the target URL is not a template)",
        );
    }
    let Ok(parsed) = reqwest::Url::parse(text) else {
        return fail(ctx, "is not a URL");
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return fail(ctx, "is not an http(s) URL with a host");
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return fail(
            ctx,
            "has a query or fragment (put those in the steps' paths)",
        );
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return fail(
            ctx,
            "carries credentials (use a header with ${env.NAME} instead)",
        );
    }
    Some(parsed.as_str().trim_end_matches('/').to_string())
}

fn bundled_options(ctx: &mut Ctx, o: &RawBundledOptions) -> BundledSpec {
    let p = "target.bundled";
    let seed_config = o.seed_config.as_ref().and_then(|s| {
        let path = ctx.base_dir.join(s.get_ref());
        if path.is_file() {
            Some(path)
        } else {
            ctx.err(s.span(), &join(p, "seed_config"), format!("file '{}' does not exist (paths are relative to the scenario file's directory)", path.display()));
            None
        }
    });
    let stall_every = o
        .stall_every
        .as_ref()
        .map(|v| ctx.positive(v, "target.bundled.stall_every"));
    let stall_for = o
        .stall_for
        .as_ref()
        .map(|v| ctx.positive(v, "target.bundled.stall_for"));
    match (&o.stall_every, &o.stall_for) {
        (Some(v), None) => ctx.err(
            v.span(),
            "target.bundled.stall_every",
            "set `stall_for` too: how long each stall lasts",
        ),
        (None, Some(v)) => ctx.err(
            v.span(),
            "target.bundled.stall_for",
            "set `stall_every` too: how often the target stalls",
        ),
        _ => {}
    }
    let inject_delay_path = o.inject_delay_path.as_ref().and_then(|p| {
        let key = "target.bundled.inject_delay_path";
        if o.inject_delay.is_none() {
            ctx.err(
                p.span(),
                key,
                "set `inject_delay` too: the delay to add on this path",
            );
            None
        } else if !p.get_ref().starts_with('/') {
            ctx.err(
                p.span(),
                key,
                format!(
                    "'{}' is not a path prefix: start it with /, e.g. \"/api/search\"",
                    p.get_ref()
                ),
            );
            None
        } else {
            Some(p.get_ref().clone())
        }
    });
    BundledSpec {
        cache: match o.cache.as_ref().map(|c| *c.get_ref()) {
            None | Some(RawBundledCache::Redis) => BundledCache::Redis,
            Some(RawBundledCache::Memory) => BundledCache::Memory,
            Some(RawBundledCache::Off) => BundledCache::Off,
        },
        seed_config,
        inject_delay: o.inject_delay.as_ref().map(|d| d.get_ref().0),
        inject_delay_path,
        inject_error_rate: o.inject_error_rate.as_ref().map(|r| r.get_ref().0),
        stall_every,
        stall_for,
    }
}
