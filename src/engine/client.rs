//! The HTTP client every engine sends through: HTTP/1.1 with keep-alive on a connection per user
//! or worker ([`Conn`], spoken by [`super::h1`]), https via rustls (aws-lc-rs; the platform's
//! trust store, or the scenario's CA file, see [`super::tls`]), one deadline per request
//! covering connect, send and the whole body, and a shorter one for connecting. Host names are
//! looked up once per run ([`super::resolve`]), again only after a connection failed.
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
use super::h1::{H1, Stream, encode_request};
use super::resolve::Resolver;
use crate::model::ErrorKind;
use crate::scenario::plan::{TargetSpec, TlsTrust};

/// The request body type sent by the engine.
pub type Body = Full<Bytes>;

/// A cheaply cloneable HTTP client: the deadlines, the TLS settings, the body cap and the
/// addresses resolved so far.
#[derive(Clone)]
pub struct HttpClient {
    tls: TlsConnector,
    timeout: Duration,
    connect_timeout: Duration,
    max_body: usize,
    resolver: Arc<Resolver>,
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
}

/// A request that produced no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    /// `Connect`, `Timeout`, `Tls` or `Protocol`.
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

/// A connection owned by one user or worker, opened on first use and reopened when the server
/// closes it. Between requests nothing polls it; a connection the server closed meanwhile is
/// noticed (and replaced) at the next send.
#[derive(Default)]
pub struct Conn {
    h1: Option<H1>,
    /// The authority the open connection goes to; a request elsewhere opens a new one.
    authority: Option<Authority>,
    /// The encoded request, reused from one request to the next.
    out: Vec<u8>,
}

impl Conn {
    /// A connection slot, not yet connected.
    pub fn new() -> Self {
        Conn::default()
    }

    /// Whether the connection is open, to `authority`.
    fn is_open_to(&self, authority: &Authority) -> bool {
        self.authority.as_ref() == Some(authority)
            && self.h1.as_ref().is_some_and(|h1| !h1.peer_closed())
    }

    /// Makes a new connection to `authority` this slot's.
    fn attach(&mut self, h1: H1, authority: Authority) {
        self.h1 = Some(h1);
        self.authority = Some(authority);
    }
}

impl HttpClient {
    /// A client with `timeout` per request (connect + send + whole body), trusting https targets
    /// as `trust` says; connecting may take all of `timeout`, bodies are kept up to the default
    /// cap. [`HttpClient::for_target`] takes all of these from the scenario.
    pub fn new(timeout: Duration, trust: &TlsTrust) -> Result<HttpClient, EngineError> {
        let mut config = super::tls::connector_config(trust)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(HttpClient {
            tls: TlsConnector::from(Arc::new(config)),
            timeout,
            connect_timeout: timeout,
            max_body: crate::scenario::plan::DEFAULT_MAX_BODY,
            resolver: Arc::default(),
        })
    }

    /// The client the scenario's `[target]` asks for: its timeouts, TLS trust and body cap.
    pub fn for_target(target: &TargetSpec) -> Result<HttpClient, EngineError> {
        Ok(HttpClient {
            connect_timeout: target.connect_timeout.min(target.timeout),
            max_body: target.max_body,
            ..HttpClient::new(target.timeout, &target.tls)?
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
                // The connection is mid-request: never reuse it.
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
        encode_request(
            &mut conn.out,
            &parts,
            &authority,
            &body.into_inner().unwrap_or_default(),
        );
        // One retry on a fresh connection when the old one turned out closed before the request
        // reached it (a keep-alive connection the server just dropped): that request was never
        // sent, so retrying it sends nothing twice. A request that may have been written, even
        // in part, is sent again only when its method is idempotent and no answer had begun.
        let mut fresh = false;
        loop {
            if !conn.is_open_to(&authority) {
                conn.attach(self.connect(&parts.uri).await?, authority.clone());
                fresh = true;
            }
            let Some(h1) = conn.h1.as_mut() else {
                continue;
            };
            match h1.send(&conn.out, &parts.method, keep_body).await {
                Ok(head) => {
                    if !head.reusable {
                        conn.h1 = None;
                    }
                    return Ok(Response {
                        status: head.status,
                        headers: head.headers,
                        body: head.body,
                        bytes_in: head.bytes_in,
                        uri: parts.uri,
                    });
                }
                Err(failure) => {
                    conn.h1 = None;
                    let unsent =
                        !failure.written || (parts.method.is_idempotent() && !failure.answered);
                    if fresh || !unsent {
                        return Err(ClientError::new(failure.kind, failure.message));
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

    /// A new connection to the host of `uri` (TLS for https), within the connect timeout.
    async fn connect(&self, uri: &Uri) -> Result<H1, ClientError> {
        let host = uri.host().unwrap_or_default();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let https = uri.scheme() == Some(&Scheme::HTTPS);
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let connected =
            tokio::time::timeout(self.connect_timeout, self.connect_to(host, port, https)).await;
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

    async fn connect_to(&self, host: &str, port: u16, https: bool) -> Result<H1, ClientError> {
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
        if !https {
            return Ok(H1::new(Stream::Plain(tcp), self.max_body));
        }
        let tls_failed = |what: &str, e: &dyn std::fmt::Display| {
            ClientError::new(ErrorKind::Tls, format!("{what}: {e}"))
        };
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| tls_failed("not a name a TLS certificate can be checked against", &e))?;
        let tls = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(|e| tls_failed("TLS handshake failed", &e))?;
        Ok(H1::new(Stream::Tls(Box::new(tls)), self.max_body))
    }

    /// How many host lookups this client (and its clones) made: one per host for a whole run,
    /// plus one after each failed connection.
    pub fn lookups(&self) -> u64 {
        self.resolver.lookups()
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
