//! `GET /api/search?q=&type=&limit=` (BM25, typo-tolerant, with counts per type) and
//! `GET /api/search/suggest?q=&limit=` (autocomplete on word prefixes). Results are cached per query
//! and per what the user can see, and made stale by index commits that changed documents the user
//! can see (see [`crate::groups::search_commit_groups`]); a rep's cached answers are then recomputed in
//! the background (see `crate::refresh`). How each answer is keyed and loaded is in
//! [`crate::reads`].

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::cached::{self, Cached};
use crate::error::AppError;
use crate::extract::ApiQuery;
use crate::reads;
use crate::search::DocKind;
use crate::state::AppState;

/// Longest accepted search text, in characters.
pub const MAX_Q: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/search", get(search))
        .route("/search/suggest", get(suggest))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchParams {
    q: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    limit: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuggestParams {
    q: Option<String>,
    limit: Option<String>,
}

fn text_param(q: Option<String>) -> Result<String, AppError> {
    let q = q.unwrap_or_default().trim().to_string();
    if q.is_empty() {
        return Err(AppError::bad_param(
            "q",
            "give the text to search for in `q`",
        ));
    }
    if q.chars().count() > MAX_Q {
        return Err(AppError::bad_param(
            "q",
            format!("`q` is longer than {MAX_Q} characters"),
        ));
    }
    Ok(q)
}

fn limit_param(limit: Option<String>, default: usize, max: usize) -> Result<usize, AppError> {
    let Some(text) = limit else {
        return Ok(default);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(AppError::bad_param(
            "limit",
            format!("`limit` must be a whole number from 1 to {max}, got `{text}`"),
        )),
    }
}

async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Cached, AppError> {
    let q = text_param(params.q)?;
    let limit = limit_param(params.limit, 20, 100)?;
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<DocKind>()
                .map_err(|e| AppError::bad_param("type", e.to_string()))?,
        ),
    };
    let read = reads::search(&state, user.visibility(), q, kind, limit);
    cached::read_remembered(&state, read).await
}

async fn suggest(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<SuggestParams>,
) -> Result<Cached, AppError> {
    let q = text_param(params.q)?;
    let limit = limit_param(params.limit, 10, 20)?;
    let read = reads::suggest(&state, user.visibility(), q, limit);
    cached::read_remembered(&state, read).await
}
