//! HTTP/1.1 on one connection, by hand: the engine's hot path.
//!
//! hyper's client connection splits each request between a sender and a connection driver joined
//! by channels, and streams each body through one more; with the load generator and the target
//! sharing two cores, that machinery cost about as much CPU as the request's own syscalls. The
//! engine needs none of it: one request at a time per connection, bodies small and read whole.
//! So a request is written from one buffer in one write, the response head is parsed with
//! `httparse` straight from the read buffer (header values are slices of it, not copies), and the
//! body (`Content-Length`, chunked, or until the server closes) is read into the same buffer.
//!
//! A kept body is capped (`[target] max_body`): past the cap the rest is read and counted, not
//! kept, so a huge or endless answer cannot exhaust memory.
//!
//! Not supported, on purpose: pipelining, upgrades (a `101` is an error), trailers (read and
//! dropped). `1xx` heads before the response are skipped. Bodies are counted and kept as received:
//! content codings are undone above this layer ([`super::decode`]), only for a step that reads them.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::model::ErrorKind;

/// Response heads larger than this are refused (a server gone wrong, not a real response).
const MAX_HEAD: usize = 64 * 1024;
/// Headers a response head may have at most.
const MAX_HEADERS: usize = 128;
/// Free room the read buffer keeps before each read.
const READ_CHUNK: usize = 16 * 1024;

/// A TCP connection, with TLS or without.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref().0,
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A response read to its end, as the connection saw it.
#[derive(Debug)]
pub(crate) struct Head {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body when asked to keep it, else empty.
    pub body: Bytes,
    /// Body bytes received (after chunked decoding), kept or not.
    pub bytes_in: u64,
    /// Whether the connection may carry another request.
    pub reusable: bool,
}

/// Why a request on a connection failed.
#[derive(Debug)]
pub(crate) struct Failure {
    pub message: String,
    /// `Protocol`, or `Tls` when the TLS layer broke the connection.
    pub kind: ErrorKind,
    /// False when no byte of the request reached the connection: sending it again on another
    /// connection sends nothing twice.
    pub written: bool,
    /// Whether any byte of a response came back. A request that was written but got no answer
    /// at all may be sent again only when its method is idempotent.
    pub answered: bool,
}

impl Failure {
    fn io(context: &str, e: &io::Error) -> Failure {
        let tls = e
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some());
        Failure {
            message: format!("{context}: {e}"),
            kind: if tls {
                ErrorKind::Tls
            } else {
                ErrorKind::Protocol
            },
            written: true,
            answered: true,
        }
    }

    fn protocol(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            kind: ErrorKind::Protocol,
            written: true,
            answered: true,
        }
    }
}

/// How the body of a response is delimited (RFC 9112, section 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

/// One HTTP/1.1 connection: its stream and read buffer.
pub(crate) struct H1 {
    io: Stream,
    buf: BytesMut,
    /// Body bytes kept at most when a body is kept; the rest is read and counted only.
    max_body: usize,
}

impl H1 {
    pub fn new(io: Stream, max_body: usize) -> H1 {
        H1 {
            io,
            buf: BytesMut::with_capacity(READ_CHUNK),
            max_body,
        }
    }

    /// Whether the server closed the connection (or sent something unasked) since the last
    /// response: then it must not carry another request. Costs a syscall only when the socket
    /// has become readable, which an idle keep-alive connection has not.
    pub fn peer_closed(&self) -> bool {
        if !self.buf.is_empty() {
            return true;
        }
        let mut probe = [0u8; 1];
        match self.io.tcp().try_read(&mut probe) {
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
            // End of stream, or bytes nobody asked for (for TLS, e.g. a close_notify).
            Ok(_) => true,
        }
    }

    /// Writes `request` (a whole encoded request, see [`encode_request`]) and reads the response
    /// to `method` to its end; the body is kept (up to `max_body` bytes) when `keep_body` is set.
    pub async fn send(
        &mut self,
        request: &[u8],
        method: &Method,
        keep_body: bool,
    ) -> Result<Head, Failure> {
        // `write_all`, counting: a request cut off after some bytes went out must not be taken
        // for one that never left.
        let mut sent = 0;
        while sent < request.len() {
            match self.io.write(&request[sent..]).await {
                Ok(0) => {
                    return Err(Failure {
                        written: sent > 0,
                        answered: false,
                        ..Failure::protocol("sending the request: the connection closed")
                    });
                }
                Ok(n) => sent += n,
                Err(e) => {
                    return Err(Failure {
                        written: sent > 0,
                        answered: false,
                        ..Failure::io("sending the request", &e)
                    });
                }
            }
        }
        if let Stream::Tls(_) = self.io {
            self.io.flush().await.map_err(|e| Failure {
                answered: false,
                ..Failure::io("sending the request", &e)
            })?;
        }
        let (status, headers, framing, keep_alive) = self.read_head(method).await?;
        let (body, bytes_in) = match framing {
            Framing::None => (Bytes::new(), 0),
            Framing::Length(n) => self.read_length(n, keep_body).await?,
            Framing::Chunked => self.read_chunked(keep_body).await?,
            Framing::UntilClose => self.read_to_close(keep_body).await?,
        };
        Ok(Head {
            status,
            headers,
            body,
            bytes_in,
            // Bytes past the response were not asked for: the connection is out of step.
            reusable: keep_alive && framing != Framing::UntilClose && self.buf.is_empty(),
        })
    }

