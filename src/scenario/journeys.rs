//! Journeys and steps: methods, paths, headers, bodies, checks, extraction and think time, and the
//! scope rule for variables. A placeholder may read a scenario variable, a feeder column, or a
//! variable extracted earlier: by an earlier step of the same journey, or by a setup journey
//! (setup journeys run first, in file order, and what they extract is visible to the others).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use super::body::{basic_auth, body_file, form, multipart};
use super::error::did_you_mean;
use super::extract::{extraction, header_name, pattern};
use super::plan::{Body, Check, Feeder, Journey, Step, ThinkTime};
use super::raw::{RawCheck, RawJourney, RawStep};
use super::template::{JsonTemplate, Template};
use super::validate::{Ctx, check_name, join, valid_header_name};
use super::values::ThinkTimeValue;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

type Journeys = Spanned<Vec<Spanned<RawJourney>>>;

/// What placeholders can refer to while checking one step.
struct Scope<'a> {
    /// Scenario variables and variables extracted so far.
    known: BTreeSet<String>,
    feeders: &'a BTreeMap<String, Feeder>,
    /// Every variable some step extracts, with that step's key: to explain a reference that is
    /// defined, but later or elsewhere.
    extracted_by: &'a BTreeMap<String, String>,
}

impl Scope<'_> {
    /// Records a diagnostic for every placeholder of `t` that has no value at this point.
    fn check(&self, ctx: &mut Ctx, t: &Template, span: Range<usize>, key: &str) {
        for var in t.variables() {
            if let Some(message) = self.problem(var) {
                ctx.err(span.clone(), key, message);
            }
        }
    }

    fn problem(&self, var: &str) -> Option<String> {
        if let Some((feeder, column)) = var.split_once('.') {
            let Some(f) = self.feeders.get(feeder) else {
                let mut m = format!("`${{{var}}}`: there is no feeder `{feeder}`");
                if let Some(best) = did_you_mean(feeder, self.feeders.keys().map(String::as_str)) {
                    m.push_str(&format!(": did you mean `{best}`?"));
                } else if self.feeders.is_empty() {
                    m.push_str(" (no [feeders] are defined)");
                }
                return Some(m);
            };
            if f.columns.iter().any(|c| c == column) {
                return None;
            }
            let mut m = format!("`${{{var}}}`: feeder `{feeder}` has no column `{column}`");
            if let Some(best) = did_you_mean(column, f.columns.iter().map(String::as_str)) {
                m.push_str(&format!(": did you mean `{best}`?"));
            }
            m.push_str(&format!(
                " (columns of '{}': {})",
                f.path.display(),
                f.columns.join(", ")
            ));
            return Some(m);
        }
        if self.known.contains(var) {
            return None;
        }
        let mut m = format!("unknown variable `{var}` in `${{{var}}}`");
        if let Some(by) = self.extracted_by.get(var) {
            m = format!(
                "variable `{var}` has no value here: it is extracted by `{by}`, which does not run before this step (setup journeys and earlier steps of this journey do)"
            );
        } else if let Some(best) = did_you_mean(var, self.known.iter().map(String::as_str)) {
            m.push_str(&format!(": did you mean `{best}`?"));
        } else if self.known.is_empty() {
            m.push_str(" (no variables are defined: see [variables] and `extract`)");
        } else {
            let known: Vec<&str> = self.known.iter().map(String::as_str).collect();
            m.push_str(&format!(" (known here: {})", known.join(", ")));
        }
        Some(m)
    }
}

