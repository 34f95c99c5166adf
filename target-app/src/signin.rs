//! Signing in with an email and a password, shared by `POST /api/auth/login` (a bearer token)
//! and the web form `POST /login` (a session cookie): both check the same limits on failed
//! attempts ([`crate::throttle`]), verify the password the same way and open the same kind of
//! session.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

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
    let account = email.clone();
    let found = state
        .store
        .call(move |conn| store::user_by_email(conn, &account))
        .await?;
    // Verify against a fixed hash when the user is unknown, so both cases cost the same.
    let (user, phc) = match found {
        Some((user, phc)) => (Some(user), phc),
        None => (None, auth::decoy_hash().to_string()),
    };
    let verified = verify(password, phc.clone()).await?;
    let user = user.filter(|_| verified);
    let token = auth::new_token();
    let hash = auth::token_hash(&token);
    let expires_at = OffsetDateTime::now_utc() + SESSION_TTL;
    let user = match user {
        Some(user) => {
            let session_hash = hash.clone();
            state
                .store
                .call(move |conn| {
                    // Only if the role and password are still those just verified: a change
                    // meanwhile would otherwise leave a session it should have ended.
                    let created = store::create_verified_session(
                        conn,
                        &session_hash,
                        &user,
                        &phc,
                        expires_at,
                    )?;
                    Ok(created.then_some(user))
                })
                .await?
        }
        None => None,
    };
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

/// Longest a sign-in waits for a core to check its password before it is refused with 503 and
/// `Retry-After` (nothing verified, nothing counted against the account).
pub const SIGN_IN_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// Verifies `password` against the PHC string `phc` off the async runtime, at most one
/// verification per core at a time. An Argon2 verification takes 20-50 ms of CPU and 19 MiB of
/// memory: run unbounded (or inside a database call, as it once was), a crowd signing in at once
/// held every pooled SQLite connection and every core, and each request behind them waited;
/// bounded, sign-ins queue for a core while the rest of the API is served. One that would wait
/// longer than [`SIGN_IN_QUEUE_WAIT`] is refused at once rather than left to time out in the
/// client and be verified anyway for nobody.
async fn verify(password: String, phc: String) -> Result<bool, AppError> {
    static CORES: OnceLock<Semaphore> = OnceLock::new();
    let cores = CORES.get_or_init(|| {
        Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let core = match tokio::time::timeout(SIGN_IN_QUEUE_WAIT, cores.acquire()).await {
        Ok(core) => core,
        Err(_) => {
            return Err(AppError::SignInsBusy {
                retry_after: SIGN_IN_QUEUE_WAIT.as_secs(),
            });
        }
    };
    let _core =
        core.map_err(|e| AppError::Internal(anyhow::anyhow!("password verification: {e}")))?;
    tokio::task::spawn_blocking(move || password::verify(&password, &phc))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password verification: {e}")))
}
