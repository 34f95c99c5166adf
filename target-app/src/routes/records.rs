//! Create, read, update, delete and list for every entity, written once: each entity's specifics
//! (its cache groups, who may write it, its search document) come from its [`Resource`] facts, and
//! how its reads are cached from [`crate::reads`].

use axum::Router;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::auth::{self, CurrentUser};
use crate::cached::{self, Cached, json_text, to_json};
use crate::error::AppError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, QueryPairs};
use crate::groups::Change;
use crate::reads;
use crate::resource::Resource;
use crate::state::AppState;
use crate::store::{self, Visibility};
use crate::writes::after_write;

/// `GET|POST /{NAME}` and `GET|PATCH|DELETE /{NAME}/{id}` for one entity.
pub fn router<E: Resource>() -> Router<AppState> {
    Router::new()
        .route(&format!("/{}", E::NAME), get(list::<E>).post(create::<E>))
        .route(
            &format!("/{}/{{id}}", E::NAME),
            get(read::<E>).patch(update::<E>).delete(remove::<E>),
        )
}

#[derive(Deserialize)]
struct Owner {
    owner_id: i64,
}

fn not_found<E: Resource>(id: i64) -> AppError {
    AppError::NotFound(format!("{} {id}", E::NAME))
}

/// Whether the user may see a record, judged from its cached JSON.
fn may_see<E: Resource>(user: &CurrentUser, json: &str) -> bool {
    if E::READABLE_BY_ALL {
        return true;
    }
    match user.visibility() {
        Visibility::All => true,
        Visibility::Owner(me) => {
            serde_json::from_str::<Owner>(json).is_ok_and(|o| o.owner_id == me)
        }
    }
}

async fn read<E: Resource>(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Cached, AppError> {
    let cached = cached::read(&state, &reads::record::<E>(&state, id)).await?;
    if may_see::<E>(&user, &cached.body) {
        Ok(cached)
    } else {
        Err(not_found::<E>(id))
    }
}

async fn list<E: Resource>(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(pairs): QueryPairs,
) -> Result<Cached, AppError> {
    let read = reads::list::<E>(&state, user.visibility(), pairs);
    cached::read_remembered(&state, read).await
}

async fn create<E: Resource>(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<E::Create>,
) -> Result<Response, AppError> {
    if E::ADMIN_WRITES {
        user.require_admin()?;
    }
    let vis = user.visibility();
    let owner = user.user.id;
    let record = state
        .store
        .transaction(move |conn| store::create::<E>(conn, input, owner, &vis))
        .await?;
    after_write(&state, &record, Change::Created).await;
    let mut response = json_text(StatusCode::CREATED, &to_json(&record)?, None);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/{}/{}", E::NAME, record.id())) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

async fn update<E: Resource>(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<E::Patch>,
) -> Result<Response, AppError> {
    if E::ADMIN_WRITES {
        user.require_admin()?;
    }
    let vis = user.visibility();
    let updated = state
        .store
        .transaction(move |conn| store::update_with_previous::<E>(conn, id, patch, &vis))
        .await?
        .ok_or_else(|| not_found::<E>(id))?;
    auth::forget(&state, &updated.stale_sessions).await;
    let record = updated.after;
    after_write(&state, &record, Change::Updated(Some(&updated.before))).await;
    Ok(json_text(StatusCode::OK, &to_json(&record)?, None))
}

async fn remove<E: Resource>(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    if E::ADMIN_WRITES {
        user.require_admin()?;
    }
    let vis = user.visibility();
    let deleted = state
        .store
        .transaction(move |conn| store::delete_returning::<E>(conn, id, &vis))
        .await?
        .ok_or_else(|| not_found::<E>(id))?;
    auth::forget(&state, &deleted.stale_sessions).await;
    after_write(&state, &deleted.record, Change::Deleted).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}
