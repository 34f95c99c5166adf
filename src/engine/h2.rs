//! HTTP/2 on one connection, on the `h2` crate (hyper's own HTTP/2): framing, HPACK, flow control
//! and the server's stream limit are the crate's; this module opens the connection, sends one
//! request on it and reads the response to its end, in the shape the engine's HTTP/1.1 path uses
//! ([`Head`], [`Failure`]), so [`super::client`] treats both alike.
//!
//! A connection is driven by a task of its own (spawned on the runtime of whoever opened it: an
//! open or throughput lane's own thread, or the closed model's runtime) and shared by cloned
//! [`SendRequest`] handles; [`super::share`] decides who shares which connection.
//!
//! A request that fails before the server can have processed it (the connection was gone, the
//! server refused the stream, or a `GOAWAY` named it as unprocessed) comes back with
//! `written: false`, so the client may send it again on another connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::{Bytes, BytesMut};
use h2::Reason;
use h2::client::SendRequest;
use http::header::{CONNECTION, CONTENT_LENGTH, HOST, TE, TRANSFER_ENCODING, UPGRADE};
use http::uri::Authority;
use http::{HeaderName, HeaderValue, Method, Request, Uri, Version};

use super::h1::{Failure, Head, Stream};
use crate::model::ErrorKind;

/// Per-stream receive window: a response up to this size arrives without waiting for a window
/// update (the protocol's default, 64 KiB, would cost a round trip per 64 KiB of a large body).
const STREAM_WINDOW: u32 = 1 << 20;
/// Connection receive window, shared by its streams.
const CONNECTION_WINDOW: u32 = 1 << 24;

/// One HTTP/2 connection: the handle requests are sent with, and whether it is known to be gone.
pub(crate) struct H2 {
    pub send: SendRequest<Bytes>,
    /// Set when the connection's task ended, or when a request learned the connection is going
    /// away: no new request should be sent on it.
    pub gone: Arc<AtomicBool>,
    pub authority: Authority,
}

impl H2 {
    /// Whether new requests may go on this connection.
    pub fn is_open(&self) -> bool {
        !self.gone.load(Ordering::Acquire)
    }

    /// Marks the connection as not to be used for new requests.
    pub fn retire(&self) {
        self.gone.store(true, Ordering::Release);
    }
}

/// The HTTP/2 handshake on `io` (after TLS with ALPN `h2`, or plain for h2c with prior knowledge);
/// the connection's task is spawned on the current runtime. Returns once the server's SETTINGS
/// (its stream limit) are known.
pub(crate) async fn handshake(
    io: Stream,
    authority: Authority,
    max_streams: usize,
) -> Result<H2, String> {
    let (send, mut connection) = h2::client::Builder::new()
        .initial_max_send_streams(max_streams)
        .initial_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .enable_push(false)
        .handshake::<_, Bytes>(io)
        .await
        .map_err(|e| format!("HTTP/2 handshake failed: {e}"))?;
    let mut ping = connection.ping_pong();
    let gone = Arc::new(AtomicBool::new(false));
    let flag = gone.clone();
    tokio::spawn(async move {
        // Its errors reach the requests on it; it ends when the server closes or every handle
        // is dropped.
        let _ = connection.await;
        flag.store(true, Ordering::Release);
    });
    // The server's SETTINGS come first on the connection, so once a PING is answered its stream
    // limit is known: seats are then never handed out past it (one round trip per connection).
    if let Some(ping) = ping.as_mut() {
        ping.ping(h2::Ping::opaque())
            .await
            .map_err(|e| format!("HTTP/2 connection failed before its first request: {e}"))?;
    }
    Ok(H2 {
        send,
        gone,
        authority,
    })
}

/// Headers HTTP/2 forbids (RFC 9113, 8.2.2), dropped from the request: the connection carries
/// what they said in HTTP/1.1.
const CONNECTION_SPECIFIC: [HeaderName; 5] = [
    CONNECTION,
    TRANSFER_ENCODING,
    UPGRADE,
    HeaderName::from_static("proxy-connection"),
    HeaderName::from_static("keep-alive"),
];

/// Why a request on an HTTP/2 connection failed, and whether the connection is lost with it (a
/// failure of one stream leaves the others, and the connection, alone).
#[derive(Debug)]
pub(crate) struct StreamFailure {
    pub failure: Failure,
    pub connection_lost: bool,
}

