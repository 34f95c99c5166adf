//! From raw structs to a [`Plan`]: range checks, cross-references and defaults, every problem
//! recorded with the span of the offending key so all of them can be reported at once. The
//! journeys and steps are checked in [`super::journeys`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::error::{Diagnostics, did_you_mean, key_segment};
use super::feeder::read_feeder;
use super::journeys::validate_journeys;
use super::plan::{
    BundledCache, BundledSpec, CacheSpec, Feeder, FeederOrder, LoadModel, LoadSpec, Plan,
    RateStage, ScenarioKind, TargetKind, TargetSpec, UserStage,
};
use super::raw::{
    RawBundled, RawBundledCache, RawCache, RawLoad, RawModel, RawOrder, RawScenario, RawStage,
    RawTarget, SpannedMap,
};
use super::template::Template;
use super::threshold::parse_threshold;
use super::values::{DurationValue, LoadLevel, parse_rate};

/// Request timeout when the scenario sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Open-model cap on iterations in flight when the scenario sets none.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 1000;
/// Upper bound for users, connections and the in-flight cap: far beyond one generator, low enough
/// to catch a typo such as an extra zero or two.
const MAX_CONCURRENCY: i64 = 1_000_000;
/// Names placeholders reserve (`${env.X}`, `${random.int(..)}`).
const RESERVED: &[&str] = &["env", "random"];

/// Shared state of one validation: the diagnostics, the environment and the secrets found in it.
pub(crate) struct Ctx<'a> {
    pub d: Diagnostics<'a>,
    env: &'a dyn Fn(&str) -> Option<String>,
    pub secrets: Vec<String>,
    /// The scenario file's directory; relative file paths are resolved against it.
    pub base_dir: PathBuf,
}

impl<'a> Ctx<'a> {
    pub fn new(
        d: Diagnostics<'a>,
        env: &'a dyn Fn(&str) -> Option<String>,
        base_dir: PathBuf,
    ) -> Self {
        Ctx {
            d,
            env,
            secrets: Vec::new(),
            base_dir,
        }
    }

    pub fn err(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.d.push(span, key, message);
    }

    /// Parses a template and resolves its `${env.NAME}` references (values become secrets).
    /// Records a diagnostic and returns `None` when it is malformed or a variable is not set.
    pub fn template(&mut self, text: &str, span: Range<usize>, key: &str) -> Option<Template> {
        let mut t = match Template::parse(text) {
            Ok(t) => t,
            Err(e) => {
                self.err(span, key, e.to_string());
                return None;
            }
        };
        let env = self.env;
        let missing: Vec<String> = t
            .env_vars()
            .filter(|n| env(n).is_none())
            .map(str::to_string)
            .collect();
        for name in &missing {
            // Name the variable, never a value: environment values are secrets.
            self.err(
                span.clone(),
                key,
                format!(
                    "environment variable `{name}` is not set (referenced as `${{env.{name}}}`)"
                ),
            );
        }
        if !missing.is_empty() {
            return None;
        }
        t.resolve_env(env, &mut self.secrets).ok()?;
        Some(t)
    }

    /// A duration that must be above zero.
    fn positive(&mut self, value: &Spanned<DurationValue>, key: &str) -> Duration {
        let d = value.get_ref().0;
        if d.is_zero() {
            self.err(value.span(), key, "must be greater than zero");
        }
        d
    }

    /// An integer in `min..=max`.
    fn int_in(&mut self, value: &Spanned<i64>, key: &str, min: i64, max: i64) -> u32 {
        let v = *value.get_ref();
        if v < min || v > max {
            let what = if v < min && min == 1 {
                "must be at least 1".to_string()
            } else {
                format!("{v} is out of range: expected {min} to {max}")
            };
            self.err(value.span(), key, what);
        }
        u32::try_from(v.clamp(0, i64::from(u32::MAX))).unwrap_or(0)
    }
}

/// A key path below `parent`.
pub(crate) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key_segment(key)
    } else {
        format!("{parent}.{}", key_segment(key))
    }
}

/// Checks a variable, feeder or extraction name: an identifier, not reserved.
pub(crate) fn check_name(
    ctx: &mut Ctx,
    name: &str,
    span: Range<usize>,
    key: &str,
    what: &str,
) -> bool {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident {
        ctx.err(span, key, format!("`{name}` is not a valid {what} name: use letters, digits and '_', starting with a letter"));
        false
    } else if RESERVED.contains(&name) {
        ctx.err(span, key, format!("`{name}` is reserved (placeholders `${{env.NAME}}` and `${{random...}}`): choose another {what} name"));
        false
    } else {
        true
    }
}