/// Validates every journey; setup journeys are checked first so their extractions are in scope.
pub(crate) fn validate_journeys(
    ctx: &mut Ctx,
    raw: Option<&Journeys>,
    variables: &BTreeMap<String, Template>,
    feeders: &BTreeMap<String, Feeder>,
) -> Vec<Journey> {
    let Some(raw) = raw.filter(|j| !j.get_ref().is_empty()) else {
        let span = raw.map_or(0..0, Spanned::span);
        ctx.err(span, "journeys", "a scenario needs at least one journey: add a [[journeys]] table with [[journeys.steps]]");
        return Vec::new();
    };
    let journeys = raw.get_ref();
    let mut extracted_by = BTreeMap::new();
    for (i, j) in journeys.iter().enumerate() {
        for (s, step) in j
            .get_ref()
            .steps
            .iter()
            .flat_map(|s| s.get_ref().iter())
            .enumerate()
        {
            for var in step.get_ref().extract.keys() {
                extracted_by
                    .entry(var.clone())
                    .or_insert_with(|| format!("journeys[{i}].steps[{s}]"));
            }
        }
    }
    if journeys.iter().all(|j| j.get_ref().setup) {
        ctx.err(raw.span(), "journeys", "every journey is a setup journey: add at least one journey without `setup = true` to run as the load");
    }

    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut endpoints: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut setup_known: BTreeSet<String> = variables.keys().cloned().collect();
    let mut out: Vec<Option<Journey>> = (0..journeys.len()).map(|_| None).collect();
    let order = (0..journeys.len())
        .filter(|&i| journeys[i].get_ref().setup)
        .chain((0..journeys.len()).filter(|&i| !journeys[i].get_ref().setup));
    for i in order {
        let j = journeys[i].get_ref();
        let key = format!("journeys[{i}]");
        let name = j.name.get_ref().trim();
        if name.is_empty() {
            ctx.err(j.name.span(), &format!("{key}.name"), "must not be empty");
        } else if let Some(first) = names.insert(name, i) {
            ctx.err(
                j.name.span(),
                &format!("{key}.name"),
                format!("duplicate journey name `{name}` (also journeys[{first}])"),
            );
        }
        let mut scope = Scope {
            known: setup_known.clone(),
            feeders,
            extracted_by: &extracted_by,
        };
        out[i] = journey(ctx, &journeys[i], &key, &mut scope, &mut endpoints);
        if j.setup {
            setup_known = scope.known;
        }
    }
    out.into_iter().flatten().collect()
}

fn journey(
    ctx: &mut Ctx,
    raw: &Spanned<RawJourney>,
    key: &str,
    scope: &mut Scope,
    endpoints: &mut BTreeMap<String, (String, String)>,
) -> Option<Journey> {
    let j = raw.get_ref();
    let weight = match &j.weight {
        Some(w) if j.setup => {
            ctx.err(
                w.span(),
                &format!("{key}.weight"),
                "a setup journey runs once, before the load: `weight` has no effect on it",
            );
            1
        }
        Some(w) => {
            let v = *w.get_ref();
            if v < 1 {
                ctx.err(
                    w.span(),
                    &format!("{key}.weight"),
                    format!("{v} is out of range: a weight must be at least 1"),
                );
            } else if v > i64::from(u32::MAX) {
                ctx.err(
                    w.span(),
                    &format!("{key}.weight"),
                    format!("{v} is out of range: expected at most {}", u32::MAX),
                );
            }
            u32::try_from(v).unwrap_or(1)
        }
        None => 1,
    };
    let think_time = j.think_time.as_ref().map(|t| think(t.get_ref()));
    let Some(steps) = j.steps.as_ref().filter(|s| !s.get_ref().is_empty()) else {
        let span = j.steps.as_ref().map_or_else(|| raw.span(), Spanned::span);
        ctx.err(
            span,
            &format!("{key}.steps"),
            "a journey needs at least one step: add a [[journeys.steps]] table with a `path`",
        );
        return None;
    };
    let mut out = Vec::new();
    for (s, raw_step) in steps.get_ref().iter().enumerate() {
        if let Some(step) = step(
            ctx,
            raw_step,
            &format!("{key}.steps[{s}]"),
            scope,
            endpoints,
        ) {
            out.push(step);
        }
    }
    Some(Journey {
        name: j.name.get_ref().trim().to_string(),
        weight,
        setup: j.setup,
        think_time,
        steps: out,
    })
}

fn think(t: &ThinkTimeValue) -> ThinkTime {
    ThinkTime {
        min: t.min,
        max: t.max,
    }
}

