//! Templates for paths, headers and bodies: `${name}` placeholders filled per request from
//! extracted variables, feeder columns and random helpers. Parsed once when the scenario loads, so
//! a typo in a placeholder is a load error, and rendering on the hot path is a cheap walk over parts.
//!
//! Syntax:
//! - `${name}`: a variable (from `[variables]` or a step's `extract`);
//! - `${feeder.column}`: a column of the current row of a feeder;
//! - `${env.NAME}`: an environment variable, resolved once at load (a secret: never written out);
//! - `${random.int(1, 100)}`, `${random.pick(a, b, c)}`, `${random.alnum(8)}`,
//!   `${random.date(30, 90)}` (a `YYYY-MM-DD` date 30 to 90 days from today, UTC): random helpers;
//! - `$${` writes a literal `${`.

use std::fmt::Write as _;

use rand::Rng;
use serde_json::Value;

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Literal(String),
    /// A variable or `feeder.column`.
    Var(String),
    /// An environment variable not yet resolved (see [`Template::resolve_env`]).
    Env(String),
    RandomInt(i64, i64),
    RandomPick(Vec<String>),
    RandomAlnum(usize),
    /// A date this many days from today (UTC), inclusive; negative for the past.
    RandomDate(i64, i64),
}

/// The furthest `random.date` reaches either way, in days (about a century).
const MAX_DATE_DAYS: i64 = 36_500;

/// `YYYY-MM-DD` of the UTC day `days` from today.
fn date_from_today(days: i64) -> String {
    let shift = std::time::Duration::from_secs(days.unsigned_abs() * 86_400);
    let now = std::time::SystemTime::now();
    let when = if days >= 0 { now + shift } else { now - shift };
    humantime::format_rfc3339_seconds(when).to_string()[..10].to_string()
}

/// Why a template could not be parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unclosed placeholder: '${{' at offset {0} has no matching '}}'")]
    Unclosed(usize),
    #[error("empty placeholder '${{}}'")]
    Empty,
    #[error(
        "unknown helper '{0}': expected random.int(MIN, MAX), random.pick(A, B, ...), random.alnum(LEN) or random.date(MIN_DAYS, MAX_DAYS)"
    )]
    UnknownHelper(String),
    #[error("bad arguments in '{0}': {1}")]
    BadArguments(String, String),
    #[error("environment variable '{0}' is not set")]
    MissingEnv(String),
    #[error("variable '{0}' has no value yet (is it extracted by an earlier step?)")]
    MissingVar(String),
}

/// Where values come from when rendering.
pub trait Scope {
    /// The value of a variable (`name`) or feeder column (`feeder.column`).
    fn lookup(&self, name: &str) -> Option<&Value>;
}

impl Scope for std::collections::HashMap<String, Value> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// How substituted values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// As they are (headers, text bodies).
    None,
    /// Percent-encoded as a URL component (paths and query strings).
    UrlComponent,
}

