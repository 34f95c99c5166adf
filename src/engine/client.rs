//! The fast HTTP client every engine sends through: HTTP/1.1 with keep-alive on hyper, https via
//! rustls (aws-lc-rs; the platform's trust store, or the scenario's CA file, see [`super::tls`]), one deadline per request covering connect, send
//! and the whole body.
//!
//! Two ways to send, same semantics:
//! - through a shared pool (hyper-util's client, sized for the load): for the open model, where
//!   arrivals come and go and any idle connection will do;
//! - on a [`Conn`] owned by one virtual user or worker: no pool lock and no checkout per request,
//!   which is what lets the throughput model keep up with wrk (a pooled hyper client loop reaches
//!   about 0.8× wrk on this machine, see `/work/shared/REFERENCE.md`).
//!
//! Failures come back as [`ClientError`] with the recorder's [`ErrorKind`] already chosen, so the
//! caller only records them. Messages never contain the request (URL, headers or body): they can
//! carry secrets.

use std::error::Error as StdError;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tower_service::Service;

use super::context::EngineError;
use crate::results::schema::ErrorKind;
use crate::scenario::plan::TlsTrust;

/// The request body type sent by the engine.
pub type Body = Full<Bytes>;

type Connector = HttpsConnector<HttpConnector>;

/// A cheaply cloneable HTTP client (an `Arc` inside hyper's client and connector).
#[derive(Clone)]
pub struct HttpClient {
    pooled: Client<Connector, Body>,
    connector: Connector,
    timeout: Duration,
}

/// A response read to its end.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body, when the caller asked to keep it; empty otherwise.
    pub body: Bytes,
    /// Body bytes received (kept or not).
    pub bytes_in: u64,
}

/// A request that produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    /// `Connect`, `Timeout` or `Other`.
    pub kind: ErrorKind,
    pub message: String,
}

impl ClientError {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ClientError {
            kind,
            message: message.into(),
        }
    }
}

type Driver = http1::Connection<MaybeHttpsStream<TokioIo<TcpStream>>, Body>;

/// A connection owned by one user or worker, opened on first use and reopened when the server
/// closes it. Keeping one per user is what a browser or a wrk connection does.
///
/// Its hyper connection driver is polled by the request itself rather than by a task of its own:
/// one task wake-up per response instead of two hand-overs between tasks, which is most of the
/// difference to wrk on a small machine. Between requests nothing polls it; a connection the
/// server closed meanwhile is noticed (and replaced) at the next send.
#[derive(Default)]
pub struct Conn {
    sender: Option<http1::SendRequest<Body>>,
    driver: Option<Pin<Box<Driver>>>,
    /// The authority the open connection goes to; a request elsewhere opens a new one.
    authority: Option<Authority>,
}

impl Conn {
    /// A connection slot, not yet connected.
    pub fn new() -> Self {
        Conn::default()
    }

    /// Whether the connection is open, to `authority`.
    fn is_open_to(&self, authority: &Authority) -> bool {
        self.authority.as_ref() == Some(authority)
            && self.sender.as_ref().is_some_and(|s| !s.is_closed())
    }

    /// Makes a new connection to `authority` this slot's.
    fn attach(
        &mut self,
        (sender, driver): (http1::SendRequest<Body>, Driver),
        authority: Authority,
    ) {
        self.sender = Some(sender);
        self.driver = Some(Box::pin(driver));
        self.authority = Some(authority);
    }
}

