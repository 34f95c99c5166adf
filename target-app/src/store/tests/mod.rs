//! Unit tests of the storage layer against real SQLite files in a temp directory.

mod analytics;
mod convert;
mod crud;
mod list;
mod plans;
mod visibility;

use rusqlite::Connection;
use tempfile::TempDir;

use super::{StoreError, Visibility, schema};

/// A migrated database in a temp dir with three users: admin (1), rep A (2), rep B (3).
pub(super) struct Db {
    pub conn: Connection,
    _dir: TempDir,
}

pub(super) const ADMIN: i64 = 1;
pub(super) const REP_A: i64 = 2;
pub(super) const REP_B: i64 = 3;
pub(super) const ALL: Visibility = Visibility::All;
pub(super) const A: Visibility = Visibility::Owner(REP_A);
pub(super) const B: Visibility = Visibility::Owner(REP_B);

pub(super) fn db() -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut conn = Connection::open(dir.path().join("t.db")).expect("open");
    schema::configure(&mut conn).expect("pragmas");
    schema::migrate(&mut conn).expect("migrate");
    // Users are inserted directly with a placeholder hash: argon2 is not what these tests test.
    for (email, role) in [
        ("admin@t.test", "admin"),
        ("a@t.test", "rep"),
        ("b@t.test", "rep"),
    ] {
        conn.execute(
            "INSERT INTO users (email, name, role, password_hash, created_at)
             VALUES (?, ?, ?, 'x', '2024-01-01T00:00:00.000Z')",
            [email, email, role],
        )
        .expect("user");
    }
    Db { conn, _dir: dir }
}

/// Query pairs from `k=v` literals.
pub(super) fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The field of a `Validation` error (panics on anything else).
pub(super) fn invalid_field<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The param and message of a `BadQuery` error (panics on anything else).
pub(super) fn bad_query<T: std::fmt::Debug>(r: Result<T, StoreError>) -> (String, String) {
    match r {
        Err(StoreError::BadQuery { param, message }) => (param, message),
        other => panic!("expected a bad-query error, got {other:?}"),
    }
}