impl Template {
    /// Parses template text.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(pos) = rest.find("${") {
            if pos > 0 && rest[..pos].ends_with('$') {
                // `$${` is an escaped `${`.
                literal.push_str(&rest[..pos - 1]);
                literal.push_str("${");
                offset += pos + 2;
                rest = &rest[pos + 2..];
                continue;
            }
            literal.push_str(&rest[..pos]);
            let after = &rest[pos + 2..];
            let end = after
                .find('}')
                .ok_or(TemplateError::Unclosed(offset + pos))?;
            let inner = after[..end].trim();
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(parse_placeholder(inner)?);
            offset += pos + 2 + end + 1;
            rest = &after[end + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    /// A template that renders to this text exactly.
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Literal(text.to_string())],
        }
    }

    /// Names of the variables and feeder columns this template reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// The template with each placeholder shown as `{name}` (`{random}` for helpers), e.g.
    /// `/api/contacts/{id}`: how a step's default endpoint name is made.
    pub fn pattern(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Var(name) => {
                    let _ = write!(out, "{{{name}}}");
                }
                Part::Env(name) => {
                    let _ = write!(out, "{{env.{name}}}");
                }
                Part::RandomInt(..)
                | Part::RandomPick(_)
                | Part::RandomAlnum(_)
                | Part::RandomDate(..) => out.push_str("{random}"),
            }
        }
        out
    }

    /// Names of the environment variables this template reads.
    pub fn env_vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Env(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// Replaces `${env.NAME}` by the variable's value; every value used is pushed to `secrets`.
    pub fn resolve_env(
        &mut self,
        env: impl Fn(&str) -> Option<String>,
        secrets: &mut Vec<String>,
    ) -> Result<(), TemplateError> {
        for part in &mut self.parts {
            if let Part::Env(name) = part {
                let value = env(name).ok_or_else(|| TemplateError::MissingEnv(name.clone()))?;
                secrets.push(value.clone());
                *part = Part::Literal(value);
            }
        }
        Ok(())
    }

    /// True when the template is a single placeholder such as `"${id}"`, so a JSON body keeps the
    /// value's own type (a number stays a number).
    fn single_var(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Var(name)] => Some(name),
            _ => None,
        }
    }

    /// Renders into `out`.
    pub fn render(
        &self,
        scope: &dyn Scope,
        rng: &mut impl Rng,
        escape: Escape,
        out: &mut String,
    ) -> Result<(), TemplateError> {
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Var(name) => {
                    let value = scope
                        .lookup(name)
                        .ok_or_else(|| TemplateError::MissingVar(name.clone()))?;
                    match value {
                        Value::String(s) => push_escaped(out, s, escape),
                        other => push_escaped(out, &other.to_string(), escape),
                    }
                }
                Part::Env(name) => return Err(TemplateError::MissingEnv(name.clone())),
                Part::RandomInt(lo, hi) => {
                    let _ = write!(out, "{}", rng.random_range(*lo..=*hi));
                }
                Part::RandomPick(items) => {
                    let item = &items[rng.random_range(0..items.len())];
                    push_escaped(out, item, escape);
                }
                Part::RandomAlnum(len) => {
                    for _ in 0..*len {
                        out.push(rng.sample(rand::distr::Alphanumeric) as char);
                    }
                }
                Part::RandomDate(lo, hi) => {
                    out.push_str(&date_from_today(rng.random_range(*lo..=*hi)));
                }
            }
        }
        Ok(())
    }

    /// Renders to a new string.
    pub fn render_string(
        &self,
        scope: &dyn Scope,
        rng: &mut impl Rng,
        escape: Escape,
    ) -> Result<String, TemplateError> {
        let mut out = String::new();
        self.render(scope, rng, escape, &mut out)?;
        Ok(out)
    }
}

fn parse_placeholder(inner: &str) -> Result<Part, TemplateError> {
    if inner.is_empty() {
        return Err(TemplateError::Empty);
    }
    if let Some(name) = inner.strip_prefix("env.") {
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(TemplateError::BadArguments(
                inner.to_string(),
                "an environment variable name is letters, digits and '_'".into(),
            ));
        }
        return Ok(Part::Env(name.to_string()));
    }
    let Some(call) = inner.strip_prefix("random.") else {
        return Ok(Part::Var(inner.to_string()));
    };
    let (helper, args) = match call.split_once('(') {
        Some((helper, rest)) => {
            let args = rest
                .strip_suffix(')')
                .ok_or_else(|| TemplateError::BadArguments(inner.into(), "missing ')'".into()))?;
            (helper.trim(), args)
        }
        None => return Err(TemplateError::UnknownHelper(inner.to_string())),
    };
    let args: Vec<String> = args
        .split(',')
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    let bad = |why: &str| TemplateError::BadArguments(inner.to_string(), why.to_string());
    match helper {
        "int" => {
            let [lo, hi] = args.as_slice() else {
                return Err(bad("expected two integers, MIN and MAX"));
            };
            let lo: i64 = lo.parse().map_err(|_| bad("MIN is not an integer"))?;
            let hi: i64 = hi.parse().map_err(|_| bad("MAX is not an integer"))?;
            if lo > hi {
                return Err(bad("MIN is greater than MAX"));
            }
            Ok(Part::RandomInt(lo, hi))
        }
        "pick" => {
            if args.is_empty() {
                return Err(bad("expected at least one item"));
            }
            Ok(Part::RandomPick(args))
        }
        "alnum" => {
            let [len] = args.as_slice() else {
                return Err(bad("expected one length"));
            };
            let len: usize = len.parse().map_err(|_| bad("LEN is not a number"))?;
            if len == 0 || len > 256 {
                return Err(bad("LEN must be between 1 and 256"));
            }
            Ok(Part::RandomAlnum(len))
        }
        "date" => {
            let [lo, hi] = args.as_slice() else {
                return Err(bad(
                    "expected two day counts, MIN_DAYS and MAX_DAYS from today",
                ));
            };
            let lo: i64 = lo.parse().map_err(|_| bad("MIN_DAYS is not an integer"))?;
            let hi: i64 = hi.parse().map_err(|_| bad("MAX_DAYS is not an integer"))?;
            if lo > hi {
                return Err(bad("MIN_DAYS is greater than MAX_DAYS"));
            }
            if lo.abs() > MAX_DATE_DAYS || hi.abs() > MAX_DATE_DAYS {
                return Err(bad("days from today must be within ±36500"));
            }
            Ok(Part::RandomDate(lo, hi))
        }
        _ => Err(TemplateError::UnknownHelper(inner.to_string())),
    }
}

