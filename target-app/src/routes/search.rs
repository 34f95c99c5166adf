//! `GET /api/search?q=&type=&limit=` (BM25, typo-tolerant, with counts per type) and
//! `GET /api/search/suggest?q=&limit=` (autocomplete on word prefixes). Results are cached per query
//! and per what the user can see, and made stale by index commits that changed documents the user
//! can see (see [`groups::search_commit_groups`]); a rep's cached answers are then recomputed in
//! the background (see `crate::refresh`).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::cache::Namespace;
use crate::cached::{self, Cached, to_json};
use crate::error::AppError;
use crate::extract::ApiQuery;
use crate::groups;
use crate::refresh::Entry;
use crate::search::{DocKind, SearchHit, SearchRequest, Suggestion};
use crate::state::AppState;
use crate::store::Visibility;

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

#[derive(Serialize)]
struct SearchAnswer<'a> {
    query: &'a str,
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    total: u64,
    facets: std::collections::BTreeMap<String, u64>,
    hits: Vec<SearchHit>,
}

#[derive(Serialize)]
struct SuggestAnswer<'a> {
    query: &'a str,
    suggestions: Vec<Suggestion>,
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

fn owner_filter(user: &CurrentUser) -> Option<i64> {
    match user.visibility() {
        Visibility::All => None,
        Visibility::Owner(id) => Some(id),
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
    let key = format!(
        "q={q}|type={}|limit={limit}|{}",
        kind.map(|k| k.as_str()).unwrap_or(""),
        user.scope()
    );
    let deps = groups::search_groups(&user.scope()).to_vec();
    // Weak: a remembered query must not keep the index (and its committer) open.
    let index = state.search.downgrade();
    let owner = owner_filter(&user);
    let entry = Entry::new(Namespace::Search, key, deps, move || {
        let (index, q) = (index.clone(), q.clone());
        async move {
            let index = index.upgrade()?;
            let request = SearchRequest {
                q: q.clone(),
                kind,
                owner,
                limit,
            };
            let results = tokio::task::spawn_blocking(move || index.search(&request)).await??;
            to_json(&SearchAnswer {
                query: &q,
                kind: kind.map(|k| k.as_str()),
                total: results.total,
                facets: results.facets,
                hits: results.hits,
            })
        }
    });
    cached::read_entry(&state, entry).await
}

async fn suggest(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(params): ApiQuery<SuggestParams>,
) -> Result<Cached, AppError> {
    let q = text_param(params.q)?;
    let limit = limit_param(params.limit, 10, 20)?;
    let key = format!("suggest={q}|limit={limit}|{}", user.scope());
    let deps = groups::search_groups(&user.scope()).to_vec();
    // Weak: a remembered query must not keep the index (and its committer) open.
    let index = state.search.downgrade();
    let owner = owner_filter(&user);
    let entry = Entry::new(Namespace::Search, key, deps, move || {
        let (index, q) = (index.clone(), q.clone());
        async move {
            let index = index.upgrade()?;
            let prefix = q.clone();
            let suggestions =
                tokio::task::spawn_blocking(move || index.suggest(&prefix, owner, limit)).await??;
            to_json(&SuggestAnswer {
                query: &q,
                suggestions,
            })
        }
    });
    cached::read_entry(&state, entry).await
}
