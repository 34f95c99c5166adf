//! The activities of one contact or deal: `GET /api/contacts/{id}/activities` and
//! `GET /api/deals/{id}/activities`, with the same paging, filters and sorting as `/api/activities`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::auth::CurrentUser;
use crate::cached::{self, Cached};
use crate::error::AppError;
use crate::extract::{ApiPath, ApiQuery, QueryPairs};
use crate::reads;
use crate::state::AppState;
use crate::store::Parent;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/{id}/activities", get(of_contact))
        .route("/deals/{id}/activities", get(of_deal))
}

async fn of_contact(
    state: State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(pairs): QueryPairs,
) -> Result<Cached, AppError> {
    activities_of(state, user, Parent::Contact(id), pairs).await
}

async fn of_deal(
    state: State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(pairs): QueryPairs,
) -> Result<Cached, AppError> {
    activities_of(state, user, Parent::Deal(id), pairs).await
}

async fn activities_of(
    State(state): State<AppState>,
    user: CurrentUser,
    parent: Parent,
    pairs: Vec<(String, String)>,
) -> Result<Cached, AppError> {
    let read = reads::timeline(&state, user.visibility(), parent, pairs);
    cached::read_remembered(&state, read).await
}