impl HttpClient {
    /// A client whose shared pool keeps up to `pool_size` idle connections per host, with
    /// `timeout` per request (connect + send + whole body), trusting https targets as `trust` says.
    pub fn new(
        timeout: Duration,
        pool_size: usize,
        trust: &TlsTrust,
    ) -> Result<HttpClient, EngineError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let builder = match super::tls::client_config(trust)? {
            Some(config) => HttpsConnectorBuilder::new().with_tls_config(config),
            None => HttpsConnectorBuilder::new()
                .with_provider_and_platform_verifier(rustls::crypto::aws_lc_rs::default_provider())
                .map_err(|e| EngineError::Tls(e.to_string()))?,
        };
        let connector = builder.https_or_http().enable_http1().wrap_connector(http);
        let pooled = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(pool_size.max(1))
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector.clone());
        Ok(HttpClient {
            pooled,
            connector,
            timeout,
        })
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `req` (absolute URI) and reads the whole response, on `conn` when given, else through
    /// the shared pool. The body is kept only when `keep_body` is set (checks or extraction need it).
    pub async fn send(
        &self,
        conn: Option<&mut Conn>,
        req: Request<Body>,
        keep_body: bool,
    ) -> Result<Response, ClientError> {
        match conn {
            Some(conn) => {
                match tokio::time::timeout(self.timeout, self.send_on(conn, req, keep_body)).await {
                    Ok(result) => result,
                    Err(_) => {
                        // The connection is mid-request: never reuse it.
                        conn.sender = None;
                        conn.driver = None;
                        Err(self.timed_out())
                    }
                }
            }
            None => tokio::time::timeout(self.timeout, self.send_pooled(req, keep_body))
                .await
                .unwrap_or_else(|_| Err(self.timed_out())),
        }
    }

    fn timed_out(&self) -> ClientError {
        ClientError::new(
            ErrorKind::Timeout,
            format!(
                "no complete response within {}",
                humantime::format_duration(self.timeout)
            ),
        )
    }

    async fn send_pooled(
        &self,
        req: Request<Body>,
        keep_body: bool,
    ) -> Result<Response, ClientError> {
        let resp = self.pooled.request(req).await.map_err(|e| {
            let kind = if e.is_connect() {
                ErrorKind::Connect
            } else {
                ErrorKind::Other
            };
            ClientError::new(kind, chain(&e))
        })?;
        read_response(resp, keep_body).await
    }

    async fn send_on(
        &self,
        conn: &mut Conn,
        mut req: Request<Body>,
        keep_body: bool,
    ) -> Result<Response, ClientError> {
        let uri = req.uri().clone();
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| ClientError::new(ErrorKind::Other, "request URI has no host"))?;
        if !req.headers().contains_key(http::header::HOST) {
            let host = HeaderValue::from_str(authority.as_str())
                .map_err(|_| ClientError::new(ErrorKind::Other, "bad host"))?;
            req.headers_mut().insert(http::header::HOST, host);
        }
        // A connection sends origin-form: the path and query only.
        *req.uri_mut() = Uri::from(
            uri.path_and_query()
                .cloned()
                .unwrap_or_else(|| PathAndQuery::from_static("/")),
        );
        // One retry on a fresh connection when the old one turned out closed before the request
        // was written (a keep-alive connection the server just dropped): that request was never
        // sent, so retrying it sends nothing twice.
        let mut fresh = false;
        loop {
            if !conn.is_open_to(&authority) {
                conn.attach(self.connect(&uri).await?, authority.clone());
                fresh = true;
            }
            let Conn {
                sender: Some(sender),
                driver,
                ..
            } = conn
            else {
                continue;
            };
            if drive(driver, sender.ready()).await.is_err() {
                conn.sender = None;
                conn.driver = None;
                if fresh {
                    return Err(ClientError::new(
                        ErrorKind::Other,
                        "connection closed before the request was sent",
                    ));
                }
                continue;
            }
            match drive(driver, sender.try_send_request(req)).await {
                Ok(resp) => {
                    let result = drive(driver, read_response(resp, keep_body)).await;
                    if result.is_err() {
                        conn.sender = None;
                        conn.driver = None;
                    }
                    return result;
                }
                Err(mut e) => {
                    conn.sender = None;
                    conn.driver = None;
                    match e.take_message() {
                        Some(back) if !fresh => req = back,
                        _ => {
                            return Err(ClientError::new(ErrorKind::Other, chain(&e.into_error())));
                        }
                    }
                }
            }
        }
    }

    /// Connects `conn` to `base` now (when it is not connected there already), so that its first
    /// request does not pay for the connection.
    pub async fn open(&self, conn: &mut Conn, base: &BaseUrl) -> Result<(), ClientError> {
        if conn.is_open_to(&base.authority) {
            return Ok(());
        }
        let uri = base
            .uri(format!("{}/", base.prefix))
            .map_err(|e| ClientError::new(ErrorKind::Other, e.to_string()))?;
        let opened = tokio::time::timeout(self.timeout, self.connect(&uri))
            .await
            .unwrap_or_else(|_| Err(self.timed_out()))?;
        conn.attach(opened, base.authority.clone());
        Ok(())
    }

    async fn connect(&self, uri: &Uri) -> Result<(http1::SendRequest<Body>, Driver), ClientError> {
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(|e| ClientError::new(ErrorKind::Connect, chain(&*e)))?;
        let io = connector
            .call(uri.clone())
            .await
            .map_err(|e| ClientError::new(ErrorKind::Connect, chain(&*e)))?;
        http1::handshake(io)
            .await
            .map_err(|e| ClientError::new(ErrorKind::Connect, chain(&e)))
    }
}

