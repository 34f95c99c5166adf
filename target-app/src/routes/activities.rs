//! The activities of one contact or deal: `GET /api/contacts/{id}/activities` and
//! `GET /api/deals/{id}/activities`, with the same paging, filters and sorting as `/api/activities`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::auth::CurrentUser;
use crate::cache::Namespace;
use crate::cached::{self, Cached, to_json};
use crate::error::AppError;
use crate::extract::{ApiPath, ApiQuery, QueryPairs};
use crate::groups::{cascade_group, record_group, scoped_group};
use crate::routes::records::list_key;
use crate::state::AppState;
use crate::store::{self, Parent};

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
    activities_of(state, user, "contacts", Parent::Contact(id), id, pairs).await
}

async fn of_deal(
    state: State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(pairs): QueryPairs,
) -> Result<Cached, AppError> {
    activities_of(state, user, "deals", Parent::Deal(id), id, pairs).await
}

async fn activities_of(
    State(state): State<AppState>,
    user: CurrentUser,
    parent_name: &'static str,
    parent: Parent,
    id: i64,
    pairs: Vec<(String, String)>,
) -> Result<Cached, AppError> {
    let key = list_key(&format!("{parent_name}/{id}/activities"), &pairs, &user);
    // Activities of any scope can hang off one parent, but this list shows only the user's.
    let groups = [
        "activities".to_string(),
        scoped_group("activities", &user.scope()),
        record_group(parent_name, id),
        cascade_group(parent_name),
    ];
    let vis = user.visibility();
    let store = state.store.clone();
    cached::read(
        &state,
        Namespace::Lists,
        &[&groups[0], &groups[1], &groups[2], &groups[3]],
        &key,
        move || async move {
            let page = store
                .call(move |conn| store::activities_of(conn, parent, &pairs, &vis))
                .await?
                .ok_or_else(|| AppError::NotFound(format!("{parent_name} {id}")))?;
            to_json(&page)
        },
    )
    .await
}
