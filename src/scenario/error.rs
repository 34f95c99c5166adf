//! Load errors that point at the problem: every diagnostic carries the file, the line and column of
//! the offending key or value, its key path (`journeys[1].steps[0].method`) and what was expected,
//! so `stampede validate` can print `file:line:col: key: message` lines an editor can jump to.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line of the offending key or value.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Key path such as `journeys[1].steps[0].method`; empty for syntax errors.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read scenario file '{}': {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", display_all(.0))]
    Invalid(Vec<Diagnostic>),
}

impl LoadError {
    /// The diagnostics of an invalid file; empty for I/O errors.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            LoadError::Invalid(d) => d,
            LoadError::Io { .. } => &[],
        }
    }
}

fn display_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Collects diagnostics for one file, turning byte spans into line:column.
pub(crate) struct Diagnostics<'a> {
    file: &'a Path,
    text: &'a str,
    list: Vec<Diagnostic>,
}

impl<'a> Diagnostics<'a> {
    pub fn new(file: &'a Path, text: &'a str) -> Self {
        Diagnostics {
            file,
            text,
            list: Vec::new(),
        }
    }

    /// Records a problem at `span` (a byte range of the file) under `key`.
    pub fn push(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.list.push(Diagnostic {
            file: self.file.to_path_buf(),
            line,
            column,
            key: key.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The diagnostics in file order (stable for equal positions).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| (d.line, d.column));
        self.list
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    // Back off to a char boundary so slicing cannot panic on a span inside a multibyte char.
    let offset = (0..=offset)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The candidate closest to `word`, when it is close enough to be a plausible typo.
pub(crate) fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|c| (c, strsim::jaro_winkler(word, c)))
        .filter(|(_, score)| *score >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// Rewrites serde's "unknown field/variant" messages with a suggestion; other messages pass through.
/// Returns the message and, for unknown fields, the field name (to complete the key path).
pub(crate) fn improve_serde_message(message: &str) -> (String, Option<String>) {
    for (prefix, what) in [
        ("unknown field `", "unknown key"),
        ("unknown variant `", "unknown value"),
    ] {
        let Some(rest) = message.strip_prefix(prefix) else {
            continue;
        };
        let Some((word, tail)) = rest.split_once('`') else {
            continue;
        };
        let expected: Vec<&str> = tail
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|s| !s.starts_with("$__"))
            .collect();
        let list = expected
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut out = format!("{what} `{word}`");
        match did_you_mean(word, expected.iter().copied()) {
            Some(best) => out.push_str(&format!(
                ": did you mean `{best}`? (expected one of {list})"
            )),
            None if expected.is_empty() => out.push_str(": no keys are allowed here"),
            None => out.push_str(&format!(": expected one of {list}")),
        }
        let field = (what == "unknown key").then(|| word.to_string());
        return (out, field);
    }
    (message.to_string(), None)
}

/// Writes a key segment, quoting it when it is not a bare TOML key.
pub(crate) fn key_segment(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // "bé = " is 6 bytes but 5 characters.
        assert_eq!(line_column(text, 7 + 5), (2, 6));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn suggests_close_keys() {
        let (msg, field) = improve_serde_message(
            "unknown field `thinktime`, expected one of `name`, `think_time`",
        );
        assert_eq!(
            msg,
            "unknown key `thinktime`: did you mean `think_time`? (expected one of `name`, `think_time`)"
        );
        assert_eq!(field.as_deref(), Some("thinktime"));
        let (msg, _) =
            improve_serde_message("unknown variant `bogus`, expected `open` or `closed`");
        assert_eq!(
            msg,
            "unknown value `bogus`: expected one of `open`, `closed`"
        );
    }
}
