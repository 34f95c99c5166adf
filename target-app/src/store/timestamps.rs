//! Timestamps and dates as stored: RFC 3339 UTC with exactly three fractional digits
//! (`2024-05-01T09:30:00.000Z`) and `YYYY-MM-DD`. The fixed width makes text order equal time
//! order, so SQLite compares and indexes them as plain strings.
//!
//! RFC 3339 allows years 0000..=9999 *with* an offset of up to ±23:59, so a valid input can land
//! outside those years once converted to UTC (`9999-12-31T23:59:59-23:00` is in year 10000).
//! Parsing refuses those, so every stored timestamp fits the fixed width, and converting one to
//! UTC can never overflow.

use time::format_description::FormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use super::StoreError;

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
const DATE: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// `t` in the stored timestamp format (converted to UTC). Timestamps from [`parse_timestamp`]
/// always fit; one that does not (only a bug could make it) is written as the epoch rather than
/// panicking.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    t.checked_to_offset(UtcOffset::UTC)
        .and_then(|utc| utc.format(TIMESTAMP).ok())
        .unwrap_or_else(|| String::from("1970-01-01T00:00:00.000Z"))
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

/// Parses an RFC 3339 timestamp with any offset, as long as it falls in the years 0000..=9999 in
/// UTC (the stored format's range).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    t.checked_to_offset(UtcOffset::UTC)
        .filter(|utc| (0..=9999).contains(&utc.year()))
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
            format!(
                "`{s}` is not an RFC 3339 timestamp between years 0000 and 9999 in UTC \
                 (e.g. 2024-05-01T09:30:00Z)"
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_that_leave_the_stored_years_are_refused() {
        for s in [
            "9999-12-31T23:59:59-23:00",
            "9999-12-31T23:00:00-23:59",
            "0000-01-01T00:00:00+23:59",
        ] {
            assert_eq!(parse_timestamp(s), None, "{s}");
            assert!(timestamp_field("t", s).is_err(), "{s}");
            assert_eq!(timestamp_bound(s), None, "{s}");
        }
    }

    #[test]
    fn the_edges_of_the_range_are_kept_in_utc() {
        assert_eq!(
            timestamp_field("t", "9999-12-31T23:59:59Z").ok().as_deref(),
            Some("9999-12-31T23:59:59.000Z")
        );
        assert_eq!(
            timestamp_field("t", "0000-01-01T23:00:00+23:00")
                .ok()
                .as_deref(),
            Some("0000-01-01T00:00:00.000Z")
        );
        assert_eq!(
            timestamp_field("t", "2024-05-01T11:30:00+02:00")
                .ok()
                .as_deref(),
            Some("2024-05-01T09:30:00.000Z")
        );
    }
}
