//! Deserialization of the TOML text into the raw structs, with serde errors turned into
//! diagnostics: the span toml reports becomes line:column, the path serde_path_to_error tracks
//! becomes the key, and "unknown field" messages get a "did you mean".

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use serde_path_to_error::Segment;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::error::{Diagnostics, improve_serde_message, key_segment};
use super::plan::ScenarioKind;
use super::raw::{
    RawCache, RawFeeder, RawJourney, RawLoad, RawRegression, RawScenario, RawTarget, SpannedMap,
};

/// Top-level keys holding plain values, easily written by mistake below a `[table]` header.
const TOP_LEVEL_VALUES: &[&str] = &["name", "description", "kind", "thresholds"];

/// Parses and deserializes a scenario; on failure records the errors and returns `None`.
///
/// serde stops at the first error, so when the whole file fails, each top-level section (and each
/// journey) is deserialized again on its own to report one error per section, not one per run of
/// `validate`.
pub(crate) fn parse(text: &str, diagnostics: &mut Diagnostics) -> Option<RawScenario> {
    let deserializer = match toml::Deserializer::parse(text) {
        Ok(d) => d,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            diagnostics.push(span, "", first_line(e.message()));
            return None;
        }
    };
    let whole = match serde_path_to_error::deserialize::<_, RawScenario>(deserializer) {
        Ok(raw) => return Some(raw),
        Err(err) => to_diagnostic(err, ""),
    };
    let mut found = vec![whole];
    if let Ok(root) = DeTable::parse(text) {
        let root = root.into_inner();
        for (key, what) in REQUIRED {
            if !root.contains_key(*key) {
                found.push((
                    0..0,
                    key.to_string(),
                    format!("missing required key `{key}`: {what}"),
                ));
            }
        }
        for (key, value) in root {
            probe_section(key.get_ref(), value, &mut found);
        }
    }
    // The whole-file pass and a section pass often find the same error; keep one (the longer
    // message says more).
    found.sort_by(|a, b| {
        (a.0.start, &a.1)
            .cmp(&(b.0.start, &b.1))
            .then(b.2.len().cmp(&a.2.len()))
    });
    found.dedup_by(|a, b| a.0.start == b.0.start && a.1 == b.1);
    for (span, key, message) in found {
        diagnostics.push(span, key, message);
    }
    None
}

type Found = (Range<usize>, String, String);

/// Top-level tables every scenario needs, with what to write.
const REQUIRED: &[(&str, &str)] = &[
    (
        "target",
        "a [target] table with `url = \"http://host:port\"` or `bundled = true`",
    ),
    (
        "load",
        "a [load] table, e.g. `rate = \"50/s\"` and `duration = \"1m\"`",
    ),
    (
        "journeys",
        "at least one [[journeys]] table with [[journeys.steps]]",
    ),
];

/// Deserializes one top-level section into its raw type, recording its first error.
fn probe_section(key: &str, value: Spanned<DeValue<'_>>, found: &mut Vec<Found>) {
    fn probe<'i, T: Deserialize<'i>>(
        value: Spanned<DeValue<'i>>,
        prefix: &str,
        found: &mut Vec<Found>,
    ) {
        let deserializer = ValueDeserializer::from(value);
        if let Err(err) = serde_path_to_error::deserialize::<_, T>(deserializer) {
            found.push(to_diagnostic(err, prefix));
        }
    }
    match key {
        "name" | "description" => probe::<String>(value, key, found),
        "kind" => probe::<ScenarioKind>(value, key, found),
        "target" => probe::<RawTarget>(value, key, found),
        "load" => probe::<RawLoad>(value, key, found),
        "variables" => probe::<SpannedMap>(value, key, found),
        "feeders" => probe::<BTreeMap<String, RawFeeder>>(value, key, found),
        "cache" => probe::<RawCache>(value, key, found),
        "thresholds" => probe::<Vec<String>>(value, key, found),
        "endpoint_thresholds" => probe::<BTreeMap<String, Vec<String>>>(value, key, found),
        "regression" => probe::<RawRegression>(value, key, found),
        "journeys" => match (value.span(), value.into_inner()) {
            (_, DeValue::Array(items)) => {
                for (i, item) in items.into_iter().enumerate() {
                    probe::<RawJourney>(item, &format!("journeys[{i}]"), found);
                }
            }
            (span, other) => probe::<Vec<RawJourney>>(Spanned::new(span, other), key, found),
        },
        // Unknown top-level keys are reported by the whole-file pass.
        _ => {}
    }
}

/// A serde error as (span, key path, message), the path below `prefix`.
fn to_diagnostic<E: Into<toml::de::Error>>(
    err: serde_path_to_error::Error<E>,
    prefix: &str,
) -> Found {
    let mut key = path_string(err.path());
    if !prefix.is_empty() {
        key = if key.is_empty() {
            prefix.to_string()
        } else if key.starts_with('[') {
            format!("{prefix}{key}")
        } else {
            format!("{prefix}.{key}")
        };
    }
    let inner: toml::de::Error = err.into_inner().into();
    if let Some(field) = inner
        .message()
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let message = format!("missing required key `{field}`");
        let key = if key.is_empty() {
            key_segment(field)
        } else {
            format!("{key}.{}", key_segment(field))
        };
        return (inner.span().unwrap_or(0..0), key, message);
    }
    let (mut message, unknown_field) = improve_serde_message(inner.message());
    if let Some(field) = &unknown_field
        && TOP_LEVEL_VALUES.contains(&field.as_str())
        && key.contains('.')
    {
        message.push_str(&format!(
            "; `{field}` is a top-level key: move it above the first [table] header (keys after a header belong to that table)"
        ));
    }
    // serde_path_to_error usually has the unknown key as the last segment already.
    if let Some(field) = unknown_field.filter(|f| !key.ends_with(&key_segment(f))) {
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(&key_segment(&field));
    }
    (inner.span().unwrap_or(0..0), key, message)
}

fn first_line(message: &str) -> String {
    message
        .trim()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `journeys[1].steps[0].method`, leaving out the private keys of `toml::Spanned`.
fn path_string(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if key.starts_with("$__") {
                    continue;
                }
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&key_segment(key));
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}
