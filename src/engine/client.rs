//! The HTTP client every engine sends through: HTTP/1.1 with keep-alive on a connection per user
//! or worker ([`Conn`], spoken by [`super::h1`]), or HTTP/2 on connections users share
//! ([`super::h2`], seats from a [`Pool`]), https via rustls (aws-lc-rs; the platform's trust
//! store, or the scenario's CA file, see [`super::tls`]), one deadline per request covering
//! connect, send and the whole body, and a shorter one for connecting. Host names are looked up
//! once per run ([`super::resolve`]), again only after a connection failed.
//!
//! Which protocol a connection speaks is decided when it opens ([`HttpClient::connect`], the
//! one place): `[target] http = "1.1"` or `auto` on plain http → HTTP/1.1; `"2"` on plain http →
//! h2c with prior knowledge; over TLS the server's ALPN answer to the offer (`h2` and `http/1.1`
//! for `auto`, `h2` alone for `"2"`).
//!
//! There is no shared pool: a virtual user, a throughput worker or an open-model worker each
//! send on a connection of their own, as a browser or a wrk connection does, with no lock and no
//! checkout per request (a pooled hyper client loop reached about 0.8× wrk on a 2-core machine; this client, about 1.0×:
//! see `bench/README.md`).
//!
//! Failures come back as [`ClientError`] with the recorder's [`ErrorKind`] already chosen, so the
//! caller only records them. Messages never contain the request (URL, headers or body): they can
//! carry secrets.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderMap, HeaderValue, Request, Uri};
use http_body_util::Full;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::context::EngineError;
use super::h1::{H1, Head, Stream, encode_request};
use super::h2::H2;
use super::resolve::Resolver;
use super::share::{Pool, Seat};
use crate::model::{ErrorKind, Protocol};
use crate::scenario::plan::{HttpVersion, TargetSpec, TlsTrust};

/// The request body type sent by the engine.
pub type Body = Full<Bytes>;

/// A cheaply cloneable HTTP client: the deadlines, the TLS settings, the HTTP version, the body
/// cap and the addresses resolved so far.
#[derive(Clone)]
pub struct HttpClient {
    tls: TlsConnector,
    timeout: Duration,
    connect_timeout: Duration,
    max_body: usize,
    resolver: Arc<Resolver>,
    http: HttpVersion,
    /// HTTP/2: users or workers per connection.
    max_streams: usize,
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
    /// The URI the request went to (cookies and redirects are resolved against it).
    pub uri: Uri,
    /// The protocol that carried the response.
    pub protocol: Protocol,
}

#[cfg(test)]
impl Response {
    /// A plain HTTP/1.1 `200` with `headers` and `body`, as if from `http://127.0.0.1/`.
    pub(crate) fn ok(headers: HeaderMap, body: Bytes) -> Response {
        Response {
            status: 200,
            headers,
            bytes_in: body.len() as u64,
            body,
            uri: Uri::from_static("http://127.0.0.1/"),
            protocol: Protocol::Http1,
        }
    }
}

/// A request that produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    /// `Connect`, `Timeout` or `Other`.
    pub kind: ErrorKind,
    pub message: String,
}

impl ClientError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ClientError {
            kind,
            message: message.into(),
        }
    }
}

/// One user's or worker's connection: an HTTP/1.1 connection of its own, or a seat on a shared
/// HTTP/2 connection; opened on first use and reopened when the server closes it. Between
/// requests nothing polls it; a connection the server closed meanwhile is noticed (and replaced)
/// at the next send.
#[derive(Default)]
pub struct Conn {
    h1: Option<H1>,
    h2: Option<Seat>,
    /// Where HTTP/2 seats come from; `None`: a pool of this user's own, made on first use.
    pool: Option<Arc<Pool>>,
    /// The authority the open HTTP/1.1 connection goes to; a request elsewhere opens a new one.
    authority: Option<Authority>,
    /// The encoded request, reused from one request to the next.
    out: Vec<u8>,
}

/// A new connection, in the protocol it speaks.
enum Link {
    H1(H1),
    H2(H2),
}

impl Conn {
    /// A connection slot, not yet connected.
    pub fn new() -> Self {
        Conn::default()
    }

