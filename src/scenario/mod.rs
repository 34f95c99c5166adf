//! Scenario files: the TOML model, loading with file:line:column errors, templates and feeders. The
//! loader's output is a validated [`Plan`], the only thing the engine reads.
//!
//! Loading is two stages: serde deserializes the text into raw structs that mirror the file and
//! keep spans ([`raw`]); the validator checks ranges and references and builds the [`Plan`],
//! collecting every problem it finds, each with its line, column and key path.

mod body;
pub mod error;
mod extract;
mod feeder;
pub mod gate;
mod journeys;
mod load_model;
pub mod output;
mod parse;
pub mod plan;
mod raw;
pub mod regression;
mod target;
pub mod template;
mod threshold;
mod validate;
mod values;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_extract;

use std::path::Path;

pub use error::{Diagnostic, LoadError};
pub use plan::Plan;
pub(crate) use threshold::parse_threshold;

use error::Diagnostics;

/// Loads and validates a scenario file, reading `${env.NAME}` from the process environment.
pub fn load_file(path: &Path) -> Result<Plan, LoadError> {
    load_file_with_env(path, &|name| std::env::var(name).ok())
}

/// Loads and validates a scenario file with `env` as the environment (tests inject one).
pub fn load_file_with_env(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_bytes(&bytes, path, env)
}

/// Loads and validates scenario text as if read from `path` (which names it in diagnostics and
/// anchors relative feeder and seed paths).
pub fn load_bytes(
    bytes: &[u8],
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, LoadError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let mut d = Diagnostics::new(path, "");
            d.push(
                0..0,
                "",
                format!(
                    "the file is not UTF-8 text (invalid byte at offset {})",
                    e.valid_up_to()
                ),
            );
            return Err(LoadError::Invalid(d.into_sorted()));
        }
    };
    let mut diagnostics = Diagnostics::new(path, text);
    let Some(raw) = parse::parse(text, &mut diagnostics) else {
        return Err(LoadError::Invalid(diagnostics.into_sorted()));
    };
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut ctx = validate::Ctx::new(diagnostics, env, base_dir);
    match validate::validate(raw, &mut ctx, path, bytes) {
        Some(plan) => Ok(plan),
        None => Err(LoadError::Invalid(ctx.d.into_sorted())),
    }
}
