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
use crate::groups::{cascade_group, timeline_group};
use crate::refresh::Entry;
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
    // Activities of any scope can hang off one parent, but this list shows only the user's. Its
    // timeline group is bumped by writes of the parent's activities and by a change of the
    // parent's owner, not by edits of the parent's other fields.
    let deps = vec![
        "activities".to_string(),
        timeline_group(parent_name, id),
        cascade_group(parent_name),
    ];
    let vis = user.visibility();
    let store = state.store.clone();
    let entry = Entry::new(Namespace::Lists, key, deps, move || {
        let (store, pairs) = (store.clone(), pairs.clone());
        async move {
            let page = store
                .call(move |conn| store::activities_of(conn, parent, &pairs, &vis))
                .await?
                .ok_or_else(|| AppError::NotFound(format!("{parent_name} {id}")))?;
            to_json(&page)
        }
    });
    cached::read_entry(&state, entry).await
}
