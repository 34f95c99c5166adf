//! Where a step's `extract` values come from (a JSON pointer, a header, a cookie the response
//! sets, a regular expression or a CSS selector on the body), and the compiled patterns that
//! extractions and checks share. Regular expressions and CSS selectors are compiled here, once,
//! when the scenario loads: a bad one is a scenario error with its file, line, column and key,
//! never a failure found in the middle of a run.

use std::fmt;
use std::ops::Deref;

use http::HeaderName;
use toml::Spanned;

use super::journeys::check_pointer;
use super::raw::{RawExtract, RawExtractTable};
use super::validate::Ctx;

/// Where an extracted variable's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Extract {
    /// The JSON value at this pointer (RFC 6901) of the body.
    Json(String),
    /// The value of the first response header of this name.
    Header(HeaderName),
    /// The value of the cookie of this name set by the response (`Set-Cookie`).
    Cookie(String),
    /// The first capture group of the first match in the body; the whole match when the pattern
    /// has no group.
    Regex(Pattern),
    /// The first element of the HTML body this selector matches: the value of `attr`, or its
    /// text (trimmed) when there is no `attr`.
    Css {
        selector: CssSelector,
        attr: Option<String>,
    },
}

impl Extract {
    /// Whether the response body must be kept for this extraction.
    pub fn reads_body(&self) -> bool {
        matches!(
            self,
            Extract::Json(_) | Extract::Regex(_) | Extract::Css { .. }
        )
    }
}

impl fmt::Display for Extract {
    /// What the extraction reads, for failure messages: "JSON pointer '/token'", "header 'location'".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extract::Json(pointer) => write!(f, "JSON pointer '{pointer}'"),
            Extract::Header(name) => write!(f, "header '{name}'"),
            Extract::Cookie(name) => write!(f, "cookie '{name}'"),
            Extract::Regex(pattern) => write!(f, "regex '{}'", pattern.as_str()),
            Extract::Css { selector, .. } => write!(f, "css '{}'", selector.text),
        }
    }
}

