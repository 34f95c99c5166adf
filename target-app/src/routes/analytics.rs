//! `GET /api/analytics/dashboard` and `GET /api/analytics/revenue?by=month|owner|industry`: SQL
//! aggregates over everything the user can see, expensive enough that the cache matters.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth::CurrentUser;
use crate::cached::{self, Cached};
use crate::error::AppError;
use crate::extract::ApiQuery;
use crate::reads;
use crate::state::AppState;
use crate::store::RevenueBy;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/analytics/dashboard", get(dashboard))
        .route("/analytics/revenue", get(revenue))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevenueParams {
    by: Option<String>,
}

async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(NoParams {}): ApiQuery<NoParams>,
) -> Result<Cached, AppError> {
    let today = OffsetDateTime::now_utc().date();
    let read = reads::dashboard(&state, user.visibility(), today);
    cached::read_remembered(&state, read).await
}

async fn revenue(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<RevenueParams>,
) -> Result<Cached, AppError> {
    let by_text = params.by.unwrap_or_else(|| "month".to_string());
    let by: RevenueBy = by_text.parse().map_err(|_| {
        AppError::bad_param(
            "by",
            format!("`by` must be one of month, owner, industry; got `{by_text}`"),
        )
    })?;
    let read = reads::revenue(&state, user.visibility(), by);
    cached::read_remembered(&state, read).await
}