fn step(
    ctx: &mut Ctx,
    raw: &Spanned<RawStep>,
    key: &str,
    scope: &mut Scope,
    endpoints: &mut BTreeMap<String, (String, String)>,
) -> Option<Step> {
    let s = raw.get_ref();
    let method = match &s.method {
        None => "GET".to_string(),
        Some(m) => {
            let upper = m.get_ref().trim().to_ascii_uppercase();
            if !METHODS.contains(&upper.as_str()) {
                ctx.err(
                    m.span(),
                    &format!("{key}.method"),
                    format!(
                        "unknown method '{}': expected one of {}",
                        m.get_ref(),
                        METHODS.join(", ")
                    ),
                );
            }
            upper
        }
    };
    let path_key = format!("{key}.path");
    // The default endpoint name comes from the unresolved path, so no environment value leaks.
    let pattern = Template::parse(s.path.get_ref())
        .map(|t| t.pattern())
        .unwrap_or_default();
    let path = ctx.template(s.path.get_ref(), s.path.span(), &path_key);
    if let Some(p) = &path {
        if !pattern.starts_with('/') {
            ctx.err(s.path.span(), &path_key, format!("'{}' must start with '/': paths are joined to the target's URL, e.g. \"/api/contacts/${{id}}\"", s.path.get_ref()));
        }
        scope.check(ctx, p, s.path.span(), &path_key);
    }

    let mut headers = Vec::new();
    for (name, value) in &s.headers {
        let hkey = join(&format!("{key}.headers"), name);
        if !valid_header_name(name) {
            ctx.err(
                value.span(),
                &hkey,
                format!("`{name}` is not a valid header name"),
            );
        } else if let Some(t) = ctx.template(value.get_ref(), value.span(), &hkey) {
            scope.check(ctx, &t, value.span(), &hkey);
            headers.push((name.clone(), t));
        }
    }

    let body = step_body(ctx, s, key, scope);
    let basic_auth = s.basic_auth.as_ref().and_then(|a| {
        let check = |ctx: &mut Ctx, t: &Template, span: Range<usize>, k: &str| {
            scope.check(ctx, t, span, k);
        };
        basic_auth(ctx, a, &format!("{key}.basic_auth"), &s.headers, &check)
    });

    let checks = s
        .checks
        .iter()
        .enumerate()
        .filter_map(|(i, c)| check(ctx, c, &format!("{key}.checks[{i}]")))
        .collect();

    let mut extract = Vec::new();
    for (var, raw) in &s.extract {
        let ekey = join(&format!("{key}.extract"), var);
        if !check_name(ctx, var, raw.span(), &ekey, "variable") {
            continue;
        }
        if scope.feeders.contains_key(var) {
            ctx.err(
                raw.span(),
                &ekey,
                format!("`{var}` is also a feeder name: `${{{var}.column}}` would be ambiguous"),
            );
            continue;
        }
        if let Some(e) = extraction(ctx, raw, &ekey) {
            extract.push((var.clone(), e));
        }
    }
    // Extracted values are visible from the next step on, not in this step's own request.
    scope.known.extend(extract.iter().map(|(v, _)| v.clone()));

    let name = match &s.name {
        Some(n) if n.get_ref().trim().is_empty() => {
            ctx.err(
                n.span(),
                &format!("{key}.name"),
                "must not be empty (leave it out for the default, METHOD PATH)",
            );
            return None;
        }
        Some(n) => n.get_ref().trim().to_string(),
        None => {
            let path_only = pattern.split('?').next().unwrap_or_default();
            format!("{method} {path_only}")
        }
    };
    let name_span = s.name.as_ref().map_or_else(|| s.path.span(), Spanned::span);
    match endpoints.get(&name) {
        Some((other, at)) if *other != method => {
            ctx.err(name_span, &format!("{key}.name"), format!("endpoint `{name}` is already a {other} endpoint ({at}): results are grouped by name, so give this {method} step another `name`"));
        }
        Some(_) => {}
        None => {
            endpoints.insert(name.clone(), (method.clone(), key.to_string()));
        }
    }

    Some(Step {
        name,
        method,
        path: path?,
        headers,
        body,
        basic_auth,
        follow_redirects: s.follow_redirects.as_ref().is_none_or(|f| *f.get_ref()),
        checks,
        extract,
        think_time: s.think_time.as_ref().map(|t| think(t.get_ref())),
    })
}

