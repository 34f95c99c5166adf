//! Bearer-token sessions. A login creates a random token; only its SHA-256 is stored, in the cache
//! (`sessions` namespace, 24 h TTL) and in SQLite as the durable fallback, so a restarted or dead Redis
//! does not sign everyone out. [`CurrentUser`] resolves the token on every `/api` request, from the
//! `Authorization: Bearer` header or, for the web sign-in, the session cookie (then with a CSRF
//! token on requests that change something).
//!
//! A change to a user that alters what their sessions may do (role, password, delete) ends them in
//! SQLite in the same transaction, and then drops their cached copies ([`forget`]); [`remember`]
//! makes sure a concurrent request cannot put a dropped copy back.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::cache::Backend;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{self, Role, Session, User, Visibility};

/// How long a session lasts.
pub const SESSION_TTL: time::Duration = time::Duration::hours(24);

/// A new random session token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a token: its SHA-256, so a leaked store does not leak sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A password hash of no account: logins for unknown emails verify against it, so they take as long
/// as logins with a wrong password and do not reveal which emails exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| store::password::hash(&new_token()).unwrap_or_default())
}

/// The signed-in user of a request, and what they may see.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub token_hash: String,
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Admins see everything; everyone else sees the records they own.
    pub fn visibility(&self) -> Visibility {
        if self.is_admin() {
            Visibility::All
        } else {
            Visibility::Owner(self.user.id)
        }
    }

    /// A key part naming what this user can see, for cache keys of lists and aggregates.
    pub fn scope(&self) -> String {
        crate::groups::scope_of(&self.visibility())
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden("only an admin may do this"))
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    /// The user of the bearer token or, without an `Authorization` header, of the session
    /// cookie. A request authenticated by the cookie that changes something (any method but GET,
    /// HEAD, OPTIONS and TRACE) must also carry the session's CSRF token in `X-CSRF-Token`: a
    /// browser sends the cookie with requests other sites make it send, but only a page that
    /// could read the token can send it. Bearer tokens are never sent by a browser on its own, so
    /// they need none.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (token, from_cookie) = match bearer_token(parts)? {
            Some(token) => (token, false),
            None => (
                session_cookie(&parts.headers).ok_or(AppError::Unauthorized(
                    "missing `Authorization: Bearer <token>`; get a token from POST /api/auth/login",
                ))?,
                true,
            ),
        };
        let user = resolve(state, token).await?;
        if from_cookie && !parts.method.is_safe() {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !csrf_matches(token, sent) {
                return Err(AppError::Forbidden(
                    "a request signed in by the session cookie that changes something needs the \
                     session's CSRF token in the X-CSRF-Token header",
                ));
            }
        }
        Ok(user)
    }
}

/// The signed-in user of a session token: from the cached session, else from the database
/// (then cached).
pub async fn resolve(state: &AppState, token: &str) -> Result<CurrentUser, AppError> {
    if token.is_empty() || token.len() > 128 {
        return Err(AppError::Unauthorized("the token is malformed"));
    }
    let hash = token_hash(token);
    let now = OffsetDateTime::now_utc();
    if let Some(json) = state.cache.session_get(&hash).await
        && let Ok(session) = serde_json::from_str::<Session>(&json)
        && session.expires_at > now
    {
        return Ok(CurrentUser {
            user: session.user,
            token_hash: hash,
        });
    }
    let session = stored_session(state, &hash)
        .await?
        .ok_or(AppError::Unauthorized(UNKNOWN_TOKEN))?;
    let session = remember(state, &hash, session)
        .await?
        .ok_or(AppError::Unauthorized(UNKNOWN_TOKEN))?;
    Ok(CurrentUser {
        user: session.user,
        token_hash: hash,
    })
}

/// Ends one session (sign-out): in the database, then its cached copy.
pub async fn end_session(state: &AppState, token_hash: &str) -> Result<(), AppError> {
    let hash = token_hash.to_string();
    state
        .store
        .call(move |conn| store::delete_session(conn, &hash))
        .await?;
    state.cache.session_delete(token_hash).await;
    Ok(())
}

