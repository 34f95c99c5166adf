//! The request-body timeout: a body must arrive whole within `body_timeout` of its head, however
//! it trickles (one byte every few seconds never resets anything). hyper has no such timeout. The
//! transport wraps every request body that is not already complete in a [`TimedBody`] and keeps
//! its [`BodyDeadline`]; when the deadline passes, reading the body fails, and the transport
//! answers 408 in the app's error shape whatever the handler made of the failed read. On HTTP/1
//! the connection is then closed: the rest of the body is never read.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::http::header::{CONNECTION, HeaderValue};
use axum::http::{StatusCode, Version};
use axum::response::Response;
use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::error;

/// A request's body deadline, kept by the transport: whether it passed.
#[derive(Debug, Clone)]
pub struct BodyDeadline {
    limit: Duration,
    expired: Arc<AtomicBool>,
}

impl BodyDeadline {
    /// A deadline of `limit`; the body it guards is made with [`BodyDeadline::guard`].
    pub fn new(limit: Duration) -> BodyDeadline {
        BodyDeadline {
            limit,
            expired: Arc::new(AtomicBool::new(false)),
        }
    }

    /// `body`, failing once the deadline (`limit` from now) passes before it ends.
    pub fn guard<B>(&self, body: B) -> TimedBody<B> {
        TimedBody {
            inner: body,
            deadline: Instant::now() + self.limit,
            timer: None,
            expired: self.expired.clone(),
            limit: self.limit,
        }
    }

    /// Whether the body missed its deadline.
    pub fn expired(&self) -> bool {
        self.expired.load(Ordering::Acquire)
    }

    /// The answer for a request whose body missed it.
    pub fn answer(&self, version: Version) -> Response {
        timed_out(self.limit, version)
    }
}

/// The error a [`TimedBody`] fails with.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?} (--body-timeout)")]
pub struct BodyTimedOut(Duration);

/// A request body with a deadline for its last byte. The timer is made only when the body is
/// not already there, so a request whose body came with its head costs nothing.
pub struct TimedBody<B> {
    inner: B,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
    expired: Arc<AtomicBool>,
    limit: Duration,
}

impl<B> Body for TimedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        if this.expired.load(Ordering::Acquire) {
            return Poll::Ready(Some(Err(BodyTimedOut(this.limit).into())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let deadline = this.deadline;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.expired.store(true, Ordering::Release);
                Poll::Ready(Some(Err(BodyTimedOut(this.limit).into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The answer to a request whose body missed its deadline: 408 (`request_timeout`), with
/// `Connection: close` on HTTP/1.
pub fn timed_out(limit: Duration, version: Version) -> Response {
    let mut response = error::json_error(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        BodyTimedOut(limit).to_string(),
    );
    if version <= Version::HTTP_11 {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
