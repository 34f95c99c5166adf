//! Timestamps and dates as stored: RFC 3339 UTC with exactly three fractional digits
//! (`2024-05-01T09:30:00.000Z`) and `YYYY-MM-DD`. The fixed width makes text order equal time
//! order, so SQLite compares and indexes them as plain strings.

use time::format_description::FormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use super::StoreError;

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// `t` in the stored timestamp format (converted to UTC).
pub fn format_timestamp(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000Z"))
}

/// The current time in the stored timestamp format.
pub fn now() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

/// `d` as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    d.format(DATE)
        .unwrap_or_else(|_| String::from("1970-01-01"))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, DATE).ok()
}

/// Parses an RFC 3339 timestamp with any offset.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// A date input field: must be `YYYY-MM-DD`; returned normalized.
pub(crate) fn date_field(field: &str, s: &str) -> Result<String, StoreError> {
    parse_date(s)
        .map(format_date)
        .ok_or_else(|| StoreError::validation(field, format!("`{s}` is not a date (YYYY-MM-DD)")))
}

/// A timestamp input field: any RFC 3339 timestamp, returned in the stored UTC format.
pub(crate) fn timestamp_field(field: &str, s: &str) -> Result<String, StoreError> {
    parse_timestamp(s).map(format_timestamp).ok_or_else(|| {
        StoreError::validation(
            field,
            format!("`{s}` is not an RFC 3339 timestamp (e.g. 2024-05-01T09:30:00Z)"),
        )
    })
}

/// A lower bound for a stored timestamp column: a full timestamp, or a date meaning its midnight UTC.
pub(crate) fn timestamp_bound(s: &str) -> Option<String> {
    if let Some(t) = parse_timestamp(s) {
        return Some(format_timestamp(t));
    }
    parse_date(s).map(|d| format_timestamp(d.midnight().assume_utc()))
}
