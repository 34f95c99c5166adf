//! The transport's settings: connection timeouts, compression and TLS, with the defaults the
//! `serve` flags document.

use std::path::PathBuf;
use std::time::Duration;

/// How SalesHub speaks HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// A connection's first request must begin within this of the accept (TLS handshake
    /// included); on HTTP/1 each request head must arrive whole within this of the moment the
    /// server waits for it (after the accept, or after the previous answer: so it is also how long
    /// an HTTP/1 keep-alive connection may sit idle).
    pub header_timeout: Duration,
    /// A request body must arrive whole within this, counted from its head; else the request is
    /// answered 408 and, on HTTP/1, the connection closed.
    pub body_timeout: Duration,
    /// A connection with no request in flight is closed after this (HTTP/2 with a GOAWAY).
    pub idle_timeout: Duration,
    /// Compress responses over [`super::COMPRESS_ABOVE`] bytes with gzip, br or zstd, as the
    /// client's `Accept-Encoding` asks.
    pub compression: bool,
    /// Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this certificate chain and key.
    pub tls: Option<TlsFiles>,
}

/// PEM files for TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The default `--header-timeout`.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// The default `--body-timeout`.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default `--idle-timeout`.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            compression: true,
            tls: None,
        }
    }
}

impl HttpConfig {
    /// The protocols served, for the start banner: e.g. `HTTP/1.1 and HTTP/2 (h2c, prior
    /// knowledge)`.
    pub fn protocols(&self) -> &'static str {
        if self.tls.is_some() {
            "HTTP/1.1 and HTTP/2 over TLS (ALPN h2, http/1.1)"
        } else {
            "HTTP/1.1 and HTTP/2 (h2c, prior knowledge)"
        }
    }

    /// The URL scheme served.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }
}
