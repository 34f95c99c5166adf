//! Sign in and out: `POST /api/auth/login` (no token needed), `POST /api/auth/logout`,
//! `GET /api/auth/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::{self, CurrentUser, SESSION_TTL};
use crate::error::AppError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::store::{self, Session, User, password};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct LoginAnswer {
    token: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    user: User,
}

/// Routes that need no token.
pub fn public_router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login))
}

/// Routes that need a token.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
}

const WRONG: &str = "the email or password is wrong";

async fn login(
    State(state): State<AppState>,
    ApiJson(login): ApiJson<Login>,
) -> Result<Response, AppError> {
    if login.email.is_empty() || login.email.len() > 254 {
        return Err(AppError::invalid(
            "email",
            "give the email you signed up with (1..=254 characters)",
        ));
    }
    if login.password.is_empty() || login.password.len() > 1024 {
        return Err(AppError::invalid(
            "password",
            "give your password (1..=1024 characters)",
        ));
    }
    let token = auth::new_token();
    let hash = auth::token_hash(&token);
    let expires_at = OffsetDateTime::now_utc() + SESSION_TTL;
    let session_hash = hash.clone();
    let user = state
        .store
        .call(move |conn| {
            let found = store::user_by_email(conn, &login.email)?;
            // Verify against a fixed hash when the user is unknown, so both cases cost the same.
            let (user, phc) = match found {
                Some((user, phc)) => (Some(user), phc),
                None => (None, auth::decoy_hash().to_string()),
            };
            if !password::verify(&login.password, &phc) {
                return Ok(None);
            }
            let Some(user) = user else { return Ok(None) };
            // Only if the role and password are still those just verified: a change meanwhile
            // would otherwise leave a session it should have ended.
            let created =
                store::create_verified_session(conn, &session_hash, &user, &phc, expires_at)?;
            Ok(created.then_some(user))
        })
        .await?
        .ok_or(AppError::Unauthorized(WRONG))?;
    let session = Session { user, expires_at };
    let session = auth::remember(&state, &hash, session)
        .await?
        .ok_or(AppError::Unauthorized(WRONG))?;
    Ok((
        StatusCode::OK,
        Json(LoginAnswer {
            token,
            expires_at,
            user: session.user,
        }),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, user: CurrentUser) -> Result<StatusCode, AppError> {
    let hash = user.token_hash.clone();
    state
        .store
        .call(move |conn| store::delete_session(conn, &hash))
        .await?;
    state.cache.session_delete(&user.token_hash).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(user: CurrentUser) -> Json<User> {
    Json(user.user)
}
