//! The dashboard's routes: `/` the page, `/events` its frames as server-sent events (the current
//! frame at once, then each new one), `/report.html` the final report once written. Anything else
//! is a 404.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use futures_util::Stream;

use super::{Shared, page};

pub(crate) fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/events", get(events))
        .route("/report.html", get(report))
        .with_state(shared)
}

async fn index(State(shared): State<Arc<Shared>>) -> Html<String> {
    *shared.last_view.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::time::Instant::now());
    let frame = shared.frames.borrow().clone();
    Html(page::document(&shared.title, &frame))
}

async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = shared.frames.subscribe();
    let stream = futures_util::stream::unfold((rx, true), |(mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let frame = rx.borrow_and_update().clone();
        let event = Event::default()
            .event(if frame.ended { "end" } else { "frame" })
            .id(frame.seq.to_string())
            .data(frame.html.as_str());
        Some((Ok(event), (rx, false)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn report(State(shared): State<Arc<Shared>>) -> Response {
    let path = shared
        .report
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let Some(path) = path else {
        return (
            StatusCode::NOT_FOUND,
            "the report is written when the run ends",
        )
            .into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], bytes).into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            format!("the report cannot be read: {e}"),
        )
            .into_response(),
    }
}
