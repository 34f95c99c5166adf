//! The HTTP transport: accepting connections, TLS, HTTP/1.1 and HTTP/2 on one port (hyper-util's
//! auto builder: h2c with prior knowledge next to HTTP/1.1 in the clear, ALPN under TLS), the
//! connection timeouts, the JSON answers for oversized request heads, response compression, and
//! graceful shutdown.
//!
//! SalesHub serves itself here rather than through `axum::serve`, which sets no timeouts: a client
//! that sent half a request head held its connection (and a task) forever. Now [`activity`] gives
//! each connection one timer that closes it when its first request does not begin in time, when an
//! HTTP/1 request head does not arrive whole in time, or when it sits idle; [`body`] bounds how
//! long a request body may trickle. A slow client only ever costs its own connection.
//!
//! Per request this adds no middleware and no timer: the head limits, the body deadline (only for
//! a body that is not already there) and the client's address are handled in [`Handler::call`],
//! and only a request that accepts an encoding goes through the compression layer.

mod activity;
mod body;
mod compression;
mod config;
mod head_limits;
mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use activity::{Activity, Verdict};
use body::BodyDeadline;
use compression::App;
pub use compression::COMPRESS_ABOVE;
pub use config::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, HttpConfig, TlsFiles,
};
pub use head_limits::{MAX_HEADERS, MAX_URI};

/// hyper's buffer for an HTTP/1 request head. The transport refuses heads well below it (see
/// `head_limits.rs`) with a JSON answer; only a head over this gets hyper's own empty 431.
const MAX_HEAD_BUFFER: usize = 64 * 1024;

/// The HTTP/2 counterpart (`SETTINGS_MAX_HEADER_LIST_SIZE`), above the JSON limits too.
const MAX_HEADER_LIST: u32 = 64 * 1024;

/// A bound socket with its protocols and timeouts, ready to serve.
pub struct Transport {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    config: HttpConfig,
}

impl Transport {
    /// Reads the TLS files (when configured); an unreadable or mismatched file is an error.
    pub fn new(listener: TcpListener, config: HttpConfig) -> anyhow::Result<Transport> {
        let tls = config.tls.as_ref().map(tls::acceptor).transpose()?;
        Ok(Transport {
            listener,
            tls,
            config,
        })
    }

    /// Serves `router` until `shutdown` resolves; then stops accepting, lets every connection
    /// finish its requests in flight (idle ones close at once; HTTP/2 gets a GOAWAY), and
    /// returns when all are closed.
    pub async fn serve(
        self,
        router: Router,
        shutdown: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        let shared = Arc::new(Shared {
            builder: builder(),
            app: App::new(router, self.config.compression),
            tls: self.tls,
            header_timeout: self.config.header_timeout,
            body_timeout: self.config.body_timeout,
            idle_timeout: self.config.idle_timeout,
        });
        // Every connection holds a receiver; the sender says "stop" and then learns, by all
        // receivers being dropped, that the last connection has closed.
        let (stop, stopped) = watch::channel(());
        let mut shutdown = pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        accept_failed(error).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            tokio::spawn(connection(shared.clone(), stream, peer, stopped.clone()));
        }
        drop(self.listener);
        drop(stopped);
        stop.send_replace(());
        stop.closed().await;
        Ok(())
    }
}

/// What every connection shares.
struct Shared {
    builder: Builder<TokioExecutor>,
    app: App,
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
    body_timeout: Duration,
    idle_timeout: Duration,
}

fn builder() -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    // No timer, so no header_read_timeout: [`activity`] bounds how long a head may take, at one
    // timer per connection instead of one per request.
    builder.http1().max_buf_size(MAX_HEAD_BUFFER);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEADER_LIST);
    builder
}

/// Accept errors are about one connection (it went away) or about the process (out of file
/// descriptors); for the latter, wait a little rather than spin.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed; retrying in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// One connection, from accept to close.
async fn connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    stop: watch::Receiver<()>,
) {
    // A compressed body goes out in several writes: without this, Nagle's algorithm holds the
    // last one back until the client's delayed ACK, 40 ms later.
    let _ = stream.set_nodelay(true);
    let activity = Activity::new(shared.header_timeout, shared.idle_timeout);
    match &shared.tls {
        None => drive(&shared, stream, peer, activity, stop).await,
        Some(acceptor) => {
            let handshake = acceptor.accept(stream);
            match tokio::time::timeout_at(activity.first_deadline(), handshake).await {
                Ok(Ok(stream)) => drive(&shared, stream, peer, activity, stop).await,
                Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out (--header-timeout)"),
            }
        }
    }
}

/// Serves requests on one connection until it closes, it has said nothing for too long, or the
/// server stops.
async fn drive<I>(
    shared: &Shared,
    io: I,
    peer: SocketAddr,
    activity: Arc<Activity>,
    mut stop: watch::Receiver<()>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handler = Handler {
        app: shared.app.clone(),
        peer,
        activity: activity.clone(),
        body_timeout: shared.body_timeout,
    };
    let mut connection = pin!(shared.builder.serve_connection(TokioIo::new(io), handler));
    let mut stopped = pin!(stop.changed());
    let mut timer = pin!(tokio::time::sleep_until(activity.first_deadline()));
    // Set once a graceful close began for want of requests: by then the client must be gone.
    let mut closing_by_timer = false;
    let mut stopping = false;
    loop {
        tokio::select! {
            biased;
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection closed with an error");
                }
                return;
            }
            _ = &mut stopped, if !stopping => {
                connection.as_mut().graceful_shutdown();
                stopping = true;
            }
            () = &mut timer => {
                if closing_by_timer {
                    // The client did not take its GOAWAY (or the close) in time.
                    return;
                }
                let now = Instant::now();
                match activity.verdict(now) {
                    Verdict::CheckAt(at) => timer.as_mut().reset(at),
                    Verdict::Close => {
                        connection.as_mut().graceful_shutdown();
                        closing_by_timer = true;
                        timer.as_mut().reset(now + shared.header_timeout);
                    }
                }
            }
        }
    }
}

/// The service hyper calls for each request: the app (behind the compression layer), with the
/// request counted in flight on its connection, its head checked against the limits, its body
/// under the body deadline, and the client's address for the app's extractors.
#[derive(Clone)]
struct Handler {
    app: App,
    peer: SocketAddr,
    activity: Arc<Activity>,
    body_timeout: Duration,
}

impl hyper::service::Service<Request<Incoming>> for Handler {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let in_flight = self.activity.begin(request.version());
        if let Some(refusal) = head_limits::refusal(&request) {
            return Box::pin(std::future::ready(Ok(refusal)));
        }
        let (mut parts, incoming) = request.into_parts();
        parts.extensions.insert(ConnectInfo(self.peer));
        let version = parts.version;
        let (body, deadline) = if incoming.is_end_stream() {
            (Body::new(incoming), None)
        } else {
            let deadline = BodyDeadline::new(self.body_timeout);
            (Body::new(deadline.guard(incoming)), Some(deadline))
        };
        let answer = self.app.clone().call(Request::from_parts(parts, body));
        Box::pin(async move {
            let response = answer.await;
            drop(in_flight);
            Ok(match deadline {
                Some(deadline) if deadline.expired() => deadline.answer(version),
                _ => response,
            })
        })
    }
}
