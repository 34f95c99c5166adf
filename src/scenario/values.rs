//! Value types of the scenario file that parse themselves while deserializing (durations, rates,
//! sizes, percentages, status lists, think times), so a malformed value is reported by serde with its
//! position and key path like any other type error. Range checks that depend on context (a zero
//! duration, a zero rate) are left to the validator, which has the spans.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, SeqAccess, Visitor};

use crate::units;

/// A duration written as a string: `30s`, `5m`, `250ms`, `1h30m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationValue(pub Duration);

/// A rate written as a string: `200/s`, `2.5k/s`, `600/m`; events per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateValue(pub f64);

/// A percentage written as a string, `0.1%`, between 0% and 100%; held as a fraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentValue(pub f64);

/// A size written as a string: `10MiB`, `512KiB`, `1MB`; in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeValue(pub u64);

/// One status code or a list of them: `200` or `[200, 201]`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusList(pub Vec<i64>);

/// A pause: `"2s"` (fixed) or `"1s..3s"` (uniformly random in the range).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinkTimeValue {
    pub min: Duration,
    pub max: Duration,
}

/// A load level in a stage: a rate string (`"200/s"`, open model) or a user count (`50`, closed).
#[derive(Debug, Clone, PartialEq)]
pub enum LoadLevel {
    Count(i64),
    Rate(String),
}

fn negative<E: de::Error>(text: &str, what: &str) -> E {
    E::custom(format!("'{text}' is negative: {what} cannot be negative"))
}

fn parse_duration<E: de::Error>(text: &str) -> Result<Duration, E> {
    if text.trim_start().starts_with('-') {
        return Err(negative(text, "a duration"));
    }
    units::parse_duration(text).map_err(E::custom)
}

/// A visitor that accepts only strings and converts them with `parse`.
struct StrVisitor<T> {
    expecting: &'static str,
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Visitor<'_> for StrVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }
}

impl<'de> de::Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor {
            expecting: "a duration string such as \"30s\", \"5m\" or \"250ms\"",
            parse: |s| {
                parse_duration::<de::value::Error>(s)
                    .map(DurationValue)
                    .map_err(|e| e.to_string())
            },
        })
    }
}

impl<'de> de::Deserialize<'de> for RateValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor {
            expecting: "a rate string such as \"200/s\" or \"600/m\"",
            parse: parse_rate,
        })
    }
}

pub(crate) fn parse_rate(s: &str) -> Result<RateValue, String> {
    if s.trim_start().starts_with('-') {
        return Err(format!("'{s}' is negative: a rate cannot be negative"));
    }
    let rate = units::parse_rate(s).map_err(|e| e.to_string())?;
    if rate > MAX_RATE {
        return Err(format!(
            "'{s}' is above {MAX_RATE:.0}/s, more than one generator can send; split a larger load \
             over several workers with `stampede run --segment I/N`"
        ));
    }
    Ok(RateValue(rate))
}

/// The highest arrival rate a scenario may ask of one generator, per second: far above what one
/// machine sends (about 100k/s on 2 cores), low enough that a typo cannot make a run open
/// connections without end.
pub(crate) const MAX_RATE: f64 = 10_000_000.0;

impl<'de> de::Deserialize<'de> for SizeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor {
            expecting: "a size string such as \"10MiB\" or \"512KiB\"",
            parse: |s| {
                units::parse_size(s)
                    .map(SizeValue)
                    .map_err(|e| e.to_string())
            },
        })
    }
}

impl<'de> de::Deserialize<'de> for PercentValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor {
            expecting: "a percentage string such as \"0.1%\" or \"80%\"",
            parse: parse_percent,
        })
    }
}

/// Parses a percentage and checks it is between 0% and 100%.
pub(crate) fn parse_percent(s: &str) -> Result<PercentValue, String> {
    let value = units::parse_percent(s).map_err(|e| e.to_string())?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!(
            "'{s}' is out of range: a percentage must be between 0% and 100%"
        ));
    }
    Ok(PercentValue(value))
}

impl<'de> de::Deserialize<'de> for ThinkTimeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor {
            expecting: "a think time string: fixed (\"2s\") or a random range (\"1s..3s\")",
            parse: parse_think_time,
        })
    }
}

fn parse_think_time(s: &str) -> Result<ThinkTimeValue, String> {
    let one = |t: &str| parse_duration::<de::value::Error>(t).map_err(|e| e.to_string());
    match s.split_once("..") {
        None => {
            let d = one(s)?;
            Ok(ThinkTimeValue { min: d, max: d })
        }
        Some((lo, hi)) => {
            let (min, max) = (one(lo)?, one(hi)?);
            if min > max {
                return Err(format!(
                    "'{s}': the minimum is greater than the maximum (write MIN..MAX, e.g. 1s..3s)"
                ));
            }
            Ok(ThinkTimeValue { min, max })
        }
    }
}

impl<'de> de::Deserialize<'de> for StatusList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatusList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code (200) or a list of status codes ([200, 201])")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusList, E> {
                Ok(StatusList(vec![v]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusList, E> {
                Ok(StatusList(vec![i64::try_from(v).unwrap_or(i64::MAX)]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusList, A::Error> {
                let mut codes = Vec::new();
                while let Some(code) = seq.next_element::<i64>()? {
                    codes.push(code);
                }
                Ok(StatusList(codes))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> de::Deserialize<'de> for LoadLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LoadLevel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a rate string such as \"200/s\" (open model) or a number of users (closed model)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LoadLevel, E> {
                Ok(LoadLevel::Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LoadLevel, E> {
                Ok(LoadLevel::Count(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LoadLevel, E> {
                Ok(LoadLevel::Rate(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn think_times() {
        assert_eq!(
            parse_think_time("1s..3s"),
            Ok(ThinkTimeValue {
                min: Duration::from_secs(1),
                max: Duration::from_secs(3)
            })
        );
        assert_eq!(
            parse_think_time("500ms").map(|t| t.max),
            Ok(Duration::from_millis(500))
        );
        assert!(parse_think_time("3s..1s").unwrap_err().contains("greater"));
        assert!(parse_think_time("-1s").unwrap_err().contains("negative"));
    }

    #[test]
    fn percents_are_bounded() {
        assert_eq!(parse_percent("80%"), Ok(PercentValue(0.8)));
        assert!(
            parse_percent("150%")
                .unwrap_err()
                .contains("between 0% and 100%")
        );
        assert!(parse_percent("-1%").is_err());
        assert!(parse_rate("-5/s").unwrap_err().contains("negative"));
    }
}