/// Validates a whole scenario. `None` when any diagnostic was recorded.
pub(crate) fn validate(raw: RawScenario, ctx: &mut Ctx, file: &Path, bytes: &[u8]) -> Option<Plan> {
    let kind = raw
        .kind
        .as_ref()
        .map_or(ScenarioKind::Custom, |k| *k.get_ref());
    let name = match &raw.name {
        Some(n) if n.get_ref().trim().is_empty() => {
            ctx.err(n.span(), "name", "must not be empty");
            String::new()
        }
        Some(n) => n.get_ref().trim().to_string(),
        None => file
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned()),
    };
    let variables = variables(ctx, &raw.variables);
    let target = target(ctx, &raw.target, &variables);
    let load = load(ctx, &raw.load);
    let feeders = feeders(ctx, &raw);
    let cache = cache(ctx, &raw.cache);
    let journeys = validate_journeys(ctx, raw.journeys.as_ref(), &variables, &feeders);

    let mut thresholds = Vec::new();
    for (i, t) in raw.thresholds.iter().enumerate() {
        match parse_threshold(t.get_ref(), kind, None) {
            Ok(t) => thresholds.push(t),
            Err(e) => ctx.err(t.span(), &format!("thresholds[{i}]"), e),
        }
    }
    let endpoints: Vec<String> = journeys
        .iter()
        .flat_map(|j| &j.steps)
        .map(|s| s.name.clone())
        .collect();
    for (endpoint, list) in &raw.endpoint_thresholds {
        let key = join("endpoint_thresholds", endpoint);
        if !endpoints.contains(endpoint) {
            let mut m = format!("no step has the endpoint name `{endpoint}`");
            if let Some(best) = did_you_mean(endpoint, endpoints.iter().map(String::as_str)) {
                m.push_str(&format!(": did you mean `{best}`?"));
            } else if !journeys.is_empty() {
                let mut known = endpoints.clone();
                known.dedup();
                m.push_str(&format!(" (endpoints: {})", known.join(", ")));
            }
            ctx.err(list.span(), &key, m);
            continue;
        }
        for (i, t) in list.get_ref().iter().enumerate() {
            match parse_threshold(t.get_ref(), kind, Some(endpoint)) {
                Ok(t) => thresholds.push(t),
                Err(e) => ctx.err(t.span(), &format!("{key}[{i}]"), e),
            }
        }
    }

    if !ctx.d.is_empty() {
        return None;
    }
    let mut secrets = std::mem::take(&mut ctx.secrets);
    secrets.sort();
    secrets.dedup();
    Some(Plan {
        name,
        description: raw.description.trim().to_string(),
        kind,
        source: Some(file.to_path_buf()),
        source_sha256: sha256_hex(bytes),
        target: target?,
        load: load?,
        journeys,
        feeders,
        variables,
        cache,
        thresholds,
        secrets,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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

pub(crate) fn valid_header_name(name: &str) -> bool {
    reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
}

fn target(
    ctx: &mut Ctx,
    raw: &Spanned<RawTarget>,
    variables: &BTreeMap<String, Template>,
) -> Option<TargetSpec> {
    let t = raw.get_ref();
    let timeout = t
        .timeout
        .as_ref()
        .map_or(DEFAULT_TIMEOUT, |v| ctx.positive(v, "target.timeout"));
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
    Some(TargetSpec {
        kind,
        timeout,
        headers,
        pid,
    })
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

fn bundled_options(ctx: &mut Ctx, o: &super::raw::RawBundledOptions) -> BundledSpec {
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
    BundledSpec {
        cache: match o.cache.as_ref().map(|c| *c.get_ref()) {
            None | Some(RawBundledCache::Redis) => BundledCache::Redis,
            Some(RawBundledCache::Memory) => BundledCache::Memory,
            Some(RawBundledCache::Off) => BundledCache::Off,
        },
        seed_config,
        inject_delay: o.inject_delay.as_ref().map(|d| d.get_ref().0),
        inject_error_rate: o.inject_error_rate.as_ref().map(|r| r.get_ref().0),
        stall_every,
        stall_for,
    }
}

/// A `[load]` key, where it is written, and the models it applies to.
type ModelKey<'a> = (&'a str, Option<Range<usize>>, &'a [RawModel]);

fn load(ctx: &mut Ctx, raw: &Spanned<RawLoad>) -> Option<LoadSpec> {
    let l = raw.get_ref();
    let model = l.model.as_ref().map_or(RawModel::Open, |m| *m.get_ref());
    let warmup = l.warmup.as_ref().map_or(Duration::ZERO, |w| w.get_ref().0);
    // Keys that belong to another model are errors, not silently ignored.
    let foreign: [ModelKey; 5] = [
        (
            "rate",
            l.rate.as_ref().map(Spanned::span),
            &[RawModel::Open],
        ),
        (
            "users",
            l.users.as_ref().map(Spanned::span),
            &[RawModel::Closed],
        ),
        (
            "connections",
            l.connections.as_ref().map(Spanned::span),
            &[RawModel::Throughput],
        ),
        (
            "max_in_flight",
            l.max_in_flight.as_ref().map(Spanned::span),
            &[RawModel::Open],
        ),
        (
            "stages",
            l.stages.as_ref().map(Spanned::span),
            &[RawModel::Open, RawModel::Closed],
        ),
    ];
    let mut ok = true;
    for (key, span, models) in foreign {
        if let Some(span) = span
            && !models.contains(&model)
        {
            let names: Vec<&str> = models.iter().map(|m| m.name()).collect();
            ctx.err(
                span,
                &join("load", key),
                format!(
                    "`{key}` applies to the {} model, and this load has model = \"{}\"",
                    names.join(" and "),
                    model.name()
                ),
            );
            ok = false;
        }
    }
    let duration = l
        .duration
        .as_ref()
        .map(|d| ctx.positive(d, "load.duration"));
    let model = match model {
        RawModel::Open => {
            let max_in_flight = l.max_in_flight.as_ref().map_or(DEFAULT_MAX_IN_FLIGHT, |m| {
                ctx.int_in(m, "load.max_in_flight", 1, MAX_CONCURRENCY)
            });
            let stages = match (&l.stages, &l.rate) {
                (Some(stages), None) => open_stages(ctx, stages, l.duration.as_ref()),
                (None, Some(rate)) => {
                    let r = rate.get_ref().0;
                    if r <= 0.0 {
                        ctx.err(rate.span(), "load.rate", "must be greater than zero");
                    }
                    vec![RateStage {
                        duration: need_duration(ctx, raw, duration)?,
                        start_rate: r,
                        end_rate: r,
                    }]
                }
                (Some(s), Some(_)) => {
                    ctx.err(
                        s.span(),
                        "load.stages",
                        "give either `rate` and `duration`, or `stages`, not both",
                    );
                    return None;
                }
                (None, None) => {
                    ctx.err(raw.span(), "load", "the open model needs `rate` and `duration` (e.g. rate = \"200/s\", duration = \"1m\"), or `stages`");
                    return None;
                }
            };
            LoadModel::Open {
                stages,
                max_in_flight,
            }
        }
        RawModel::Closed => {
            let stages = match (&l.stages, &l.users) {
                (Some(stages), None) => closed_stages(ctx, stages, l.duration.as_ref()),
                (None, Some(users)) => {
                    let u = ctx.int_in(users, "load.users", 1, MAX_CONCURRENCY);
                    vec![UserStage {
                        duration: need_duration(ctx, raw, duration)?,
                        start_users: u,
                        end_users: u,
                    }]
                }
                (Some(s), Some(_)) => {
                    ctx.err(
                        s.span(),
                        "load.stages",
                        "give either `users` and `duration`, or `stages`, not both",
                    );
                    return None;
                }
                (None, None) => {
                    ctx.err(raw.span(), "load", "the closed model needs `users` and `duration` (e.g. users = 20, duration = \"1m\"), or `stages`");
                    return None;
                }
            };
            LoadModel::Closed { stages }
        }
        RawModel::Throughput => {
            let Some(connections) = &l.connections else {
                ctx.err(raw.span(), "load", "the throughput model needs `connections` and `duration` (e.g. connections = 64, duration = \"15s\")");
                return None;
            };
            let connections = ctx.int_in(connections, "load.connections", 1, MAX_CONCURRENCY);
            LoadModel::Throughput {
                connections,
                duration: need_duration(ctx, raw, duration)?,
            }
        }
    };
    ok.then_some(LoadSpec { model, warmup })
}

fn need_duration(
    ctx: &mut Ctx,
    raw: &Spanned<RawLoad>,
    duration: Option<Duration>,
) -> Option<Duration> {
    if duration.is_none() {
        ctx.err(
            raw.span(),
            "load",
            "missing `duration`: how long the load lasts, e.g. duration = \"1m\"",
        );
    }
    duration
}

fn stages_common(
    ctx: &mut Ctx,
    stages: &Spanned<Vec<Spanned<RawStage>>>,
    duration: Option<&Spanned<DurationValue>>,
) {
    if let Some(d) = duration {
        ctx.err(
            d.span(),
            "load.duration",
            "with `stages`, each stage has its own `duration`: remove this one",
        );
    }
    if stages.get_ref().is_empty() {
        ctx.err(stages.span(), "load.stages", "must have at least one stage");
    }
}

fn open_stages(
    ctx: &mut Ctx,
    stages: &Spanned<Vec<Spanned<RawStage>>>,
    duration: Option<&Spanned<DurationValue>>,
) -> Vec<RateStage> {
    stages_common(ctx, stages, duration);
    let mut out = Vec::new();
    let mut previous = 0.0;
    for (i, s) in stages.get_ref().iter().enumerate() {
        let key = format!("load.stages[{i}]");
        let raw = s.get_ref();
        let duration = ctx.positive(&raw.duration, &format!("{key}.duration"));
        if let Some(u) = &raw.users {
            ctx.err(u.span(), &format!("{key}.users"), "`users` is for the closed model; open-model stages take `rate`, or `from`/`to` rates");
        }
        let level = |ctx: &mut Ctx, v: &Spanned<LoadLevel>, k: &str| -> f64 {
            match v.get_ref() {
                LoadLevel::Rate(text) => parse_rate(text).map(|r| r.0).unwrap_or_else(|e| {
                    ctx.err(v.span(), &format!("{key}.{k}"), e);
                    0.0
                }),
                LoadLevel::Count(n) => {
                    ctx.err(
                        v.span(),
                        &format!("{key}.{k}"),
                        format!("expected a rate such as \"{n}/s\": this is the open model"),
                    );
                    0.0
                }
            }
        };
        let (start, end) = match (&raw.rate, &raw.from, &raw.to) {
            (Some(rate), None, None) => {
                let r = rate.get_ref().0;
                if r <= 0.0 {
                    ctx.err(
                        rate.span(),
                        &format!("{key}.rate"),
                        "must be greater than zero (a pause in the load distorts every figure)",
                    );
                }
                (r, r)
            }
            (None, from, Some(to)) => {
                let start = from.as_ref().map_or(previous, |f| level(ctx, f, "from"));
                let end = level(ctx, to, "to");
                if start <= 0.0 && end <= 0.0 {
                    ctx.err(
                        to.span(),
                        &format!("{key}.to"),
                        "a ramp from zero to zero sends nothing: one end must be above zero",
                    );
                }
                (start, end)
            }
            _ => {
                ctx.err(s.span(), &key, "a stage takes either `rate` (hold), or `to` with an optional `from` (ramp from the previous stage's rate)");
                continue;
            }
        };
        previous = end;
        out.push(RateStage {
            duration,
            start_rate: start,
            end_rate: end,
        });
    }
    out
}

fn closed_stages(
    ctx: &mut Ctx,
    stages: &Spanned<Vec<Spanned<RawStage>>>,
    duration: Option<&Spanned<DurationValue>>,
) -> Vec<UserStage> {
    stages_common(ctx, stages, duration);
    let mut out = Vec::new();
    let mut previous = 0;
    for (i, s) in stages.get_ref().iter().enumerate() {
        let key = format!("load.stages[{i}]");
        let raw = s.get_ref();
        let duration = ctx.positive(&raw.duration, &format!("{key}.duration"));
        if let Some(r) = &raw.rate {
            ctx.err(r.span(), &format!("{key}.rate"), "`rate` is for the open model; closed-model stages take `users`, or `from`/`to` user counts");
        }
        let level = |ctx: &mut Ctx, v: &Spanned<LoadLevel>, k: &str| -> u32 {
            match v.get_ref() {
                LoadLevel::Count(n) if (0..=MAX_CONCURRENCY).contains(n) => {
                    u32::try_from(*n).unwrap_or(0)
                }
                LoadLevel::Count(n) => {
                    ctx.err(
                        v.span(),
                        &format!("{key}.{k}"),
                        format!("{n} is out of range: expected 0 to {MAX_CONCURRENCY} users"),
                    );
                    0
                }
                LoadLevel::Rate(text) => {
                    ctx.err(
                        v.span(),
                        &format!("{key}.{k}"),
                        format!(
                            "expected a number of users, not '{text}': this is the closed model"
                        ),
                    );
                    0
                }
            }
        };
        let (start, end) = match (&raw.users, &raw.from, &raw.to) {
            (Some(users), None, None) => {
                let u = ctx.int_in(users, &format!("{key}.users"), 1, MAX_CONCURRENCY);
                (u, u)
            }
            (None, from, Some(to)) => {
                let start = from.as_ref().map_or(previous, |f| level(ctx, f, "from"));
                let end = level(ctx, to, "to");
                if start == 0 && end == 0 {
                    ctx.err(
                        to.span(),
                        &format!("{key}.to"),
                        "a ramp from zero to zero users sends nothing: one end must be above zero",
                    );
                }
                (start, end)
            }
            _ => {
                ctx.err(s.span(), &key, "a stage takes either `users` (hold), or `to` with an optional `from` (ramp from the previous stage's users)");
                continue;
            }
        };
        previous = end;
        out.push(UserStage {
            duration,
            start_users: start,
            end_users: end,
        });
    }
    out
}

fn variables(ctx: &mut Ctx, raw: &SpannedMap) -> BTreeMap<String, Template> {
    let mut out = BTreeMap::new();
    for (name, value) in raw {
        let key = join("variables", name);
        if !check_name(ctx, name, value.span(), &key, "variable") {
            continue;
        }
        let Some(t) = ctx.template(value.get_ref(), value.span(), &key) else {
            continue;
        };
        if let Some(var) = t.variables().next() {
            ctx.err(value.span(), &key, format!("`${{{var}}}`: scenario variables are rendered once at start, so they may use only `${{env.NAME}}` and `${{random...}}` helpers"));
            continue;
        }
        out.insert(name.clone(), t);
    }
    out
}

fn feeders(ctx: &mut Ctx, raw: &RawScenario) -> BTreeMap<String, Feeder> {
    let mut out = BTreeMap::new();
    for (name, feeder) in &raw.feeders {
        let key = join("feeders", name);
        if !check_name(ctx, name, feeder.span(), &key, "feeder") {
            continue;
        }
        if raw.variables.contains_key(name) {
            ctx.err(
                feeder.span(),
                &key,
                format!(
                    "`{name}` is also a variable name: `${{{name}.column}}` would be ambiguous"
                ),
            );
            continue;
        }
        let f = feeder.get_ref();
        let order = match f.order.as_ref().map(|o| *o.get_ref()) {
            None | Some(RawOrder::Sequential) => FeederOrder::Sequential,
            Some(RawOrder::Random) => FeederOrder::Random,
        };
        let path = ctx.base_dir.join(f.file.get_ref());
        match read_feeder(name, &path, order) {
            Ok(feeder) => {
                out.insert(name.clone(), feeder);
            }
            Err(e) => ctx.err(f.file.span(), &join(&key, "file"), e),
        }
    }
    out
}

fn cache(ctx: &mut Ctx, raw: &RawCache) -> CacheSpec {
    let mut spec = CacheSpec::default();
    if let Some(h) = &raw.header {
        let name = h.get_ref().trim();
        if name.is_empty() {
            spec.header = None;
        } else if !valid_header_name(name) {
            ctx.err(
                h.span(),
                "cache.header",
                format!(
                    "`{name}` is not a valid header name (use \"\" to turn header tracking off)"
                ),
            );
        } else {
            spec.header = Some(name.to_string());
        }
    }
    for (key, raw, slot) in [
        ("cache.hit_values", &raw.hit_values, &mut spec.hit_values),
        ("cache.miss_values", &raw.miss_values, &mut spec.miss_values),
    ] {
        if let Some(values) = raw {
            if values.get_ref().iter().all(|v| v.trim().is_empty()) {
                ctx.err(
                    values.span(),
                    key,
                    "must list at least one header value, e.g. [\"HIT\"]",
                );
            }
            *slot = values
                .get_ref()
                .iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
        }
    }
    if let Some(p) = &raw.metrics_path {
        let path = p.get_ref().trim();
        if path.is_empty() {
            spec.metrics_path = None;
        } else if !path.starts_with('/') {
            ctx.err(p.span(), "cache.metrics_path", format!("'{path}' must start with '/', e.g. \"/metrics\" (use \"\" to turn scraping off)"));
        } else {
            spec.metrics_path = Some(path.to_string());
        }
    }
    for (key, raw, slot) in [
        ("cache.hits_metric", &raw.hits_metric, &mut spec.hits_metric),
        (
            "cache.misses_metric",
            &raw.misses_metric,
            &mut spec.misses_metric,
        ),
    ] {
        if let Some(name) = raw {
            let n = name.get_ref().trim();
            let valid = n
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
            if valid {
                *slot = n.to_string();
            } else {
                ctx.err(
                    name.span(),
                    key,
                    format!("'{n}' is not a Prometheus metric name (letters, digits, '_' and ':')"),
                );
            }
        }
    }
    if let Some(every) = &raw.scrape_every {
        spec.scrape_every = ctx.positive(every, "cache.scrape_every");
    }
    spec
}
