//! Sign in and out: `POST /api/auth/login` (no token needed; failed attempts are throttled, see
//! `crate::throttle`), `POST /api/auth/logout`, `GET /api/auth/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::auth::{self, CurrentUser};
use crate::error::AppError;
use crate::extract::{ApiJson, ClientAddr};
use crate::signin;
use crate::state::AppState;
use crate::store::User;

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

async fn login(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(login): ApiJson<Login>,
) -> Result<Response, AppError> {
    let signed_in = signin::sign_in(&state, login.email, login.password, address).await?;
    Ok((
        StatusCode::OK,
        Json(LoginAnswer {
            token: signed_in.token,
            expires_at: signed_in.session.expires_at,
            user: signed_in.session.user,
        }),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, user: CurrentUser) -> Result<StatusCode, AppError> {
    auth::end_session(&state, &user.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(user: CurrentUser) -> Json<User> {
    Json(user.user)
}