    /// Makes this user's HTTP/2 connections seats in `pool` (shared with the pool's other users)
    /// from the next connection on.
    pub fn share(&mut self, pool: &Arc<Pool>) {
        self.pool = Some(pool.clone());
    }

    /// The protocol of the open connection, if one is open.
    pub fn protocol(&self) -> Option<Protocol> {
        if self.h2.is_some() {
            Some(Protocol::Http2)
        } else {
            self.h1.as_ref().map(|_| Protocol::Http1)
        }
    }

    /// Whether the connection is open, to `authority`.
    fn is_open_to(&self, authority: &Authority) -> bool {
        if let Some(seat) = &self.h2 {
            return seat.is_open_to(authority);
        }
        self.authority.as_ref() == Some(authority)
            && self.h1.as_ref().is_some_and(|h1| !h1.peer_closed())
    }

    /// Closes whatever connection this slot holds (a seat is given up, its connection stays).
    fn drop_link(&mut self) {
        self.h1 = None;
        self.h2 = None;
    }
}

impl HttpClient {
    /// An HTTP/1.1 client with `timeout` per request (connect + send + whole body), trusting
    /// https targets as `trust` says; connecting may take all of `timeout`, bodies are kept up to
    /// the default cap. [`HttpClient::for_target`] takes all of these from the scenario.
    pub fn new(timeout: Duration, trust: &TlsTrust) -> Result<HttpClient, EngineError> {
        HttpClient::build(timeout, trust, HttpVersion::Http1, 1)
    }

    /// The client the scenario's `[target]` asks for: its timeouts, TLS trust, HTTP version and
    /// body cap.
    pub fn for_target(target: &TargetSpec) -> Result<HttpClient, EngineError> {
        Ok(HttpClient {
            connect_timeout: target.connect_timeout.min(target.timeout),
            max_body: target.max_body,
            ..HttpClient::build(
                target.timeout,
                &target.tls,
                target.http_version,
                target.max_streams as usize,
            )?
        })
    }

