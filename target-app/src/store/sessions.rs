//! Login sessions: the durable record behind the cache's session entries, so a token stays valid
//! when the cache is cold or down. Only a hash of the token is stored.
//!
//! A session lasts until it expires, its user signs out, or a change to the user ends it (a new
//! role or password, or the user deleted: see [`end_sessions`]); a session is only created if
//! the user is still as the login verified it ([`create_verified_session`]).

use rusqlite::{Connection, OptionalExtension};
use time::OffsetDateTime;

use super::entity::Entity;
use super::users::User;
use super::{StoreError, timestamps};

/// Records a session for `user_id` until `expires_at`, and drops expired sessions on the way.
pub fn create_session(
    conn: &Connection,
    token_hash: &str,
    user_id: i64,
    expires_at: OffsetDateTime,
) -> Result<(), StoreError> {
    let now = timestamps::now();
    conn.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?")?
        .execute([&now])?;
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id,
             expires_at = excluded.expires_at",
    )?
    .execute(rusqlite::params![
        token_hash,
        user_id,
        now,
        timestamps::format_timestamp(expires_at)
    ])?;
    Ok(())
}

/// Records a session for `user` until `expires_at`, only if the user still has the role and the
/// password hash the login verified: a login that raced a change of either creates nothing
/// (`false`), instead of a session the change should have ended.
pub fn create_verified_session(
    conn: &Connection,
    token_hash: &str,
    user: &User,
    password_hash: &str,
    expires_at: OffsetDateTime,
) -> Result<bool, StoreError> {
    let now = timestamps::now();
    conn.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?")?
        .execute([&now])?;
    let created = conn
        .prepare_cached(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
             SELECT ?, id, ?, ? FROM users WHERE id = ? AND role = ? AND password_hash = ?",
        )?
        .execute(rusqlite::params![
            token_hash,
            now,
            timestamps::format_timestamp(expires_at),
            user.id,
            user.role.as_str(),
            password_hash
        ])?;
    Ok(created > 0)
}

/// Ends every session of `user_id`, returning their token hashes so that their cached copies can
/// be dropped too.
pub fn end_sessions(conn: &Connection, user_id: i64) -> Result<Vec<String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("DELETE FROM sessions WHERE user_id = ? RETURNING token_hash")?;
    let hashes = stmt
        .query_map([user_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(hashes)
}

/// The token hashes of every session of `user_id`.
pub fn session_hashes(conn: &Connection, user_id: i64) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT token_hash FROM sessions WHERE user_id = ?")?;
    let hashes = stmt
        .query_map([user_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(hashes)
}

/// An unexpired session: whose it is and until when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    pub user: User,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// The unexpired session of a token hash, or `None`.
pub fn session(
    conn: &Connection,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<Session>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.email, u.name, u.role, u.created_at, s.expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.expires_at > ?",
    )?;
    let row = stmt
        .query_row(
            rusqlite::params![token_hash, timestamps::format_timestamp(now)],
            |row| Ok((User::from_row(row)?, row.get::<_, String>(5)?)),
        )
        .optional()?;
    Ok(row.and_then(|(user, expires)| {
        timestamps::parse_timestamp(&expires).map(|expires_at| Session { user, expires_at })
    }))
}

/// The user of an unexpired session, or `None`.
pub fn session_user(
    conn: &Connection,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<User>, StoreError> {
    Ok(session(conn, token_hash, now)?.map(|s| s.user))
}

/// Ends a session (logout). Unknown tokens are ignored.
pub fn delete_session(conn: &Connection, token_hash: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?")?
        .execute([token_hash])?;
    Ok(())
}
