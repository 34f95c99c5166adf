//! The router: every route, the JSON fallbacks for unknown paths and methods, and the layers (body
//! limit, panic guard, metrics, fault knobs, request tracing). `app(state)` is all a test needs to
//! serve SalesHub on a socket of its choosing.

use std::any::Any;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::error::AppError;
use crate::extract::BODY_LIMIT;
use crate::routes::{activities, analytics, auth, leads, ops, records, search, web};
use crate::state::AppState;
use crate::store::{Activity, Company, Contact, Deal, Lead, User};
use crate::{faults, metrics};

/// The whole service.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(records::router::<User>())
        .merge(records::router::<Company>())
        .merge(records::router::<Contact>())
        .merge(records::router::<Deal>())
        .merge(records::router::<Lead>())
        .merge(records::router::<Activity>())
        .merge(activities::router())
        .merge(leads::router())
        .merge(search::router())
        .merge(analytics::router())
        .merge(auth::router())
        .merge(auth::public_router())
        .layer(from_fn_with_state(state.clone(), faults::apply));
    Router::new()
        .nest("/api", api)
        .merge(ops::router())
        .merge(web::router())
        .fallback(unknown_path)
        .method_not_allowed_fallback(unknown_method)
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn unknown_path() -> AppError {
    AppError::NotFound("no such route; the API lives under /api (see target-app/README.md)".into())
}

async fn unknown_method(method: Method) -> Response {
    let error = AppError::BadRequest {
        message: format!("{method} is not allowed on this route"),
        field: None,
    };
    let mut response = error.into_response();
    *response.status_mut() = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    response
}

fn panicked(cause: Box<dyn Any + Send + 'static>) -> Response {
    let detail = cause
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| cause.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    AppError::Internal(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}
