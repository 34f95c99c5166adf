//! Reading cache counters from a Prometheus text exposition (`/metrics`): the configured hit and
//! miss counters, summed by their `namespace` label. The `sessions` namespace is left out: it is
//! the target's login-session store, not data the scenario's requests read through the cache, so
//! counting it would make the server-side hit rate disagree with the `X-Cache` headers.

use std::collections::BTreeMap;

use crate::model::CacheCounts;

/// Namespace excluded from the server-side cache figures.
pub const EXCLUDED_NAMESPACE: &str = "sessions";
/// Namespace used for samples that carry no `namespace` label.
pub const UNLABELLED: &str = "(none)";

/// Sums the hit and miss counters by namespace. A sample named `metric` or `metric_total` counts
/// (OpenMetrics names a counter family without the suffix its samples carry). Lines that are not
/// valid samples are skipped: the scrape is best-effort and the exposition may hold other formats.
pub fn parse_counters(
    text: &str,
    hits_metric: &str,
    misses_metric: &str,
) -> BTreeMap<String, CacheCounts> {
    let mut out: BTreeMap<String, CacheCounts> = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, labels, value)) = parse_sample(line) else {
            continue;
        };
        let is = |metric: &str| name == metric || name.strip_suffix("_total") == Some(metric);
        let hits = is(hits_metric);
        if !hits && !is(misses_metric) {
            continue;
        }
        let namespace = labels
            .iter()
            .find(|(k, _)| k == "namespace")
            .map_or(UNLABELLED.to_string(), |(_, v)| v.clone());
        if namespace == EXCLUDED_NAMESPACE || !value.is_finite() || value < 0.0 {
            continue;
        }
        let counts = out.entry(namespace).or_default();
        // Counters are integers; a float exposition (`12.0`, `1e3`) is rounded.
        let value = value.round() as u64;
        if hits {
            counts.hits += value;
        } else {
            counts.misses += value;
        }
    }
    out
}

/// Label pairs of one sample.
type Labels = Vec<(String, String)>;

/// `name{a="x",b="y"} 12 [timestamp]` → (name, labels, value).
fn parse_sample(line: &str) -> Option<(&str, Labels, f64)> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .unwrap_or(line.len());
    let name = &line[..name_end];
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(body) = rest.strip_prefix('{') {
        let (parsed, after) = parse_labels(body)?;
        labels = parsed;
        rest = after;
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some((name, labels, value))
}

/// Parses `a="x",b="y\"z"}` and returns the labels and what follows the `}`.
fn parse_labels(mut s: &str) -> Option<(Labels, &str)> {
    let mut labels = Vec::new();
    loop {
        s = s.trim_start_matches([',', ' ']);
        if let Some(after) = s.strip_prefix('}') {
            return Some((labels, after));
        }
        let (key, after) = s.split_once('=')?;
        let mut chars = after.strip_prefix('"')?.char_indices();
        let mut value = String::new();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '"' => break i,
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        };
        labels.push((key.trim().to_string(), value));
        s = &after[end + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_by_namespace_without_sessions() {
        let text = r#"# HELP cache_hits Cache lookups answered from the cache.
# TYPE cache_hits counter
cache_hits_total{namespace="contacts"} 90
cache_hits_total{namespace="sessions"} 1000
cache_hits_total{namespace="deals",shard="a \"quoted\" one"} 5 1700000000000
cache_hits_total{namespace="deals",shard="b"} 5.0
cache_misses_total{namespace="contacts"} 10
cache_misses_total 3
cache_missesXtotal{namespace="contacts"} 7
cache_errors_total{namespace="contacts"} 4
garbage line {
# EOF
"#;
        let counts = parse_counters(text, "cache_hits_total", "cache_misses");
        assert_eq!(counts.len(), 3, "{counts:?}");
        assert_eq!(
            (counts["contacts"].hits, counts["contacts"].misses),
            (90, 10)
        );
        assert_eq!(counts["deals"].hits, 10);
        assert_eq!(counts[UNLABELLED].misses, 3);
        assert!(!counts.contains_key(EXCLUDED_NAMESPACE));
    }
}