/// The step's body: at most one of `json`, `body`, `form`, `multipart` and `body_file`.
fn step_body(ctx: &mut Ctx, s: &RawStep, key: &str, scope: &Scope) -> Option<Body> {
    let given: Vec<(&str, Range<usize>)> = [
        ("json", s.json.as_ref().map(Spanned::span)),
        ("body", s.body.as_ref().map(Spanned::span)),
        ("form", s.form.as_ref().map(Spanned::span)),
        ("multipart", s.multipart.as_ref().map(Spanned::span)),
        ("body_file", s.body_file.as_ref().map(Spanned::span)),
    ]
    .into_iter()
    .filter_map(|(name, span)| span.map(|sp| (name, sp)))
    .collect();
    if let [(first, _), (second, span), ..] = given.as_slice() {
        ctx.err(
            span.clone(),
            &format!("{key}.{second}"),
            format!("give one body: `{first}` or `{second}`, not both (a step sends one of `json`, `body`, `form`, `multipart`, `body_file`)"),
        );
        return None;
    }
    let check =
        |ctx: &mut Ctx, t: &Template, span: Range<usize>, k: &str| scope.check(ctx, t, span, k);
    if let Some(json) = &s.json {
        return json_template(
            ctx,
            json.get_ref(),
            json.span(),
            &format!("{key}.json"),
            scope,
        )
        .map(Body::Json);
    }
    if let Some(text) = &s.body {
        let bkey = format!("{key}.body");
        return ctx.template(text.get_ref(), text.span(), &bkey).map(|t| {
            scope.check(ctx, &t, text.span(), &bkey);
            Body::Text(t)
        });
    }
    if let Some(f) = &s.form {
        return form(ctx, f, &format!("{key}.form"), &check);
    }
    if let Some(m) = &s.multipart {
        return multipart(ctx, m, &format!("{key}.multipart"), &check);
    }
    s.body_file
        .as_ref()
        .and_then(|f| body_file(ctx, f, &format!("{key}.body_file")))
}

fn check(ctx: &mut Ctx, raw: &Spanned<RawCheck>, key: &str) -> Option<Check> {
    let c = raw.get_ref();
    let kinds = [
        c.status.is_some(),
        c.json.is_some(),
        c.body_contains.is_some(),
        c.header.is_some(),
        c.regex.is_some(),
    ];
    match kinds.iter().filter(|k| **k).count() {
        0 => {
            ctx.err(raw.span(), key, "a check needs one of `status`, `json` or `header` (with `equals` or `exists`), `body_contains` or `regex`");
            return None;
        }
        1 => {}
        _ => {
            ctx.err(raw.span(), key, "a check tests one thing: split `status`, `json`, `header`, `body_contains` and `regex` into separate checks");
            return None;
        }
    }
    if c.json.is_none() && c.header.is_none() {
        for (name, span) in [
            ("equals", c.equals.as_ref().map(Spanned::span)),
            ("exists", c.exists.as_ref().map(Spanned::span)),
        ] {
            if let Some(span) = span {
                ctx.err(
                    span,
                    &format!("{key}.{name}"),
                    format!("`{name}` goes with `json = \"/pointer\"` or `header = \"Name\"`"),
                );
                return None;
            }
        }
    }
    if let (Some(_), Some(e)) = (&c.equals, &c.exists) {
        ctx.err(
            e.span(),
            &format!("{key}.exists"),
            "give either `equals` or `exists`, not both",
        );
        return None;
    }
    if let Some(text) = &c.regex {
        return pattern(ctx, text, &format!("{key}.regex")).map(Check::BodyRegex);
    }
    if let Some(header) = &c.header {
        let name = header_name(ctx, header, &format!("{key}.header"))?;
        return match &c.equals {
            Some(value) => match value.get_ref() {
                toml::Value::String(text) => Some(Check::HeaderEquals {
                    name,
                    value: text.clone(),
                }),
                _ => {
                    ctx.err(
                        value.span(),
                        &format!("{key}.equals"),
                        "a header's value is text: write it as a string, e.g. equals = \"no-cache\"",
                    );
                    None
                }
            },
            None => Some(Check::HeaderExists {
                name,
                exists: c.exists.as_ref().is_none_or(|e| *e.get_ref()),
            }),
        };
    }
    if let Some(status) = &c.status {
        let codes = &status.get_ref().0;
        if codes.is_empty() {
            ctx.err(
                status.span(),
                &format!("{key}.status"),
                "must list at least one status code",
            );
            return None;
        }
        if let Some(bad) = codes.iter().find(|c| !(100..=599).contains(*c)) {
            ctx.err(
                status.span(),
                &format!("{key}.status"),
                format!("{bad} is not an HTTP status code: expected 100 to 599"),
            );
            return None;
        }
        return Some(Check::Status(codes.iter().map(|c| *c as u16).collect()));
    }
    if let Some(text) = &c.body_contains {
        if text.get_ref().is_empty() {
            ctx.err(
                text.span(),
                &format!("{key}.body_contains"),
                "must not be empty",
            );
            return None;
        }
        return Some(Check::BodyContains(text.get_ref().clone()));
    }
    let pointer = c.json.as_ref()?;
    if let Err(e) = check_pointer(pointer.get_ref()) {
        ctx.err(pointer.span(), &format!("{key}.json"), e);
        return None;
    }
    let pointer = pointer.get_ref().clone();
    match (&c.equals, &c.exists) {
        (Some(value), _) => match toml_to_json(value.get_ref()) {
            Ok(value) => Some(Check::JsonEquals { pointer, value }),
            Err(e) => {
                ctx.err(value.span(), &format!("{key}.equals"), e);
                None
            }
        },
        (None, exists) => Some(Check::JsonExists {
            pointer,
            exists: exists.as_ref().is_none_or(|e| *e.get_ref()),
        }),
    }
}

