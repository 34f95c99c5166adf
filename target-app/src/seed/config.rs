//! `SeedConfig`: how much data to generate and from which random seed, loaded from a TOML file
//! (`fixtures/seed.toml` holds the defaults). Errors name the file, the key and the line.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use thiserror::Error;
use time::Date;

use crate::store::timestamps;

/// Most reps a seed may create (emails are `repNN@saleshub.test`).
pub const MAX_USERS: u32 = 999;

/// Sizes and randomness of a seed run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeedConfig {
    /// Seed of the random generator: the same seed (and anchor) gives the same rows.
    pub rng_seed: u64,
    /// Number of reps (`rep01@saleshub.test`, ...); one admin is always added.
    pub users: u32,
    pub companies: u32,
    pub contacts: u32,
    pub deals: u32,
    pub leads: u32,
    pub activities: u32,
    /// The "today" every generated date is relative to; `None` means yesterday (UTC), so that no
    /// generated moment lies in the future.
    #[serde(deserialize_with = "anchor_date")]
    pub anchor_date: Option<Date>,
}

impl Default for SeedConfig {
    /// The sizes from the SalesHub issue.
    fn default() -> Self {
        SeedConfig {
            rng_seed: 42,
            users: 20,
            companies: 2_000,
            contacts: 20_000,
            deals: 10_000,
            leads: 10_000,
            activities: 50_000,
            anchor_date: None,
        }
    }
}

/// Why a seed configuration could not be loaded.
#[derive(Debug, Error)]
pub enum SeedConfigError {
    #[error("cannot read seed config '{path}': {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("seed config '{path}', line {line}{}: {message}", key.as_ref().map(|k| format!(", key `{k}`")).unwrap_or_default())]
    Parse {
        path: PathBuf,
        line: usize,
        key: Option<String>,
        message: String,
    },
    #[error("seed config '{path}', key `{key}`: {message}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
}

impl SeedConfig {
    /// Reads and validates a TOML seed configuration; absent keys take the defaults.
    pub fn load(path: &Path) -> Result<SeedConfig, SeedConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| SeedConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses TOML text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<SeedConfig, SeedConfigError> {
        let cfg: SeedConfig = toml::from_str(text).map_err(|e| {
            let (line, key) = locate(text, e.span());
            SeedConfigError::Parse {
                path: path.to_owned(),
                line,
                key,
                message: e.message().to_owned(),
            }
        })?;
        if !(1..=MAX_USERS).contains(&cfg.users) {
            return Err(SeedConfigError::Invalid {
                path: path.to_owned(),
                key: "users",
                message: format!("must be between 1 and {MAX_USERS}, got {}", cfg.users),
            });
        }
        Ok(cfg)
    }

    /// The anchor date: the configured one, or yesterday (UTC). Generated moments run up to the
    /// anchor day's office hours, so an anchor of today would put seeded rows in the future until
    /// the evening: "recently updated" lists would show them above a record changed just now.
    pub fn anchor(&self) -> Date {
        self.anchor_date.unwrap_or_else(|| {
            let today = time::OffsetDateTime::now_utc().date();
            today.previous_day().unwrap_or(today)
        })
    }
}

/// The 1-based line of an error span and the key assigned on that line, if any.
fn locate(text: &str, span: Option<std::ops::Range<usize>>) -> (usize, Option<String>) {
    let Some(start) = span.map(|s| s.start.min(text.len())) else {
        return (1, None);
    };
    let line_no = text[..start].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_owned())
        .filter(|k| !k.is_empty() && !k.starts_with('#'));
    (line_no, key)
}

/// Accepts `anchor_date = 2024-06-15` (a TOML date) or `anchor_date = "2024-06-15"`.
fn anchor_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    use serde::de::Error;
    let parsed = match toml::Value::deserialize(d)? {
        toml::Value::String(s) => timestamps::parse_date(&s),
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(date), None, None) => time::Month::try_from(date.month)
                .ok()
                .and_then(|m| Date::from_calendar_date(i32::from(date.year), m, date.day).ok()),
            _ => None,
        },
        _ => None,
    };
    parsed
        .map(Some)
        .ok_or_else(|| D::Error::custom("expected a date such as 2024-06-15"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SeedConfig, SeedConfigError> {
        SeedConfig::parse(text, Path::new("seed.toml"))
    }

    #[test]
    fn the_fixture_holds_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/seed.toml");
        assert_eq!(
            SeedConfig::load(&path).expect("fixture loads"),
            SeedConfig::default()
        );
    }

    #[test]
    fn partial_files_take_defaults_and_dates_parse() {
        let cfg = parse("companies = 5\nanchor_date = 2024-06-15\n").expect("parse");
        assert_eq!(cfg.companies, 5);
        assert_eq!(cfg.contacts, SeedConfig::default().contacts);
        assert_eq!(cfg.anchor(), time::macros::date!(2024 - 06 - 15));
        let cfg = parse("anchor_date = \"2023-01-31\"").expect("string date");
        assert_eq!(cfg.anchor_date, Some(time::macros::date!(2023 - 01 - 31)));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let err = parse("users = 3\ncompanies = -5\n")
            .expect_err("negative")
            .to_string();
        assert!(err.contains("seed.toml"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("`companies`"), "{err}");

        let err = parse("comapnies = 5").expect_err("typo").to_string();
        assert!(
            err.contains("comapnies") && err.contains("companies"),
            "{err}"
        );

        let err = parse("anchor_date = \"June\"")
            .expect_err("bad date")
            .to_string();
        assert!(err.contains("`anchor_date`"), "{err}");

        let err = parse("users = 0").expect_err("no reps").to_string();
        assert!(
            err.contains("`users`") && err.contains("between 1 and 999"),
            "{err}"
        );

        let err = SeedConfig::load(Path::new("/nonexistent/seed.toml")).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/seed.toml"));
    }
}