    /// Reads more of the stream into the buffer; end of stream is an error naming `what`.
    async fn fill(&mut self, what: &str) -> Result<(), Failure> {
        if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
            self.buf.reserve(READ_CHUNK);
        }
        match self.io.read_buf(&mut self.buf).await {
            Ok(0) => Err(Failure::protocol(format!(
                "connection closed before the end of the {what}"
            ))),
            Ok(_) => Ok(()),
            Err(e) => Err(Failure::io(&format!("reading the {what}"), &e)),
        }
    }

    /// Reads and parses the response head (skipping `1xx` heads): status, headers, how the body
    /// is framed and whether the connection stays open.
    async fn read_head(
        &mut self,
        method: &Method,
    ) -> Result<(u16, HeaderMap, Framing, bool), Failure> {
        // Whether a `1xx` head came before: then the server has answered, whatever follows.
        let mut informational = false;
        loop {
            let parsed = {
                let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut resp = httparse::Response::new(&mut slots);
                match resp.parse(&self.buf) {
                    Ok(httparse::Status::Complete(len)) => {
                        let base = self.buf.as_ptr() as usize;
                        let at = |s: &[u8]| s.as_ptr() as usize - base;
                        let fields: Vec<_> = resp
                            .headers
                            .iter()
                            .map(|h| {
                                let v = at(h.value);
                                (h.name, v..v + h.value.len())
                            })
                            .map(|(name, value)| {
                                HeaderName::from_bytes(name.as_bytes()).map(|n| (n, value))
                            })
                            .collect::<Result<_, _>>()
                            .map_err(|_| Failure::protocol("a response header has a bad name"))?;
                        Some((
                            len,
                            resp.code.unwrap_or(0),
                            resp.version.unwrap_or(1),
                            fields,
                        ))
                    }
                    Ok(httparse::Status::Partial) => None,
                    Err(e) => {
                        return Err(Failure::protocol(format!("a malformed response head: {e}")));
                    }
                }
            };
            let Some((len, status, version, fields)) = parsed else {
                if self.buf.len() > MAX_HEAD {
                    return Err(Failure::protocol(format!(
                        "a response head over {} KB",
                        MAX_HEAD / 1024
                    )));
                }
                let answered = informational || !self.buf.is_empty();
                self.fill("response head")
                    .await
                    .map_err(|f| Failure { answered, ..f })?;
                continue;
            };
            let head = self.buf.split_to(len).freeze();
            if (100..200).contains(&status) {
                informational = true;
                if status == 101 {
                    return Err(Failure::protocol(
                        "the server switched protocols (101), which the engine does not speak",
                    ));
                }
                continue;
            }
            let mut headers = HeaderMap::with_capacity(fields.len());
            for (name, value) in fields {
                let value = HeaderValue::from_maybe_shared(head.slice(value))
                    .map_err(|_| Failure::protocol(format!("a bad value in header {name}")))?;
                headers.append(name, value);
            }
            let framing = framing(method, status, &headers)?;
            let keep_alive = keep_alive(version, &headers);
            return Ok((status, headers, framing, keep_alive));
        }
    }

    /// A body of `n` bytes, of which `max_body` at most are kept.
    async fn read_length(&mut self, n: u64, keep: bool) -> Result<(Bytes, u64), Failure> {
        let kept = if keep {
            usize::try_from(n).map_or(self.max_body, |n| n.min(self.max_body))
        } else {
            0
        };
        let body = if kept > 0 {
            self.buf.reserve(kept.saturating_sub(self.buf.len()));
            while self.buf.len() < kept {
                self.fill("response body").await?;
            }
            self.buf.split_to(kept).freeze()
        } else {
            Bytes::new()
        };
        let mut left = n - kept as u64;
        loop {
            let take = left.min(self.buf.len() as u64);
            self.buf.advance(take as usize);
            left -= take;
            if left == 0 {
                return Ok((body, n));
            }
            self.fill("response body").await?;
        }
    }

    /// A chunked body, decoded; trailers are read and dropped.
    async fn read_chunked(&mut self, keep: bool) -> Result<(Bytes, u64), Failure> {
        let mut body = BytesMut::new();
        let mut total = 0u64;
        loop {
            let size = loop {
                match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((used, size))) => {
                        self.buf.advance(used);
                        break size;
                    }
                    Ok(httparse::Status::Partial) => self.fill("chunk size").await?,
                    Err(_) => return Err(Failure::protocol("a malformed chunk size")),
                }
            };
            if size == 0 {
                return self.skip_trailers().await.map(|()| (body.freeze(), total));
            }
            total += size;
            let mut left = size;
            while left > 0 {
                if self.buf.is_empty() {
                    self.fill("response body").await?;
                }
                let take = left.min(self.buf.len() as u64) as usize;
                if keep {
                    let room = self.max_body.saturating_sub(body.len());
                    body.extend_from_slice(&self.buf[..take.min(room)]);
                }
                self.buf.advance(take);
                left -= take as u64;
            }
            while self.buf.len() < 2 {
                self.fill("response body").await?;
            }
            if &self.buf[..2] != b"\r\n" {
                return Err(Failure::protocol("a chunk not ended by CRLF"));
            }
            self.buf.advance(2);
        }
    }

    /// The trailer section after the last chunk, up to its empty line.
    async fn skip_trailers(&mut self) -> Result<(), Failure> {
        loop {
            match self.buf.windows(2).position(|w| w == b"\r\n") {
                Some(0) => {
                    self.buf.advance(2);
                    return Ok(());
                }
                Some(end) => self.buf.advance(end + 2),
                None if self.buf.len() > MAX_HEAD => {
                    return Err(Failure::protocol("a trailer section too large"));
                }
                None => self.fill("trailers").await?,
            }
        }
    }

    /// A body delimited by the end of the connection, of which `max_body` at most is kept.
    async fn read_to_close(&mut self, keep: bool) -> Result<(Bytes, u64), Failure> {
        let limit = if keep { self.max_body } else { 0 };
        let mut dropped = 0u64;
        loop {
            if self.buf.len() > limit {
                dropped += (self.buf.len() - limit) as u64;
                self.buf.truncate(limit);
            }
            if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
                self.buf.reserve(READ_CHUNK);
            }
            match self.io.read_buf(&mut self.buf).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return Err(Failure::io("reading the response body", &e)),
            }
        }
        if self.buf.len() > limit {
            dropped += (self.buf.len() - limit) as u64;
            self.buf.truncate(limit);
        }
        let body = if limit > 0 {
            self.buf.split().freeze()
        } else {
            Bytes::new()
        };
        let total = body.len() as u64 + dropped;
        Ok((body, total))
    }
}

