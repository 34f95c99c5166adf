//! `GET /api/analytics/dashboard` and `GET /api/analytics/revenue?by=month|owner|industry`: SQL
//! aggregates over everything the user can see, expensive enough that the cache matters.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth::CurrentUser;
use crate::cache::Namespace;
use crate::cached::{self, Cached, to_json};
use crate::error::AppError;
use crate::extract::ApiQuery;
use crate::groups;
use crate::refresh::Entry;
use crate::state::AppState;
use crate::store::{self, RevenueBy};

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
    let scope = user.scope();
    let key = format!("dashboard|{today}|{scope}");
    let deps = groups::dashboard_groups(&scope).to_vec();
    let vis = user.visibility();
    let store = state.store.clone();
    let entry = Entry::new(Namespace::Analytics, key, deps, move || {
        let store = store.clone();
        async move {
            let dashboard = store
                .call(move |conn| store::dashboard(conn, &vis, today))
                .await?;
            to_json(&dashboard)
        }
    });
    cached::read_entry(&state, entry).await
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
    let scope = user.scope();
    let key = format!("revenue|{by_text}|{scope}");
    let deps = groups::revenue_groups(&scope).to_vec();
    let vis = user.visibility();
    let store = state.store.clone();
    let entry = Entry::new(Namespace::Analytics, key, deps, move || {
        let store = store.clone();
        async move {
            let revenue = store
                .call(move |conn| store::revenue(conn, &vis, by))
                .await?;
            to_json(&revenue)
        }
    });
    cached::read_entry(&state, entry).await
}