    fn build(
        timeout: Duration,
        trust: &TlsTrust,
        http: HttpVersion,
        max_streams: usize,
    ) -> Result<HttpClient, EngineError> {
        let mut config = super::tls::connector_config(trust)?;
        config.alpn_protocols = match http {
            HttpVersion::Http1 => vec![b"http/1.1".to_vec()],
            HttpVersion::Http2 => vec![b"h2".to_vec()],
            HttpVersion::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        };
        Ok(HttpClient {
            tls: TlsConnector::from(Arc::new(config)),
            timeout,
            connect_timeout: timeout,
            max_body: crate::scenario::plan::DEFAULT_MAX_BODY,
            resolver: Arc::default(),
            http,
            max_streams: max_streams.max(1),
        })
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends `req` (absolute URI) on `conn` and reads the whole response. The body is kept only
    /// when `keep_body` is set (checks or extraction need it).
    pub async fn send(
        &self,
        conn: &mut Conn,
        req: Request<Body>,
        keep_body: bool,
    ) -> Result<Response, ClientError> {
        match tokio::time::timeout(self.timeout, self.send_on(conn, req, keep_body)).await {
            Ok(result) => result,
            Err(_) => {
                // The connection is mid-request: never reuse it (an HTTP/2 stream is reset when
                // its future is dropped; the connection and its other streams go on).
                conn.h1 = None;
                Err(self.timed_out())
            }
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

    async fn send_on(
        &self,
        conn: &mut Conn,
        req: Request<Body>,
        keep_body: bool,
    ) -> Result<Response, ClientError> {
        let (parts, body) = req.into_parts();
        let authority = parts
            .uri
            .authority()
            .cloned()
            .ok_or_else(|| ClientError::new(ErrorKind::Other, "request URI has no host"))?;
        let body = body.into_inner().unwrap_or_default();
        // One retry on a fresh connection when the old one turned out closed before the request
        // reached it (a keep-alive connection the server just dropped, an HTTP/2 stream the server
        // refused or announced it had not processed): that request was never processed, so
        // retrying it sends nothing twice. A request that may have been written, even in part, is
        // sent again only when its method is idempotent and no answer had begun.
        let mut fresh = false;
        let mut encoded = false;
        loop {
            if !conn.is_open_to(&authority) {
                self.attach(conn, &parts.uri, &authority).await?;
                fresh = true;
            }
            let (result, protocol) = if let Some(seat) = conn.h2.as_mut() {
                let keep = if keep_body { self.max_body } else { 0 };
                let sent = super::h2::send(&mut seat.send, parts.clone(), body.clone(), keep);
                let result = match sent.await {
                    Ok(head) => Ok(head),
                    Err(lost) => {
                        if lost.connection_lost {
                            seat.retire();
                            conn.h2 = None;
                        }
                        Err(lost.failure)
                    }
                };
                (result, Protocol::Http2)
            } else if let Some(h1) = conn.h1.as_mut() {
                if !encoded {
                    encode_request(&mut conn.out, &parts, &authority, &body);
                    encoded = true;
                }
                let result = h1.send(&conn.out, &parts.method, keep_body).await;
                if result.as_ref().map_or(true, |head| !head.reusable) {
                    conn.h1 = None;
                }
                (result, Protocol::Http1)
            } else {
                continue;
            };
            match result {
                Ok(head) => return Ok(response(head, protocol, parts.uri)),
                Err(failure) => {
                    let unsent =
                        !failure.written || (parts.method.is_idempotent() && !failure.answered);
                    if fresh || !unsent {
                        return Err(ClientError::new(failure.kind, failure.message));
                    }
                }
            }
        }
    }

    /// Whether a connection for `uri` may turn out to speak HTTP/2.
    fn may_speak_h2(&self, uri: &Uri) -> bool {
        match self.http {
            HttpVersion::Http1 => false,
            HttpVersion::Http2 => true,
            HttpVersion::Auto => uri.scheme() == Some(&Scheme::HTTPS),
        }
    }

    /// Gives `conn` an open connection to `authority`: a seat on a shared HTTP/2 connection (an
    /// existing one with room, or a new one), or an HTTP/1.1 connection of its own.
    async fn attach(
        &self,
        conn: &mut Conn,
        uri: &Uri,
        authority: &Authority,
    ) -> Result<(), ClientError> {
        conn.drop_link();
        let pool = conn
            .pool
            .get_or_insert_with(|| Pool::new(self.max_streams))
            .clone();
        // Held while connecting, so that users arriving together share the new connection.
        let mut _opening = None;
        if self.may_speak_h2(uri) && !pool.speaks_http1() {
            if let Some(seat) = pool.take_seat(authority) {
                conn.h2 = Some(seat);
                return Ok(());
            }
            let guard = pool.opening().await;
            // Someone else may have opened one meanwhile.
            if let Some(seat) = pool.take_seat(authority) {
                conn.h2 = Some(seat);
                return Ok(());
            }
            // When the server turned out to choose HTTP/1.1, everyone connects on their own.
            if !pool.speaks_http1() {
                _opening = Some(guard);
            }
        }
        match self.connect(uri, authority, pool.max_streams()).await? {
            Link::H2(h2) => conn.h2 = Some(pool.add(h2)),
            Link::H1(h1) => {
                if self.may_speak_h2(uri) {
                    pool.chose_http1();
                }
                conn.h1 = Some(h1);
                conn.authority = Some(authority.clone());
            }
        }
        Ok(())
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
        tokio::time::timeout(self.timeout, self.attach(conn, &uri, &base.authority))
            .await
            .unwrap_or_else(|_| Err(self.timed_out()))
    }

    /// The protocol a connection to `base` speaks: the configured one, or over TLS with `auto`,
    /// what the server answers to the ALPN offer (one connection is opened to ask). `None` when
    /// it cannot be told (the target does not answer: its requests will say why).
    pub async fn protocol(&self, base: &BaseUrl) -> Option<Protocol> {
        let probe = base.uri(format!("{}/", base.prefix)).ok()?;
        match self.http {
            HttpVersion::Http1 => Some(Protocol::Http1),
            HttpVersion::Http2 => Some(Protocol::Http2),
            HttpVersion::Auto if !self.may_speak_h2(&probe) => Some(Protocol::Http1),
            HttpVersion::Auto => {
                let mut conn = Conn::new();
                self.open(&mut conn, base).await.ok()?;
                conn.protocol()
            }
        }
    }

    /// A pool of HTTP/2 connections for users or workers to share (see [`super::share`]).
    pub fn pool(&self) -> Arc<Pool> {
        Pool::new(self.max_streams)
    }

    /// HTTP/2: users or workers per connection (`[target] max_streams`).
    pub fn max_streams(&self) -> usize {
        self.max_streams
    }

    /// A new connection to the host of `uri` (TLS for https), within the connect timeout,
    /// speaking the protocol the configuration and the server's ALPN answer give.
    async fn connect(
        &self,
        uri: &Uri,
        authority: &Authority,
        max_streams: usize,
    ) -> Result<Link, ClientError> {
        let host = uri.host().unwrap_or_default();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let https = uri.scheme() == Some(&Scheme::HTTPS);
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let connected = tokio::time::timeout(
            self.connect_timeout,
            self.connect_to(host, port, https, authority, max_streams),
        )
        .await;
        let result = connected.unwrap_or_else(|_| {
            Err(ClientError::new(
                ErrorKind::Connect,
                format!(
                    "no connection within the connect timeout ({})",
                    humantime::format_duration(self.connect_timeout)
                ),
            ))
        });
        if result.is_err() {
            // The address may have moved: look it up again for the next connection.
            self.resolver.forget(host, port);
        }
        result
    }

    async fn connect_to(
        &self,
        host: &str,
        port: u16,
        https: bool,
        authority: &Authority,
        max_streams: usize,
    ) -> Result<Link, ClientError> {
        let refused = |what: &str, e: &dyn std::fmt::Display| {
            ClientError::new(ErrorKind::Connect, format!("{what}: {e}"))
        };
        let addrs = self
            .resolver
            .resolve(host, port)
            .await
            .map_err(|e| refused("cannot resolve the host", &e))?;
        let mut last = None;
        let mut tcp = None;
        for addr in addrs.iter() {
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    tcp = Some(stream);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let tcp = match (tcp, last) {
            (Some(tcp), _) => tcp,
            (None, Some(e)) => return Err(refused("tcp connect error", &e)),
            (None, None) => return Err(refused("cannot resolve the host", &"no address")),
        };
        tcp.set_nodelay(true)
            .map_err(|e| refused("tcp connect error", &e))?;
        let (stream, h2) = if https {
            let tls_failed = |what: &str, e: &dyn std::fmt::Display| {
                ClientError::new(ErrorKind::Tls, format!("{what}: {e}"))
            };
            let name = ServerName::try_from(host.to_string()).map_err(|e| {
                tls_failed("not a name a TLS certificate can be checked against", &e)
            })?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| tls_failed("TLS handshake failed", &e))?;
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            if !h2 && self.http == HttpVersion::Http2 {
                return Err(ClientError::new(
                    ErrorKind::Tls,
                    "the server did not agree to HTTP/2 in the TLS handshake (ALPN): set \
                     `[target] http = \"auto\"` to use HTTP/1.1 with it",
                ));
            }
            (Stream::Tls(Box::new(tls)), h2)
        } else {
            (Stream::Plain(tcp), self.http == HttpVersion::Http2)
        };
        if !h2 {
            return Ok(Link::H1(H1::new(stream, self.max_body)));
        }
        super::h2::handshake(stream, authority.clone(), max_streams)
            .await
            .map(Link::H2)
            .map_err(|e| ClientError::new(ErrorKind::Protocol, e))
    }

    /// How many host lookups this client (and its clones) made: one per host for a whole run,
    /// plus one after each failed connection.
    pub fn lookups(&self) -> u64 {
        self.resolver.lookups()
    }
}

/// The client's response from a connection's.
fn response(head: Head, protocol: Protocol, uri: Uri) -> Response {
    Response {
        status: head.status,
        headers: head.headers,
        body: head.body,
        bytes_in: head.bytes_in,
        uri,
        protocol,
    }
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
