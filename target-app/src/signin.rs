//! Signing in with an email and a password, shared by `POST /api/auth/login` (a bearer token)
//! and the web form `POST /login` (a session cookie): both check the same limits on failed
//! attempts ([`crate::throttle`]), verify the password the same way and open the same kind of
//! session.

use std::net::IpAddr;
use std::time::Instant;

use time::OffsetDateTime;

use crate::auth::{self, SESSION_TTL};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{self, Session, password};

/// The answer to a wrong email or password (the same for both, so emails cannot be probed).
pub const WRONG: &str = "the email or password is wrong";

/// A new session: its token (for the client) and what it holds.
pub struct SignedIn {
    pub token: String,
    pub session: Session,
}

/// Verifies `email` and `password` and opens a session; `address` is the client's, for the
/// per-address limit. Refused with 429 (`TooManyRequests`) while a limit on failed attempts is
/// reached, before any verification.
pub async fn sign_in(
    state: &AppState,
    email: String,
    password: String,
    address: Option<IpAddr>,
) -> Result<SignedIn, AppError> {
    if email.is_empty() || email.len() > 254 {
        return Err(AppError::invalid(
            "email",
            "give the email you signed up with (1..=254 characters)",
        ));
    }
    if password.is_empty() || password.len() > 1024 {
        return Err(AppError::invalid(
            "password",
            "give your password (1..=1024 characters)",
        ));
    }
    if let Err(wait) = state.throttle.check(&email, address, Instant::now()) {
        // Whole seconds, rounded up, and at least one.
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(AppError::TooManyRequests {
            retry_after: retry_after.max(1),
        });
    }
    let token = auth::new_token();
    let hash = auth::token_hash(&token);
    let expires_at = OffsetDateTime::now_utc() + SESSION_TTL;
    let (session_hash, account) = (hash.clone(), email.clone());
    let user = state
        .store
        .call(move |conn| {
            let found = store::user_by_email(conn, &account)?;
            // Verify against a fixed hash when the user is unknown, so both cases cost the same.
            let (user, phc) = match found {
                Some((user, phc)) => (Some(user), phc),
                None => (None, auth::decoy_hash().to_string()),
            };
            if !password::verify(&password, &phc) {
                return Ok(None);
            }
            let Some(user) = user else { return Ok(None) };
            // Only if the role and password are still those just verified: a change meanwhile
            // would otherwise leave a session it should have ended.
            let created =
                store::create_verified_session(conn, &session_hash, &user, &phc, expires_at)?;
            Ok(created.then_some(user))
        })
        .await?;
    let Some(user) = user else {
        state.throttle.failed(&email, address, Instant::now());
        return Err(AppError::Unauthorized(WRONG));
    };
    state.throttle.succeeded(&email, address, Instant::now());
    let session = auth::remember(state, &hash, Session { user, expires_at })
        .await?
        .ok_or(AppError::Unauthorized(WRONG))?;
    Ok(SignedIn { token, session })
}
