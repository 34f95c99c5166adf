//! The one error type of the storage layer. The HTTP layer maps each variant to a status code
//! (`Validation` → 422, `BadQuery` → 400, `Conflict` → 409, the rest → 500), so every message is
//! written for the API client: it names the field or parameter and, where there is a choice, lists
//! the valid values.

use thiserror::Error;

/// Everything that can go wrong in `store` (and in `seed`, which writes through it).
#[derive(Debug, Error)]
pub enum StoreError {
    /// An input field is missing, malformed, out of range or references a record the caller cannot see.
    #[error("invalid `{field}`: {message}")]
    Validation { field: String, message: String },
    /// A list query parameter is unknown, repeated, unparsable or out of range.
    #[error("invalid query parameter `{param}`: {message}")]
    BadQuery { param: String, message: String },
    /// The request contradicts the current state (duplicate email, lead already converted, ...).
    #[error("{0}")]
    Conflict(String),
    /// SQLite failed (I/O, corruption, a bug in a query).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// No pooled connection could be had in time.
    #[error("database connection pool: {0}")]
    Pool(#[from] r2d2::Error),
    /// The blocking task running a database call panicked or was cancelled.
    #[error("database task failed: {0}")]
    Join(String),
}

impl StoreError {
    /// A `Validation` error for `field`.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        StoreError::Validation {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A `BadQuery` error for `param`.
    pub fn bad_query(param: &str, message: impl Into<String>) -> Self {
        StoreError::BadQuery {
            param: param.to_owned(),
            message: message.into(),
        }
    }
}

/// True when `err` is SQLite refusing a row because of a UNIQUE constraint.
pub(crate) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// True when `err` is SQLite refusing a write because of a FOREIGN KEY constraint: a referenced
/// record is gone, or a deleted one is still referenced.
pub(crate) fn is_foreign_key_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    )
}