/// Sends the request (`parts` with an absolute URI, and `body`) on `send` and reads the response
/// to its end; at most `keep` bytes of the response body are kept (the rest is read and counted,
/// as over HTTP/1.1).
pub(crate) async fn send(
    send: &mut SendRequest<Bytes>,
    mut parts: http::request::Parts,
    body: Bytes,
    keep: usize,
) -> Result<Head, StreamFailure> {
    let unsent = |what: &str, e: h2::Error| StreamFailure {
        failure: Failure {
            message: format!("{what}: {e}"),
            kind: ErrorKind::Protocol,
            written: false,
            answered: false,
        },
        connection_lost: true,
    };
    std::future::poll_fn(|cx| send.poll_ready(cx))
        .await
        .map_err(|e| unsent("the HTTP/2 connection is closed", e))?;
    let idempotent = matches!(
        parts.method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    );
    prepare_head(&mut parts, body.len());
    let request = Request::from_parts(parts, ());
    let (response, mut stream) = send
        .send_request(request, body.is_empty())
        .map_err(|e| unsent("starting an HTTP/2 stream", e))?;
    if !body.is_empty() {
        // Buffered by h2 and sent as the server's flow-control window allows.
        stream
            .send_data(body, true)
            .map_err(|e| failure("sending the request body", &e, idempotent))?;
    }
    let response = response
        .await
        .map_err(|e| failure("awaiting the HTTP/2 response", &e, idempotent))?;
    let (head, mut recv) = response.into_parts();
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut bytes_in = 0u64;
    let mut kept = 0usize;
    while let Some(chunk) = recv.data().await {
        let mut chunk = chunk.map_err(|e| failure("reading the response body", &e, false))?;
        let n = chunk.len();
        bytes_in += n as u64;
        // Hand the window back at once: the body is read whole, never held back.
        let _ = recv.flow_control().release_capacity(n);
        chunk.truncate(keep - kept);
        kept += chunk.len();
        if !chunk.is_empty() {
            match first.take() {
                None if rest.is_empty() => first = Some(chunk),
                Some(earlier) => {
                    rest.extend_from_slice(&earlier);
                    rest.extend_from_slice(&chunk);
                }
                None => rest.extend_from_slice(&chunk),
            }
        }
    }
    let body = first.unwrap_or_else(|| rest.freeze());
    Ok(Head {
        status: head.status.as_u16(),
        headers: head.headers,
        body,
        bytes_in,
        reusable: true,
    })
}

/// An HTTP/2 request head from the engine's request: version 2, the `Host` header turned into the
/// `:authority` (kept as the authority when it names another host), connection-specific headers
/// dropped, the body's length said.
fn prepare_head(parts: &mut http::request::Parts, body_len: usize) {
    parts.version = Version::HTTP_2;
    if let Some(host) = parts.headers.remove(HOST)
        && parts.uri.authority().map(Authority::as_str) != host.to_str().ok()
        && let Ok(authority) = Authority::try_from(host.as_bytes())
    {
        let mut uri = std::mem::take(&mut parts.uri).into_parts();
        uri.authority = Some(authority);
        if let Ok(uri) = Uri::from_parts(uri) {
            parts.uri = uri;
        }
    }
    for name in &CONNECTION_SPECIFIC {
        parts.headers.remove(name);
    }
    if parts
        .headers
        .get(TE)
        .is_some_and(|te| te.as_bytes() != b"trailers")
    {
        parts.headers.remove(TE);
    }
    let method = &parts.method;
    if body_len > 0 || *method == Method::POST || *method == Method::PUT || *method == Method::PATCH
    {
        parts
            .headers
            .insert(CONTENT_LENGTH, HeaderValue::from(body_len));
    } else {
        parts.headers.remove(CONTENT_LENGTH);
    }
}

/// A failure after the request started: not processed (so safe to send again) only when the
/// server refused the stream, or announced it was going away without having processed it and the
/// method is idempotent (a `GOAWAY` that ends a connection with streams in flight cannot be told
/// apart from one that names those streams unprocessed). A `GOAWAY` or an I/O error ends the
/// connection; a reset stream does not.
fn failure(what: &str, e: &h2::Error, idempotent: bool) -> StreamFailure {
    let refused = e.reason() == Some(Reason::REFUSED_STREAM);
    let went_away = e.is_go_away() && e.is_remote() && idempotent;
    // HTTP/2 tells whether the server processed the stream; a stream it may have processed
    // counts as answered, so it is never sent again.
    let processed = !(refused || went_away);
    StreamFailure {
        failure: Failure {
            message: format!("{what}: {e}"),
            kind: ErrorKind::Protocol,
            written: processed,
            answered: processed,
        },
        connection_lost: e.is_go_away() || e.is_io(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: Method, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut builder = Request::builder()
            .method(method)
            .uri("https://example.com:8443/a?b=1");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn requests_lose_http1_headers_and_keep_their_authority() {
        let mut parts = head(
            Method::POST,
            &[
                ("host", "example.com:8443"),
                ("connection", "keep-alive"),
                ("keep-alive", "timeout=5"),
                ("te", "gzip"),
                ("x-token", "abc"),
            ],
        );
        prepare_head(&mut parts, 0);
        assert_eq!(parts.version, Version::HTTP_2);
        let names: Vec<_> = parts.headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-token", "content-length"]);
        assert_eq!(parts.headers[CONTENT_LENGTH], "0");
        assert_eq!(parts.uri.authority().unwrap().as_str(), "example.com:8443");
        // A Host naming another virtual host becomes the :authority.
        let mut parts = head(Method::GET, &[("host", "other.test"), ("te", "trailers")]);
        prepare_head(&mut parts, 0);
        assert_eq!(parts.uri.authority().unwrap().as_str(), "other.test");
        assert_eq!(parts.uri.path_and_query().unwrap().as_str(), "/a?b=1");
        assert_eq!(parts.headers[TE], "trailers");
        assert!(!parts.headers.contains_key(CONTENT_LENGTH));
    }
}