/// The cookie holding a web session's token (the same tokens as bearer tokens).
pub const SESSION_COOKIE: &str = "saleshub_session";

/// The header carrying the CSRF token of a cookie-authenticated request.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of a session: derived from its token, so the server stores nothing more, and a
/// page can only know it if the server put it there (the cookie itself is `HttpOnly`).
pub fn csrf_token(token: &str) -> String {
    let mut digest = Sha256::new();
    digest.update(b"saleshub csrf\0");
    digest.update(token.as_bytes());
    hex::encode(digest.finalize())
}

/// Whether `sent` is the CSRF token of the session `token`. Compares digests, so the time taken
/// tells nothing about how much of the token was right.
pub fn csrf_matches(token: &str, sent: &str) -> bool {
    !sent.is_empty() && Sha256::digest(csrf_token(token)) == Sha256::digest(sent)
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// The session token in the session cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE).filter(|t| !t.is_empty())
}

const UNKNOWN_TOKEN: &str =
    "the token is unknown or expired; sign in again at POST /api/auth/login";

/// The unexpired session of `token_hash` in the database.
async fn stored_session(state: &AppState, token_hash: &str) -> Result<Option<Session>, AppError> {
    let (lookup, now) = (token_hash.to_string(), OffsetDateTime::now_utc());
    Ok(state
        .store
        .call(move |conn| store::session(conn, &lookup, now))
        .await?)
}

/// Puts a session read from (or just written to) the database in the cache, and returns it as
/// the database holds it now: `None` when it has ended meanwhile.
///
/// The entry carries its expiry, so a cached session never outlives it. A user change that ends
/// or alters the session drops its cached copy after committing (see [`forget`]); if that
/// happened between our database read and our write to the cache, we would have put back what it
/// dropped, for up to a day. So the database is read again after the write: when the session is
/// gone or differs, the cached copy is dropped here. Either the change's drop or this check comes
/// after our write, so no cached session outlives a change.
pub async fn remember(
    state: &AppState,
    token_hash: &str,
    session: Session,
) -> Result<Option<Session>, AppError> {
    if state.cache.backend() == Backend::Off {
        return Ok(Some(session));
    }
    if let Ok(json) = serde_json::to_string(&session) {
        state.cache.session_put(token_hash, &json).await;
    }
    let now = stored_session(state, token_hash).await?;
    if now.as_ref() != Some(&session) {
        state.cache.session_delete(token_hash).await;
    }
    Ok(now)
}

/// Drops the cached copies of these sessions (ended, or showing a user as they no longer are),
/// after the change that made them stale was committed; the next request reads the database.
pub async fn forget(state: &AppState, token_hashes: &[String]) {
    for hash in token_hashes {
        state.cache.session_delete(hash).await;
    }
}

/// The bearer token, `None` without an `Authorization` header.
fn bearer_token(parts: &Parts) -> Result<Option<&str>, AppError> {
    let Some(header) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = header
        .to_str()
        .map_err(|_| AppError::Unauthorized("the Authorization header is not valid text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthorized(
            "the Authorization header must be `Bearer <token>`",
        ))?;
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_hide_them() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert!(!token_hash(&a).contains(&a));
    }
}

#[cfg(test)]
mod csrf_tests {
    use super::*;

    #[test]
    fn csrf_tokens_belong_to_one_session() {
        let (a, b) = (new_token(), new_token());
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&a, &csrf_token(&b)));
        assert!(!csrf_matches(&a, ""));
        assert_ne!(csrf_token(&a), a);
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, "a=1; saleshub_session=tok".parse().unwrap());
        headers.append(COOKIE, "b=2".parse().unwrap());
        assert_eq!(session_cookie(&headers), Some("tok"));
        assert_eq!(cookie(&headers, "b"), Some("2"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