fn push_escaped(out: &mut String, value: &str, escape: Escape) {
    match escape {
        Escape::None => out.push_str(value),
        Escape::UrlComponent => {
            for byte in value.bytes() {
                if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                    out.push(byte as char);
                } else {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
        }
    }
}

/// A JSON body whose strings are templates.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonTemplate {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(String, JsonTemplate)>),
}

impl JsonTemplate {
    /// Builds a template from a JSON value, parsing every string.
    pub fn from_value(value: &Value) -> Result<JsonTemplate, TemplateError> {
        Ok(match value {
            Value::Null => JsonTemplate::Null,
            Value::Bool(b) => JsonTemplate::Bool(*b),
            Value::Number(n) => JsonTemplate::Number(n.clone()),
            Value::String(s) => JsonTemplate::String(Template::parse(s)?),
            Value::Array(items) => JsonTemplate::Array(
                items
                    .iter()
                    .map(JsonTemplate::from_value)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => JsonTemplate::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), JsonTemplate::from_value(v)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
        })
    }

    /// Every template inside, for validation.
    pub fn templates(&self) -> Vec<&Template> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Template>) {
        match self {
            JsonTemplate::String(t) => out.push(t),
            JsonTemplate::Array(items) => items.iter().for_each(|i| i.collect(out)),
            JsonTemplate::Object(fields) => fields.iter().for_each(|(_, v)| v.collect(out)),
            _ => {}
        }
    }

    /// Mutable access to every template inside, e.g. to resolve environment variables.
    pub fn templates_mut(&mut self) -> Vec<&mut Template> {
        let mut out = Vec::new();
        self.collect_mut(&mut out);
        out
    }

    fn collect_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Template>) {
        match self {
            JsonTemplate::String(t) => out.push(t),
            JsonTemplate::Array(items) => items.iter_mut().for_each(|i| i.collect_mut(out)),
            JsonTemplate::Object(fields) => fields.iter_mut().for_each(|(_, v)| v.collect_mut(out)),
            _ => {}
        }
    }

    /// Renders to a JSON value; a string that is one placeholder keeps the value's JSON type.
    pub fn render(&self, scope: &dyn Scope, rng: &mut impl Rng) -> Result<Value, TemplateError> {
        Ok(match self {
            JsonTemplate::Null => Value::Null,
            JsonTemplate::Bool(b) => Value::Bool(*b),
            JsonTemplate::Number(n) => Value::Number(n.clone()),
            JsonTemplate::String(t) => match (t.single_var(), t.parts.as_slice()) {
                (Some(name), _) => scope
                    .lookup(name)
                    .cloned()
                    .ok_or_else(|| TemplateError::MissingVar(name.to_string()))?,
                // `"${random.int(1, 9)}"` alone is an integer, like a variable holding one.
                (None, [Part::RandomInt(lo, hi)]) => Value::from(rng.random_range(*lo..=*hi)),
                (None, _) => Value::String(t.render_string(scope, rng, Escape::None)?),
            },
            JsonTemplate::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| i.render(scope, rng))
                    .collect::<Result<_, _>>()?,
            ),
            JsonTemplate::Object(fields) => {
                let mut map = serde_json::Map::new();
                for (k, v) in fields {
                    map.insert(k.clone(), v.render(scope, rng)?);
                }
                Value::Object(map)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn scope() -> HashMap<String, Value> {
        let mut s = HashMap::new();
        s.insert("id".into(), Value::from(42));
        s.insert("terms.term".into(), Value::from("acme corp"));
        s
    }

    #[test]
    fn renders_variables_feeders_and_escapes() {
        let mut rng = rand::rng();
        let t = Template::parse("/api/contacts/${id}?q=${terms.term}&x=$${lit}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["id", "terms.term"]);
        let out = t
            .render_string(&scope(), &mut rng, Escape::UrlComponent)
            .unwrap();
        assert_eq!(out, "/api/contacts/42?q=acme%20corp&x=${lit}");
        assert_eq!(
            Template::parse("/c/${id}/${random.int(1, 2)}")
                .unwrap()
                .pattern(),
            "/c/{id}/{random}"
        );
    }

    #[test]
    fn random_helpers_stay_in_range() {
        let mut rng = rand::rng();
        let t = Template::parse("${random.int(3, 5)}-${random.pick(a, b)}").unwrap();
        for _ in 0..50 {
            let out = t.render_string(&scope(), &mut rng, Escape::None).unwrap();
            let (n, p) = out.split_once('-').unwrap();
            assert!((3..=5).contains(&n.parse::<i64>().unwrap()));
            assert!(p == "a" || p == "b");
        }
        assert!(matches!(
            Template::parse("${random.int(5, 3)}"),
            Err(TemplateError::BadArguments(..))
        ));
        assert!(matches!(
            Template::parse("${random.dice}"),
            Err(TemplateError::UnknownHelper(_))
        ));
        assert_eq!(Template::parse("abc ${x"), Err(TemplateError::Unclosed(4)));
    }

    #[test]
    fn random_dates_fall_in_their_window_of_days_from_today() {
        let mut rng = rand::rng();
        let t = Template::parse("${random.date(30, 31)}").unwrap();
        let (day30, day31) = (date_from_today(30), date_from_today(31));
        for _ in 0..20 {
            let out = t.render_string(&scope(), &mut rng, Escape::None).unwrap();
            assert!(out == day30 || out == day31, "{out} not {day30} or {day31}");
        }
        // Dates compare as text: the past before today before the future.
        let today = date_from_today(0);
        assert_eq!(today.len(), 10);
        assert!(date_from_today(-1) < today && today < date_from_today(1));
        for bad in [
            "${random.date(9, 3)}",
            "${random.date(1)}",
            "${random.date(0, 99999)}",
        ] {
            assert!(
                matches!(Template::parse(bad), Err(TemplateError::BadArguments(..))),
                "{bad}"
            );
        }
    }

    #[test]
    fn env_values_are_resolved_and_kept_as_secrets() {
        let mut t = Template::parse("Bearer ${env.TOKEN}").unwrap();
        let mut secrets = Vec::new();
        t.resolve_env(|_| Some("s3cret".into()), &mut secrets)
            .unwrap();
        assert_eq!(secrets, ["s3cret"]);
        let mut rng = rand::rng();
        let out = t.render_string(&scope(), &mut rng, Escape::None).unwrap();
        assert_eq!(out, "Bearer s3cret");
        assert!(matches!(
            Template::parse("${env.}"),
            Err(TemplateError::BadArguments(..))
        ));
        let mut missing = Template::parse("${env.NOPE}").unwrap();
        assert_eq!(
            missing.resolve_env(|_| None, &mut secrets),
            Err(TemplateError::MissingEnv("NOPE".into()))
        );
    }

    #[test]
    fn json_keeps_types_of_single_placeholders() {
        let mut rng = rand::rng();
        let value =
            serde_json::json!({"contact_id": "${id}", "note": "call ${id}", "n": [1, true]});
        let t = JsonTemplate::from_value(&value).unwrap();
        let out = t.render(&scope(), &mut rng).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"contact_id": 42, "note": "call 42", "n": [1, true]})
        );
        let value =
            serde_json::json!({"amount": "${random.int(7, 7)}", "ref": "r${random.int(7, 7)}"});
        let out = JsonTemplate::from_value(&value)
            .unwrap()
            .render(&scope(), &mut rng)
            .unwrap();
        assert_eq!(out, serde_json::json!({"amount": 7, "ref": "r7"}));
    }
}