/// Checks RFC 6901 syntax: empty (the whole document) or `/`-separated tokens, `~` only as `~0`/`~1`.
pub(crate) fn check_pointer(pointer: &str) -> Result<(), String> {
    if pointer.is_empty() {
        return Ok(());
    }
    if !pointer.starts_with('/') {
        return Err(format!(
            "'{pointer}' is not a JSON pointer: it must start with '/', e.g. \"/data/0/id\" (or be \"\" for the whole body)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err(format!(
                "'{pointer}' is not a valid JSON pointer: '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')"
            ));
        }
    }
    Ok(())
}

/// A TOML value as JSON (datetimes become strings).
fn toml_to_json(value: &toml::Value) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .ok_or_else(|| format!("{f} cannot be written in JSON"))?,
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => {
            J::Array(items.iter().map(toml_to_json).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| Ok((k.clone(), toml_to_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// A JSON body template; strings are templates. Problems are reported at the `json` key with the
/// path inside the body appended (`journeys[0].steps[1].json.contact.name`).
fn json_template(
    ctx: &mut Ctx,
    value: &toml::Value,
    span: Range<usize>,
    key: &str,
    scope: &Scope,
) -> Option<JsonTemplate> {
    Some(match value {
        toml::Value::String(s) => {
            let t = ctx.template(s, span.clone(), key)?;
            scope.check(ctx, &t, span, key);
            JsonTemplate::String(t)
        }
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match json_template(ctx, item, span.clone(), &format!("{key}[{i}]"), scope) {
                    Some(t) => out.push(t),
                    None => ok = false,
                }
            }
            ok.then_some(JsonTemplate::Array(out))?
        }
        toml::Value::Table(table) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (k, v) in table {
                match json_template(ctx, v, span.clone(), &join(key, k), scope) {
                    Some(t) => out.push((k.clone(), t)),
                    None => ok = false,
                }
            }
            ok.then_some(JsonTemplate::Object(out))?
        }
        other => match toml_to_json(other) {
            Ok(serde_json::Value::Bool(b)) => JsonTemplate::Bool(b),
            Ok(serde_json::Value::Number(n)) => JsonTemplate::Number(n),
            Ok(serde_json::Value::String(s)) => JsonTemplate::String(Template::literal(&s)),
            Ok(_) => JsonTemplate::Null,
            Err(e) => {
                ctx.err(span, key, e);
                return None;
            }
        },
    })
}
