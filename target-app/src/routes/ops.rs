//! Operations endpoints, outside `/api` and without a token: `GET /health` (200 with the state of the
//! database, cache and search index; 503 when the database is unusable) and `GET /metrics`.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::state::AppState;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
}

async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let db = state.store.call(|conn| store::health(conn)).await;
    let cache = state.cache.health().await;
    let search_docs = state.search.num_docs();
    let db_ok = db.is_ok();
    let status = if !db_ok {
        "unavailable"
    } else if cache.state == "down" {
        "degraded"
    } else {
        "ok"
    };
    let body = json!({
        "status": status,
        "version": env!("CARGO_PKG_VERSION"),
        "database": match &db {
            Ok(()) => json!({"state": "up"}),
            Err(error) => json!({"state": "down", "error": error.to_string()}),
        },
        "cache": {
            "backend": cache.backend.to_string(),
            "state": cache.state,
            "breaker_open": state.cache.breaker_open(),
        },
        "search": {"state": "up", "documents": search_docs},
    });
    let code = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