/// How the body of a response with `status` to `method` is delimited.
fn framing(method: &Method, status: u16, headers: &HeaderMap) -> Result<Framing, Failure> {
    if method == Method::HEAD || status == 204 || status == 304 {
        return Ok(Framing::None);
    }
    if let Some(te) = headers.get(http::header::TRANSFER_ENCODING) {
        let last = te
            .to_str()
            .ok()
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim);
        return Ok(match last {
            Some(coding) if coding.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            _ => Framing::UntilClose,
        });
    }
    let mut length = None;
    for value in headers.get_all(http::header::CONTENT_LENGTH) {
        for part in value.to_str().unwrap_or("x").split(',') {
            let n: u64 = part
                .trim()
                .parse()
                .map_err(|_| Failure::protocol("a malformed Content-Length"))?;
            if length.is_some_and(|m| m != n) {
                return Err(Failure::protocol("conflicting Content-Length headers"));
            }
            length = Some(n);
        }
    }
    Ok(match length {
        Some(0) => Framing::None,
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    })
}

/// Whether the server keeps the connection open after this response. A response with both
/// `Transfer-Encoding` and `Content-Length` ends it (RFC 9112, section 6.3: such a message may be
/// an attempt at response splitting, and what follows it on the connection cannot be trusted).
fn keep_alive(version: u8, headers: &HeaderMap) -> bool {
    if headers.contains_key(http::header::TRANSFER_ENCODING)
        && headers.contains_key(http::header::CONTENT_LENGTH)
    {
        return false;
    }
    let says = |token: &str| {
        headers
            .get_all(http::header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    if version == 0 {
        says("keep-alive")
    } else {
        !says("close")
    }
}

/// Writes the request line, the headers (with a `host` of `authority` when the request has no
/// `Host`, and the body's `content-length`) and the body into `out`, for one `write`.
pub(crate) fn encode_request(
    out: &mut Vec<u8>,
    parts: &http::request::Parts,
    authority: &http::uri::Authority,
    body: &[u8],
) {
    out.clear();
    out.extend_from_slice(parts.method.as_str().as_bytes());
    out.push(b' ');
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    out.extend_from_slice(if target.is_empty() { "/" } else { target }.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let mut header = |name: &[u8], value: &[u8]| {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    };
    if !parts.headers.contains_key(http::header::HOST) {
        header(b"host", authority.as_str().as_bytes());
    }
    for (name, value) in &parts.headers {
        // The body's length is ours to say; the engine never streams a body.
        if name != http::header::CONTENT_LENGTH && name != http::header::TRANSFER_ENCODING {
            header(name.as_str().as_bytes(), value.as_bytes());
        }
    }
    let method = &parts.method;
    if !body.is_empty()
        || *method == Method::POST
        || *method == Method::PUT
        || *method == Method::PATCH
    {
        header(b"content-length", body.len().to_string().as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

#[cfg(test)]
mod tests {
    // The HTTP/1.1 connection against raw TCP servers on 127.0.0.1 that write exactly the bytes a
    // test needs: framings (length, chunked with extensions and trailers, until close, none),
    // `1xx` heads, keep-alive rules, and servers that misbehave.

    use std::time::Duration;

    use http::{Method, Request};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// A server that, for each request it reads (up to the end of its head and `body_len` more
    /// bytes), writes the next of `replies`, then closes. Returns its address and what it received.
    async fn server(
        replies: Vec<&'static [u8]>,
    ) -> (String, tokio::task::JoinHandle<Vec<Vec<u8>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let handle = tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            for reply in replies {
                let mut req = Vec::new();
                let mut byte = [0u8; 1];
                while !req.ends_with(b"\r\n\r\n") {
                    if sock.read(&mut byte).await.unwrap() == 0 {
                        return seen;
                    }
                    req.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&req).to_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .map_or(0, |v| v.trim().parse().unwrap());
                let mut body = vec![0u8; len];
                sock.read_exact(&mut body).await.unwrap();
                req.extend(body);
                seen.push(req);
                sock.write_all(reply).await.unwrap();
            }
            seen
        });
        (addr, handle)
    }

    async fn conn(addr: &str) -> H1 {
        H1::new(Stream::Plain(TcpStream::connect(addr).await.unwrap()), 1024)
    }

    fn encoded(method: Method, path: &str, body: &'static [u8]) -> Vec<u8> {
        let (parts, ()) = Request::builder()
            .method(method)
            .uri(path)
            .header("x-token", "abc")
            .body(())
            .unwrap()
            .into_parts();
        let mut out = Vec::new();
        encode_request(&mut out, &parts, &"example:1".parse().unwrap(), body);
        out
    }

    #[test]
    fn requests_are_encoded_with_host_and_length() {
        let get = encoded(Method::GET, "/a?b=1", b"");
        assert_eq!(
            String::from_utf8(get).unwrap(),
            "GET /a?b=1 HTTP/1.1\r\nhost: example:1\r\nx-token: abc\r\n\r\n"
        );
        let post = encoded(Method::POST, "/a", b"{}");
        assert_eq!(
            String::from_utf8(post).unwrap(),
            "POST /a HTTP/1.1\r\nhost: example:1\r\nx-token: abc\r\ncontent-length: 2\r\n\r\n{}"
        );
        // An empty POST still says its length, or the server would wait for a body.
        let empty = encoded(Method::POST, "/a", b"");
        assert!(
            String::from_utf8(empty)
                .unwrap()
                .contains("content-length: 0\r\n")
        );
    }

    #[tokio::test]
    async fn reads_each_framing_and_keeps_the_connection_when_it_may() {
        let (addr, seen) = server(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Cache: HIT\r\n\r\nhello",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nx-trailer: 1\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
        ])
        .await;
        let mut h1 = conn(&addr).await;
        let get = encoded(Method::GET, "/", b"");
        let r = h1.send(&get, &Method::GET, true).await.unwrap();
        assert_eq!((r.status, &r.body[..], r.bytes_in), (200, &b"hello"[..], 5));
        assert_eq!(r.headers["x-cache"], "HIT");
        assert!(r.reusable && !h1.peer_closed());
        let post = encoded(Method::POST, "/", b"{\"a\":1}");
        let r = h1.send(&post, &Method::POST, true).await.unwrap();
        assert_eq!((r.status, &r.body[..], r.bytes_in), (201, &b"abcde"[..], 5));
        assert!(r.reusable);
        let r = h1.send(&get, &Method::GET, true).await.unwrap();
        assert_eq!((r.status, r.bytes_in), (204, 0));
        // Not kept: counted, not returned.
        let r = h1.send(&get, &Method::GET, false).await.unwrap();
        assert_eq!((r.status, r.body.len(), r.bytes_in), (200, 0, 4));
        let r = h1.send(&get, &Method::GET, true).await.unwrap();
        assert_eq!(&r.body[..], b"until the end");
        assert!(!r.reusable, "a body read to the close ends the connection");
        let seen = seen.await.unwrap();
        assert_eq!(seen.len(), 5);
        assert!(seen[1].ends_with(b"content-length: 7\r\n\r\n{\"a\":1}"));
    }

    #[tokio::test]
    async fn a_closed_keep_alive_connection_is_noticed_before_the_next_request() {
        let (addr, seen) = server(vec![b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]).await;
        let mut h1 = conn(&addr).await;
        let r = h1
            .send(&encoded(Method::GET, "/", b""), &Method::GET, true)
            .await
            .unwrap();
        assert!(r.reusable);
        seen.await.unwrap();
        // The server closed after its one reply: the connection says so without sending anything.
        let mut closed = false;
        for _ in 0..100 {
            closed = h1.peer_closed();
            if closed {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(closed);
    }

    #[tokio::test]
    async fn connection_close_http_1_0_and_stray_bytes_end_reuse() {
        let (addr, _seen) = server(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\na",
            b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb",
            b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\nc",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ndEXTRA",
        ])
        .await;
        let mut h1 = conn(&addr).await;
        let get = encoded(Method::GET, "/", b"");
        let mut reusable = Vec::new();
        for _ in 0..4 {
            reusable.push(h1.send(&get, &Method::GET, true).await.unwrap().reusable);
        }
        assert_eq!(reusable, [false, false, true, false]);
    }

    #[tokio::test]
    async fn broken_responses_are_errors_not_panics() {
        for reply in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"[..],
            b"NOT HTTP\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY",
            b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
            b"",
        ] {
            let (addr, _seen) = server(vec![reply]).await;
            let mut h1 = conn(&addr).await;
            let get = encoded(Method::GET, "/", b"");
            let failure = h1.send(&get, &Method::GET, true).await.unwrap_err();
            assert!(failure.written, "{}", failure.message);
            assert!(!failure.message.is_empty());
        }
    }

    #[tokio::test]
    async fn kept_bodies_stop_at_max_body_and_the_rest_is_read_and_counted() {
        let (addr, _seen) = server(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n0123456789ab",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n7\r\n56789ab\r\n0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789ab",
        ])
        .await;
        let mut h1 = H1::new(Stream::Plain(TcpStream::connect(&addr).await.unwrap()), 8);
        let get = encoded(Method::GET, "/", b"");
        for _ in 0..2 {
            let r = h1.send(&get, &Method::GET, true).await.unwrap();
            assert_eq!((&r.body[..], r.bytes_in), (&b"01234567"[..], 12));
            assert!(
                r.reusable,
                "the whole body was read: the connection is in step"
            );
        }
        let r = h1.send(&get, &Method::GET, true).await.unwrap();
        assert_eq!(&r.body[..], b"next");
        let r = h1.send(&get, &Method::GET, true).await.unwrap();
        assert_eq!((&r.body[..], r.bytes_in), (&b"01234567"[..], 12));
    }

    #[tokio::test]
    async fn transfer_encoding_with_content_length_ends_the_connection() {
        let (addr, _seen) = server(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        ])
        .await;
        let mut h1 = conn(&addr).await;
        let r = h1
            .send(&encoded(Method::GET, "/", b""), &Method::GET, true)
            .await
            .unwrap();
        // Transfer-Encoding wins for the framing, and nothing after it is trusted.
        assert_eq!(&r.body[..], b"ok");
        assert!(!r.reusable);
    }

    #[tokio::test]
    async fn head_responses_have_no_body_whatever_their_length_says() {
        let (addr, _seen) = server(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ])
        .await;
        let mut h1 = conn(&addr).await;
        let r = h1
            .send(&encoded(Method::HEAD, "/", b""), &Method::HEAD, true)
            .await
            .unwrap();
        assert_eq!((r.status, r.bytes_in), (200, 0));
        let r = h1
            .send(&encoded(Method::GET, "/", b""), &Method::GET, true)
            .await
            .unwrap();
        assert_eq!(&r.body[..], b"ok");
    }
}