/// Polls `fut` to completion while also driving the connection `driver` (when it ends, it is
/// dropped and `fut` sees the connection closed).
async fn drive<F: Future>(driver: &mut Option<Pin<Box<Driver>>>, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |cx| {
        loop {
            if let Poll::Ready(out) = fut.as_mut().poll(cx) {
                return Poll::Ready(out);
            }
            let ended = match driver.as_mut() {
                Some(d) => d.as_mut().poll(cx).is_ready(),
                None => false,
            };
            if !ended {
                return Poll::Pending;
            }
            *driver = None;
        }
    })
    .await
}

/// Splits a base URL into what requests are built from.
#[derive(Debug, Clone)]
pub struct BaseUrl {
    pub scheme: Scheme,
    pub authority: Authority,
    /// Path prefix without a trailing `/` (often empty).
    pub prefix: String,
}

impl BaseUrl {
    pub fn parse(url: &str) -> Result<BaseUrl, EngineError> {
        let bad = |reason: &str| EngineError::BadBaseUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let uri: Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| bad(&e.to_string()))?;
        let scheme = uri.scheme().cloned().ok_or_else(|| bad("no scheme"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(bad("the scheme must be http or https"));
        }
        let authority = uri.authority().cloned().ok_or_else(|| bad("no host"))?;
        if uri.query().is_some() {
            return Err(bad("a base URL takes no query"));
        }
        Ok(BaseUrl {
            scheme,
            authority,
            prefix: uri.path().trim_end_matches('/').to_string(),
        })
    }

    /// The absolute URI of `path_and_query`, which already starts with [`BaseUrl::prefix`].
    pub fn uri(&self, path_and_query: String) -> Result<Uri, http::Error> {
        let pq = PathAndQuery::from_maybe_shared(Bytes::from(path_and_query))?;
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(pq)
            .build()
    }

    /// The `Host` header for this base.
    pub fn host(&self) -> HeaderValue {
        HeaderValue::from_str(self.authority.as_str())
            .expect("an authority is a valid header value")
    }
}

async fn read_response(
    resp: hyper::Response<hyper::body::Incoming>,
    keep_body: bool,
) -> Result<Response, ClientError> {
    let (parts, mut body) = resp.into_parts();
    let read_err = |e: hyper::Error| {
        ClientError::new(
            ErrorKind::Other,
            format!("reading the response body: {}", chain(&e)),
        )
    };
    let (body, bytes_in) = if keep_body {
        let bytes = body.collect().await.map_err(read_err)?.to_bytes();
        let n = bytes.len() as u64;
        (bytes, n)
    } else {
        let mut n = 0u64;
        while let Some(frame) = body.frame().await {
            if let Some(data) = frame.map_err(read_err)?.data_ref() {
                n += data.len() as u64;
            }
        }
        (Bytes::new(), n)
    };
    Ok(Response {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
        bytes_in,
    })
}

/// An error and its causes on one line ("client error (Connect): tcp connect error: Connection
/// refused (os error 111)").
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