/// A regular expression compiled once, matched against raw body bytes (no UTF-8 check needed).
#[derive(Debug, Clone)]
pub struct Pattern(regex::bytes::Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Deref for Pattern {
    type Target = regex::bytes::Regex;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Pattern {
    /// Compiles `text`; the error is one line, fit for a diagnostic.
    pub fn new(text: &str) -> Result<Pattern, String> {
        regex::bytes::Regex::new(text).map(Pattern).map_err(|e| {
            let detail = e.to_string();
            // The parser's message is several lines (the pattern, a caret, "error: ..."): keep
            // the line that says what is wrong.
            let why = detail
                .lines()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or(detail.lines().last().unwrap_or_default())
                .to_string();
            format!("not a valid regular expression: {why}")
        })
    }
}

/// A CSS selector compiled once, with the text it was written as (for messages).
#[derive(Debug, Clone, PartialEq)]
pub struct CssSelector {
    pub text: String,
    pub selector: scraper::Selector,
}

impl CssSelector {
    pub fn new(text: &str) -> Result<CssSelector, String> {
        scraper::Selector::parse(text)
            .map(|selector| CssSelector {
                text: text.to_string(),
                selector,
            })
            .map_err(|e| format!("not a valid CSS selector: {e}"))
    }
}

/// A regular expression from the scenario, or a diagnostic at its span.
pub(crate) fn pattern(ctx: &mut Ctx, text: &Spanned<String>, key: &str) -> Option<Pattern> {
    Pattern::new(text.get_ref())
        .map_err(|e| ctx.err(text.span(), key, e))
        .ok()
}

/// A header name from the scenario, or a diagnostic at its span.
pub(crate) fn header_name(ctx: &mut Ctx, text: &Spanned<String>, key: &str) -> Option<HeaderName> {
    HeaderName::from_bytes(text.get_ref().trim().as_bytes())
        .map_err(|_| {
            ctx.err(
                text.span(),
                key,
                format!("`{}` is not a valid header name", text.get_ref()),
            );
        })
        .ok()
}

/// Validates one `extract` value (at `key`, e.g. `journeys[0].steps[1].extract.token`).
pub(crate) fn extraction(ctx: &mut Ctx, raw: &Spanned<RawExtract>, key: &str) -> Option<Extract> {
    let table = match raw.get_ref() {
        RawExtract::Pointer(pointer) => {
            return check_pointer(pointer)
                .map(|()| Extract::Json(pointer.clone()))
                .map_err(|e| ctx.err(raw.span(), key, e))
                .ok();
        }
        RawExtract::Table(table) => table.as_ref(),
    };
    let RawExtractTable {
        json,
        header,
        cookie,
        regex,
        css,
        attr,
    } = table;
    let sources = [
        ("json", json),
        ("header", header),
        ("cookie", cookie),
        ("regex", regex),
        ("css", css),
    ];
    let given: Vec<_> = sources.iter().filter(|(_, v)| v.is_some()).collect();
    let (name, value) = match given.as_slice() {
        [(name, Some(value))] => (*name, value),
        [_, second, ..] => {
            let span = second.1.as_ref().map_or(raw.span(), Spanned::span);
            ctx.err(
                span,
                key,
                "an extraction reads one thing: give only one of `json`, `header`, `cookie`, `regex` or `css`",
            );
            return None;
        }
        _ => {
            ctx.err(
                raw.span(),
                key,
                "say where the value comes from: one of `json`, `header`, `cookie`, `regex` or `css`",
            );
            return None;
        }
    };
    let vkey = format!("{key}.{name}");
    if let Some(attr) = attr.as_ref().filter(|_| name != "css") {
        ctx.err(
            attr.span(),
            &format!("{key}.attr"),
            "`attr` goes with `css = \"selector\"`",
        );
        return None;
    }
    if value.get_ref().trim().is_empty() && name != "json" {
        ctx.err(value.span(), &vkey, "must not be empty");
        return None;
    }
    match name {
        "json" => check_pointer(value.get_ref())
            .map(|()| Extract::Json(value.get_ref().clone()))
            .map_err(|e| ctx.err(value.span(), &vkey, e))
            .ok(),
        "header" => header_name(ctx, value, &vkey).map(Extract::Header),
        "cookie" => Some(Extract::Cookie(value.get_ref().trim().to_string())),
        "regex" => pattern(ctx, value, &vkey).map(Extract::Regex),
        _ => {
            let selector = CssSelector::new(value.get_ref())
                .map_err(|e| ctx.err(value.span(), &vkey, e))
                .ok()?;
            let attr = match attr {
                Some(a) if a.get_ref().trim().is_empty() => {
                    ctx.err(
                        a.span(),
                        &format!("{key}.attr"),
                        "must not be empty (leave it out for the element's text)",
                    );
                    return None;
                }
                Some(a) => Some(a.get_ref().trim().to_string()),
                None => None,
            };
            Some(Extract::Css { selector, attr })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_once_and_say_what_is_wrong_in_one_line() {
        let p = Pattern::new(r"id=(\d+)").unwrap();
        assert!(p.is_match(b"x id=42 y"));
        let e = Pattern::new(r"id=(\d+").unwrap_err();
        assert_eq!(e, "not a valid regular expression: unclosed group");
        assert_eq!(e.lines().count(), 1);
    }

    #[test]
    fn css_selectors_compile_and_bad_ones_are_named() {
        let s = CssSelector::new("input[name=csrf]").unwrap();
        assert_eq!(s.text, "input[name=csrf]");
        let e = CssSelector::new("input[name=").unwrap_err();
        assert!(e.starts_with("not a valid CSS selector"), "{e}");
    }

    #[test]
    fn extractions_describe_what_they_read() {
        assert_eq!(
            Extract::Json("/token".into()).to_string(),
            "JSON pointer '/token'"
        );
        assert_eq!(
            Extract::Header(HeaderName::from_static("location")).to_string(),
            "header 'location'"
        );
        assert!(!Extract::Cookie("sid".into()).reads_body());
        assert!(Extract::Regex(Pattern::new("a").unwrap()).reads_body());
    }
}
