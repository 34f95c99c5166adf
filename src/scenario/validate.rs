//! From raw structs to a [`Plan`]: range checks, cross-references and defaults, every problem
//! recorded with the span of the offending key so all of them can be reported at once. Sections
//! with more to check live beside it: [`super::target`], [`super::load_model`],
//! [`super::journeys`] (and the thresholds' grammar in [`super::threshold`]).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::error::{Diagnostics, did_you_mean, key_segment};
use super::feeder::read_feeder;
use super::journeys::validate_journeys;
use super::load_model::load;
use super::plan::{CacheSpec, Feeder, FeederOrder, Plan, ScenarioKind, TargetKind};
use super::raw::{RawCache, RawOrder, RawScenario, SpannedMap};
use super::regression::regression;
use super::target::target;
use super::template::Template;
use super::threshold::parse_threshold;
use super::values::DurationValue;

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
    pub fn positive(&mut self, value: &Spanned<DurationValue>, key: &str) -> Duration {
        let d = value.get_ref().0;
        if d.is_zero() {
            self.err(value.span(), key, "must be greater than zero");
        }
        d
    }

    /// An integer in `min..=max`.
    pub fn int_in(&mut self, value: &Spanned<i64>, key: &str, min: i64, max: i64) -> u32 {
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
    let mut cache = cache(ctx, &raw.cache);
    // The target's `/metrics` is read by default only from the bundled SalesHub, which has one;
    // another service is scraped only when the scenario names its metrics path.
    if raw.cache.metrics_path.is_none()
        && !matches!(
            target.as_ref().map(|t| &t.kind),
            Some(TargetKind::Bundled(_))
        )
    {
        cache.metrics_path = None;
    }
    let journeys = validate_journeys(ctx, raw.journeys.as_ref(), &variables, &feeders);
    let regression = raw
        .regression
        .as_ref()
        .and_then(|r| regression(ctx, r, load.as_ref()));

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

    let mut outputs = Vec::new();
    for (i, o) in raw.output.iter().enumerate() {
        match o.get_ref().parse::<super::output::OutputTarget>() {
            Ok(o) => outputs.push(o),
            Err(e) => ctx.err(o.span(), &format!("output[{i}]"), e),
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
        regression,
        outputs,
    })
}

pub(crate) fn valid_header_name(name: &str) -> bool {
    reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
