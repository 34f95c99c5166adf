//! Cache-aside reads for handlers: load a [`Read`] (see [`crate::reads`]) through the cache and
//! answer its JSON with an `X-Cache` header saying whether it came from the cache (`HIT`), was
//! loaded (`MISS`) or bypassed it (`BYPASS`).

use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::cache::CacheStatus;
use crate::error::AppError;
use crate::reads::Read;
use crate::state::AppState;

/// Name of the response header carrying the cache outcome.
pub const X_CACHE: &str = "x-cache";

/// A JSON body read through the cache.
pub struct Cached {
    pub body: Arc<str>,
    pub status: CacheStatus,
}

/// Reads `read` through the cache; on a miss, loads it (after the injected database delay, if
/// any). Errors of the load are answered and never cached.
pub async fn read(state: &AppState, read: &Read) -> Result<Cached, AppError> {
    let delay = state.db_delay();
    let deps = read.dep_refs();
    let (body, status) = state
        .cache
        .get_or_load(read.ns, &deps, &read.key, move || async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            read.load().await
        })
        .await?;
    Ok(Cached { body, status })
}

/// Reads `read` through the cache like [`read`] and, when it succeeded, remembers it so that
/// writes which make it stale recompute it (see `crate::refresh`). A read that failed (a bad
/// parameter, a record that is gone) is not remembered: recomputing it would only fail again on
/// every later write, and it would take the slot of a read that succeeded.
pub async fn read_remembered(state: &AppState, read: Read) -> Result<Cached, AppError> {
    let read = Arc::new(read);
    let cached = self::read(state, &read).await?;
    state.refresh.remember(&read);
    Ok(cached)
}

impl IntoResponse for Cached {
    fn into_response(self) -> Response {
        json_text(StatusCode::OK, &self.body, Some(self.status))
    }
}

/// A response whose body is already-serialized JSON.
pub fn json_text(status: StatusCode, body: &str, cache: Option<CacheStatus>) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(cache) = cache {
        headers.insert(X_CACHE, HeaderValue::from_static(cache.as_str()));
    }
    response
}

/// Serializes a value for the cache, as an internal error if it cannot be (it always can).
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))
}
